import Foundation
import XCTest

extension XCTestCase {
    /// A new empty directory for this test (`cs-<label>-<pid>-<uuid>` in the temporary
    /// directory), removed with everything in it when the test ends.
    func scratchDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "cs-\(label)-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
