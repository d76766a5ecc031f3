import EventLog
import Foundation
import Testing
@_exported import TestSupport

/// A test event with a recognisable payload.
func makeEvent(
    _ type: String = "CustomerRegistered", payload: String = "{}", id: UUID = UUID(),
    occurredAt: Date = Date(timeIntervalSince1970: 1_767_225_600), actor: String = "tester",
    correlationID: UUID? = nil, causationID: UUID? = nil
) -> NewEvent {
    NewEvent(id: id, type: type, schemaVersion: 1, occurredAt: occurredAt, actor: actor,
             correlationID: correlationID, causationID: causationID, payload: Array(payload.utf8))
}

/// The helper executable built beside the test bundle.
func helperPath() -> String {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("EventLogTestHelper").path,
        Bundle.main.bundleURL.appendingPathComponent("EventLogTestHelper").path,
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("EventLogTestHelper").path,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}

/// Starts the helper with its stdout on a pipe, read line by line while it runs.
func startHelper(_ arguments: [String]) throws -> (Process, LineReader) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: helperPath())
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    return (process, LineReader(pipe.fileHandleForReading))
}

/// Runs the helper to completion and returns its exit status and stdout lines.
func runHelper(_ arguments: [String]) throws -> (status: Int32, lines: [String]) {
    let (process, output) = try startHelper(arguments)
    var lines: [String] = []
    while let line = output.nextLine() { lines.append(line) }
    process.waitUntilExit()
    return (process.terminationStatus, lines)
}

/// How many trials the crash and tamper suites run: 100, or `CRMKIT_TRIALS`.
var trialCount: Int {
    ProcessInfo.processInfo.environment["CRMKIT_TRIALS"].flatMap(Int.init) ?? 100
}

extension EventStore.Configuration {
    /// Relaxed durability for tests that do not test durability: much faster on CI disks.
    static var fast: Self { .init(durability: .relaxed) }
}
