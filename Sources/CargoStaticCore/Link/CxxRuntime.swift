import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A C++ library built by the plan (tesseract's libtesseract.a, compiled by zig's c++
/// against LLVM's libc++) needs the C++ runtime at the final link, and nothing may ask for
/// it: Debian's tesseract.pc lists `-lpthread` only (its shared library carries its
/// libstdc++ dependency), and tesseract-sys's build script bundles the archive into its rlib.
/// When an archive or rlib of the link line (not std's) holds C++ runtime references and the
/// line names no C++ runtime, `-lc++` is added: zig links its libc++ and libc++abi statically.
public enum CxxRuntime {
    /// Names only C++ code compiled against a C++ standard library leaves in an object:
    /// libc++'s inline namespace (`std::__1::…`), libstdc++'s (`std::__cxx11::…`), the C++
    /// exception personality. Rust's own objects have none of them.
    static let markers = ["_ZNSt3__1", "_ZNSt7__cxx11", "__gxx_personality_v0"]

    /// The link line's libraries that may hold C++: archives and rlibs given by path (rustc
    /// bundles a build script's `static=` library into the crate's rlib), and `-lX` found as
    /// libX.a in `searchDirectories`; std's own rlibs (under a `lib/rustlib/` sysroot) are
    /// left out.
    static func candidates(_ arguments: [String], searchDirectories: [String],
                           exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> [String] {
        var paths: [String] = []
        for a in arguments where (a.hasSuffix(".rlib") || a.hasSuffix(".a")) && a.hasPrefix("/") && !a.contains("/lib/rustlib/") {
            paths.append(a)
        }
        for name in PrivateLibraries.linkedNames(arguments) {
            if let dir = searchDirectories.first(where: { exists("\($0)/lib\(name).a") }) { paths.append("\(dir)/lib\(name).a") }
        }
        return paths.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// Whether the line already links a C++ runtime (`-lc++`, `-lstdc++`, `-lc++abi`).
    static func linksRuntime(_ arguments: [String]) -> Bool {
        PrivateLibraries.linkedNames(arguments).contains { ["c++", "stdc++", "c++abi", "supc++"].contains($0) }
    }

    /// `["-lc++"]` when one of the line's libraries holds C++ (`holdsCxx`) and the line names
    /// no runtime; else nothing.
    static func extra(_ arguments: [String], searchDirectories: [String], holdsCxx: (String) -> Bool) -> [String] {
        guard !linksRuntime(arguments) else { return [] }
        return candidates(arguments, searchDirectories: searchDirectories).contains(where: holdsCxx) ? ["-lc++"] : []
    }

    /// Whether a file's bytes contain one of `markers` (the objects' symbol tables name the
    /// undefined C++ runtime symbols). Mapped, not read: rlibs can be large. In an archive,
    /// the members rustc wrote (`*.rcgu.o`, `lib.rmeta`: Rust, most of an rlib's bytes) are
    /// skipped; an archive that does not parse is searched whole.
    static func fileHoldsCxx(_ path: String) -> Bool {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return false }
        let searched = ArchiveMembers.parse(data).map { members in members.filter { !isRustMember($0.name) }.map(\.range) } ?? [0..<data.count]
        return searched.contains { range in markers.contains { contains(data[range], Array($0.utf8)) } }
    }

    /// Members rustc writes into an rlib, and the archive's own tables.
    static func isRustMember(_ name: String) -> Bool {
        name.hasSuffix(".rcgu.o") || name == "lib.rmeta" || name.isEmpty || name == "/" || name == "//" || name == "/SYM64"
    }

    /// A byte search: memchr to each candidate first byte, then memcmp.
    static func contains(_ data: Data, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        return data.withUnsafeBytes { haystack -> Bool in
            guard let base = haystack.baseAddress, haystack.count >= needle.count else { return false }
            return needle.withUnsafeBytes { n -> Bool in
                var offset = 0
                let last = haystack.count - needle.count
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return false }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, n.baseAddress!, needle.count) == 0 { return true }
                    offset = at + 1
                }
                return false
            }
        }
    }
}
