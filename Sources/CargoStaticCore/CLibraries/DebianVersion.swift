import Foundation

/// A Debian package version (`[epoch:]upstream[-revision]`), ordered as dpkg orders them,
/// so the newest source package is tried first without asking dpkg.
public struct DebianVersion: Comparable, CustomStringConvertible {
    public let text: String
    let epoch: Int
    let upstream: String
    let revision: String

    public init(_ text: String) {
        self.text = text
        var rest = Substring(text)
        if let colon = rest.firstIndex(of: ":"), let e = Int(rest[..<colon]) {
            epoch = e
            rest = rest[rest.index(after: colon)...]
        } else {
            epoch = 0
        }
        if let dash = rest.lastIndex(of: "-") {
            upstream = String(rest[..<dash])
            revision = String(rest[rest.index(after: dash)...])
        } else {
            upstream = String(rest)
            revision = ""
        }
    }

    public var description: String { text }

    /// The upstream part without epoch and Debian revision (`1:1.2.13.dfsg-1` -> `1.2.13.dfsg`).
    public var upstreamVersion: String { upstream }

    public static func < (a: DebianVersion, b: DebianVersion) -> Bool {
        if a.epoch != b.epoch { return a.epoch < b.epoch }
        let u = compare(a.upstream, b.upstream)
        if u != 0 { return u < 0 }
        return compare(a.revision, b.revision) < 0
    }

    public static func == (a: DebianVersion, b: DebianVersion) -> Bool {
        a.epoch == b.epoch && compare(a.upstream, b.upstream) == 0 && compare(a.revision, b.revision) == 0
    }

    /// dpkg's rule: alternate non-digit and digit runs; in non-digit runs `~` sorts before
    /// everything (even the end), letters before other characters.
    static func compare(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0, j = 0
        func order(_ c: Unicode.Scalar?) -> Int {
            guard let c else { return 0 }
            if c == "~" { return -1 }
            if CharacterSet.letters.contains(c) { return Int(c.value) }
            return Int(c.value) + 256
        }
        while i < x.count || j < y.count {
            while (i < x.count && !isDigit(x[i])) || (j < y.count && !isDigit(y[j])) {
                let ca = i < x.count && !isDigit(x[i]) ? x[i] : nil
                let cb = j < y.count && !isDigit(y[j]) ? y[j] : nil
                let oa = order(ca), ob = order(cb)
                if oa != ob { return oa < ob ? -1 : 1 }
                if ca != nil { i += 1 }
                if cb != nil { j += 1 }
            }
            var na = 0, nb = 0
            while i < x.count, isDigit(x[i]) { na = na &* 10 &+ Int(x[i].value - 48); i += 1 }
            while j < y.count, isDigit(y[j]) { nb = nb &* 10 &+ Int(y[j].value - 48); j += 1 }
            if na != nb { return na < nb ? -1 : 1 }
        }
        return 0
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
}
