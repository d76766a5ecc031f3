import CRMDomain
import CRMProjections
import CRMSimulation
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import Foundation
import Testing

/// Writes a seeded CRM history through the domain commands into `store`; returns its customers.
func writeHistory(into store: any EventLogStore, customers: Int, eventsPerCustomer: Int, seed: UInt64 = 7) async throws -> [CustomerID] {
    let handler = CommandHandler(store: store)
    let (employees, staffing) = SimulatedStaff.make(seed: seed)
    for (command, context) in staffing { try await handler.execute(command, context: context) }
    var ids: [CustomerID] = []
    for customer in 0..<customers {
        var generator = HistoryGenerator(customer: customer, seed: seed, events: eventsPerCustomer, employees: employees)
        ids.append(generator.id)
        while let (command, context) = generator.next() { try await handler.execute(command, context: context) }
    }
    return ids
}

/// Moving a CRM log between backends: `LogMigration` (what `crm migrate` runs), JSON Lines export
/// and import, and the domain and projections working unchanged on the PostgreSQL copy.
@Suite struct MigrationTests {
    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func lmdbStoreMigratedToPostgresHasTheSameHeadHashRecordsAndReadModels() async throws {
        let dir = TemporaryDirectory("migrate")
        let lmdb = try EventStore(path: dir.sub("lmdb"), configuration: .init(durability: .relaxed))
        defer { lmdb.close() }
        let customers = try await writeHistory(into: lmdb, customers: 12, eventsPerCustomer: 80)
        let head = try lmdb.head()
        #expect(head > 500)

        let postgres = try await LogFixture.connectPostgres(schema: LogFixture.freshSchema())
        let postgresState = try StateStore(path: dir.sub("pg-state"))
        defer { postgresState.close() }
        let report = try await LogMigration.copy(from: lmdb, to: postgres, batchSize: 300)
        #expect(report.copied == head)
        #expect(report.headsMatch)
        #expect(report.target == (try lmdb.headAnchor()))
        #expect(try postgres.headAnchor() == (try lmdb.headAnchor()))
        let verified = try await postgres.verify()
        #expect(verified.isIntact)
        #expect(verified.headHash == (try lmdb.headAnchor()).hash)
        #expect(try postgres.events() == (try lmdb.events()))
        // A second run finds nothing to copy.
        #expect(try await LogMigration.copy(from: lmdb, to: postgres).copied == 0)

        // The same read models from both logs.
        let fromLMDB = try ProjectionEngine.rebuild(CRMReadModels.self, store: lmdb)
        let fromPostgres = try ProjectionEngine.rebuild(CRMReadModels.self, store: postgres)
        // Entry order follows dictionary order, which differs between instances: compare as sets.
        let entries = Set(fromLMDB.entries())
        #expect(entries.count == fromLMDB.entries().count)
        #expect(Set(fromPostgres.entries()) == entries)
        for customer in customers {
            let view = try #require(fromLMDB.customer360(customer))
            #expect(fromPostgres.customer360(customer) == view)
        }
        #expect(fromLMDB.pipeline.summary() == fromPostgres.pipeline.summary())
        for year in 2023...2025 {
            for quarter in 1...4 {
                #expect(fromLMDB.scorecard(.quarter(year: year, quarter: quarter)) == fromPostgres.scorecard(.quarter(year: year, quarter: quarter)))
            }
        }

        // Commands and a persisted, live projection work on the PostgreSQL log unchanged.
        let projector = try Projector<CRMReadModels>(store: postgres, state: postgresState)
        #expect(try projector.catchUp() == Int(head))
        #expect(projector.checkpoint == head)
        let following = Task { try await projector.follow() }
        let newCustomer = CustomerID.new()
        let handler = CommandHandler(store: postgres)
        let registered = try await handler.execute(.registerCustomer(newCustomer, kind: .person, name: "Jana Nowak", email: "jana@example.org"))
        #expect(registered.events.map(\.position) == [head + 1])
        await #expect(throws: DomainRuleError.self) {
            try await handler.execute(.registerCustomer(newCustomer, kind: .person, name: "Jana Nowak"))
        }
        #expect(try postgres.head() == head + 1)
        let deadline = ContinuousClock.now + .seconds(20)
        while projector.checkpoint < head + 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        following.cancel()
        _ = try? await following.value
        #expect(projector.checkpoint == head + 1)
        let rebuilt = try ProjectionEngine.rebuild(CRMReadModels.self, store: postgres)
        #expect(projector.read { $0.customer360(newCustomer) } == rebuilt.customer360(newCustomer))
        #expect(rebuilt.customer360(newCustomer) != nil)

        // export | import from PostgreSQL back into a new LMDB store: the same chain again.
        let file = dir.sub("log.jsonl")
        #expect(try JSONLines.export(from: postgres, to: file) == Int(head) + 1)
        let back = try EventStore(path: dir.sub("back"), configuration: .init(durability: .relaxed))
        defer { back.close() }
        #expect(try await JSONLines.importFile(file, into: back) == Int(head) + 1)
        #expect(try back.headAnchor() == (try postgres.headAnchor()))

        // A target that is not a prefix of the source is refused, and nothing is copied.
        let other = try EventStore(path: dir.sub("other"), configuration: .init(durability: .relaxed))
        defer { other.close() }
        try await other.append(to: "customer-x", events: [NewEvent(type: "Note", actor: "t", payload: [])])
        await #expect(throws: EventLogError.logsDiverge(position: 1, reason: "the target's head hash differs from the source's hash at that position")) {
            try await LogMigration.copy(from: postgres, to: other)
        }
        #expect(try other.head() == 1)
        try await postgres.dropSchema()
    }

    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func storedGenerationsNeedAStateStoreOnPostgres() async throws {
        let postgres = try await LogFixture.connectPostgres(schema: LogFixture.freshSchema())
        #expect {
            try StoredGeneration.active(CRMReadModels.self, in: nil)
        } throws: { error in
            guard case .noLocalState? = error as? ProjectionError else { return false }
            return true
        }
        try await postgres.dropSchema()
    }
}
