import Foundation

/// Puts a `.dep-v0` payload into a relocatable object that the linker is given with the
/// program's own objects. The section is not allocated (no SHF_ALLOC): the linker copies
/// it into the executable but into no PT_LOAD segment, so it costs no memory at run time.
/// It is marked SHF_GNU_RETAIN ("R"): GNU ld's `--gc-sections` (which rustc passes)
/// otherwise drops an unreferenced section even when it is not allocated; lld keeps
/// non-allocated sections anyway and honours the flag too. (The flag needs binutils 2.36
/// or later, LLVM 13 or later.)
///
/// The object comes from a tiny assembly file compiled by the target's own C compiler
/// (`zig cc -target …`, musl-gcc, a cross gcc): the assembler writes the ELF header
/// fields each architecture's linker checks (ARM EABI version and float ABI, RISC-V float
/// ABI, ppc64 ELFv2, …), so nothing here has to know them.
public enum DepSection {
    public static let name = ".dep-v0"

    /// Assembly any GNU-as dialect accepts, clang's integrated assembler included:
    /// `%progbits` rather than `@progbits` (on ARM `@` starts a comment), and no comments.
    /// The empty `.note.GNU-stack` keeps GNU ld from making the stack executable, which an
    /// object without it implies.
    public static func assembly(payload: Data) -> String {
        var lines = ["\t.section \(name),\"R\",%progbits"]
        let bytes = [UInt8](payload)
        var start = 0
        while start < bytes.count {
            let row = bytes[start..<min(start + 32, bytes.count)]
            lines.append("\t.byte " + row.map { String($0) }.joined(separator: ","))
            start += 32
        }
        lines.append("\t.section .note.GNU-stack,\"\",%progbits")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The command that assembles `assembly` into `object` with the target's C compiler
    /// (`compiler` is the compiler and the arguments that pin the target, e.g. the
    /// toolchain's `cc` wrapper, or `python3 -m ziglang cc -target aarch64-linux-musl`).
    /// `-g0`: zig would otherwise add a `.debug_line` for the assembly file to the executable.
    public static func objectCommand(compiler: [String], assembly: String, object: String) -> Command {
        Command(compiler[0], Array(compiler.dropFirst()) + ["-g0", "-c", assembly, "-o", object])
    }
}
