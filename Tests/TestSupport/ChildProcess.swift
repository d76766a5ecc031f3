import Foundation

/// The helper executable built beside the test bundle.
public func helperPath() -> String {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("EventLogTestHelper").path,
        Bundle.main.bundleURL.appendingPathComponent("EventLogTestHelper").path,
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("EventLogTestHelper").path,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}

/// Starts the helper with its stdout on a pipe, read line by line while it runs.
public func startHelper(_ arguments: [String]) throws -> (Process, LineReader) {
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
public func runHelper(_ arguments: [String]) throws -> (status: Int32, lines: [String]) {
    let (process, output) = try startHelper(arguments)
    var lines: [String] = []
    while let line = output.nextLine() { lines.append(line) }
    process.waitUntilExit()
    return (process.terminationStatus, lines)
}

/// Reads a child's stdout line by line while it runs.
public final class LineReader {
    let handle: FileHandle
    private var pending = Data()

    public init(_ handle: FileHandle) { self.handle = handle }

    /// The next complete line, or `nil` at end of file.
    public func nextLine() -> String? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            pending.append(chunk)
        }
    }
}
