import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import Foundation
import Testing
@_exported import TestSupport

/// The log backends the contract suite runs against.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case lmdb
    case postgres

    var testDescription: String { rawValue }

    /// The backends this run can test: `.postgres` only when `CRMKIT_POSTGRES_URL` is set.
    /// Without it, ``LogContractTests/postgresCasesRun()`` is reported as skipped, with the reason.
    static let available: [Backend] = postgresURL == nil ? [.lmdb] : [.lmdb, .postgres]
}

/// The PostgreSQL server the `.postgres` cases use: `CRMKIT_POSTGRES_URL` (CI sets it through
/// `.ci/with-postgres.sh`); unset on a developer's machine without a server.
let postgresURL: String? = ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// Why a `.postgres` case did not run, shown by the test runner.
let postgresSkipReason: Comment = "the PostgreSQL cases of the log suites were NOT run: CRMKIT_POSTGRES_URL is not set (run `make test`, or `bash .ci/with-postgres.sh swift test`)"

/// A store of one backend in a place of its own (a temporary directory, or a fresh schema),
/// removed by ``close()``.
final class LogFixture: Sendable {
    let backend: Backend
    let store: any EventLogStore
    let postgres: PostgresEventStore?
    let directory: TemporaryDirectory

    private init(backend: Backend, store: any EventLogStore, postgres: PostgresEventStore?, directory: TemporaryDirectory) {
        self.backend = backend
        self.store = store
        self.postgres = postgres
        self.directory = directory
    }

    /// Opens an empty store. A `.postgres` case is cancelled (reported as not run, with the
    /// reason) when no server is configured.
    static func open(_ backend: Backend, connections: Int = 4, schema: String = LogFixture.freshSchema()) async throws -> LogFixture {
        let directory = TemporaryDirectory("contract")
        switch backend {
        case .lmdb:
            let store = try EventStore(path: directory.sub("log"), configuration: .init(durability: .relaxed))
            return LogFixture(backend: backend, store: store, postgres: nil, directory: directory)
        case .postgres:
            let store = try await connectPostgres(schema: schema, connections: connections)
            return LogFixture(backend: backend, store: store, postgres: store, directory: directory)
        }
    }

    /// Connects to the configured server in `schema`, or cancels the test when there is none.
    static func connectPostgres(schema: String, connections: Int = 4) async throws -> PostgresEventStore {
        guard let postgresURL else { try Test.cancel(postgresSkipReason) }
        return try await PostgresEventStore.connect(
            url: postgresURL + (postgresURL.contains("?") ? "&" : "?") + "schema=\(schema)",
            configuration: .init(connections: connections))
    }

    /// A schema name no other test uses.
    static func freshSchema() -> String {
        "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    }

    /// Closes the store and removes its data (the directory, or the schema).
    func close() async throws {
        if let postgres {
            try await postgres.dropSchema()
        } else {
            store.close()
        }
    }
}

/// A test event with a recognisable payload.
func makeEvent(
    _ type: String = "CustomerRegistered", payload: String = "{}", id: UUID = UUID(),
    occurredAt: Date = Date(timeIntervalSince1970: 1_767_225_600), actor: String = "tester",
    correlationID: UUID? = nil, causationID: UUID? = nil
) -> NewEvent {
    NewEvent(id: id, type: type, schemaVersion: 1, occurredAt: occurredAt, actor: actor,
             correlationID: correlationID, causationID: causationID, payload: Array(payload.utf8))
}
