import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One invocation: the context read at start-up, the runner, the reporter and the cache,
/// and the error and interrupt handling around a command.
public struct Session {
    public let context: Context
    public let runner: Runner
    public let reporter: Reporter
    public let store: CacheStore

    public init(context: Context = .process, quiet: Bool = false, verbose: Bool = false, color: Bool? = nil) {
        self.context = context
        let verbose = verbose || context.verbose
        runner = Runner(context: context, verbose: verbose)
        reporter = Reporter(quiet: quiet, verbose: verbose, color: color)
        store = CacheStore(layout: .using(context.cacheRoot, sharedZigCache: context.zigCacheDirectory))
        LibraryResolver.install(for: context)
    }

    public var layout: CacheLayout { store.layout }

    /// Runs `body`; a `CargoStaticError` is printed once (with JSON on stdout when asked)
    /// and becomes the exit status.
    public static func run(_ session: Session, json: Bool, _ body: (Session) throws -> Void) throws -> Int32 {
        installInterruptHandler()
        do {
            try CacheSafety.check(session.layout)
            try body(session)
            return 0
        } catch let error as CargoStaticError {
            return session.report(error, json: json)
        } catch let error as NSError where [NSCocoaErrorDomain, NSPOSIXErrorDomain].contains(error.domain) {
            // A file operation no step explained: its path and errno, never Foundation's text.
            let path = error.userInfo[NSFilePathErrorKey] as? String ?? session.layout.shown
            return session.report(FileSystem.explain(error, at: path) as? CargoStaticError
                                  ?? CargoStaticError(.commandFailed, "a file operation failed"), json: json)
        }
    }

    private func report(_ error: CargoStaticError, json: Bool) -> Int32 {
        reporter.error(error.description)
        if json, let text = try? encodeJSON(ErrorReport(error: error)) { print(text) }
        return error.exitCode
    }

    public func planner() -> Planner { Planner(runner: runner, reporter: reporter, store: store) }

    static func installInterruptHandler() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { number in
                ChildProcesses.shared.terminateAll()
                let text = "\ninterrupted: nothing half-built was published to the cache; the next run resumes where this one stopped\n"
                text.withCString { _ = write(STDERR_FILENO, $0, strlen($0)) }
                _exit(128 + number)
            }
        }
    }
}

/// What a failed command prints with `--json` (decoded by tools and tests).
public struct ErrorReport: Codable {
    public let error: String
    public let kind: String
    public let fix: String?
    public init(error: CargoStaticError) {
        self.error = error.message
        self.kind = error.kind.rawValue
        self.fix = error.fix
    }
}

/// Every build executes wrappers from the cache: a cache another user can write to would
/// let them run code as whoever builds. Checked before each command.
public enum CacheSafety {
    public static func check(_ layout: CacheLayout) throws {
        let me = geteuid()
        for path in [layout.root] + ["cc", "std", "deps", "archives"].map({ layout.root + "/" + $0 }) {
            var st = stat()
            guard stat(path, &st) == 0 else { continue }
            let writableByOthers = st.st_mode & 0o022 != 0
            // root's own cache is no risk to another user: root can change anything anyway.
            let foreignOwner = st.st_uid != me && st.st_uid != 0
            if foreignOwner || writableByOthers {
                let mode = String(st.st_mode & 0o7777, radix: 8)
                throw CargoStaticError(.badInput, "the cache directory \(path) can be written by \(foreignOwner ? "another user (it belongs to uid \(st.st_uid))" : "other users (mode \(mode))"); builds execute wrappers from it",
                                       fix: foreignOwner ? "use a cache of your own: CARGO_STATIC_CACHE=$HOME/.cache/cargo-static" : "chmod go-w \(Shell.quote(path))")
            }
        }
    }

    /// Builds write to the cache (locks, wrappers, zig's cache, entries): a cache that cannot
    /// be written is named before anything runs, with the way to use its entries anyway.
    public static func requireWritable(_ layout: CacheLayout) throws {
        var existing = layout.root
        while access(existing, F_OK) != 0, existing != "/" { existing = (existing as NSString).deletingLastPathComponent }
        guard access(existing, W_OK) != 0 else { return }
        let readOnly = errno == EROFS
        throw CargoStaticError(.badInput, "the cache \(layout.shown) cannot be written: " + (readOnly ? "it is on a read-only file system" : "\(existing) is not writable by you"),
                               fix: (readOnly ? "" : "make it yours (chown -R \(Shell.quote(existing))) or ")
                                + "point CARGO_STATIC_CACHE at a writable directory; to reuse this cache's entries there: "
                                + "CARGO_STATIC_CACHE=\(Shell.quote(layout.shown)) cargo-static cache export entries.tar, then cargo-static cache import entries.tar")
    }
}
