import ArgumentParser
import CRMAudit
import CRMDomain
import CRMReports
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import CRMKit
import CRMProjections
import Foundation

struct Head: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the head position and its chain hash (the value to anchor).")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print JSON: {\"position\": N, \"hash\": \"hex\"}.") var json = false

    func run() async throws {
        try await reportingErrors {
            let (store, state) = try await options.openExisting(readOnly: true)
            defer { store.close(); state?.close() }
            let anchor = try store.headAnchor()
            if json { printJSON(AnchorJSON(position: anchor.position, hash: anchor.hash.hex)) } else { print(anchor.description) }
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the hash chain, positions and indexes of the whole log.")
    @OptionGroup var options: StoreOptions
    @Option(help: "An anchor POSITION:HASH printed earlier by `crm head`; the log must still have it.") var anchor: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            var parsed: HeadAnchor?
            if let anchor {
                guard let value = HeadAnchor(anchor) else { throw CLIError("bad anchor '\(anchor)': expected POSITION:64-HEX-DIGITS") }
                parsed = value
            }
            let store: any EventLogStore, state: StateStore?
            do {
                (store, state) = try await options.openExisting(readOnly: true)
            } catch EventLogError.truncatedDataFile(_, let reason) {
                // A cut-off data file is a damaged log, reported like any other (exit 2).
                if json {
                    print("{\"intact\":false,\"problem\":\"truncatedDataFile\",\"detail\":\(jsonString(reason))}")
                } else {
                    FileHandle.standardError.write(Data("crm: verification failed: \(sanitized(reason))\n".utf8))
                }
                throw ExitCode(2)
            }
            defer { store.close(); state?.close() }
            let progress = ProgressDisplay(total: Int(try store.head()), label: "verifying", quiet: options.quiet)
            let report: VerificationReport
            if let lmdb = store as? EventStore {
                report = try await lmdb.verify(anchor: parsed) { progress.set(Int($0)) }
            } else {
                report = try await store.verify(anchor: parsed)
            }
            progress.finish()
            if let problem = report.problem {
                if json {
                    printJSON(VerifyJSON(intact: false, position: problem.position, problem: "\(problem.kind)", detail: problem.detail))
                } else {
                    FileHandle.standardError.write(Data("crm: verification failed at \(sanitized("\(problem)"))\n".utf8))
                }
                throw ExitCode(2)
            }
            if json { printJSON(VerifyJSON(intact: true, head: report.head, hash: report.headHash.hex)) } else {
                print("intact: \(report.head) events, head hash \(report.headHash.hex)")
            }
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Copy the store to DIR while it is in use, and verify the copy.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "An empty or new directory.") var directory: String

    func run() async throws {
        try await reportingErrors {
            let (store, state) = try await options.openExisting(readOnly: true)
            defer { store.close(); state?.close() }
            let report: BackupReport
            do {
                let vault = try options.vault(for: store, state: state)
                report = try await ProgressDisplay.ticking("copying and verifying", quiet: options.quiet) {
                    try await CRMStore.backup(store, vault: vault, to: directory)
                }
            } catch EventLogError.storage(let failure) {
                throw CLIError(describeStorageFailure(failure, store: options.store, target: directory))
            }
            print("backup verified: \(report.head) events, head hash \(report.headHash.hex), \(report.bytes) bytes in \(report.directory)")
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Events, streams, size, events by category and type, and the read models' lag.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print JSON (shape in docs/cli.md).") var json = false

    func run() async throws {
        try await reportingErrors {
            let (store, state) = try await options.openExisting(readOnly: true)
            defer { store.close(); state?.close() }
            let bytes = try (store as? PostgresEventStore)?.storageBytes()
                ?? (try? FileManager.default.attributesOfItem(atPath: options.store + "/data.mdb")[.size] as? Int) ?? 0
            let stats = try StoreStatistics(store: store, state: state, bytes: bytes)
            if json { printJSON(stats) } else { print(TextReport.statistics(stats)) }
        }
    }
}

struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the last events, then follow new ones live (Ctrl-C ends).")
    @OptionGroup var options: StoreOptions
    @Option(help: "How many stored events to show first.") var last: UInt64 = 10
    @Flag(help: "Stop after the stored events instead of following.") var noFollow = false

    func run() async throws {
        try await reportingErrors {
            let (store, state) = try await options.openExisting(readOnly: true)
            defer { store.close(); state?.close() }
            let head = try store.head()
            let start = head > last ? head - last : 0
            if noFollow {
                for event in try store.events(from: start + 1) { print(line(event)) }
                return
            }
            for try await event in store.subscribe(after: start) {
                // Unbuffered: a follower on a pipe wants each event as it comes.
                FileHandle.standardOutput.write(Data((line(event) + "\n").utf8))
            }
        }
    }

    func line(_ event: RecordedEvent) -> String {
        let time = ISO8601DateFormatter().string(from: event.occurredAt)
        let summary: String
        do {
            summary = try EventRegistry().decode(event).summary
        } catch {
            summary = "undecodable: \(error)"
        }
        return "\(event.position)\t\(time)\t\(event.stream)@\(event.streamVersion)\t\(event.type)\t\(summary.prefix(160))"
    }
}

func jsonString(_ text: String) -> String {
    let data = try? JSONEncoder().encode(text)
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
}

/// `crm head --json`.
struct AnchorJSON: Encodable {
    let position: UInt64
    let hash: String
}

/// `crm verify --json`: intact with head and hash, or damaged with position, problem and detail.
struct VerifyJSON: Encodable {
    let intact: Bool
    var head: UInt64?
    var hash: String?
    var position: UInt64?
    var problem: String?
    var detail: String?
}
