import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
@testable import CRMProjections
import Foundation
import Synchronization
import Testing

/// The replay read of a PostgreSQL log (a forward scan of the whole log, fetched as ranges of
/// positions over several connections at once): every record exactly once, in order, across
/// range borders, with appends going on, with bounds, after a gap, from several threads, and
/// into a parallel rebuild.
@Suite struct PostgresReplayTests {
    /// Appends `count` events to `stream` in one append, each with a payload of `bytes` bytes
    /// that names its stream and index; returns the payloads by position.
    static func appendEvents(_ store: PostgresEventStore, stream: String, count: Int, bytes: Int) async throws -> [UInt64: [UInt8]] {
        let payloads = (0..<count).map { n -> [UInt8] in
            let label = Array("\(stream)#\(n)|".utf8)
            return label + [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: max(bytes - label.count, 0))
        }
        let events = payloads.map { NewEvent(id: UUID(), type: "Recorded", schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 1_767_225_600),
                                             actor: "tester", correlationID: nil, causationID: nil, payload: $0) }
        let result = try await store.append(to: stream, events: events)
        return Dictionary(uniqueKeysWithValues: zip(result.events.map(\.position), payloads))
    }

    /// 3,000 small events, 1,500 of 16 KiB, 3,000 small again: the first range (2,048
    /// positions) is cut by count, the later ones by the size of their records, so the replay
    /// crosses many range borders of changing size.
    static func mixedLog(_ store: PostgresEventStore) async throws -> [UInt64: [UInt8]] {
        var payloads: [UInt64: [UInt8]] = [:]
        for (stream, count, bytes) in [("small-a", 3_000, 40), ("large", 1_500, 16 << 10), ("small-b", 3_000, 60)] {
            payloads.merge(try await appendEvents(store, stream: stream, count: count, bytes: bytes)) { old, _ in old }
        }
        return payloads
    }

    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func replayVisitsEveryRecordOnceInOrderWhileAppendsGoOn() async throws {
        let schema = LogFixture.freshSchema()
        guard let postgresURL else { return }
        let store = try await PostgresEventStore.connect(url: postgresURL + (postgresURL.contains("?") ? "&" : "?") + "schema=\(schema)",
                                                         configuration: .init(connections: 4, replayConnections: 3))
        let payloads = try await Self.mixedLog(store)
        #expect(payloads.count == 7_500)
        let head = try store.head()
        #expect(head == 7_500)

        // Appends keep committing while the log is read.
        let stop = Atomic<Bool>(false)
        let appender = Task {
            var appended = 0
            while !stop.load(ordering: .acquiring) {
                try await store.append(to: "late", events: [makeEvent("Late")])
                appended += 1
            }
            return appended
        }
        var positions: [UInt64] = []
        var mismatched: [UInt64] = []
        try store.scan(.all) { view in
            positions.append(view.position)
            if Array(view.payloadBytes) != payloads[view.position] { mismatched.append(view.position) }
        }
        stop.store(true, ordering: .releasing)
        let late = try await appender.value

        // The scan ends at the head it found when it started; the late events come after it.
        #expect(positions == Array(1...head))
        #expect(mismatched.isEmpty)
        #expect(try store.head() == head + UInt64(late))
        var after: [UInt64] = []
        try store.scan(.all, from: head + 1) { after.append($0.position) }
        #expect(after == Array((head + 1)..<(head + 1 + UInt64(late))))
        try await store.dropSchema()
    }

    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func replayKeepsToItsBoundsAndLimit() async throws {
        let fixture = try await LogFixture.open(.postgres)
        let store = try #require(fixture.postgres)
        _ = try await Self.appendEvents(store, stream: "customer-1", count: 5_000, bytes: 100)
        var positions: [UInt64] = []
        try store.scan(.all, from: 1_234, limit: 2_777) { positions.append($0.position) }
        #expect(positions == Array(1_234...4_010))
        positions = []
        try store.scan(.all, from: 4_990, limit: 100) { positions.append($0.position) }
        #expect(positions == Array(4_990...5_000))
        positions = []
        // A bound beyond the head: every stored record, then the read ends.
        try store.scan(.all, from: 2_000, through: 9_000) { positions.append($0.position) }
        #expect(positions == Array(2_000...5_000))
        positions = []
        try store.scan(.all, from: 3_000, through: 2_999) { positions.append($0.position) }
        #expect(positions.isEmpty)
        try await fixture.close()
    }

    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func replayAfterAMissingRowVisitsTheRestOnce() async throws {
        let schema = LogFixture.freshSchema()
        let store = try await LogFixture.connectPostgres(schema: schema)
        _ = try await Self.appendEvents(store, stream: "customer-1", count: 3_000, bytes: 100)
        try await PostgresIntegrityTests.execute("DELETE FROM \(schema).events WHERE position = 1500")
        var positions: [UInt64] = []
        try store.scan(.all) { positions.append($0.position) }
        #expect(positions == Array(1...1_499) + Array(1_501...3_000))
        try await store.dropSchema()
    }

    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func parallelRebuildFromPostgreSQLEqualsTheOneThreadFoldOnLMDB() async throws {
        let dir = TemporaryDirectory("replay-rebuild")
        let lmdb = try EventStore(path: dir.sub("lmdb"), configuration: .init(durability: .relaxed))
        defer { lmdb.close() }
        _ = try await writeHistory(into: lmdb, customers: 12, eventsPerCustomer: 80)
        let head = try lmdb.head()
        let postgres = try await LogFixture.connectPostgres(schema: LogFixture.freshSchema())
        #expect(try await LogMigration.copy(from: lmdb, to: postgres, batchSize: 500).copied == head)

        var single = CRMReadModels(rules: .standard)
        let fold = Fold<CRMReadModels>(registry: EventRegistry(), cutoffMicros: nil)
        try lmdb.scan(.all) { view in try fold.apply(view, to: &single) }
        // Many chunks of positions, more than the window, an uneven last one, more workers than cores.
        var parallel = CRMReadModels(rules: .standard)
        parallel.setTracksChanges(false)
        try ProjectionEngine.rebuildInParallel(&parallel, store: postgres, through: head, cutoffMicros: nil, registry: EventRegistry(),
                                               plan: ParallelRebuildPlan(workers: 3, chunkSize: 97, window: 4))
        let expected = Set(single.entries())
        #expect(expected.count > 100)
        #expect(Set(parallel.entries()) == expected)
        try await postgres.dropSchema()
    }

    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func scansOnSeveralThreadsEachReadTheirRange() async throws {
        let fixture = try await LogFixture.open(.postgres)
        let store = try #require(fixture.postgres)
        let payloads = try await Self.mixedLog(store)
        let ranges: [ClosedRange<UInt64>] = stride(from: UInt64(1), through: 7_500, by: 1_000).map { $0...min($0 + 999, 7_500) }
        let results = Mutex<[ClosedRange<UInt64>: [UInt64]]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            let range = ranges[index]
            var positions: [UInt64] = []
            do {
                try store.scan(.all, from: range.lowerBound, through: range.upperBound) { view in
                    positions.append(view.position)
                    if Array(view.payloadBytes) != payloads[view.position] { failures.withLock { $0.append("payload at \(view.position)") } }
                }
            } catch {
                failures.withLock { $0.append("\(range): \(error)") }
            }
            results.withLock { $0[range] = positions }
        }
        #expect(failures.withLock { $0 } == [])
        for range in ranges { #expect(results.withLock { $0[range] } == Array(range)) }
        try await fixture.close()
    }
}
