import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import Foundation
import Logging
import PostgresNIO
import Testing

/// Tampering with the rows behind the log's back: `verify` names the first position that no
/// longer matches, as on LMDB.
@Suite struct PostgresIntegrityTests {
    /// Runs one statement on a connection of its own, outside the store.
    static func execute(_ sql: String) async throws {
        let location = try PostgresLocation(url: try #require(postgresURL))
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: location.host ?? "127.0.0.1", port: location.port, username: location.username,
                                 password: location.password, database: location.database, tls: .disable),
            id: 1, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func verifyFindsChangedAndMissingRecords() async throws {
        let schema = LogFixture.freshSchema()
        let store = try await LogFixture.connectPostgres(schema: schema)
        for n in 0..<5 { try await store.append(to: "customer-\(n)", events: [makeEvent(), makeEvent("CustomerDetailsChanged")]) }
        let intact = try await store.verify()
        #expect(intact.isIntact)
        #expect(intact.head == 10)

        // One payload byte changed (the record's last bytes before the hash are payload).
        try await Self.execute("UPDATE \(schema).events SET record = set_byte(record, length(record) - 33, 0) WHERE position = 4")
        let changed = try await store.verify()
        #expect(changed.problem?.kind == .hashMismatch)
        #expect(changed.problem?.position == 4)
        #expect(changed.head == 3)

        // A deleted row is a gap.
        try await Self.execute("DELETE FROM \(schema).events WHERE position = 2")
        let gap = try await store.verify()
        #expect(gap.problem?.kind == .missingRecord)
        #expect(gap.problem?.position == 2)
        #expect(gap.head == 1)
        try await store.dropSchema()
    }

    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func verifyFindsAnIndexColumnThatDisagreesWithItsRecord() async throws {
        let schema = LogFixture.freshSchema()
        let store = try await LogFixture.connectPostgres(schema: schema)
        try await store.append(to: "customer-1", events: [makeEvent(), makeEvent("CustomerDetailsChanged")])
        try await Self.execute("UPDATE \(schema).events SET stream = 'customer-2' WHERE position = 2")
        let report = try await store.verify()
        #expect(report.problem?.kind == .streamIndexMismatch)
        #expect(report.problem?.position == 2)
        try await Self.execute("UPDATE \(schema).events SET stream = 'customer-1', event_id = gen_random_uuid() WHERE position = 2")
        let byID = try await store.verify()
        #expect(byID.problem?.kind == .eventIDIndexMismatch)
        #expect(byID.problem?.position == 2)
        try await store.dropSchema()
    }
}
