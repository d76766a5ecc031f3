import ArgumentParser
import CRMEventLog
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
            let report = try await LogMigration.copy(from: source, to: target, batchSize: batch) { head in
                FileHandle.standardError.write(Data("\rcopied through position \(head) of \(total)".utf8))
            }
            if report.copied > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
            let elapsed = Date().timeIntervalSince(started)
            print("copied \(report.copied) events from \(describeStore(from)) to \(describeStore(to)) in \(String(format: "%.1f", elapsed)) s")
            let verified = try await target.verify(anchor: report.source)
            if let problem = verified.problem { throw CLIError("the target does not verify: \(problem)") }
            print("both chains end at position \(report.target.position) with head hash \(report.target.hash.hex); the target verifies")
        }
    }
}
