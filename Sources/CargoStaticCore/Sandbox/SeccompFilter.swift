import Foundation

/// The seccomp filter of the empty-root sandbox, as the classic BPF program bubblewrap
/// loads (`bwrap --seccomp FD`: an array of `struct sock_filter` in host byte order).
///
/// The namespaces already stop these calls from reaching anything of the host; the filter
/// is a second wall, and it closes kernel interfaces that no namespace covers (the
/// keyring, terminal injection into the user's shell) or that carry a large attack
/// surface for a program that proves it needs nothing but the kernel (io_uring, bpf,
/// perf). Foreign programs run under qemu-user, whose system calls are the host's, so
/// one filter for the host's architecture covers every target.
public struct SeccompFilter: Equatable {
    /// One host architecture: its audit tag and the numbers of the calls the filter knows.
    public struct Architecture: Equatable {
        public let name: String
        /// `AUDIT_ARCH_*`: the filter kills a process that calls in through another ABI
        /// (i386 `int 0x80` on x86_64), whose numbers would slip past the list.
        public let auditArch: UInt32
        /// System call numbers at or above this belong to another ABI of the same
        /// audit tag (x32 on x86_64); nil when there is none.
        public let foreignABIBase: UInt32?
        public let numbers: [String: UInt32]
    }

    /// Calls refused with EPERM. Most need a capability the sandbox does not have; the
    /// filter refuses them before the kernel's permission checks run.
    public static let refused = [
        // Namespaces and mounts: what an escape needs.
        "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
        "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
        // The kernel keyring is not namespaced.
        "keyctl", "add_key", "request_key",
        // Large kernel attack surface.
        "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
        // File handles open any inode of a mounted file system by number.
        "open_by_handle_at", "name_to_handle_at",
        // The machine itself.
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "acct", "swapon", "swapoff", "reboot", "syslog", "quotactl", "quotactl_fd", "lookup_dcookie", "vhangup",
        // Another process's memory and execution: attaching to the sandbox's init and stopping it would hang `run`.
        "ptrace", "process_vm_readv", "process_vm_writev",
        // x86 only: port I/O, the LDT, a.out libraries.
        "iopl", "ioperm", "modify_ldt", "uselib",
    ]

    /// `clone` flags that create namespaces: refused (the sandbox's own are made before the filter).
    static let cloneNamespaceFlags: UInt32 = 0x0002_0000 /* NEWNS */ | 0x0200_0000 /* NEWCGROUP */ | 0x0400_0000 /* NEWUTS */
        | 0x0800_0000 /* NEWIPC */ | 0x1000_0000 /* NEWUSER */ | 0x2000_0000 /* NEWPID */ | 0x4000_0000 /* NEWNET */
    /// Terminal ioctls that write into another process's input: TIOCSTI types into the
    /// user's shell, TIOCLINUX can paste the console's selection.
    static let refusedIoctls: [UInt32] = [0x5412, 0x541C]

    public let architecture: Architecture

    /// The filter for the machine cargo-static runs on; nil where none is known.
    public static var host: SeccompFilter? {
        #if arch(x86_64)
        return SeccompFilter(architecture: .x86_64)
        #elseif arch(arm64)
        return SeccompFilter(architecture: .aarch64)
        #else
        return nil
        #endif
    }

    public init(architecture: Architecture) { self.architecture = architecture }

    // Classic BPF opcodes (linux/bpf_common.h) and seccomp return values (linux/seccomp.h).
    static let loadWord: UInt16 = 0x20       // BPF_LD | BPF_W | BPF_ABS
    static let jumpEqual: UInt16 = 0x15      // BPF_JMP | BPF_JEQ | BPF_K
    static let jumpGreaterEq: UInt16 = 0x35  // BPF_JMP | BPF_JGE | BPF_K
    static let jumpSet: UInt16 = 0x45        // BPF_JMP | BPF_JSET | BPF_K
    static let ret: UInt16 = 0x06            // BPF_RET | BPF_K
    static let allow: UInt32 = 0x7FFF_0000
    static let killProcess: UInt32 = 0x8000_0000
    static func errno(_ value: Int32) -> UInt32 { 0x0005_0000 | UInt32(value) }
    static let EPERM: Int32 = 1
    static let ENOSYS: Int32 = 38

    /// Offsets in `struct seccomp_data`; an argument's low 32 bits (little-endian hosts).
    static let offsetNumber: UInt32 = 0
    static let offsetArch: UInt32 = 4
    static func offsetArgument(_ index: UInt32) -> UInt32 { 16 + 8 * index }

    public struct Instruction: Equatable {
        public let code: UInt16
        public let jt: UInt8
        public let jf: UInt8
        public let k: UInt32
    }

    /// The program, instruction by instruction.
    public var instructions: [Instruction] {
        typealias I = Instruction
        let numbers = architecture.numbers
        var p: [I] = [
            I(code: Self.loadWord, jt: 0, jf: 0, k: Self.offsetArch),
            I(code: Self.jumpEqual, jt: 1, jf: 0, k: architecture.auditArch),
            I(code: Self.ret, jt: 0, jf: 0, k: Self.killProcess),
            I(code: Self.loadWord, jt: 0, jf: 0, k: Self.offsetNumber),
        ]
        if let base = architecture.foreignABIBase {
            p += [I(code: Self.jumpGreaterEq, jt: 0, jf: 1, k: base), I(code: Self.ret, jt: 0, jf: 0, k: Self.errno(Self.EPERM))]
        }
        for name in Self.refused {
            guard let nr = numbers[name] else { continue }
            p += [I(code: Self.jumpEqual, jt: 0, jf: 1, k: nr), I(code: Self.ret, jt: 0, jf: 0, k: Self.errno(Self.EPERM))]
        }
        // clone3 passes its flags in memory the filter cannot read: ENOSYS makes libcs fall back to clone.
        if let nr = numbers["clone3"] {
            p += [I(code: Self.jumpEqual, jt: 0, jf: 1, k: nr), I(code: Self.ret, jt: 0, jf: 0, k: Self.errno(Self.ENOSYS))]
        }
        if let nr = numbers["clone"] {
            p += [I(code: Self.jumpEqual, jt: 0, jf: 4, k: nr),
                  I(code: Self.loadWord, jt: 0, jf: 0, k: Self.offsetArgument(0)),
                  I(code: Self.jumpSet, jt: 0, jf: 1, k: Self.cloneNamespaceFlags),
                  I(code: Self.ret, jt: 0, jf: 0, k: Self.errno(Self.EPERM)),
                  I(code: Self.ret, jt: 0, jf: 0, k: Self.allow)]
        }
        if let nr = numbers["ioctl"] {
            // Only the low 32 bits of the request are compared: the kernel ignores the
            // high ones, so a request with junk above bit 31 is still TIOCSTI.
            let count = UInt8(Self.refusedIoctls.count)
            p += [I(code: Self.jumpEqual, jt: 0, jf: count + 3, k: nr),
                  I(code: Self.loadWord, jt: 0, jf: 0, k: Self.offsetArgument(1))]
            for (i, request) in Self.refusedIoctls.enumerated() {
                p.append(I(code: Self.jumpEqual, jt: count - UInt8(i), jf: 0, k: request))
            }
            p += [I(code: Self.ret, jt: 0, jf: 0, k: Self.allow), I(code: Self.ret, jt: 0, jf: 0, k: Self.errno(Self.EPERM))]
        }
        p.append(I(code: Self.ret, jt: 0, jf: 0, k: Self.allow))
        return p
    }

    /// The bytes bubblewrap reads: `struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }`, host order.
    public var bytes: Data {
        var data = Data(capacity: instructions.count * 8)
        for i in instructions {
            withUnsafeBytes(of: i.code) { data.append(contentsOf: $0) }
            data.append(i.jt)
            data.append(i.jf)
            withUnsafeBytes(of: i.k) { data.append(contentsOf: $0) }
        }
        return data
    }
}

extension SeccompFilter.Architecture {
    /// From linux/audit.h and asm/unistd_64.h.
    public static let x86_64 = SeccompFilter.Architecture(
        name: "x86_64", auditArch: 0xC000_003E, foreignABIBase: 0x4000_0000,
        numbers: [
            "ioctl": 16, "clone": 56, "syslog": 103, "uselib": 134, "vhangup": 153, "modify_ldt": 154, "pivot_root": 155,
            "chroot": 161, "acct": 163, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169,
            "iopl": 172, "ioperm": 173, "init_module": 175, "delete_module": 176, "quotactl": 179, "lookup_dcookie": 212,
            "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272, "perf_event_open": 298,
            "name_to_handle_at": 303, "open_by_handle_at": 304, "setns": 308, "finit_module": 313, "kexec_file_load": 320,
            "bpf": 321, "userfaultfd": 323, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
        ].merging(genericNew) { a, _ in a })

    /// From linux/audit.h and asm-generic/unistd.h (arm64 uses the generic table).
    public static let aarch64 = SeccompFilter.Architecture(
        name: "aarch64", auditArch: 0xC000_00B7, foreignABIBase: nil,
        numbers: [
            "lookup_dcookie": 18, "ioctl": 29, "umount2": 39, "mount": 40, "pivot_root": 41, "chroot": 51, "vhangup": 58,
            "quotactl": 60, "acct": 89, "unshare": 97, "kexec_load": 104, "init_module": 105, "delete_module": 106,
            "syslog": 116, "reboot": 142, "add_key": 217, "request_key": 218, "keyctl": 219, "clone": 220, "swapon": 224,
            "swapoff": 225, "perf_event_open": 241, "name_to_handle_at": 264, "open_by_handle_at": 265, "setns": 268,
            "finit_module": 273, "bpf": 280, "userfaultfd": 282, "kexec_file_load": 294,
            "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
        ].merging(genericNew) { a, _ in a })

    /// Calls added since Linux 5.0 share one number on every architecture.
    static let genericNew: [String: UInt32] = [
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "clone3": 435, "mount_setattr": 442, "quotactl_fd": 443,
    ]
}
