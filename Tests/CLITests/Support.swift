import Foundation
import Testing
import TestSupport

/// The `crm` executable built beside the test bundle.
func crmPath() -> String {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("crm").path,
        Bundle.main.bundleURL.appendingPathComponent("crm").path,
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("crm").path,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}

/// What a run of `crm` printed and how it ended.
struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
    /// The signal that ended the process; 0 when it exited.
    var signal: Int32 = 0

    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    /// The standard output parsed as a JSON object.
    func json() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
    }
}

/// Runs `crm` with `arguments` to completion (outputs go to files, so nothing blocks).
func crm(_ arguments: [String], in directory: String? = nil) throws -> Run {
    try run(crmPath(), arguments, in: directory)
}

/// Runs `crm` with `arguments` on a pseudo-terminal (script(1) gives it one): `stdout` is
/// everything it wrote to the terminal, standard error included.
func crmOnATerminal(_ arguments: [String]) throws -> Run {
    let command = ([crmPath()] + arguments).map { "'\($0)'" }.joined(separator: " ")
    return try run("/usr/bin/script", ["-qec", command, "/dev/null"])
}

/// A started process whose outputs go to files (so nothing blocks), in a directory of its own.
struct Launched {
    let process: Process
    let directory: URL

    /// Starts `executable` with `arguments`, with `environment` added to this process's.
    init(_ executable: String, _ arguments: [String], in workingDirectory: String? = nil, environment: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("out").path, contents: nil)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("err").path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("out"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("err"))
        process.standardInput = FileHandle.nullDevice
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Waits for the end and returns what the process did; removes its directory.
    func finish() throws -> Run {
        defer { try? FileManager.default.removeItem(at: directory) }
        process.waitUntilExit()
        return Run(status: process.terminationStatus,
                   stdout: String(decoding: try Data(contentsOf: directory.appendingPathComponent("out")), as: UTF8.self),
                   stderr: String(decoding: try Data(contentsOf: directory.appendingPathComponent("err")), as: UTF8.self),
                   signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : 0)
    }
}

/// Runs `executable` with `arguments` to completion (outputs go to files, so nothing blocks),
/// with `environment` added to this process's; with `killAfter`, sends SIGKILL after that many
/// seconds unless it ended before.
func run(_ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
         killAfter: Double? = nil) throws -> Run {
    let launched = try Launched(executable, arguments, in: directory, environment: environment)
    if let killAfter {
        // A random kill point: wait up to killAfter for the process to end, else kill it.
        let deadline = Date().addingTimeInterval(killAfter)
        while launched.process.isRunning && Date() < deadline { usleep(2_000) }
        if launched.process.isRunning { kill(launched.process.processIdentifier, SIGKILL) }
    }
    return try launched.finish()
}

/// One small demo store shared by the read-only tests (built once, on first use).
final class DemoStore: Sendable {
    static let shared = DemoStore()

    let directory = TemporaryDirectory("cli")
    var store: String { directory.sub("store") }
    var report: String { directory.sub("report.html") }
    let demo: Run
    let head: Int

    private init() {
        let dir = directory
        demo = try! crm(["demo", "--store", dir.sub("store"), "--customers", "40", "--events", "2400", "--report", dir.sub("report.html")])
        let stats = try! crm(["stats", "--store", dir.sub("store"), "--json"])
        head = (try? stats.json()["events"] as? Int) ?? -1
    }

    /// A private copy of the store (data file, subject-key file and master key) for a test that writes.
    func copy(_ name: String) throws -> (TemporaryDirectory, String) {
        let target = TemporaryDirectory(name)
        let path = target.sub("store")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: store + "/data.mdb", toPath: path + "/data.mdb")
        try FileManager.default.copyItem(atPath: store + "/subject-keys", toPath: path + "/subject-keys")
        try FileManager.default.copyItem(atPath: store + ".master-key", toPath: path + ".master-key")
        return (target, path)
    }

    /// The number of subject keys in the store's subject-key file (256-byte header, 256-byte slots).
    var subjectKeys: Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: store + "/subject-keys")[.size] as? Int) ?? nil
        return ((size ?? 256) - 256) / 256
    }

    /// The id of the customer with the highest CLV (from the report's JSON).
    func topCustomer() throws -> String {
        let run = try crm(["report", "--store", store, "--out", directory.sub("top.html"), "--json"])
        let value = try #require(try run.json()["value"] as? [String: Any])
        return try #require(value["topCustomer"] as? String)
    }
}

/// Runs `crm` like ``crm(_:in:)``, but waits by sleeping between looks instead of blocking the
/// calling thread: for async tests that run many commands, so that the suite's other async
/// tests keep the cooperative threads (2 on the CI machine).
func crmAwaiting(_ arguments: [String]) async throws -> Run {
    let launched = try Launched(crmPath(), arguments)
    while launched.process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
    return try launched.finish()
}
