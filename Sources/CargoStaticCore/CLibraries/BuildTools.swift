import Foundation

/// A program a library's build ran or looked for and did not find on this machine (an
/// assembler such as nasm or yasm, a generator), with the Debian package that provides it
/// when the source's own Build-Depends names one.
public struct MissingBuildTool: Equatable {
    /// The program (`nasm`), or the Build-Depends package the failed step's output names.
    public let program: String
    /// The Debian package to install, from debian/control's Build-Depends (nil: none named it).
    public let package: String?
    /// The output line that said so.
    public let said: String

    /// The sentence added to the step's error.
    public var explanation: String {
        "the build needs the program `\(program)`, which is not installed on this machine (\(said))"
            + (package.map { "; Debian builds this library with the package \($0) (its Build-Depends): `apt-get install \($0)`" } ?? "")
    }
}

/// Reads a failed build step's output for programs it could not run, and the source's
/// debian/control for the packages that provide them. Pure: what is installed is passed in.
public enum BuildTools {
    /// One Build-Depends entry: a package, and the architectures it is restricted to
    /// (`nasm (>= 2.14) [any-amd64 any-i386]`; empty: every architecture).
    public struct Dependency: Equatable {
        public let package: String
        public let architectures: [String]
    }

    /// The Build-Depends (and Build-Depends-Arch) of debian/control's source stanza, every
    /// alternative of `a | b` included, without versions and build profiles.
    public static func buildDepends(control: String) -> [Dependency] {
        var fields: [String] = []
        var current: String?
        for line in control.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingSpaces().isEmpty { break }   // the source stanza only
            if line.first == " " || line.first == "\t" {
                if current != nil { current! += " " + line.trimmingSpaces() }
                continue
            }
            if let c = current { fields.append(c) }
            let lower = line.lowercased()
            current = lower.hasPrefix("build-depends:") || lower.hasPrefix("build-depends-arch:")
                ? String(line[line.index(after: line.firstIndex(of: ":")!)...]) : nil
        }
        if let c = current { fields.append(c) }
        var out: [Dependency] = []
        for field in fields {
            for alternative in field.split(whereSeparator: { $0 == "," || $0 == "|" }) {
                let text = alternative.trimmingSpaces()
                let name = String(text.prefix { !$0.isWhitespace && $0 != "(" && $0 != "[" && $0 != "<" && $0 != ":" })
                guard !name.isEmpty else { continue }
                var arches: [String] = []
                if let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") {
                    arches = text[text.index(after: open)..<close].split(separator: " ").map(String.init)
                }
                if !out.contains(where: { $0.package == name }) { out.append(Dependency(package: name, architectures: arches)) }
            }
        }
        return out
    }

    /// Whether a Build-Depends architecture restriction includes `debianArch` (`amd64`):
    /// `amd64`, `any-amd64`, `linux-any`, `any`; `!arch` excludes.
    static func applies(_ dependency: Dependency, to debianArch: String) -> Bool {
        guard !dependency.architectures.isEmpty else { return true }
        let negated = dependency.architectures.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) }
        func matches(_ a: String) -> Bool { a == debianArch || a == "any-" + debianArch || a == "linux-" + debianArch || a == "any" || a == "linux-any" }
        if !negated.isEmpty { return !negated.contains(where: matches) }
        return dependency.architectures.contains(where: matches)
    }

    /// The programs the output says were not found: meson's `Program 'nasm' not found`, the
    /// shell's `nasm: command not found` / `sh: 1: nasm: not found`, make's `make[1]: xmlto: No
    /// such file or directory`; and the Build-Depends
    /// packages that are not installed and that an error line names as a word (aom's CMake:
    /// "Unable to find assembler. Install 'yasm' or 'nasm.'"), each once.
    /// `buildDepends`: already filtered for the target architecture; `installed`: whether a
    /// Debian package is installed; `onPath`: whether a program is found on PATH.
    public static func missing(inOutput text: String, buildDepends: [Dependency],
                               installed: (String) -> Bool, onPath: (String) -> Bool) -> [MissingBuildTool] {
        var out: [MissingBuildTool] = []
        func add(_ program: String, _ line: String) {
            guard !program.isEmpty, !out.contains(where: { $0.program == program }) else { return }
            let package = buildDepends.first { $0.package == program && !installed($0.package) }?.package
            out.append(MissingBuildTool(program: program, package: package, said: line))
        }
        let lines = text.split(separator: "\n").map { $0.trimmingSpaces() }
        for line in lines {
            if let p = quoted(line, after: "Program '", before: "' not found") { add(p, line); continue }
            // make's own words when it cannot start a recipe's program: `make[1]: xmlto: No such file or directory`.
            let makeExec = line.hasPrefix("make") ? [": No such file or directory"] : []
            for suffix in [": command not found", ": not found"] + makeExec where line.hasSuffix(suffix) {
                let head = line.dropLast(suffix.count)
                let program = String(head.split(separator: ":").last ?? "").trimmingSpaces()
                if !program.contains(" "), !program.contains("/"), !onPath(program) { add(program, line) }
            }
        }
        // A Build-Depends tool that is not installed, named in an error line.
        let errors = lines.filter { l in ["error", "unable to", "not found", "cannot find", "could not find", "install "].contains { l.lowercased().contains($0) } }
        for dependency in buildDepends where !installed(dependency.package) && !isLibraryPackage(dependency.package) {
            if let line = errors.first(where: { mentions($0, dependency.package) }), !onPath(dependency.package) { add(dependency.package, line) }
        }
        return out
    }

    /// -dev packages, libraries and debhelper are never a program a build step runs by name.
    static func isLibraryPackage(_ package: String) -> Bool {
        package.hasSuffix("-dev") || package.hasPrefix("lib") || package.hasPrefix("debhelper") || package.hasPrefix("dh-")
    }

    /// Whether the line names `word` on its own (`Install 'yasm' or 'nasm.'`), not as a
    /// part of a path (`build/cmake/aom_optimization.cmake:222`).
    static func mentions(_ line: String, _ word: String) -> Bool {
        let punctuation = CharacterSet(charactersIn: "'\"`.,:;()[]{}!?")
        return line.lowercased().split(whereSeparator: \.isWhitespace)
            .contains { $0.trimmingCharacters(in: punctuation) == word.lowercased() }
    }

    private static func quoted(_ line: String, after open: String, before close: String) -> String? {
        guard let a = line.range(of: open), let b = line[a.upperBound...].range(of: close) else { return nil }
        let value = String(line[a.upperBound..<b.lowerBound])
        return value.isEmpty || value.contains(" ") ? nil : value
    }

    /// The Debian architecture of a target's CPU (Build-Depends restrictions use it).
    public static func debianArchitecture(_ target: Target) -> String {
        switch target.arch {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        case "i686", "i586", "i386": return "i386"
        case "powerpc64le": return "ppc64el"
        case "riscv64gc", "riscv64": return "riscv64"
        case "loongarch64": return "loong64"
        case "s390x": return "s390x"
        case "arm", "armv7": return "armhf"
        default: return target.arch
        }
    }

    /// Whether dpkg lists the package as installed (its file list under /var/lib/dpkg/info).
    public static func dpkgInstalled(_ package: String, admin: String = "/var/lib/dpkg/info") -> Bool {
        let fm = FileManager.default
        if fm.fileExists(atPath: "\(admin)/\(package).list") { return true }
        return ((try? fm.contentsOfDirectory(atPath: admin)) ?? []).contains { $0.hasPrefix(package + ":") && $0.hasSuffix(".list") }
    }

    /// Whether `program` is an executable file in one of PATH's directories.
    public static func onPath(_ program: String, path: String) -> Bool {
        path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }
}
