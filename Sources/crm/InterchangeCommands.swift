import ArgumentParser
import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the log (or a range of positions) as JSON Lines, one event per line with all metadata.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The file to write (`-`: standard output).") var file: String
    @Option(help: "First position to export.") var from: UInt64?
    @Option(name: [.customLong("to"), .customLong("through")], help: "Last position to export.") var through: UInt64?

    func run() async throws {
        try await reportingErrors {
            let store = try options.openReadOnly()
            defer { store.close() }
            guard file == "-" else {
                let count = try JSONLines.export(from: store, to: file, from: from, through: through)
                print("exported \(count) events to \(file)")
                return
            }
            // Standard output: the lines only (the count goes to stderr), through a temporary
            // file so the library writes a file as always.
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("crm-export-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: temporary) }
            let count = try JSONLines.export(from: store, to: temporary.path, from: from, through: through)
            let input = try FileHandle(forReadingFrom: temporary)
            defer { try? input.close() }
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { FileHandle.standardOutput.write(chunk) }
            FileHandle.standardError.write(Data("exported \(count) events to standard output\n".utf8))
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a JSON Lines file and append it to a store whose head it continues (an empty store for a full export).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The JSON Lines file.") var file: String
    @Option(help: "Append in transactions of this many lines (resumable) instead of one transaction for the file.") var chunk: Int?
    @Option(help: "Resume a chunked import at this line.") var startAt = 1

    func validate() throws {
        if let chunk, chunk < 1 { throw ValidationError("--chunk must be positive") }
        guard startAt >= 1 else { throw ValidationError("--start-at must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            let store = try EventStore(path: options.store)
            defer { store.close() }
            let mode: JSONLinesImportMode = chunk.map { .chunks(lines: $0) } ?? .singleTransaction
            let count = try await JSONLines.importFile(file, into: store, mode: mode, startingAtLine: startAt)
            print("imported \(count) events; head is now \(try store.head())")
        }
    }
}
