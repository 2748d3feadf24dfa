import Foundation

/// Which library steps may build at the same time. A library waits for the libraries of
/// the plan it is built against; independent ones build side by side (zlib and pcre2
/// under libgit2). Much of a small library's build is a configure script, which runs
/// on one core: two such builds fill two cores where one after another would leave one
/// idle. Started in plan order; the first build to fail stops the others and is the error reported.
enum LibrarySchedule {
    /// For each step, the indices of the earlier steps it needs (dependencies that are not
    /// steps of this plan are already provided).
    static func prerequisites(_ steps: [LibraryStep]) -> [[Int]] {
        steps.map { step in
            step.dependencies.compactMap { id in steps.firstIndex { $0.library.name == id.name } }
        }
    }

    /// The steps to start now: not started, with every prerequisite finished, in plan
    /// order, as many as `limit` leaves room for beside those running.
    static func ready(_ prerequisites: [[Int]], started: Set<Int>, finished: Set<Int>, limit: Int) -> [Int] {
        let room = max(1, limit) - (started.count - finished.count)
        guard room > 0 else { return [] }
        let candidates = prerequisites.indices.filter { !started.contains($0) && prerequisites[$0].allSatisfy(finished.contains) }
        return Array(candidates.prefix(room))
    }

    /// How many libraries build at once: one per core, at most four (each build's own
    /// `make -j` uses every core as well; more would only add memory).
    static func limit(cores: Int) -> Int { min(4, max(1, cores)) }
}
