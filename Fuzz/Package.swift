// swift-tools-version: 6.1
//
// libFuzzer targets for CRMKit's decoders, kept out of the root package. Build and run with
// `make fuzz` from the repository root (see docs/reliability.md); each target is an executable
// whose `main` comes from libFuzzer (`-sanitize=fuzzer`, `-parse-as-library`).
import PackageDescription

/// The identity SwiftPM gives `.package(path: "..")`: the parent folder's last path component.
let rootIdentity: String = {
    let components = Context.packageDirectory.split(separator: "/", omittingEmptySubsequences: true)
    guard components.count >= 2 else { return "crmkit" }
    return String(components[components.count - 2])
}()

let package = Package(
    name: "CRMKitFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzEventDecoder",
            dependencies: [.product(name: "CRMDomain", package: rootIdentity)]
        ),
        .executableTarget(
            name: "FuzzJSONLines",
            dependencies: [.product(name: "CRMDomain", package: rootIdentity)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
