// swift-tools-version: 6.1
//
// A program embedding CRMKit: opens a store, records a sale and a ticket through the domain
// commands, and prints the customer 360 from the persisted read models.
//
// Run from this directory: `swift run Embedding [STORE-DIRECTORY]` (a fresh temporary store by
// default). Test: `swift test` runs the program and checks what it prints.
import PackageDescription

/// SwiftPM names a path dependency after its folder, which differs between clones: derive it.
let crmkit: String = {
    let components = Context.packageDirectory.split(separator: "/", omittingEmptySubsequences: true)
    return components.count >= 3 ? String(components[components.count - 3]).lowercased() : "crmkit"
}()

let package = Package(
    name: "Embedding",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "Embedding",
            dependencies: [
                .product(name: "CRMEventLog", package: crmkit),
                .product(name: "CRMEventLogLMDB", package: crmkit),
                .product(name: "CRMDomain", package: crmkit),
                .product(name: "CRMProjections", package: crmkit),
            ]
        ),
        // Depends on the program so that `swift test` builds it; the test runs the binary.
        .testTarget(name: "EmbeddingTests", dependencies: ["Embedding"]),
    ],
    swiftLanguageModes: [.v6]
)
