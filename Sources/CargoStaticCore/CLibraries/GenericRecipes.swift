import Foundation

/// Libraries built by the generic builder: Debian's source package, its detected build
/// system and Debian's own flags, adjusted here where a static musl build needs it. Any
/// source package not listed builds with Debian's flags alone.
public enum GenericRecipes {
    /// The source packages `options(for:)` adjusts (the README's table lists each).
    public static let tuned = ["libgit2", "libssh2", "curl", "libpcap", "libxml2", "gmp", "nettle", "expat", "lz4",
                               "http-parser", "libseccomp", "dbus", "pcsc-lite", "lmdb", "cairo", "glib2.0"]

    /// The adjustments, by Debian source package. Each says why.
    public static func options(for source: String) -> GenericOptions {
        var o = GenericOptions()
        switch source {
        case "libgit2":
            // Debian: HTTPS through mbedTLS, GSSAPI through Kerberos. The git2 crate's `https`
            // feature is OpenSSL (openssl-sys), so libgit2 uses the same OpenSSL; Kerberos
            // loads its plugins with dlopen. SSH (libssh2), pcre2 and http-parser as Debian.
            o.dropDependencies = ["libmbedtls-dev", "libkrb5-dev"]
            o.addDependencies = ["openssl"]
            o.dropFlags = ["-DUSE_HTTPS", "-DUSE_GSSAPI", "-DBUILD_CLI", "-DBUILD_TESTS"]
            o.flags = ["-DUSE_HTTPS=OpenSSL", "-DUSE_GSSAPI=OFF", "-DBUILD_CLI=OFF", "-DBUILD_TESTS=OFF", "-DBUILD_EXAMPLES=OFF",
                       "-DBUILD_FUZZERS=OFF", "-DUSE_NTLMCLIENT=OFF"]
        case "libssh2":
            o.prefer = [.autotools]
            o.flags = ["--with-crypto=openssl", "--disable-examples-build"]
        case "curl":
            // Debian builds three flavours with everything on (LDAP, GSSAPI, RTMP, brotli,
            // nghttp2, libpsl, IDN...). The static libcurl is the OpenSSL flavour with zlib and
            // nghttp2: curl-sys's default features and its http2 feature (cargo asks for
            // HTTP/2, and a libcurl without it refuses with "Unsupported protocol"). CA
            // certificates come from the machine it runs on, where Debian keeps them.
            o.prefer = [.autotools]
            o.addDependencies = ["openssl", "zlib", "nghttp2"]
            o.flags = ["--with-openssl", "--with-zlib", "--with-ca-path=/etc/ssl/certs", "--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt",
                       "--enable-threaded-resolver", "--disable-ldap", "--disable-ldaps", "--disable-rtsp", "--disable-manual",
                       "--without-libpsl", "--without-libidn2", "--without-brotli", "--without-zstd", "--with-nghttp2",
                       "--without-libssh2", "--without-libssh", "--without-librtmp", "--without-gssapi", "--disable-docs"]
            o.archives = ["libcurl.a"]
        case "libpcap":
            // D-Bus, RDMA, Bluetooth and netlink capture are optional; a static capture tool
            // reads network interfaces (and savefiles) only.
            o.prefer = [.autotools]
            o.dropDependencies = ["libdbus-1-dev", "libbluetooth-dev", "libibverbs-dev", "libnl-genl-3-dev", "libnl-3-dev"]
            o.flags = ["--with-pcap=linux", "--disable-dbus", "--disable-rdma", "--disable-bluetooth", "--without-libnl",
                       "--disable-usb", "--disable-netmap"]
        case "libxml2":
            // Debian adds ICU (a 30 MB C++ library with its data) for encodings iconv already
            // converts; Python bindings are not a C library.
            o.prefer = [.autotools]
            o.dropDependencies = ["libicu-dev"]
            o.dropFlags = ["--with-icu"]
            o.flags = ["--without-icu", "--without-python", "--without-lzma", "--without-zlib", "--without-debug"]
        case "gmp":
            // Debian's patches drop doc/ (not DFSG-free) from Makefile.am and configure.ac,
            // and its rules run dh_autoreconf: the shipped configure still wants doc/.
            // Debian's C++ binding (libgmpxx) is built by a second configure of its own rules.
            o.prefer = [.autoreconf]
            o.archives = ["libgmp.a"]
            o.flags = ["--enable-fat"]
        case "nettle":
            o.flags = ["--disable-documentation", "--disable-openssl"]
        case "expat":
            // Debian builds with configure (its patches use `#if XML_DTD == 1`, which only
            // configure's config.h defines as 1); the library only: no xmlwf, docs, tests.
            o.flags = ["--without-docbook", "--without-xmlwf", "--without-examples", "--without-tests"]
        case "lz4":
            // The library's own Makefile, static only.
            o.makeTargets = ["-C", "lib", "liblz4.a"]
            o.installTargets = ["-C", "lib", "install"]
            o.makeVariables = ["BUILD_SHARED=no"]
        case "http-parser":
            // Its Makefile installs only the shared library: the static one by hand.
            o.steps = { c in
                let dir = c.source
                return [
                    c.make(["package", "CC=\(c.toolchain.cc)", "AR=\(c.toolchain.ar)", "CFLAGS_FAST_EXTRA=-fPIC"], in: dir),
                    c.command("install", ["-D", "-m", "644", "libhttp_parser.a", c.installRoot + "/lib/libhttp_parser.a"], in: dir),
                    c.command("install", ["-D", "-m", "644", "http_parser.h", c.installRoot + "/include/http_parser.h"], in: dir),
                ]
            }
            o.archives = ["libhttp_parser.a"]
        case "libseccomp":
            o.prefer = [.autotools]
        case "dbus":
            // libdbus only: the daemon's parsers need expat (configure asks pkg-config for it,
            // libdbus-1-dev does not depend on it); systemd, SELinux, AppArmor and audit are
            // shared-only or the daemon's; the system bus socket where Debian puts it.
            o.prefer = [.autotools]
            o.addDependencies = ["expat"]
            o.flags = ["--disable-systemd", "--disable-selinux", "--disable-apparmor", "--disable-libaudit", "--without-x",
                       "--disable-tests", "--disable-modular-tests", "--disable-installed-tests", "--disable-xml-docs",
                       "--disable-doxygen-docs", "--disable-ducktype-docs", "--disable-user-session",
                       "--with-system-socket=/run/dbus/system_bus_socket"]
        case "lmdb":
            // Its Makefile sets CFLAGS itself (the environment's -fPIC is lost) and takes
            // extra flags in XCFLAGS, as Debian's rules do: liblmdb.a must be PIC for static-pie.
            o.prefer = [.make]
            o.makeVariables = ["XCFLAGS=-fPIC"]
        case "pcsc-lite":
            // libpcsclite is the client side: it talks to pcscd over its socket in /run/pcscd.
            // The daemon's device discovery (libudev, libusb) and libsystemd are shared-only.
            o.prefer = [.autotools]
            o.flags = ["--disable-libudev", "--disable-libsystemd", "--disable-usb", "--disable-documentation", "--enable-ipcdir=/run/pcscd"]
        case "cairo":
            // Debian's cairo draws to X11 windows too (xlib, xcb: libX11 and its chain) and
            // adds the GObject wrapper (glib). A static program renders to images, PNG, PDF,
            // PS and SVG: the image backends only, with fontconfig and freetype for text.
            o.prefer = [.autotools]
            o.dropDependencies = ["libx11-dev", "libxcb-render0-dev", "libxcb-shm0-dev", "libxcb1-dev", "libxext-dev", "libxrender-dev",
                                  "libsm-dev", "libglib2.0-dev"]
            o.dropFlags = ["--enable-xlib", "--enable-xcb", "--enable-perf-utils", "--enable-gl"]
            o.flags = ["--disable-xlib", "--disable-xlib-xrender", "--disable-xcb", "--disable-xlib-xcb", "--disable-xcb-shm",
                       "--disable-gobject", "--disable-trace", "--disable-interpreter", "--disable-gtk-doc", "--disable-gl",
                       "--disable-full-testing", "--without-x"]
        case "glib2.0":
            // GLib, GObject and GIO without what is shared-only or the build machine's: SELinux
            // labels (libselinux, libsepol) and mount tracking (libmount) are gio's options;
            // libelf is for gresource's tool, systemtap/dtrace probes and man pages for tracing
            // and docs. musl has gettext itself and xattr.
            o.prefer = [.meson]
            o.dropDependencies = ["libselinux1-dev", "libmount-dev"]
            o.dropFlags = ["-Dselinux", "-Dlibmount", "-Dlibelf", "-Dman", "-Dgtk_doc", "-Dsystemtap", "-Ddtrace",
                           "-Dtests", "-Dinstalled_tests", "-Dsysprof"]
            o.flags = ["-Dselinux=disabled", "-Dlibmount=disabled", "-Dlibelf=disabled", "-Dman=false", "-Dgtk_doc=false",
                       "-Dsystemtap=false", "-Ddtrace=false", "-Dtests=false", "-Dinstalled_tests=false"]
        default:
            break
        }
        return o
    }

    /// A library built from one directory of a bigger source package (`SourcePart`: gcc-12's
    /// libbacktrace/), named after its archive (`libbacktrace`): its tree's build system with
    /// no Debian flags (debian/rules configures the whole compiler), then its archive and
    /// headers taken from the build directory when its install leaves them out.
    /// A part of a compiler's runtime expects that compiler's unwinder at every link (gcc
    /// links libgcc's): configure's link tests get zig's libunwind (`LIBS=-lunwind`), which
    /// every Rust executable links too. Without it, libbacktrace's configure found no
    /// `_Unwind_Backtrace` and built its no-unwind `backtrace_full`.
    static func library(part: SourcePart, source: String, package: String) -> NativeLibrary {
        let name = "lib" + part.stem
        return NativeLibrary(name: name, debianSource: source,
                             summary: "\(part.directories[0])/ of Debian's \(source) source (as in \(package)), built by the generic builder",
                             archives: [part.archive], pkgConfigModules: [], aliases: [part.stem], devPackage: package, sourcePart: part) { c in
            var options = GenericOptions()
            if c.toolchain.kind == .zig { options.environment = ["LIBS": "-lunwind"] }
            return c.layout == nil ? c.genericSteps(options) : c.genericSteps(options) + c.sourcePartCollect(part)
        }
    }

    /// The library value for a Debian -dev package: named after its source package, found
    /// by its link names and pkg-config modules too.
    static func library(source: String, devPackage: String, files: [String], dependencies: [String], options: GenericOptions) -> NativeLibrary {
        let libDirFiles = files.filter { path in
            let parts = path.split(separator: "/")
            return parts.count >= 3 && parts[parts.count - 2] != "pkgconfig" && (parts.dropLast().last?.contains("linux-gnu") == true || parts.dropLast().last == "lib")
        }
        var archives = options.archives
        if archives.isEmpty {
            for path in libDirFiles {
                let file = (path as NSString).lastPathComponent
                guard file.hasPrefix("lib"), file.hasSuffix(".so") || file.hasSuffix(".a") else { continue }
                let archive = (file.hasSuffix(".so") ? String(file.dropLast(3)) : String(file.dropLast(2))) + ".a"
                if !archives.contains(archive) { archives.append(archive) }
            }
        }
        let modules = files.filter { $0.hasSuffix(".pc") }.map { String(($0 as NSString).lastPathComponent.dropLast(3)) }
        var aliases = [devPackage] + archives.map { String($0.dropFirst(3).dropLast(2)) } + modules
        if source.hasPrefix("lib") { aliases.append(String(source.dropFirst(3))) }
        aliases = aliases.filter { $0 != source }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        return NativeLibrary(name: source, debianSource: source, summary: "from Debian's \(devPackage), built by the generic \(options.prefer.first.map { $0.rawValue + " " } ?? "")builder",
                             dependencies: dependencies, archives: archives, pkgConfigModules: modules.sorted(), aliases: aliases,
                             devPackage: devPackage, preferredBuildSystems: options.prefer) { c in
            options.steps.map { $0(c) } ?? c.genericSteps(options)
        }
    }
}
