import Foundation

/// Builds LLVM's libunwind as a static archive for musl, for C toolchains that have none
/// (Debian's musl-gcc: its only unwinders are glibc's libgcc_eh.a, which needs glibc's
/// `_dl_find_object`, and LLVM's libunwind.a built against glibc's `__fprintf_chk`).
/// zig needs none of this: it builds its own libunwind when rustc asks for `-lunwind`.
struct UnwinderBuilder {
    let runner: Runner

    /// LLVM libunwind sources: `$CARGO_STATIC_LIBUNWIND_SRC`, else the copy bundled in the
    /// ziglang Python package (which zig itself compiles for every target).
    static func sourceDirectory(zig: ZigInstallation?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        var candidates: [String] = []
        if let explicit = environment["CARGO_STATIC_LIBUNWIND_SRC"] { candidates.append(explicit) }
        if let zig { candidates.append(zig.libDirectory + "/libunwind") }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/src/libunwind.cpp") }
    }

    /// Compiles the sources with the musl C compiler into `<dir>/libunwind.a` (atomically).
    func build(into dir: String, cc: String, cxx: [String], source: String) throws {
        let fm = FileManager.default
        let work = "\(dir)/.libunwind-build-\(getpid())"
        try? fm.removeItem(atPath: work)
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: work) }
        let src = source + "/src"
        let common = ["-O2", "-fPIC", "-I\(source)/include", "-D_LIBUNWIND_IS_NATIVE_ONLY", "-DNDEBUG",
                      "-D_LIBUNWIND_HIDE_SYMBOLS", "-funwind-tables", "-fno-stack-protector", "-c"]
        var objects: [String] = []
        func compile(_ compiler: [String], _ file: String, _ extra: [String]) throws {
            let object = "\(work)/\((file as NSString).deletingPathExtension).o"
            try runner.check(Command(compiler[0], Array(compiler.dropFirst()) + common + extra + ["\(src)/\(file)", "-o", object]),
                             what: "compiling libunwind's \(file) for musl")
            objects.append(object)
        }
        for file in ["UnwindLevel1.c", "UnwindLevel1-gcc-ext.c", "Unwind-sjlj.c", "gcc_personality_v0.c"] {
            try compile([cc], file, ["-std=c99"])
        }
        for file in ["UnwindRegistersRestore.S", "UnwindRegistersSave.S"] { try compile([cc], file, []) }
        // C++ without the C++ library: libunwind uses only C headers, taken from musl.
        try compile(cxx, "libunwind.cpp", ["-nostdinc++", "-fno-exceptions", "-fno-rtti", "-std=c++17"])
        let archive = "\(work)/libunwind.a"
        try runner.check(Command("ar", ["rcs", archive] + objects), what: "archiving libunwind")
        _ = rename(archive, "\(dir)/libunwind.a")
    }
}
