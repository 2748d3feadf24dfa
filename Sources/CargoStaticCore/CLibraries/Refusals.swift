import Foundation

/// A C library that can never be part of a fully static executable, and what to do instead.
/// Checked against the crates of the dependency graph (their names and `links` keys) before
/// anything is built, and against library names typed with --deps.
public struct RefusedLibrary {
    /// What it is called (for the message).
    public let library: String
    /// Crate names, `links` keys, -l names and pkg-config modules that mean this library.
    public let names: [String]
    public let reason: String
    /// What to do instead (a feature to turn off, a pure-Rust alternative).
    public let instead: String

    /// The error for `crate` (nil: a name typed by the user).
    public func error(crate: String?) -> CargoStaticError {
        let who = crate.map { "crate \($0) needs \(library)" } ?? "\(library) was asked for"
        return CargoStaticError(.notStatic, "\(who), which cannot be linked into a static executable: \(reason)",
                                fix: instead)
    }
}

public enum RefusalTable {
    public static let all: [RefusedLibrary] = [
        RefusedLibrary(library: "PAM (libpam)", names: ["pam", "pam-sys", "libpam", "pam0g", "pamc", "pam_misc"],
                       reason: "PAM loads its authentication modules (pam_unix.so, …) with dlopen at run time, which a static musl executable cannot do",
                       instead: "drop the PAM feature of the crate that pulls it in, or authenticate through a helper program or service (e.g. run `su`/`sudo`, or talk to a D-Bus/polkit service) instead of linking libpam"),
        RefusedLibrary(library: "glibc's NSS (libnss_*)",
                       names: ["nss", "nss_files", "nss_systemd", "nss_sss", "libnss"],
                       reason: "glibc's name service switch loads libnss_*.so modules with dlopen; musl reads /etc/passwd, /etc/group and DNS itself, without modules",
                       instead: "use the libc's getpwnam/getaddrinfo (musl answers from /etc files and DNS), or ask the service (sssd, systemd-resolved) over its socket"),
        RefusedLibrary(library: "Wayland (libwayland-client)", names: ["wayland", "wayland-client", "wayland-sys", "wayland-egl", "wayland-cursor", "wayland-server"],
                       reason: "Wayland clients load EGL/GL drivers with dlopen from the machine they run on",
                       instead: "build GUI programs dynamically (plain `cargo build`), or turn off the crate's Wayland feature"),
        RefusedLibrary(library: "OpenGL/EGL/Vulkan (libGL, libEGL, libvulkan)", names: ["GL", "EGL", "GLESv2", "gl", "egl", "vulkan", "khronos-egl", "glutin-egl-sys", "glx", "opengl", "glesv1_cm", "vulkan-sys"],
                       reason: "GL, EGL and Vulkan are dispatch libraries that dlopen the GPU vendor's driver at run time",
                       instead: "build graphics programs dynamically (plain `cargo build`)"),
        RefusedLibrary(library: "GTK/GDK (libgtk-3, libgtk-4)", names: ["gtk-sys", "gtk", "gtk4-sys", "gtk4", "gdk-sys", "gdk4-sys", "gdkx11-sys", "gdk4-x11-sys", "gdk4-wayland-sys", "gtk-3", "gtk-4", "gdk-3"],
                       reason: "GTK loads its input methods, image loaders, print backends and GIO modules with dlopen, and needs the display stack (X11/Wayland, GL)",
                       instead: "build GTK programs dynamically (plain `cargo build`), or turn off the crate's GUI feature"),
        RefusedLibrary(library: "libudev/libsystemd", names: ["udev", "libudev", "libudev-sys", "systemd", "libsystemd", "libsystemd-sys", "systemd-sys"],
                       reason: "Debian's libudev and libsystemd are built only as shared libraries (systemd does not support static linking of them), and they dlopen further modules",
                       instead: "read /sys and /run/udev directly, talk to systemd over its socket (sd_notify's protocol is a datagram to $NOTIFY_SOCKET), or turn off the crate's udev/systemd feature"),
        // hidapi's Linux backends: hidraw enumerates through libudev, and hidapi-sys also links -ludev.
        RefusedLibrary(library: "hidapi (its hidraw backend links libudev)", names: ["hidapi", "hidapi-sys", "hidapi-hidraw", "hidapi-libusb"],
                       reason: "hidapi finds devices through systemd's libudev, which Debian builds only as a shared library (and which dlopens further modules)",
                       instead: "use a pure-Rust HID or USB crate (e.g. nusb, or rusb with a libusb built without udev), read /sys/class/hidraw and open /dev/hidraw* directly, or build dynamically (plain `cargo build`)"),
        // clang-sys is only ever static when its host side runs (bindgen in a build script): a
        // program that links libclang itself carries a shared LLVM.
        RefusedLibrary(library: "libclang (LLVM)", names: ["clang", "clang-sys", "libclang"],
                       reason: "libclang is Debian's shared LLVM (libclang-14.so, with libLLVM), and clang-sys loads it with dlopen by default; a static copy would mean building LLVM from source",
                       instead: "keep clang-sys (bindgen) as a build-dependency, where it runs on the build machine, or build programs that link libclang dynamically (plain `cargo build`)"),
        RefusedLibrary(library: "GStreamer (libgstreamer-1.0 and its plugins)",
                       names: ["gstreamer-1.0", "gstreamer-sys", "gstreamer-base-1.0", "gstreamer-base-sys", "gstreamer-app-1.0", "gstreamer-app-sys",
                               "gstreamer-audio-1.0", "gstreamer-audio-sys", "gstreamer-video-1.0", "gstreamer-video-sys", "gstreamer-pbutils-1.0", "gstreamer-pbutils-sys"],
                       reason: "GStreamer loads every element (decoders, sources, sinks) as a plugin with dlopen from the machine it runs on",
                       instead: "build GStreamer programs dynamically (plain `cargo build`), or run gst-launch-1.0 as a separate process"),
        // ALSA's libasound is not here: it builds static (dmix, dsnoop and the other PCM
        // plugins are compiled into it); only external plugins (pulse, pipewire) need dlopen.
        RefusedLibrary(library: "PulseAudio (libpulse)", names: ["pulse", "libpulse-sys", "pulse-simple", "libpulse", "libpulse-simple",
                                                                 "libpulse-mainloop-glib", "libpulse-simple-sys", "libpulse-binding"],
                       reason: "PulseAudio's client library is shared-only (libpulsecommon is a private shared library) and loads its modules with dlopen",
                       instead: "build audio programs dynamically (plain `cargo build`), or use ALSA (alsa-sys), whose libasound builds static and reaches PulseAudio/PipeWire servers through ALSA's own plugins on the machine"),
    ]

    /// The refusal for a crate name, `links` key, -l name or pkg-config module, if any.
    public static func refusal(for name: String) -> RefusedLibrary? {
        let key = name.lowercased()
        return all.first { $0.names.contains { $0.lowercased() == key } }
    }
}
