// swift-tools-version: 6.1
//
// An HTTP service embedding CRMKit on Hummingbird 2: POST commands, GET the customer 360, the
// pipeline and the scorecard as JSON, and follow the log live as server-sent events. Its own
// package, so that users of the library never fetch Hummingbird.
//
// Run from this directory: `swift run crm-server --store ./crm-store --port 8080`.
// Test: `swift test` (starts the server on a loopback port and calls every endpoint over HTTP).
import PackageDescription

/// SwiftPM names a path dependency after its folder, which differs between clones: derive it.
let crmkit: String = {
    let components = Context.packageDirectory.split(separator: "/", omittingEmptySubsequences: true)
    return components.count >= 3 ? String(components[components.count - 3]).lowercased() : "crmkit"
}()

let package = Package(
    name: "HTTPService",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "crm-server", targets: ["CRMServer"]),
    ],
    dependencies: [
        .package(path: "../.."),
        // No default traits: the service needs neither swift-configuration nor URL-encoded forms.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        // The tests' HTTP client is plain NIO (already built for Hummingbird), not HummingbirdTesting,
        // which would add async-http-client and BoringSSL to every CI build.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "CRMHTTP",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CRMKit", package: crmkit),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "CRMServer",
            dependencies: [
                "CRMHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CRMKit", package: crmkit),
            ]
        ),
        .testTarget(
            name: "CRMHTTPTests",
            dependencies: [
                "CRMHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CRMKit", package: crmkit),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
