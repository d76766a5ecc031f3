// swift-tools-version: 6.1
//
// A service embedding CRMKit's event log: appends with optimistic concurrency, a live
// subscription feeding a read model, an idempotent retry, verification against an anchor and a
// hot backup. Run from this directory: `swift run EmbeddedLog`.
import PackageDescription

/// SwiftPM names a path dependency after its folder, which differs between clones: derive it.
let crmkit: String = {
    let components = Context.packageDirectory.split(separator: "/", omittingEmptySubsequences: true)
    return components.count >= 3 ? String(components[components.count - 3]).lowercased() : "crmkit"
}()

let package = Package(
    name: "EmbeddedLog",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "EmbeddedLog",
            dependencies: [.product(name: "CRMEventLog", package: crmkit), .product(name: "CRMEventLogLMDB", package: crmkit)]
        ),
    ]
)
