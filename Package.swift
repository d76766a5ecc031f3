// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "CRMKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CRMLMDB", targets: ["CRMLMDB"]),
        .library(name: "CRMEventLog", targets: ["CRMEventLog"]),
        .library(name: "CRMEventLogLMDB", targets: ["CRMEventLogLMDB"]),
        .library(name: "CRMDomain", targets: ["CRMDomain"]),
        .library(name: "CRMProjections", targets: ["CRMProjections"]),
        .library(name: "CRMAudit", targets: ["CRMAudit"]),
        .library(name: "CRMSimulation", targets: ["CRMSimulation"]),
        .library(name: "CRMPolicies", targets: ["CRMPolicies"]),
        .library(name: "CRMPredictive", targets: ["CRMPredictive"]),
        .library(name: "CRMReports", targets: ["CRMReports"]),
        .library(name: "CRMEventLogPostgres", targets: ["CRMEventLogPostgres"]),
        // The facade: one import for the common case.
        .library(name: "CRMKit", targets: ["CRMKit"]),
        .executable(name: "crm", targets: ["crm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(
            name: "CRMLMDB",
            dependencies: ["CLMDB"]
        ),
        .target(
            name: "CRMEventLog",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "CRMEventLogLMDB",
            dependencies: [
                "CRMEventLog", "CRMLMDB",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CRMEventLogPostgres",
            dependencies: [
                "CRMEventLog",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CRMDomain",
            dependencies: [
                "CRMEventLog",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CRMProjections",
            dependencies: [
                "CRMDomain", "CRMEventLog", "CRMLMDB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "CRMAudit",
            dependencies: [
                "CRMDomain", "CRMProjections", "CRMEventLog", "CRMEventLogLMDB", "CRMLMDB",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "CRMSimulation",
            dependencies: ["CRMDomain", "CRMEventLog", "CRMProjections", "CRMPolicies"]
        ),
        .target(
            name: "CRMPolicies",
            dependencies: [
                "CRMDomain", "CRMProjections", "CRMEventLog",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CRMPoliciesTests",
            dependencies: ["CRMPolicies", "CRMProjections", "CRMDomain", "CRMSimulation", "CRMEventLog", "CRMEventLogLMDB", "TestSupport", "EventLogTestHelper"]
        ),
        .target(
            name: "CRMPredictive",
            dependencies: [
                "CRMDomain", "CRMProjections", "CRMEventLog",
            ]
        ),
        .target(
            name: "CRMReports",
            dependencies: ["CRMDomain", "CRMProjections", "CRMPolicies", "CRMEventLog", "CRMEventLogLMDB"]
        ),
        .target(
            name: "CRMKit",
            dependencies: [
                "CRMAudit", "CRMDomain", "CRMEventLog", "CRMEventLogLMDB", "CRMEventLogPostgres", "CRMPolicies", "CRMPredictive",
                "CRMProjections", "CRMReports",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CRMKitTests",
            dependencies: ["CRMKit", "TestSupport", "EventLogTestHelper"]
        ),
        .executableTarget(
            name: "crm",
            dependencies: [
                "CRMKit", "CRMEventLog", "CRMEventLogLMDB", "CRMEventLogPostgres", "CRMDomain", "CRMSimulation", "CRMProjections", "CRMPolicies", "CRMPredictive", "CRMReports", "CRMAudit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "EventLogTestHelper",
            dependencies: [
                "CRMEventLog", "CRMEventLogLMDB", "CRMEventLogPostgres", "CRMLMDB", "CRMDomain", "CRMProjections", "CRMPolicies", "CRMSimulation", "CRMAudit",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            path: "Tests/EventLogTestHelper"
        ),
        .testTarget(
            name: "CRMSimulationTests",
            dependencies: ["CRMSimulation", "CRMPolicies", "CRMProjections", "CRMReports", "CRMDomain", "CRMEventLog", "CRMEventLogLMDB", "TestSupport"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["crm", "TestSupport"]
        ),
        .testTarget(
            name: "LMDBTests",
            dependencies: ["CRMLMDB"]
        ),
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "CRMProjectionsTests",
            dependencies: ["CRMProjections", "CRMReports", "CRMDomain", "CRMSimulation", "CRMEventLog", "CRMEventLogLMDB", "CRMLMDB", "TestSupport", "EventLogTestHelper"]
        ),
        .testTarget(
            name: "CRMAuditTests",
            dependencies: ["CRMAudit", "CRMProjections", "CRMDomain", "CRMEventLog", "CRMEventLogLMDB", "CRMLMDB", "TestSupport", "EventLogTestHelper"]
        ),
        .testTarget(
            name: "CRMDomainTests",
            dependencies: ["CRMDomain", "CRMSimulation", "CRMEventLog", "CRMEventLogLMDB", "TestSupport"]
        ),
        .testTarget(
            name: "CRMPredictiveTests",
            dependencies: ["CRMPredictive", "CRMProjections", "CRMDomain", "CRMEventLog", "CRMEventLogLMDB", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EventLogContractTests",
            dependencies: [
                "CRMEventLog", "CRMEventLogLMDB", "CRMEventLogPostgres", "CRMDomain", "CRMProjections", "CRMSimulation", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: [
                "CRMEventLog", "CRMEventLogLMDB", "CRMLMDB", "EventLogTestHelper", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
