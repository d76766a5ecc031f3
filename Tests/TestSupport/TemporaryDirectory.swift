import Foundation

/// A fresh directory per test, removed afterwards.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ name: String = "store") {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/crmkit-tests-\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func sub(_ name: String) -> String { "\(path)/\(name)" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
