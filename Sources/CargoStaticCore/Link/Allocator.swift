import Foundation

/// The malloc that a static executable uses, for Rust and C code alike. musl lets a
/// program replace malloc, free, calloc, realloc, aligned_alloc, posix_memalign,
/// memalign and malloc_usable_size when it is linked statically: the replacement's
/// objects are linked before the libc, so the libc's own allocator objects are never
/// pulled in (musl keeps its internal allocations apart). No source change is needed.
public enum Allocator: String, Codable, CaseIterable {
    /// The C toolchain's libc allocator: zig's own libc malloc with zig, mallocng with musl-gcc.
    case musl
    case mimalloc
    case jemalloc

    /// What `build` uses when `--allocator` is not given; docs/benchmarks.md has the measurements behind it.
    public static let `default`: Allocator = .mimalloc

    /// The C library (a recipe of `NativeLibrary.all`, by its canonical name) that provides it, built from Debian's source.
    public var library: LibraryID? { self == .musl ? nil : LibraryID(resolvedName: rawValue) }

    /// The archive, inside the library's prefix, that is linked whole in front of everything.
    var archive: String? {
        switch self {
        case .musl: return nil
        case .mimalloc: return "lib/libmimalloc.a"
        case .jemalloc: return "lib/libjemalloc_pic.a"
        }
    }

    /// `--allocator` as typed (nil: the default).
    public static func parse(_ text: String?) throws -> Allocator {
        guard let text else { return .default }
        let key = text.lowercased()
        if let known = Allocator(rawValue: key) { return known }
        if key == "libc" || key == "system" { return .musl }
        throw CargoStaticError(.badInput, "unknown allocator `\(text)`",
                               fix: "use --allocator mimalloc (the default), --allocator jemalloc, or --allocator musl for the libc's own malloc")
    }

    /// The audit's finding that shows this allocator is the one linked.
    func isDetected(in audit: Audit) -> Bool {
        switch self {
        case .musl: return ![.mimalloc, .jemalloc].contains(audit.allocator)
        case .mimalloc: return audit.allocator == .mimalloc
        case .jemalloc: return audit.allocator == .jemalloc
        }
    }
}
