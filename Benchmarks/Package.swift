// swift-tools-version: 6.1
//
// Benchmarks for CRMKit, kept out of the root package so that library users never fetch
// ordo-one/benchmark or GRDB. Run from this directory:
//
//     swift package --allow-writing-to-package-directory benchmark
//
// The root package is referenced by path. A path dependency's identity is the name of its
// folder, which is `main` here but something else in a CI clone, so the identity is derived from
// this manifest's own location when the manifest is evaluated.
import PackageDescription

/// The identity SwiftPM gives `.package(path: "..")`: the parent folder's last path component.
let rootIdentity: String = {
    let components = Context.packageDirectory.split(separator: "/", omittingEmptySubsequences: true)
    guard components.count >= 2 else { return "crmkit" }
    return String(components[components.count - 2])
}()

let package = Package(
    name: "CRMKitBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // The default RuntimeInterposer trait pulls a package this machine cannot fetch.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Plain C over liblmdb: the ceiling CRMKit is measured against.
        .target(
            name: "RawLMDB",
            path: "Sources/RawLMDB",
            linkerSettings: [.linkedLibrary("lmdb")]
        ),
        // The scale run (not in CI): 100 M events appended and replayed; see docs/benchmarks.md.
        .executableTarget(
            name: "ScaleRun",
            dependencies: [.product(name: "EventLog", package: rootIdentity)],
            path: "Sources/ScaleRun"
        ),
        .executableTarget(
            name: "EventLogBenchmarks",
            dependencies: [
                .product(name: "EventLog", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"),
                "RawLMDB",
            ],
            path: "Benchmarks/EventLogBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(name: "CodecProfile", dependencies: [.product(name: "CRMDomain", package: rootIdentity)], path: "Sources/CodecProfile"),
        // CRMDomain's binary event codec against Foundation's JSONEncoder/JSONDecoder.
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                .product(name: "CRMDomain", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ]
)
