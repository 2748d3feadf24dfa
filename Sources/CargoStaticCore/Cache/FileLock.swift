import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock on a file (flock). The kernel drops it when the process dies,
/// even by kill -9, so a crashed build never leaves the cache locked.
public final class FileLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock, calling `onWait` once if another process holds it.
    public init(path: String, onWait: (() -> Void)? = nil) throws {
        self.path = path
        let (dir, name) = try FileSystem.parent(of: path)
        fd = openat(dir.fd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.explain(POSIXError.current, at: path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            onWait?()
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR { close(fd); throw CargoStaticError(.commandFailed, "cannot lock \(path)") }
            }
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
