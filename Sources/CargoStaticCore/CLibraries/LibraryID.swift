import Foundation

/// A C library once resolved: the canonical name of its recipe (`zlib`, or a generic
/// library's Debian source package), never a name a user typed (`z`, `libgit2`, `git2`).
/// Only a `NativeLibrary` makes one, so holding a `LibraryID` means the name was resolved;
/// turning it back into the recipe (`LibraryResolver.library(_:)`) matches it exactly,
/// without aliases, link names or pkg-config modules. In JSON it is the bare name.
public struct LibraryID: Hashable, Comparable, Codable, CustomStringConvertible, Sendable {
    public let name: String

    /// From a resolved recipe.
    init(_ library: NativeLibrary) { name = library.name }

    /// From a name a resolved library gave (a `ProvidedLibrary`'s, an entry's record).
    init(resolvedName: String) { name = resolvedName }

    public var description: String { name }

    public static func < (a: LibraryID, b: LibraryID) -> Bool { a.name < b.name }

    public init(from decoder: Decoder) throws {
        name = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }
}

extension NativeLibrary {
    /// This library's identity.
    public var id: LibraryID { LibraryID(self) }

    /// The recipe `id` names (`LibraryResolver.library(_:)` of the shared resolver).
    public static func library(_ id: LibraryID) throws -> NativeLibrary {
        try LibraryResolver.shared.library(id)
    }
}

extension LibraryResolver {
    /// The recipe of a resolved library: a hand-written one by its exact name, else the one
    /// this resolver resolved (resolved again by its Debian source package in a process that
    /// did not, e.g. from a plan read back from JSON).
    public func library(_ id: LibraryID) throws -> NativeLibrary {
        if let recipe = NativeLibrary.all.first(where: { $0.name == id.name }) { return recipe }
        if let known = resolved(id.name) { return known }
        let found = try named(id.name)
        guard found.name == id.name else {
            throw CargoStaticError(.badInput, "the C library `\(id.name)` resolves to `\(found.name)` now",
                                   fix: "plan again: the packages apt knows changed since this plan was made")
        }
        return found
    }
}
