// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "CRMKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LMDB", targets: ["LMDB"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "CRMDomain", targets: ["CRMDomain"]),
        .library(name: "CRMProjections", targets: ["CRMProjections"]),
        .library(name: "CRMAudit", targets: ["CRMAudit"]),
        .library(name: "CRMSimulation", targets: ["CRMSimulation"]),
        .library(name: "CRMPolicies", targets: ["CRMPolicies"]),
        .library(name: "CRMPredictive", targets: ["CRMPredictive"]),
        .library(name: "CRMReports", targets: ["CRMReports"]),
        .library(name: "EventLogPostgres", targets: ["EventLogPostgres"]),
        .executable(name: "crm", targets: ["crm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(
            name: "LMDB",
            dependencies: ["CLMDB"]
        ),
        .target(
            name: "EventLog",
            dependencies: [
                "LMDB",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "EventLogPostgres",
            dependencies: [
                "EventLog", "LMDB",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CRMDomain",
            dependencies: [
                "EventLog",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CRMProjections",
            dependencies: [
                "CRMDomain", "EventLog", "LMDB",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CRMAudit",
            dependencies: [
                "CRMDomain", "CRMProjections", "EventLog", "LMDB",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "CRMSimulation",
            dependencies: ["CRMDomain"]
        ),
        .target(
            name: "CRMPolicies",
            dependencies: [
                "CRMDomain", "CRMProjections", "EventLog",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CRMPoliciesTests",
            dependencies: ["CRMPolicies", "CRMProjections", "CRMDomain", "CRMSimulation", "EventLog", "TestSupport", "EventLogTestHelper"]
        ),
        .target(
            name: "CRMPredictive",
            dependencies: [
                "CRMDomain", "CRMProjections", "EventLog",
            ]
        ),
        .target(
            name: "CRMReports",
            dependencies: ["CRMDomain", "CRMProjections", "CRMPolicies", "EventLog"]
        ),
        .executableTarget(
            name: "crm",
            dependencies: [
                "EventLog", "EventLogPostgres", "CRMDomain", "CRMSimulation", "CRMProjections", "CRMPolicies", "CRMPredictive", "CRMReports", "CRMAudit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "EventLogTestHelper",
            dependencies: [
                "EventLog", "LMDB", "CRMDomain", "CRMProjections", "CRMPolicies", "CRMSimulation", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/EventLogTestHelper"
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["crm", "TestSupport"]
        ),
        .testTarget(
            name: "LMDBTests",
            dependencies: ["LMDB"]
        ),
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "CRMProjectionsTests",
            dependencies: ["CRMProjections", "CRMDomain", "CRMSimulation", "EventLog", "LMDB", "TestSupport", "EventLogTestHelper"]
        ),
        .testTarget(
            name: "CRMAuditTests",
            dependencies: ["CRMAudit", "CRMProjections", "CRMDomain", "EventLog", "LMDB", "TestSupport"]
        ),
        .testTarget(
            name: "CRMDomainTests",
            dependencies: ["CRMDomain", "CRMSimulation", "EventLog", "TestSupport"]
        ),
        .testTarget(
            name: "CRMPredictiveTests",
            dependencies: ["CRMPredictive", "CRMProjections", "CRMDomain", "EventLog", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EventLogContractTests",
            dependencies: [
                "EventLog", "EventLogPostgres", "CRMDomain", "CRMProjections", "CRMSimulation", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: [
                "EventLog", "LMDB", "EventLogTestHelper", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
