import ArgumentParser
import CRMAudit
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import CRMKit
import CRMProjections
import Foundation

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a log to another store — LMDB to PostgreSQL or back — and check both chains end with the same head hash.",
        discussion: """
            Every event keeps its position, id, stream version and recorded time, so the records and their \
            SHA-256 chain are byte for byte the same. A target that already holds a prefix of the source \
            continues where it ended; a target that is not a prefix is refused.

            crm migrate --from ./crm-store --to postgres://crm@db.example.org/crm
            """)

    @Option(help: "The source: an LMDB store directory or a postgres:// URL.")
    var from: String

    @Option(help: "The target: a postgres:// URL (schema created when missing; ?schema=NAME picks one) or an LMDB store directory.")
    var to: String

    @Option(help: "Events per import transaction.")
    var batch = 10_000

    @Option(help: "For a postgres:// target: an instance's state directory whose subject-key file (kept there before 0.6) joins the log's keys.")
    var state: String?

    @Option(help: "The source's master key file (default: <from>.master-key); its subject keys travel wrapped with it.")
    var masterKey: String?

    @Flag(help: "No progress display on standard error (it shows only on a terminal anyway).")
    var quiet = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be positive") }
        guard from != to else { throw ValidationError("--from and --to name the same store") }
    }

    func run() async throws {
        try await reportingErrors {
            let source = try await openLogStore(from, readOnly: true)
            defer { source.close() }
            let target = try await openLogStore(to)
            defer { target.close() }
            let started = Date()
            let total = try source.head()
            let start = try target.head()
            let progress = ProgressDisplay(total: Int(total > start ? total - start : 0), label: "copying", quiet: quiet)
            let report = try await LogMigration.copy(from: source, to: target, batchSize: batch) { head in
                progress.set(Int(head > start ? head - start : 0))
            }
            progress.finish()
            let elapsed = Date().timeIntervalSince(started)
            print("copied \(report.copied) events from \(describeStore(from)) to \(describeStore(to)) in \(String(format: "%.1f", elapsed)) s")
            let verified = try await target.verify(anchor: report.source)
            if let problem = verified.problem { throw CLIError("the target does not verify: \(problem)") }
            if let line = try carryKeys(from: source, to: target) { print(line) }
            print("both chains end at position \(report.target.position) with head hash \(report.target.hash.hex); the target verifies")
        }
    }

    /// Adds the subject keys of an LMDB source that seals to the target's key store (the
    /// subject-key file of an LMDB target, the table `subject_keys` of a PostgreSQL one), wrapped
    /// with the same master key, never in the clear; keys the target already has stay (a resumed
    /// migration adds the missing ones). Returns the line to print, `nil` when the source seals
    /// nothing.
    private func carryKeys(from source: any EventLogStore, to target: any EventLogStore) throws -> String? {
        let files = FileManager.default
        let masterKeyPath = masterKey ?? (from.hasSuffix("/") ? String(from.dropLast()) : from) + ".master-key"
        let sourceKeys = (from as NSString).appendingPathComponent("subject-keys")
        guard source is EventStore, files.fileExists(atPath: sourceKeys), files.fileExists(atPath: masterKeyPath) else { return nil }
        let state = try self.state.map { try StateStore(path: $0) }
        defer { state?.close() }
        guard let vault = try CRMStore.keyVault(for: target, state: state, masterKeys: FileMasterKeyStore(path: masterKeyPath)) else {
            return "subject keys not copied: the target keeps no subject keys"
        }
        let added = try vault.importKeys(from: sourceKeys)
        return "added \(added) subject keys (wrapped with \(masterKeyPath)) to \(vault.keyFilePath)"
    }
}
