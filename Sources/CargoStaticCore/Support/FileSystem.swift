import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one layer every write of the tool goes through (the cache, imports, exports, the
/// artifact directory, image output, install). The tool often runs as root, so it never
/// follows a symbolic link it did not make: paths are walked one component at a time
/// with `openat(O_NOFOLLOW | O_DIRECTORY)` from an opened directory, files are created
/// with `O_CREAT | O_EXCL | O_NOFOLLOW` beside their destination and renamed into place
/// with `renameat`, and permissions are set with `fchmod` on the opened descriptor. Where
/// a directory is expected and a link or a file is found, it refuses before changing
/// anything. Permissions are explicit whatever the umask, and failures name the path and
/// the fix instead of Foundation's error codes.
public enum FileSystem {
    /// What a path names, without following a final link.
    public enum Kind: Equatable { case missing, directory, regular, symlink, other }

    /// `O_PATH` (not exported by the Glibc module): an descriptor for walking, not reading.
    static let openPath: Int32 = 0o10000000

    // MARK: directories

    /// Links this process made itself and may follow (the cache's plain-path alias), with
    /// the target each must still hold.
    nonisolated(unsafe) private static var ownLinks: [String: String] = [:]
    private static let ownLinksLock = NSLock()

    /// Records a link the tool made, so that walks through it are allowed while it still
    /// names `target`.
    public static func madeLink(_ path: String, target: String) {
        ownLinksLock.lock(); defer { ownLinksLock.unlock() }
        ownLinks[path] = target
    }

    static func ownLinkTarget(_ path: String) -> String? {
        ownLinksLock.lock(); defer { ownLinksLock.unlock() }
        return ownLinks[path]
    }

    /// Opens the directory `path`, creating missing components (0755) when `create`. Every
    /// existing component must be a real directory: a link or a file is refused.
    public static func openDirectory(_ path: String, create: Bool = false) throws -> Directory {
        try openDirectory(path, create: create, links: 0)
    }

    static func openDirectory(_ path: String, create: Bool, links: Int) throws -> Directory {
        let absolute = path.hasPrefix("/")
        let start = open(absolute ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard start >= 0 else { throw explain(POSIXError.current, at: path) }
        var current = Directory(fd: start, path: absolute ? "/" : ".")
        var walked = absolute ? "" : "."
        for component in path.split(separator: "/").map(String.init) where component != "." {
            walked += "/" + component
            current = try current.child(component, create: create, shownAs: walked.hasPrefix("./") ? String(walked.dropFirst(2)) : walked,
                                        wanted: path, links: links)
        }
        return current
    }

    /// The most links one walk follows (the kernel's own limit is 40).
    static let maximumLinks = 16

    /// Creates a directory (and parents) with mode 0755; an existing one is left as it is.
    public static func makeDirectory(_ path: String) throws {
        _ = try openDirectory(path, create: true)
    }

    /// The directory holding `path` (created) and the last component of `path`.
    static func parent(of path: String, create: Bool = true) throws -> (Directory, String) {
        let name = (path as NSString).lastPathComponent
        guard !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw CargoStaticError(.badInput, "cannot write \(path): it names no file", fix: "name a file, not a directory")
        }
        let dir = (path as NSString).deletingLastPathComponent
        return (try openDirectory(dir.isEmpty ? "." : dir, create: create), name)
    }

    /// A new private directory `<parent>/cargo-static-<label>-XXXXXX`; `purpose` (" for …")
    /// and `fix` complete the error when none can be made.
    public static func temporaryDirectory(in parent: String, label: String, purpose: String = "",
                                          fix: String = "point TMPDIR at a writable directory") throws -> String {
        let dir: Directory
        do { dir = try openDirectory(parent) } catch {
            throw CargoStaticError(.badInput, "cannot create a directory under \(parent)\(purpose): \((error as? CargoStaticError)?.message ?? "\(error)")", fix: fix)
        }
        for _ in 0..<100 {
            let name = "cargo-static-\(label)-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            if mkdirat(dir.fd, name, 0o700) == 0 { return parent + "/" + name }
            if errno != EEXIST { break }
        }
        throw CargoStaticError(.badInput, "cannot create a directory under \(parent)\(purpose): \(String(cString: strerror(errno)))", fix: fix)
    }

    /// `device:inode:size:mtime:ctime` (nanoseconds) of what `path` names when it is of
    /// `kind`, without following a final link: a replaced or edited file has another (the
    /// memos beside executables and source trees are keyed by it).
    public static func identity(_ path: String, of kind: Kind) -> String? {
        var st = stat()
        guard lstat(path, &st) == 0, Directory.kind(st.st_mode) == kind else { return nil }
        return "\(st.st_dev):\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
    }

    /// What `path` names, without following a final link.
    public static func kind(_ path: String) -> Kind {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        return Directory.kind(st.st_mode)
    }

    /// Size and modification time of what `path` names, without following a final link
    /// (what `FileManager.attributesOfItem` reports, without its owner and group look-ups,
    /// which read /etc/passwd and /etc/group on every call: the warm path stats hundreds of files).
    public static func status(_ path: String) -> (size: UInt64, modified: Date)? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        // The same arithmetic as Foundation's, so stamps recorded through either agree to the bit.
        let seconds = Double(st.st_mtim.tv_sec) - Date.timeIntervalBetween1970AndReferenceDate + Double(st.st_mtim.tv_nsec) / 1_000_000_000
        return (UInt64(st.st_size), Date(timeIntervalSinceReferenceDate: seconds))
    }

    // MARK: files

    /// Writes a file atomically (a new file beside it, renamed into place) with an explicit mode.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let (dir, name) = try parent(of: path)
        try dir.write(data, name: name, mode: mode)
    }

    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try write(Data(text.utf8), to: path, mode: mode)
    }

    /// Writes a file atomically from chunks handed to the sink (buffered), with an explicit mode.
    public static func writeStream(to path: String, mode: mode_t = 0o644, _ body: (_ sink: (Data) throws -> Void) throws -> Void) throws {
        let (dir, name) = try parent(of: path)
        try dir.writeAtomically(name: name, mode: mode) { out in
            var buffer = Data()
            func flush() throws {
                try buffer.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                    if let base = bytes.baseAddress { try Directory.writeAll(out, base, count: bytes.count) }
                }
                buffer.removeAll(keepingCapacity: true)
            }
            try body { chunk in
                buffer.append(chunk)
                if buffer.count >= 1 << 20 { try flush() }
            }
            try flush()
        }
    }

    /// Copies a file atomically, keeping its permission bits (never set-id): a reader of
    /// `path` sees the old file or the whole new one, never a part.
    public static func copy(_ source: String, to path: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw CargoStaticError(.commandFailed, "cannot read \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw CargoStaticError(.commandFailed, "cannot copy \(source): not a regular file")
        }
        let (dir, name) = try parent(of: path)
        try dir.writeAtomically(name: name, mode: st.st_mode & 0o777) { out in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(input, &buffer, buffer.count)
                if n < 0 { if errno == EINTR { continue }; throw POSIXError.current }
                if n == 0 { return }
                try Directory.writeAll(out, buffer, count: n)
            }
        }
    }

    /// Renames `source` to `destination` (same file system), replacing a file there but
    /// never following a link on either side.
    public static func rename(_ source: String, to destination: String) throws {
        let (from, fromName) = try parent(of: source, create: false)
        let (to, toName) = try parent(of: destination)
        guard renameat(from.fd, fromName, to.fd, toName) == 0 else { throw explain(POSIXError.current, at: destination) }
    }

    /// Removes the file or link `path` (never a directory, never what a link names).
    public static func removeFile(_ path: String) throws {
        let (dir, name) = try parent(of: path)
        guard dir.kind(name) != .directory else { throw refusal(path, "it is a directory") }
        guard unlinkat(dir.fd, name, 0) == 0 || errno == ENOENT else { throw explain(POSIXError.current, at: path) }
    }

    /// Puts the directory `staging` in the place of `path` (a directory or nothing): the old
    /// one is moved aside, the new one renamed in, the old one removed. A file or a link at
    /// `path` is refused, not replaced.
    public static func replaceDirectory(_ path: String, with staging: String) throws {
        let (dir, name) = try parent(of: path)
        let (from, stagingName) = try parent(of: staging, create: false)
        switch dir.kind(name) {
        case .missing:
            try from.rename(stagingName, to: dir, as: name)
        case .directory:
            let aside = Directory.temporaryName(name)
            try dir.rename(name, to: dir, as: aside)
            try from.rename(stagingName, to: dir, as: name)
            try dir.remove(aside)
        case .symlink: throw refusal(path, "it is a symbolic link")
        default: throw refusal(path, "it is not a directory")
        }
    }

    /// Removes `path` and, for a directory, everything below it; links are removed, never followed.
    public static func removeTree(_ path: String) throws {
        guard kind(path) != .missing else { return }
        let (dir, name) = try parent(of: path, create: false)
        try dir.remove(name)
    }

    /// Directories 0755, files 0644 (0755 when anyone could execute them), links untouched.
    public static func normalisePermissions(_ root: String) throws {
        try openDirectory(root).normalisePermissions()
    }

    /// Replaces each link below `root` (what a build's `make install` may leave, such as
    /// `libcurses.a -> libncurses.a`) by a copy of the regular file it names inside `root`,
    /// and removes the links that name nothing there: an entry holds regular files and
    /// directories only, so that no link is ever carried to another machine.
    public static func replaceLinks(_ root: String) throws {
        var links = try openDirectory(root).walk().filter { $0.kind == .symlink }.map(\.path)
        var changed = true
        while changed, !links.isEmpty {
            changed = false
            for link in links {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + link),
                      let inside = lexicallyInside(target, from: link), kind(root + "/" + inside) == .regular,
                      (try? openDirectory(root + "/" + ((inside as NSString).deletingLastPathComponent))) != nil else { continue }
                try removeTree(root + "/" + link)
                try copy(root + "/" + inside, to: root + "/" + link)
                links.removeAll { $0 == link }
                changed = true
            }
        }
        for link in links { try removeTree(root + "/" + link) }
    }

    /// The path (relative to the root) that a relative link at `link` names, when it stays below the root.
    static func lexicallyInside(_ target: String, from link: String) -> String? {
        guard !target.hasPrefix("/") else { return nil }
        var parts = link.split(separator: "/").dropLast().map(String.init)
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": guard !parts.isEmpty else { return nil }; parts.removeLast()
            default: parts.append(String(component))
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    // MARK: errors

    /// A Foundation or POSIX failure as a message with the path and the fix. Foundation's
    /// own text ("NSCocoaErrorDomain Code=640") is never shown.
    public static func explain(_ error: Error, at path: String) -> Error {
        // Errors of the tool's own (a configure step's missing libraries) are not file-system errors.
        if error is CargoStaticError || error is LibraryConfigureFailed { return error }
        let code = posixCode(error)
        switch code {
        case ENOSPC, EDQUOT:
            return DiskSpace.error(at: path, output: "")
        case EROFS, EACCES, EPERM:
            let why = code == EROFS ? "it is on a read-only file system" : "permission denied"
            return CargoStaticError(.badInput, "cannot write to \(path): \(why)",
                                    fix: code == EROFS
                                        ? "point CARGO_STATIC_CACHE at a directory on a writable file system (a read-only cache can still be read by `cache export` and `cache verify`)"
                                        : "make it writable by you (chown or chmod u+w), or point CARGO_STATIC_CACHE at a writable directory")
        case ELOOP:
            return refusal(path, "a symbolic link is in the way")
        case 0:
            return CargoStaticError(.commandFailed, "cannot write \(path)", fix: "check the path and the free space, then run the command again")
        default:
            return CargoStaticError(.commandFailed, "cannot write \(path): \(String(cString: strerror(code)))",
                                    fix: "check the path, then run the command again")
        }
    }

    static func refusal(_ path: String, _ why: String) -> CargoStaticError {
        CargoStaticError(.badInput, "refusing to write \(path): \(why)",
                         fix: "cargo-static writes through no symbolic link another user could have made, and replaces no file with a directory; name the real directory (`realpath`), or move what is in the way")
    }

    /// The errno behind a POSIX or Foundation error (0 when none is known).
    static func posixCode(_ error: Error) -> Int32 {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        guard ns.domain == NSCocoaErrorDomain else { return 0 }
        switch ns.code {
        case CocoaError.fileWriteOutOfSpace.rawValue: return ENOSPC
        case CocoaError.fileWriteVolumeReadOnly.rawValue: return EROFS
        case CocoaError.fileWriteNoPermission.rawValue, CocoaError.fileReadNoPermission.rawValue: return EACCES
        default: return 0
        }
    }
}

/// An opened directory: every operation is relative to its descriptor and never follows a
/// link at the name it acts on.
public final class Directory {
    public let fd: Int32
    /// For messages.
    public let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    static func kind(_ mode: mode_t) -> FileSystem.Kind {
        switch mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    func shown(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// What `name` is here (`fstatat(AT_SYMLINK_NOFOLLOW)`).
    public func kind(_ name: String) -> FileSystem.Kind {
        var st = stat()
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return .missing }
        return Self.kind(st.st_mode)
    }

    func readLink(_ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlinkat(fd, name, &buffer, 4096)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The subdirectory `name` (one component), made (0755) when missing and `create`.
    func child(_ name: String, create: Bool, shownAs: String? = nil, wanted: String? = nil, links: Int = 0) throws -> Directory {
        let shown = shownAs ?? self.shown(name)
        let wanted = wanted ?? shown
        var opened = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if opened < 0, errno == EACCES { opened = openat(fd, name, FileSystem.openPath | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        if opened >= 0 { return Directory(fd: opened, path: shown) }
        let failure = errno
        switch kind(name) {
        case .symlink:
            if let target = FileSystem.ownLinkTarget(shown), readLink(name) == target {
                let followed = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if followed >= 0 { return Directory(fd: followed, path: shown) }
            }
            // A link nobody else could have made (the user's own `~/.cache -> /data/cache`) is
            // followed, its target walked by the same rules; any other link is refused.
            if links < FileSystem.maximumLinks, isTrustedLink(name), let target = readLink(name) {
                return try target.hasPrefix("/")
                    ? FileSystem.openDirectory(target, create: false, links: links + 1)
                    : subdirectory(target, create: false, links: links + 1)
            }
            throw FileSystem.refusal(wanted, "\(shown) is a symbolic link that another user could have made (only links owned by you or root, in a directory nobody else can write to, are followed)")
        case .regular, .other: throw FileSystem.refusal(wanted, "\(shown) is not a directory")
        case .directory: throw FileSystem.explain(POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO), at: shown)
        case .missing:
            guard create else { throw FileSystem.explain(POSIXError(POSIXErrorCode(rawValue: failure) ?? .ENOENT), at: shown) }
        }
        guard mkdirat(fd, name, 0o700) == 0 || errno == EEXIST else { throw FileSystem.explain(POSIXError.current, at: shown) }
        let made = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard made >= 0 else {
            if kind(name) == .symlink { throw FileSystem.refusal(wanted, "\(shown) is a symbolic link") }
            throw FileSystem.explain(POSIXError.current, at: shown)
        }
        fchmod(made, 0o755)
        return Directory(fd: made, path: shown)
    }

    /// The directory at `relative` (several components) below this one.
    public func subdirectory(_ relative: String, create: Bool) throws -> Directory {
        try subdirectory(relative, create: create, links: 0)
    }

    func subdirectory(_ relative: String, create: Bool, links: Int) throws -> Directory {
        var current = self
        for component in relative.split(separator: "/").map(String.init) where component != "." {
            current = try current.child(component, create: create, links: links)
        }
        return current
    }

    /// A link the user or root made where no one else can write: owned by root or by this
    /// process's user, in this directory, which no other user may change (not writable by
    /// group or others; or sticky, as /tmp, with the link owned by this user: the kernel's
    /// protected_symlinks rule). Archives never bring links (imports refuse them).
    func isTrustedLink(_ name: String) -> Bool {
        var link = stat(), here = stat()
        guard fstatat(fd, name, &link, AT_SYMLINK_NOFOLLOW) == 0, fstat(fd, &here) == 0 else { return false }
        let me = geteuid()
        guard link.st_uid == me || link.st_uid == 0 else { return false }
        guard here.st_uid == me || here.st_uid == 0 else { return false }
        let othersMayWrite = here.st_mode & (S_IWGRP | S_IWOTH) != 0
        let sticky = here.st_mode & S_ISVTX != 0
        return !othersMayWrite || (sticky && link.st_uid == me)
    }

    /// The names in this directory ("." and ".." left out).
    public func names() throws -> [String] {
        let listing = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listing >= 0, let stream = fdopendir(listing) else {
            let error = POSIXError.current
            throw FileSystem.explain(error, at: path)
        }
        defer { closedir(stream) }
        var out: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != ".", name != ".." { out.append(name) }
        }
        return out.sorted()
    }

    static var counter = 0
    static let counterLock = NSLock()
    static func temporaryName(_ name: String) -> String {
        counterLock.lock(); defer { counterLock.unlock() }
        counter += 1
        return ".\(name).tmp-\(getpid())-\(counter)"
    }

    /// Creates `name` atomically: `body` fills a new file beside it (`O_EXCL | O_NOFOLLOW`),
    /// which gets `mode` with `fchmod` and is then renamed over `name`.
    public func writeAtomically(name: String, mode: mode_t, _ body: (Int32) throws -> Void) throws {
        let tmp = Self.temporaryName(name)
        let out = openat(fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw FileSystem.explain(POSIXError.current, at: shown(name)) }
        do {
            try body(out)
            guard fchmod(out, mode) == 0 else { throw POSIXError.current }
            guard close(out) == 0 else { throw POSIXError.current }
        } catch {
            close(out)
            unlinkat(fd, tmp, 0)
            throw FileSystem.explain(error, at: shown(name))
        }
        guard renameat(fd, tmp, fd, name) == 0 else {
            let error = POSIXError.current
            unlinkat(fd, tmp, 0)
            if error.code == .EISDIR || kind(name) == .directory { throw FileSystem.refusal(shown(name), "it is a directory") }
            throw FileSystem.explain(error, at: shown(name))
        }
    }

    public func write(_ data: Data, name: String, mode: mode_t = 0o644) throws {
        try writeAtomically(name: name, mode: mode) { out in
            try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                guard let base = bytes.baseAddress else { return }
                try Self.writeAll(out, base, count: bytes.count)
            }
        }
    }

    /// Creates the new file `name` (it must not exist; a link there is not followed) and
    /// returns its descriptor, open for writing.
    public func createNew(_ name: String, mode: mode_t = 0o600) throws -> Int32 {
        let out = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard out >= 0 else { throw FileSystem.explain(POSIXError.current, at: shown(name)) }
        return out
    }

    static func writeAll(_ out: Int32, _ base: UnsafeRawPointer, count: Int) throws {
        var offset = 0
        while offset < count {
            let n = Glibc.write(out, base + offset, count - offset)
            if n < 0 { if errno == EINTR { continue }; throw POSIXError.current }
            offset += n
        }
    }

    /// Removes `name`: a file or link is unlinked, a directory emptied (without following
    /// any link in it) and removed.
    public func remove(_ name: String) throws {
        switch kind(name) {
        case .missing: return
        case .directory:
            let sub = try child(name, create: false)
            for item in try sub.names() { try sub.remove(item) }
            guard unlinkat(fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT else { throw FileSystem.explain(POSIXError.current, at: shown(name)) }
        default:
            guard unlinkat(fd, name, 0) == 0 || errno == ENOENT else { throw FileSystem.explain(POSIXError.current, at: shown(name)) }
        }
    }

    /// Renames `name` here to `newName` in `target` (which may be this directory).
    public func rename(_ name: String, to target: Directory, as newName: String) throws {
        guard renameat(fd, name, target.fd, newName) == 0 else { throw FileSystem.explain(POSIXError.current, at: target.shown(newName)) }
    }

    /// Directories 0755, files 0644 (0755 when anyone could execute them), links and
    /// special files untouched; every change through a descriptor opened without following links.
    public func normalisePermissions() throws {
        fchmod(fd, 0o755)
        for name in try names() {
            switch kind(name) {
            case .directory: try child(name, create: false).normalisePermissions()
            case .regular:
                let file = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
                guard file >= 0 else { continue }
                var st = stat()
                if fstat(file, &st) == 0, st.st_mode & S_IFMT == S_IFREG { fchmod(file, st.st_mode & 0o111 != 0 ? 0o755 : 0o644) }
                close(file)
            default: break
            }
        }
    }

    /// Every file below this directory that is not a directory, relative, with its kind
    /// (links are listed, never followed).
    public func walk() throws -> [(path: String, kind: FileSystem.Kind)] {
        var out: [(String, FileSystem.Kind)] = []
        func visit(_ dir: Directory, _ prefix: String) throws {
            for name in try dir.names() {
                let relative = prefix.isEmpty ? name : prefix + "/" + name
                let kind = dir.kind(name)
                if kind == .directory { try visit(try dir.child(name, create: false), relative) } else { out.append((relative, kind)) }
            }
        }
        try visit(self, "")
        return out.sorted { $0.0 < $1.0 }
    }
}

extension POSIXError {
    /// The error `errno` holds now.
    static var current: POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
