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
        // The live projection benchmarks listen to the projector's own folded-events counter.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // The SQLite peer of the command path seals with AES-GCM as CRMKit does.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        // Plain C over liblmdb: the ceiling CRMKit is measured against.
        .target(
            name: "RawLMDB",
            path: "Sources/RawLMDB",
            linkerSettings: [.linkedLibrary("lmdb")]
        ),
        // Append and replay on LMDB, PostgreSQL and the SQLite peer in one run (issues 9 and 21; not
        // in CI); see docs/benchmarks.md. Its Workload.swift is a symbolic link to the event-log
        // benchmarks' file: the same workload, not a copy; the SQLite peer is the shared target.
        .executableTarget(
            name: "BackendRun",
            dependencies: [
                .product(name: "CRMEventLog", package: rootIdentity),
                .product(name: "CRMEventLogLMDB", package: rootIdentity),
                .product(name: "CRMEventLogPostgres", package: rootIdentity),
                .product(name: "GRDB", package: "GRDB.swift"),
                "RawLMDB",
                "SQLitePeer",
            ],
            path: "Sources/BackendRun"
        ),
        // The scale run (not in CI): 100 M events appended and replayed; see docs/benchmarks.md.
        .executableTarget(
            name: "ScaleRun",
            dependencies: [.product(name: "CRMEventLog", package: rootIdentity), .product(name: "CRMEventLogLMDB", package: rootIdentity)],
            path: "Sources/ScaleRun"
        ),
        // The SQLite (GRDB) peer's event table and temporary directories, shared by the benchmarks.
        .target(
            name: "SQLitePeer",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            path: "Sources/SQLitePeer"
        ),
        .executableTarget(
            name: "EventLogBenchmarks",
            dependencies: [
                .product(name: "CRMEventLog", package: rootIdentity),
                .product(name: "CRMEventLogLMDB", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"),
                "RawLMDB",
                "SQLitePeer",
            ],
            path: "Benchmarks/EventLogBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // The codec benchmarks' event mix (100,000 seeded catalog events in binary and JSON form).
        .target(
            name: "CodecWorkload",
            dependencies: [
                .product(name: "CRMDomain", package: rootIdentity),
                .product(name: "CRMSimulation", package: rootIdentity),
            ],
            path: "Sources/CodecWorkload"
        ),
        // Decodes or encodes the mix in a loop, for `perf record` (not in CI); see docs/benchmarks.md.
        .executableTarget(name: "CodecProfile", dependencies: ["CodecWorkload"], path: "Sources/CodecProfile"),
        // CRMDomain's binary event codec against Foundation's JSONEncoder/JSONDecoder.
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                "CodecWorkload",
                .product(name: "CRMDomain", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Projections (issue 4): the cached 10 M-event dataset, its SQLite peer and the shared folds.
        .target(
            name: "ProjectionData",
            dependencies: [
                .product(name: "CRMEventLog", package: rootIdentity),
                .product(name: "CRMEventLogLMDB", package: rootIdentity),
                .product(name: "CRMDomain", package: rootIdentity),
                .product(name: "CRMProjections", package: rootIdentity),
                .product(name: "CRMSimulation", package: rootIdentity),
                .product(name: "GRDB", package: "GRDB.swift"),
                "SQLitePeer",
            ],
            path: "Sources/ProjectionData"
        ),
        // Prepares the dataset, times a rebuild's sub-steps, measures peak memory (not in CI).
        .executableTarget(name: "ProjectionRun", dependencies: ["ProjectionData"], path: "Sources/ProjectionRun"),
        .executableTarget(
            name: "ProjectionBenchmarks",
            dependencies: [
                "ProjectionData",
                "RawLMDB",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Benchmarks/ProjectionBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // The paths users run (issue 20): commands, import, export and the CLI rebuild, each
        // against its SQLite peer; see docs/benchmarks.md.
        .executableTarget(
            name: "UserPathBenchmarks",
            dependencies: [
                "ProjectionData",
                "SQLitePeer",
                .product(name: "CRMAudit", package: rootIdentity),
                .product(name: "CRMDomain", package: rootIdentity),
                .product(name: "CRMEventLog", package: rootIdentity),
                .product(name: "CRMEventLogLMDB", package: rootIdentity),
                .product(name: "CRMProjections", package: rootIdentity),
                .product(name: "CRMReports", package: rootIdentity),
                .product(name: "CRMSimulation", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/UserPathBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Predictive analytics (issue 10): RFM summary and the BG/NBD and Gamma-Gamma fits of 25,000 customers.
        .executableTarget(
            name: "PredictiveBenchmarks",
            dependencies: [
                .product(name: "CRMPredictive", package: rootIdentity),
                .product(name: "CRMDomain", package: rootIdentity),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PredictiveBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ]
)
