import Foundation

/// A C library cargo-static can compile from source for a musl target: where its source
/// comes from (a Debian source package), what it depends on, and how it is built.
/// The table `NativeLibrary.all` is the single list; recipes are data plus the few
/// commands each build system needs.
public struct NativeLibrary {
    public let name: String
    /// The Debian source package (`apt-get source NAME`).
    public let debianSource: String
    public let summary: String
    /// Other libraries of this table that must be built first (their prefixes are visible
    /// to this build through pkg-config, CPPFLAGS and LDFLAGS).
    /// Learned ones are added when planned (`LearnedLibraryDependencies`).
    public internal(set) var dependencies: [String]
    /// The static archives the installed prefix must contain.
    public let archives: [String]
    /// pkg-config modules the prefix provides (written by cargo-static when upstream has none).
    public let pkgConfigModules: [String]
    /// Other names users may type (`sqlite` for sqlite3, `lzma` for xz, ...).
    public let aliases: [String]
    let steps: (LibraryBuildContext) -> [Command]
    /// pkg-config files upstream does not install.
    let extraPkgConfig: [String: (LibraryBuildContext) -> String]
    /// Second names for installed files (`libncurses.a` for `libncursesw.a`), for crates that ask for those.
    let fileAliases: [String: String]
    /// The Debian -dev package a generated recipe was made from (nil: a hand-written recipe).
    public let devPackage: String?
    /// Build systems the generic builder tries first in this library's source tree.
    public let preferredBuildSystems: [BuildSystem]
    /// The Debian binary package it is taken from, unpacked rather than built (a -dev
    /// package with nothing compiled in it: `HeaderPackages`); nil: built from source.
    public let binaryPackage: BinaryPackage?
    /// The one directory of its source package it is built from (gcc-12's libbacktrace/:
    /// `SourcePart`); nil: the whole source.
    public let sourcePart: SourcePart?

    /// Whether cargo-static generated this recipe from Debian's packages.
    public var isGeneric: Bool { devPackage != nil }

    init(name: String, debianSource: String, summary: String, dependencies: [String] = [], archives: [String],
         pkgConfigModules: [String], aliases: [String] = [], extraPkgConfig: [String: (LibraryBuildContext) -> String] = [:],
         fileAliases: [String: String] = [:], devPackage: String? = nil, preferredBuildSystems: [BuildSystem] = [],
         binaryPackage: BinaryPackage? = nil, sourcePart: SourcePart? = nil, steps: @escaping (LibraryBuildContext) -> [Command]) {
        self.devPackage = devPackage
        self.sourcePart = sourcePart
        self.binaryPackage = binaryPackage
        self.preferredBuildSystems = preferredBuildSystems
        self.name = name
        self.debianSource = debianSource
        self.summary = summary
        self.dependencies = dependencies
        self.archives = archives
        self.pkgConfigModules = pkgConfigModules
        self.aliases = aliases
        self.steps = steps
        self.extraPkgConfig = extraPkgConfig
        self.fileAliases = fileAliases
    }

    /// Finds a library by name or alias: a hand-written recipe, else whatever Debian package
    /// the shared resolver finds for it (see `LibraryResolver.named`).
    public static func named(_ name: String) throws -> NativeLibrary {
        let key = name.lowercased()
        if let lib = all.first(where: { $0.name == key || $0.aliases.contains(key) }) { return lib }
        return try LibraryResolver.shared.named(name)
    }

    /// `names` and everything they depend on, dependencies first.
    public static func closure(_ names: [String]) throws -> [NativeLibrary] {
        try LibraryResolver.shared.closure(names)
    }

    /// The library whose prefix provides `lib<link>.a` (for `-l<link>`), if any.
    public static func providing(link: String) -> NativeLibrary? {
        all.first { lib in
            lib.archives.contains("lib\(link).a") || lib.fileAliases.keys.contains("lib/lib\(link).a")
        }
    }
}

/// Everything a recipe needs to turn into commands.
public struct LibraryBuildContext {
    /// A private, writable copy of the source tree (most of these build in-tree).
    public let source: String
    /// The prefix compiled into the library and written into its .pc files: always
    /// `logicalPrefix`, wherever the cache is, so no built file names the cache (builds
    /// from two caches give the same bytes, and a cache can be copied elsewhere). The .pc
    /// files are made relative to their own directory when the entry is assembled.
    public let prefix: String
    /// Not /usr: .pc generators leave out `-L`/`-I` for directories they think the
    /// compiler searches anyway, which is wrong for a cross build.
    public static let logicalPrefix = "/opt/cargo-static"
    /// `make install DESTDIR=…`: files land in `destdir + prefix`, then move into the cache entry.
    public let destdir: String
    /// The source's upstream version (for .pc files cargo-static writes).
    public let version: String
    public let target: Target
    public let toolchain: CToolchain
    public let jobs: Int
    /// Prefixes of the libraries this one depends on (all of them, not only the direct ones:
    /// a static link needs the whole closure).
    public let dependencyPrefixes: [String]
    /// The source tree's build system and Debian's flags (nil before the source is fetched).
    public var layout: SourceLayout? = nil

    public var installRoot: String { destdir + prefix }
    /// The machine that runs the build, as autotools names it (not the target).
    public static var buildTriple: String {
        #if arch(arm64)
        return "aarch64-unknown-linux-gnu"
        #else
        return "x86_64-pc-linux-gnu"
        #endif
    }

    /// configure's `--host` and `--build`. A target whose executables run on this machine
    /// (x86_64 musl on x86_64: static, and the kernel is the same) is built as a native
    /// build (`--build` = `--host`): configure then runs its test programs (AC_RUN_IFELSE)
    /// and learns the target's true answers, and a tree that compiles and runs its own
    /// generators at build time (com_err's and ss's tables, ICU's data tools) builds them
    /// with the target's compiler and runs them here. As a cross build, configure stops at
    /// every run check written without a cross-compiling answer (krb5's "Cannot test for
    /// constructor/destructor support when cross compiling", its regcomp and printf checks).
    /// configure still runs one program first and stops with "cannot run C compiled
    /// programs" if that is wrong: never a silent guess. Other targets stay cross builds.
    public static func configureTriples(target: Target) -> [String] {
        let host = target.info.gnuTriple
        return ["--host=\(host)", "--build=\(runsHere(target) ? host : buildTriple)"]
    }

    /// Whether the target's static executables run on the build machine as they are.
    static func runsHere(_ target: Target) -> Bool { target.isNative }

    /// The source copy's path stays out of __FILE__ strings and debug info (it is in the cache).
    public var sourcePrefixMap: String { "-ffile-prefix-map=\(source)=/cargo-static/src" }

    /// The environment of every step: the target's compilers, and nothing from the host's
    /// include or library paths.
    public var environment: [String: String] {
        // Debian's sources are written for glibc, which names the large-file types and calls
        // off64_t, ino64_t, stat64, …; musl (1.2.4 on) defines those names only on request.
        let flags = ["-O2", "-fPIC", "-D_LARGEFILE64_SOURCE", sourcePrefixMap] + target.info.cflags
        let cflags = (flags + Self.olderCWarnings).joined(separator: " ")
        var env = [
            "CC": toolchain.cc, "CXX": toolchain.cxx, "AR": toolchain.ar, "RANLIB": toolchain.ranlib,
            "CFLAGS": cflags, "CXXFLAGS": flags.joined(separator: " "), "LC_ALL": "C",
            "PKG_CONFIG_PATH": "",
            "PKG_CONFIG_LIBDIR": dependencyPrefixes.map { $0 + "/lib/pkgconfig" }.joined(separator: ":"),
        ]
        if !dependencyPrefixes.isEmpty {
            env["CPPFLAGS"] = dependencyPrefixes.map { "-I\($0)/include" }.joined(separator: " ")
            env["LDFLAGS"] = dependencyPrefixes.map { "-L\($0)/lib" }.joined(separator: " ")
            env[TargetLibraryView.variable] = TargetLibraryView.directory(source: source)
        }
        return env
    }

    /// C that Debian compiles with gcc 12, where these are warnings, and that zig's clang
    /// rejects by default (C99's rules, clang 16 and later): a call to a function declared
    /// in another file without a prototype (libffi's tramp.c), an implicit int, an integer
    /// used as a pointer. They stay warnings, as in Debian's own build.
    public static let olderCWarnings = ["-Wno-error=implicit-function-declaration", "-Wno-error=implicit-int",
                                        "-Wno-error=int-conversion", "-Wno-error=incompatible-pointer-types"]

    /// The only variables a library build inherits from the user's environment: nothing
    /// like CFLAGS, CC, LDFLAGS, PKG_CONFIG_* or CPATH reaches it, so the cache key
    /// describes the build completely and host headers or libraries cannot leak in.
    public static let inherited = ["PATH", "HOME", "TMPDIR", "TERM", "USER", "LOGNAME"]

    func command(_ executable: String, _ arguments: [String], in directory: String? = nil, extra: [String: String] = [:]) -> Command {
        Command(executable, arguments, environment: environment.merging(extra) { _, new in new },
                directory: directory ?? source, inherit: Self.inherited)
    }

    func make(_ arguments: [String], in directory: String? = nil, extra: [String: String] = [:]) -> Command {
        command("make", ["-j\(jobs)"] + arguments, in: directory, extra: extra)
    }

    /// `./configure` of an autotools package, cross-compiling for the target.
    func configure(_ arguments: [String], extra: [String: String] = [:]) -> Command {
        // Run-time configuration and state where a distribution keeps them, not under the prefix.
        command("./configure", ["--host=\(target.info.gnuTriple)", "--build=\(Self.buildTriple)", "--prefix=\(prefix)",
                                "--sysconfdir=/etc", "--localstatedir=/var",
                                "--disable-shared", "--enable-static"] + arguments, extra: extra)
    }
}

extension NativeLibrary {
    public static let all: [NativeLibrary] = [zlib, bzip2, xz, zstd, sqlite3, openssl, ncurses, libedit, mimalloc, jemalloc]

    static let zlib = NativeLibrary(
        name: "zlib", debianSource: "zlib", summary: "deflate compression (libz-sys, flate2's zlib backends)",
        archives: ["libz.a"], pkgConfigModules: ["zlib"], aliases: ["libz", "z"]) { c in
        [
            // zlib's own configure script: CHOST-less, reads CC/AR/CFLAGS; --static builds only libz.a.
            c.command("./configure", ["--static", "--prefix=\(c.prefix)"]),
            c.make(["libz.a"]),
            c.make(["install", "DESTDIR=\(c.destdir)"]),
        ]
    }

    static let bzip2 = NativeLibrary(
        name: "bzip2", debianSource: "bzip2", summary: "bzip2 compression (bzip2-sys)",
        archives: ["libbz2.a"], pkgConfigModules: ["bzip2"], aliases: ["libbz2", "bz2"],
        extraPkgConfig: ["bzip2": { c in pkgConfig(c, name: "bzip2", description: "bzip2 compression library", libs: "-lbz2") }]) { c in
        [
            // A plain Makefile: variables on the command line, only the static library.
            c.make(["libbz2.a", "CC=\(c.toolchain.cc)", "AR=\(c.toolchain.ar)", "RANLIB=\(c.toolchain.ranlib)",
                    "CFLAGS=\(c.environment["CFLAGS"]!) -D_FILE_OFFSET_BITS=64"]),
            c.command("install", ["-D", "-m", "644", "libbz2.a", c.installRoot + "/lib/libbz2.a"]),
            c.command("install", ["-D", "-m", "644", "bzlib.h", c.installRoot + "/include/bzlib.h"]),
        ]
    }

    static let xz = NativeLibrary(
        name: "xz", debianSource: "xz-utils", summary: "LZMA/xz compression (lzma-sys, xz2)",
        archives: ["liblzma.a"], pkgConfigModules: ["liblzma"], aliases: ["lzma", "liblzma", "xz-utils"]) { c in
        [
            c.configure(["--with-pic", "--disable-xz", "--disable-xzdec", "--disable-lzmadec", "--disable-lzmainfo",
                         "--disable-lzma-links", "--disable-scripts", "--disable-doc", "--disable-nls"]),
            c.make([]),
            c.make(["install", "DESTDIR=\(c.destdir)"]),
        ]
    }

    static let zstd = NativeLibrary(
        name: "zstd", debianSource: "libzstd", summary: "Zstandard compression (zstd-sys)",
        archives: ["libzstd.a"], pkgConfigModules: ["libzstd"], aliases: ["libzstd"]) { c in
        [
            c.make(["-C", "lib", "libzstd.a"]),
            c.make(["-C", "lib", "install-static", "install-includes", "install-pc",
                    "PREFIX=\(c.prefix)", "DESTDIR=\(c.destdir)"]),
        ]
    }

    static let sqlite3 = NativeLibrary(
        name: "sqlite3", debianSource: "sqlite3", summary: "SQLite (libsqlite3-sys, rusqlite)",
        archives: ["libsqlite3.a"], pkgConfigModules: ["sqlite3"], aliases: ["sqlite", "libsqlite3"]) { c in
        // Debian's build options, minus run-time extension loading (no dlopen in a static executable).
        let options = ["-DSQLITE_ENABLE_COLUMN_METADATA", "-DSQLITE_ENABLE_FTS3", "-DSQLITE_ENABLE_FTS3_PARENTHESIS",
                       "-DSQLITE_ENABLE_FTS4", "-DSQLITE_ENABLE_FTS5", "-DSQLITE_ENABLE_RTREE=1", "-DSQLITE_SOUNDEX=1",
                       "-DSQLITE_ENABLE_UNLOCK_NOTIFY", "-DSQLITE_ENABLE_DBSTAT_VTAB", "-DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1",
                       "-DSQLITE_ENABLE_PREUPDATE_HOOK", "-DSQLITE_ENABLE_SESSION", "-DSQLITE_ENABLE_STMTVTAB",
                       "-DSQLITE_SECURE_DELETE", "-DSQLITE_LIKE_DOESNT_MATCH_BLOBS", "-DSQLITE_MAX_SCHEMA_RETRY=25",
                       "-DSQLITE_MAX_VARIABLE_NUMBER=250000", "-DSQLITE_OMIT_LOAD_EXTENSION"]
        let cflags = c.environment["CFLAGS"]! + " " + options.joined(separator: " ")
        return [
            // The generators (lemon, mkkeywordhash) run on the build machine: BCC is the host's cc.
            c.configure(["--disable-tcl", "--disable-readline", "--disable-editline", "--enable-threadsafe",
                         "--disable-load-extension"], extra: ["CFLAGS": cflags, "BCC": "cc"]),
            c.make(["libsqlite3.la"], extra: ["CFLAGS": cflags]),
            c.make(["lib_install", "DESTDIR=\(c.destdir)"]),
            c.command("install", ["-D", "-m", "644", "sqlite3.h", c.installRoot + "/include/sqlite3.h"]),
            c.command("install", ["-D", "-m", "644", "src/sqlite3ext.h", c.installRoot + "/include/sqlite3ext.h"]),
            c.command("install", ["-D", "-m", "644", "sqlite3.pc", c.installRoot + "/lib/pkgconfig/sqlite3.pc"]),
        ]
    }

    /// OpenSSL's own names for the architectures (its `Configure` targets).
    static let opensslTargets = [
        "x86_64": "linux-x86_64", "aarch64": "linux-aarch64", "armv7": "linux-armv4", "i686": "linux-x86",
        "riscv64gc": "linux64-riscv64", "powerpc64": "linux-ppc64", "s390x": "linux64-s390x",
        "loongarch64": "linux64-loongarch64", "powerpc64le": "linux-ppc64le", "arm": "linux-armv4",
    ]

    static let openssl = NativeLibrary(
        name: "openssl", debianSource: "openssl", summary: "TLS and cryptography (openssl-sys, openssl, native-tls)",
        archives: ["libssl.a", "libcrypto.a"], pkgConfigModules: ["openssl", "libssl", "libcrypto"],
        aliases: ["libssl", "ssl", "libcrypto"]) { c in
        [
            // /etc/ssl is where Debian and most distributions keep certificates: the
            // static executable finds the machine's CA store at run time.
            // no-async: musl has no makecontext. no-dso/no-module: nothing is loaded at run time.
            c.command("./Configure", [opensslTargets[c.target.arch] ?? "linux-generic64", "--prefix=\(c.prefix)",
                                      "--openssldir=/etc/ssl", "--libdir=lib", "no-shared", "no-dso", "no-module",
                                      "no-async", "no-engine", "no-tests", "-fPIC"] + c.target.info.cflags),
            c.make(["build_libs"]),
            c.make(["install_dev", "DESTDIR=\(c.destdir)"]),
        ]
    }

    static let ncurses = NativeLibrary(
        name: "ncurses", debianSource: "ncurses", summary: "terminal handling and terminfo (ncurses, pancurses, libedit)",
        archives: ["libncursesw.a"], pkgConfigModules: ["ncursesw", "ncurses"], aliases: ["ncursesw", "libncurses", "curses"],
        fileAliases: ["lib/libncurses.a": "libncursesw.a", "lib/libcurses.a": "libncursesw.a", "lib/libtinfo.a": "libncursesw.a",
                      "lib/pkgconfig/ncurses.pc": "ncursesw.pc"]) { c in
        [
            // Terminal descriptions for common terminals are compiled in, so terminfo works
            // even where no database exists (an empty root, a scratch container); others
            // come from the usual database directories of the machine it runs on.
            c.configure(["--without-shared", "--with-normal", "--without-debug", "--without-cxx", "--without-cxx-binding",
                         "--without-ada", "--without-progs", "--without-tests", "--without-manpages", "--enable-widec",
                         "--enable-overwrite", "--enable-pc-files", "--with-pkg-config-libdir=\(c.prefix)/lib/pkgconfig",
                         "--disable-db-install", "--with-default-terminfo-dir=/usr/share/terminfo",
                         "--with-terminfo-dirs=/etc/terminfo:/lib/terminfo:/usr/share/terminfo",
                         "--with-fallbacks=xterm-256color,xterm,vt100,linux,screen", "--disable-stripping"],
                        extra: ["BUILD_CC": "cc", "BUILD_CFLAGS": "", "BUILD_CPPFLAGS": "", "BUILD_LDFLAGS": ""]),
            c.make([]),
            c.make(["install", "DESTDIR=\(c.destdir)"]),
        ]
    }

    static let libedit = NativeLibrary(
        name: "libedit", debianSource: "libedit", summary: "line editing and history (editline, readline replacements)",
        dependencies: ["ncurses"], archives: ["libedit.a"], pkgConfigModules: ["libedit"], aliases: ["edit", "editline"],
        // Upstream's libedit.pc names `-lncurses` without saying where it is; ours requires
        // the ncursesw module, whose prefix pkg-config then adds to a static link line.
        extraPkgConfig: ["libedit": { c in
            pkgConfig(c, name: "libedit", description: "line editing, history and tokenization", libs: "-ledit",
                      cflags: "-I${includedir} -I${includedir}/editline", requiresPrivate: "ncursesw")
        }]) { c in
        // libedit insists on __STDC_ISO_10646__, which gcc takes from glibc's stdc-predef.h;
        // musl's wchar_t always holds Unicode code points, so the promise is true there too.
        let cflags = c.environment["CFLAGS"]! + " -D__STDC_ISO_10646__=201103L"
        return [
            c.configure(["--with-pic"], extra: ["CFLAGS": cflags]),
            c.make([]),
            c.make(["install", "DESTDIR=\(c.destdir)"]),
        ]
    }

    /// The allocators behind `--allocator`: each is linked whole, in front of the libc, so
    /// its malloc family replaces the libc's (see `Allocator`).
    static let mimalloc = NativeLibrary(
        name: "mimalloc", debianSource: "mimalloc", summary: "the mimalloc allocator (--allocator mimalloc)",
        archives: ["libmimalloc.a"], pkgConfigModules: [], aliases: ["libmimalloc"]) { c in
        // src/static.c is the whole allocator in one translation unit; MI_MALLOC_OVERRIDE
        // makes it define malloc, free, … themselves (not only mi_malloc, mi_free, …).
        // It defines aligned_alloc only under glibc's __USE_ISOC11: without it the libc's
        // aligned_alloc would hand out blocks that mimalloc's free cannot take back (C++
        // exceptions are allocated that way).
        let flags = ["-O3", "-fPIC", "-DNDEBUG", "-DMI_MALLOC_OVERRIDE", "-D__USE_ISOC11=1", "-Iinclude", c.sourcePrefixMap] + c.target.info.cflags
        // mimalloc 2.0.9 (Debian 12's) takes its unaligned fast path for power-of-two sizes
        // up to 1 KiB, so posix_memalign(256, 256) returns a block aligned to 16 only
        // (microsoft/mimalloc#700, fixed in 2.1; found by `cargo-static std test`:
        // alloctests' vec::overaligned_allocations). The fast path is kept where mimalloc
        // guarantees alignment (its MI_MAX_ALIGN_GUARANTEE); other versions do not match.
        let fastPath = "s/_mi_is_power_of_two(size) && size >= alignment && size <= MI_SMALL_SIZE_MAX)/"
            + "_mi_is_power_of_two(size) \\&\\& size >= alignment \\&\\& size <= MI_MAX_ALIGN_GUARANTEE)/"
        return [
            c.command("sed", ["-i", "-e", fastPath, "src/alloc-aligned.c"]),
            c.command(c.toolchain.cc, flags + ["-c", "src/static.c", "-o", "mimalloc.o"]),
            c.command(c.toolchain.ar, ["rcs", "libmimalloc.a", "mimalloc.o"]),
            c.command("install", ["-D", "-m", "644", "libmimalloc.a", c.installRoot + "/lib/libmimalloc.a"]),
            c.command("install", ["-D", "-m", "644", "include/mimalloc.h", c.installRoot + "/include/mimalloc.h"]),
        ]
    }

    static let jemalloc = NativeLibrary(
        name: "jemalloc", debianSource: "jemalloc", summary: "the jemalloc allocator (--allocator jemalloc)",
        archives: ["libjemalloc.a", "libjemalloc_pic.a"], pkgConfigModules: ["jemalloc"], aliases: ["libjemalloc"]) { c in
        // Unprefixed: it defines malloc, free, … (and mallctl for its statistics). A cross
        // configure cannot measure the page size: 64 KiB pages exist on these (16 KiB is
        // LoongArch's default), and jemalloc built for 4 KiB refuses to start there.
        var options = ["--with-jemalloc-prefix=", "--disable-cxx", "--disable-libdl"]
        if ["aarch64", "powerpc64", "powerpc64le", "loongarch64"].contains(c.target.arch) { options.append("--with-lg-page=16") }
        return [
            c.configure(options),
            c.make(["build_lib_static"]),
            c.make(["install_lib_static", "install_include", "install_lib_pc", "DESTDIR=\(c.destdir)"]),
        ]
    }

    /// A minimal .pc file for libraries whose build installs none.
    static func pkgConfig(_ c: LibraryBuildContext, name: String, description: String, libs: String,
                          cflags: String = "-I${includedir}", requiresPrivate: String? = nil) -> String {
        """
        prefix=\(c.prefix)
        libdir=${prefix}/lib
        includedir=${prefix}/include

        Name: \(name)
        Description: \(description) (built by cargo-static for \(c.target))
        Version: \(c.version)
        Libs: -L${libdir} \(libs)
        Cflags: \(cflags)\(requiresPrivate.map { "\nRequires.private: \($0)" } ?? "")

        """
    }
}
