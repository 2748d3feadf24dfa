import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One member of a tar archive. Paths are relative ("usr/local/bin/hello"), without "./",
/// a leading or a trailing "/".
public struct TarEntry: Equatable {
    public enum Content: Equatable {
        case directory
        case bytes(Data)
        /// A regular file on disk, streamed into the archive.
        case file(String)
        /// A symbolic link with this target.
        case symlink(String)
    }

    public var path: String
    public var mode: UInt32
    public var content: Content

    public init(path: String, mode: UInt32, content: Content) {
        self.path = path
        self.mode = mode
        self.content = content
    }

    public static func directory(_ path: String, mode: UInt32 = 0o755) -> TarEntry {
        TarEntry(path: path, mode: mode, content: .directory)
    }

    public static func file(_ path: String, mode: UInt32 = 0o644, bytes: Data) -> TarEntry {
        TarEntry(path: path, mode: mode, content: .bytes(bytes))
    }

    public static func file(_ path: String, mode: UInt32 = 0o644, from source: String) -> TarEntry {
        TarEntry(path: path, mode: mode, content: .file(source))
    }

    public static func symlink(_ path: String, to target: String) -> TarEntry {
        TarEntry(path: path, mode: 0o777, content: .symlink(target))
    }
}

/// A tar archive's digest and size, as an OCI descriptor needs them.
public struct BlobInfo: Equatable {
    /// "sha256:<hex>"
    public let digest: String
    public let size: Int64
    public var hex: String { String(digest.dropFirst("sha256:".count)) }
}

/// A deterministic POSIX ustar writer. The same entries give the same bytes: members
/// sorted by path (bytewise), every parent directory present, uid/gid 0 with no user
/// or group names, one mtime for all, no device numbers. A path too long for ustar's
/// 155+100-byte split gets a PAX `path` record (likewise `size` past 8 GiB); the PAX
/// header is named after the path itself ("PaxHeaders/<base name>"), never a pid.
public enum Tar {
    public static let blockSize = 512

    /// The archive in memory (small archives and tests).
    public static func data(_ entries: [TarEntry], mtime: Int64 = 0) throws -> Data {
        var out = Data()
        try write(entries, mtime: mtime) { out.append($0) }
        return out
    }

    /// Writes the archive to `path` atomically (through `FileSystem`: a new file beside it,
    /// renamed into place, no link followed) and returns its SHA-256 and size.
    @discardableResult
    public static func write(_ entries: [TarEntry], mtime: Int64 = 0, to path: String, mode: mode_t = 0o644) throws -> BlobInfo {
        var hash = SHA256()
        var size: Int64 = 0
        try FileSystem.writeStream(to: path, mode: mode) { sink in
            try write(entries, mtime: mtime) { chunk in
                hash.update(chunk)
                size += Int64(chunk.count)
                try sink(chunk)
            }
        }
        return BlobInfo(digest: "sha256:" + hex(hash.finish()), size: size)
    }

    /// Streams the archive to `sink` in order.
    public static func write(_ entries: [TarEntry], mtime: Int64, to sink: (Data) throws -> Void) throws {
        guard mtime >= 0, mtime <= 0o77777777777 else {
            throw CargoStaticError(.badInput, "the archive time \(mtime) is outside what a tar header holds (0 … 8589934591)",
                                   fix: "set SOURCE_DATE_EPOCH to a time after 1970 (seconds since the epoch), or unset it")
        }
        for entry in try normalized(entries) {
            try writeEntry(entry, mtime: mtime, to: sink)
        }
        try sink(Data(count: 2 * blockSize))
    }

    /// The entries as they are archived: validated, parents added (mode 0755), sorted.
    public static func normalized(_ entries: [TarEntry]) throws -> [TarEntry] {
        var byPath: [String: TarEntry] = [:]
        for entry in entries {
            let path = try cleanPath(entry.path)
            guard byPath[path] == nil else {
                throw CargoStaticError(.badInput, "two archive members are named \(path)", fix: "give each file its own path in the image")
            }
            byPath[path] = TarEntry(path: path, mode: entry.mode, content: entry.content)
        }
        for path in Array(byPath.keys) {
            var parts = path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                let parent = parts.joined(separator: "/")
                if let existing = byPath[parent] {
                    guard existing.content == .directory else {
                        throw CargoStaticError(.badInput, "\(parent) is a file and also the directory of \(path)",
                                               fix: "choose paths that do not nest under a file")
                    }
                } else {
                    byPath[parent] = .directory(parent)
                }
                parts = parts.dropLast()
            }
        }
        return byPath.values.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    static func cleanPath(_ raw: String) throws -> String {
        var path = raw
        while path.hasPrefix("./") { path.removeFirst(2) }
        while path.hasPrefix("/") { path.removeFirst() }
        while path.hasSuffix("/") { path.removeLast() }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }), !path.utf8.contains(0) else {
            throw CargoStaticError(.badInput, "`\(raw)` is not a usable archive path", fix: "use a relative path without empty, `.` or `..` components")
        }
        return path
    }

    private static func writeEntry(_ entry: TarEntry, mtime: Int64, to sink: (Data) throws -> Void) throws {
        let size: Int64
        switch entry.content {
        case .directory, .symlink: size = 0
        case .bytes(let data): size = Int64(data.count)
        case .file(let source):
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: source),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let bytes = (attributes[.size] as? NSNumber)?.int64Value else {
                throw CargoStaticError(.badInput, "\(source) is not a readable regular file", fix: "check the path; it must be a file, not a directory or a link to nothing")
            }
            size = bytes
        }
        let name = entry.content == .directory ? entry.path + "/" : entry.path
        var pax: [(String, String)] = []
        let split = splitName(name)
        if split == nil { pax.append(("path", name)) }
        if size > maxOctal(11) { pax.append(("size", String(size))) }
        var linkName = ""
        if case .symlink(let target) = entry.content {
            if target.utf8.count > 100 || target.utf8.contains(0) { pax.append(("linkpath", target)) } else { linkName = target }
        }
        if !pax.isEmpty {
            let records = paxRecords(pax)
            try sink(header(name: paxHeaderName(entry.path), mode: 0o644, size: Int64(records.count), mtime: mtime, type: "x"))
            try sink(records + padding(Int64(records.count)))
        }
        let (prefix, short) = split ?? ("", String(decoding: Array(name.utf8.prefix(100)), as: UTF8.self))
        let type: Character
        switch entry.content {
        case .directory: type = "5"
        case .symlink: type = "2"
        case .bytes, .file: type = "0"
        }
        try sink(header(name: short, prefix: prefix, mode: entry.mode, size: size > maxOctal(11) ? 0 : size, mtime: mtime,
                        type: type, linkName: linkName))
        switch entry.content {
        case .directory, .symlink: break
        case .bytes(let data): try sink(data)
        case .file(let source): try stream(source, expected: size, to: sink)
        }
        try sink(padding(size))
    }

    private static func stream(_ source: String, expected: Int64, to sink: (Data) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: source) else {
            throw CargoStaticError(.badInput, "cannot read \(source)", fix: "check its permissions")
        }
        defer { try? handle.close() }
        var copied: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            copied += Int64(chunk.count)
            guard copied <= expected else { break }
            try sink(chunk)
        }
        guard copied == expected else {
            throw CargoStaticError(.badInput, "\(source) changed size while it was archived (\(expected) bytes expected, \(copied) read)",
                                   fix: "run the command again once nothing else is writing the file")
        }
    }

    /// ustar stores a long name as prefix "/" name: the prefix up to 155 bytes, the name up to 100.
    static func splitName(_ name: String) -> (prefix: String, name: String)? {
        let bytes = Array(name.utf8)
        if bytes.count <= 100 { return ("", name) }
        // A directory's trailing "/" belongs to the name part.
        let searchEnd = bytes.last == 0x2F ? bytes.count - 1 : bytes.count
        for i in stride(from: min(155, searchEnd - 1), through: 1, by: -1) where bytes[i] == 0x2F {
            let rest = bytes.count - i - 1
            if rest > 100 { return nil }
            if rest >= 1 {
                return (String(decoding: bytes[..<i], as: UTF8.self), String(decoding: bytes[(i + 1)...], as: UTF8.self))
            }
        }
        return nil
    }

    /// "PaxHeaders/<base name>", cut to fit the 100-byte name field on a character boundary.
    static func paxHeaderName(_ path: String) -> String {
        var base = String(path.split(separator: "/").last ?? "")
        while base.utf8.count > 89 { base.removeLast() }
        return "PaxHeaders/" + base
    }

    /// PAX records: "<length> <key>=<value>\n", where the length counts the whole record.
    static func paxRecords(_ pairs: [(String, String)]) -> Data {
        var out = Data()
        for (key, value) in pairs {
            let body = " \(key)=\(value)\n".utf8.count
            var length = body + 1
            while String(length).count + body != length { length += 1 }
            out.append(contentsOf: "\(length) \(key)=\(value)\n".utf8)
        }
        return out
    }

    static func header(name: String, prefix: String = "", mode: UInt32, size: Int64, mtime: Int64, type: Character,
                       linkName: String = "") -> Data {
        var h = [UInt8](repeating: 0, count: blockSize)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, byte) in text.utf8.prefix(width).enumerated() { h[offset + i] = byte }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits, at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(Int64(mode & 0o7777), at: 100, width: 8)
        octal(0, at: 108, width: 8)            // uid
        octal(0, at: 116, width: 8)            // gid
        octal(size, at: 124, width: 12)
        octal(mtime, at: 136, width: 12)
        h[156] = type.asciiValue!
        put(linkName, at: 157, width: 100)
        put("ustar", at: 257, width: 6)        // magic "ustar\0"
        put("00", at: 263, width: 2)           // version
        put(prefix, at: 345, width: 155)
        // The checksum is computed with its own field as eight spaces.
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int64($1) }
        let digits = String(sum, radix: 8)
        put(String(repeating: "0", count: 6 - digits.count) + digits, at: 148, width: 6)
        h[154] = 0
        h[155] = 0x20
        return Data(h)
    }

    static func maxOctal(_ digits: Int) -> Int64 { (Int64(1) << (3 * Int64(digits))) - 1 }

    static func padding(_ size: Int64) -> Data {
        let rest = Int(size % Int64(blockSize))
        return rest == 0 ? Data() : Data(count: blockSize - rest)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
