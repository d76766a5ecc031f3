import Crypto
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// Runs `body` on a fresh store of `backend` and removes the store afterwards.
func withLog(_ backend: Backend, connections: Int = 4, _ body: (LogFixture) async throws -> Void) async throws {
    let fixture = try await LogFixture.open(backend, connections: connections)
    do {
        try await body(fixture)
    } catch {
        try? await fixture.close()
        throw error
    }
    try await fixture.close()
}

/// The log protocol's contract, one suite run against every backend: whatever passes here holds
/// for `CRMDomain`, `CRMProjections` and the command line on LMDB and on PostgreSQL alike.
@Suite struct LogContractTests {
    /// Reported as skipped, with the reason, when no PostgreSQL server is configured: every test
    /// below then runs its `.lmdb` case only.
    @Test(.enabled(if: postgresURL != nil, postgresSkipReason))
    func postgresCasesRun() async throws {
        try await withLog(.postgres) { f async throws in
            #expect(f.backend == .postgres)
            #expect(try f.store.headAnchor() == HeadAnchor(position: 0, hash: [UInt8](repeating: 0, count: 32)))
        }
    }

    @Test(arguments: Backend.available)
    func assignsGaplessPositionsAndStreamVersions(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            let first = try await store.append(to: "customer-1", events: [makeEvent(), makeEvent("CustomerDetailsChanged")])
            let second = try await store.append(to: "order-9", events: [makeEvent("OrderPlaced")])
            let third = try await store.append(to: "customer-1", events: [makeEvent("CustomerDetailsChanged")])
            #expect(first.events.map(\.position) == [1, 2])
            #expect(first.events.map(\.streamVersion) == [1, 2])
            #expect(second.events.map(\.position) == [3])
            #expect(second.events.map(\.streamVersion) == [1])
            #expect(third.events.map(\.position) == [4])
            #expect(third.events.map(\.streamVersion) == [3])
            #expect(try store.head() == 4)
            #expect(try store.streamVersion(of: "customer-1") == 3)
            #expect(try store.streamVersion(of: "customer-2") == 0)
        }
    }

    @Test(arguments: Backend.available)
    func storesEveryRecordField(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let id = UUID(), correlation = UUID(), causation = UUID()
            let occurred = Date(timeIntervalSince1970: 1_700_000_000.123456)
            try await f.store.append(to: "opportunity-7", events: [
                NewEvent(id: id, type: "OpportunityWon", schemaVersion: 3, occurredAt: occurred, actor: "user:anna",
                         correlationID: correlation, causationID: causation, payload: [1, 2, 3, 0, 255]),
            ])
            let event = try #require(try f.store.event(at: 1))
            #expect(event.position == 1)
            #expect(event.stream == "opportunity-7")
            #expect(event.category == "opportunity")
            #expect(event.streamVersion == 1)
            #expect(event.id == id)
            #expect(event.type == "OpportunityWon")
            #expect(event.schemaVersion == 3)
            #expect(Micros.from(event.occurredAt) == Micros.from(occurred))
            #expect(event.actor == "user:anna")
            #expect(event.correlationID == correlation)
            #expect(event.causationID == causation)
            #expect(event.payload == [1, 2, 3, 0, 255])
            #expect(try f.store.event(at: 2) == nil)
            #expect(try f.store.position(ofEventID: id) == 1)
            #expect(try f.store.position(ofEventID: UUID()) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func checksExpectedVersionsAndAppendsNothingOnFailure(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            try await store.append(to: "order-1", expectedVersion: .noStream, events: [makeEvent("OrderPlaced")])
            await #expect(throws: EventLogError.wrongExpectedVersion(stream: "order-1", expected: .noStream, actual: 1)) {
                try await store.append(to: "order-1", expectedVersion: .noStream, events: [makeEvent("OrderPlaced")])
            }
            await #expect(throws: EventLogError.wrongExpectedVersion(stream: "order-1", expected: .exactly(2), actual: 1)) {
                try await store.append(to: "order-1", expectedVersion: .exactly(2), events: [makeEvent("OrderShipped")])
            }
            await #expect(throws: EventLogError.wrongExpectedVersion(stream: "order-2", expected: .streamExists, actual: 0)) {
                try await store.append(to: "order-2", expectedVersion: .streamExists, events: [makeEvent("OrderShipped")])
            }
            let ok = try await store.append(to: "order-1", expectedVersion: .exactly(1), events: [makeEvent("OrderShipped")])
            #expect(ok.events.map(\.position) == [2])
            try await store.append(to: "order-1", expectedVersion: .streamExists, events: [makeEvent("OrderDelivered")])
            #expect(try store.head() == 3)
            #expect(try store.streamVersion(of: "order-1") == 3)
        }
    }

    @Test(arguments: Backend.available)
    func appendsToSeveralStreamsAllOrNothing(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            try await store.append(to: "order-1", events: [makeEvent("OrderPlaced")])
            let failing = [
                StreamAppend(stream: "customer-1", events: [makeEvent(), makeEvent("CustomerDetailsChanged")]),
                StreamAppend(stream: "order-1", expectedVersion: .noStream, events: [makeEvent("OrderPlaced")]),
            ]
            await #expect(throws: EventLogError.wrongExpectedVersion(stream: "order-1", expected: .noStream, actual: 1)) {
                try await store.append(failing)
            }
            #expect(try store.head() == 1)
            #expect(try store.streamVersion(of: "customer-1") == 0)
            #expect(try store.position(ofEventID: failing[0].events[0].id) == nil)

            let result = try await store.append([
                StreamAppend(stream: "customer-1", expectedVersion: .noStream, events: [makeEvent(), makeEvent("CustomerDetailsChanged")]),
                StreamAppend(stream: "order-1", expectedVersion: .exactly(1), events: [makeEvent("OrderShipped")]),
            ])
            #expect(result.events.map(\.position) == [2, 3, 4])
            #expect(result.events.map(\.stream) == ["customer-1", "customer-1", "order-1"])
            #expect(result.events.map(\.streamVersion) == [1, 2, 2])
            #expect(!result.wasAlreadyStored)
        }
    }

    @Test(arguments: Backend.available)
    func retriesAreIdempotentAndConflictsAreRefused(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            let events = [makeEvent(), makeEvent("CustomerDetailsChanged")]
            let first = try await store.append(to: "customer-1", expectedVersion: .noStream, events: events)
            try await store.append(to: "order-1", events: [makeEvent("OrderPlaced")])
            // The same append again (even with a now-wrong expected version) returns the original positions.
            let retry = try await store.append(to: "customer-1", expectedVersion: .noStream, events: events)
            #expect(retry.wasAlreadyStored)
            #expect(retry.events == first.events)
            #expect(try store.head() == 3)

            var changed = events[0]
            changed.payload = Array(#"{"other":1}"#.utf8)
            await #expect(throws: EventLogError.eventIDConflict(id: changed.id, storedAt: 1)) {
                try await store.append(to: "customer-1", events: [changed])
            }
            await #expect(throws: EventLogError.eventIDConflict(id: events[0].id, storedAt: 1)) {
                try await store.append(to: "customer-2", events: [events[0]])
            }
            let fresh = makeEvent("CustomerDetailsChanged")
            await #expect(throws: EventLogError.partialRetry(storedID: events[0].id, storedAt: 1)) {
                try await store.append(to: "customer-1", events: [events[0], fresh])
            }
            await #expect(throws: EventLogError.duplicateEventIDInAppend(fresh.id)) {
                try await store.append(to: "customer-1", events: [fresh, fresh])
            }
            await #expect(throws: EventLogError.emptyAppend) {
                try await store.append(to: "customer-1", events: [])
            }
            #expect(try store.head() == 3)
            #expect(try store.position(ofEventID: fresh.id) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func readsByStreamCategoryTypeAndPosition(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            try await store.append(to: "customer-1", events: [makeEvent()])                      // 1
            try await store.append(to: "order-1", events: [makeEvent("OrderPlaced")])            // 2
            try await store.append(to: "customer-2", events: [makeEvent()])                      // 3
            try await store.append(to: "customer-1", events: [makeEvent("CustomerDetailsChanged")]) // 4
            try await store.append(to: "customers", events: [makeEvent("Note")])                 // 5
            try await store.append(to: "order-1", events: [makeEvent("OrderShipped")])           // 6

            #expect(try store.events().map(\.position) == [1, 2, 3, 4, 5, 6])
            #expect(try store.events(from: 3, limit: 2).map(\.position) == [3, 4])
            #expect(try store.events(through: 4).map(\.position) == [1, 2, 3, 4])
            #expect(try store.events(direction: .backward).map(\.position) == [6, 5, 4, 3, 2, 1])
            #expect(try store.events(from: 4, direction: .backward, limit: 2).map(\.position) == [4, 3])
            #expect(try store.events(.stream("customer-1")).map(\.position) == [1, 4])
            #expect(try store.events(.stream("customer-1"), from: 2).map(\.streamVersion) == [2])
            #expect(try store.events(.stream("order-1"), direction: .backward).map(\.position) == [6, 2])
            #expect(try store.events(.stream("order-1"), through: 5).map(\.position) == [2])
            #expect(try store.events(.stream("nobody")).isEmpty)
            #expect(try store.events(.category("customer")).map(\.position) == [1, 3, 4])
            #expect(try store.events(.category("customers")).map(\.position) == [5])
            #expect(try store.events(.category("customer-1")).isEmpty)
            #expect(try store.events(.category("order"), direction: .backward).map(\.position) == [6, 2])
            #expect(try store.events(.eventTypes(["OrderPlaced", "OrderShipped"])).map(\.position) == [2, 6])
            #expect(try store.events(.eventTypes(["CustomerRegistered"]), limit: 1).map(\.position) == [1])

            var seen: [UInt64] = []
            try store.scan(.all, from: 2, through: 5) { view in seen.append(view.position) }
            #expect(seen == [2, 3, 4, 5])
        }
    }

    @Test(arguments: Backend.available)
    func readsLongLogsAcrossChunks(_ backend: Backend) async throws {
        // 25,000 events: more than one chunk of every read (LMDB: 4,096 per transaction;
        // PostgreSQL: 20,000 per round trip) and of verification.
        try await withLog(backend) { f in
            for batch in 0..<5 {
                try await f.store.append((0..<5).map { stream in
                    StreamAppend(stream: "customer-\(batch * 5 + stream)", events: (0..<1_000).map { _ in makeEvent() })
                })
            }
            #expect(try f.store.head() == 25_000)
            var expected: UInt64 = 1
            try f.store.scan { view in
                if view.position != expected { Issue.record("position \(view.position) where \(expected) was expected") }
                expected += 1
            }
            #expect(expected == 25_001)
            #expect(try f.store.events(direction: .backward).map(\.position) == Array((1...25_000).reversed()))
            #expect(try f.store.events(.stream("customer-3")).map(\.streamVersion) == Array(1...1_000))
            #expect(try f.store.events(.category("customer"), from: 24_990).count == 11)
            #expect(try f.store.events(from: 19_999, limit: 3).map(\.position) == [19_999, 20_000, 20_001])
            let report = try await f.store.verify()
            #expect(report.isIntact)
            #expect(report.head == 25_000)
            #expect(report.headHash == (try f.store.headAnchor()).hash)
        }
    }

    @Test(arguments: Backend.available)
    func readsLargeRecordsWhoseChunksAreBoundedByBytes(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            // 40 records of 1 MiB: more than one PostgreSQL chunk (32 MiB) holds.
            for n in 0..<40 {
                var event = makeEvent("DocumentAttached")
                event.payload = [UInt8](repeating: UInt8(n), count: 1 << 20)
                try await f.store.append(to: "document-\(n % 3)", events: [event])
            }
            var positions: [UInt64] = []
            try f.store.scan { view in
                #expect(view.payloadBytes.count == 1 << 20)
                #expect(view.payloadBytes[0] == UInt8(view.position - 1))
                positions.append(view.position)
            }
            #expect(positions == Array(1...40))
            #expect(try f.store.events(direction: .backward).map(\.position) == Array((1...40).reversed()))
            #expect(try f.store.events(.stream("document-1")).map(\.position) == Array(stride(from: 2, through: 40, by: 3)))
            #expect(try await f.store.verify().isIntact)
        }
    }

    @Test(arguments: Backend.available)
    func chainsHashesAndVerifiesAgainstAnchors(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            let empty = try store.headAnchor()
            #expect(empty == HeadAnchor(position: 0, hash: [UInt8](repeating: 0, count: 32)))
            try await store.append(to: "customer-1", events: [makeEvent(), makeEvent("CustomerDetailsChanged")])
            let anchor = try store.headAnchor()
            #expect(anchor.position == 2)
            #expect(try store.hash(at: 2) == anchor.hash)
            #expect(try store.hash(at: 0) == [UInt8](repeating: 0, count: 32))
            #expect(try store.hash(at: 3) == nil)
            try await store.append(to: "order-1", events: [makeEvent("OrderPlaced")])

            // Every record's hash is SHA-256(previous hash ‖ record body), as in docs/log-format.md.
            var previous = [UInt8](repeating: 0, count: 32)
            try store.scan { view in
                #expect(Array(view.hash) == sha256(previous + Array(view.body)))
                previous = Array(view.hash)
            }
            let report = try await store.verify(anchor: anchor)
            #expect(report.isIntact)
            #expect(report.head == 3)
            #expect(report.headHash == previous)

            let forged = HeadAnchor(position: 2, hash: [UInt8](repeating: 7, count: 32))
            let mismatch = try await store.verify(anchor: forged)
            #expect(mismatch.problem?.kind == .anchorMismatch)
            #expect(mismatch.problem?.position == 2)
            let beyond = try await store.verify(anchor: HeadAnchor(position: 9, hash: anchor.hash))
            #expect(beyond.problem?.kind == .truncated)
            #expect(beyond.problem?.position == 4)
        }
    }

    @Test(arguments: Backend.available)
    func subscriptionsCatchUpThenFollowLive(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            try await store.append(to: "customer-1", events: [makeEvent(), makeEvent("CustomerDetailsChanged")])
            try await store.append(to: "order-1", events: [makeEvent("OrderPlaced")])
            let all = Task {
                var positions: [UInt64] = []
                for try await event in store.subscribe(after: 1) {
                    positions.append(event.position)
                    if positions.count == 5 { break }
                }
                return positions
            }
            let stream = Task {
                var versions: [UInt64] = []
                for try await event in store.subscribe(.stream("customer-1"), after: 1) {
                    versions.append(event.streamVersion)
                    if versions.count == 2 { break }
                }
                return versions
            }
            let category = Task {
                var positions: [UInt64] = []
                for try await event in store.subscribe(.category("order"), after: 0) {
                    positions.append(event.position)
                    if positions.count == 2 { break }
                }
                return positions
            }
            try await store.append(to: "customer-1", events: [makeEvent("CustomerDetailsChanged")])
            try await store.append(to: "order-1", events: [makeEvent("OrderShipped")])
            try await store.append(to: "customer-2", events: [makeEvent()])
            #expect(try await all.value == [2, 3, 4, 5, 6])
            #expect(try await stream.value == [2, 3])
            #expect(try await category.value == [3, 5])
        }
    }

    @Test(arguments: Backend.available)
    func subscriptionsEndWhenCancelled(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            try await store.append(to: "customer-1", events: [makeEvent()])
            let (delivered, signal) = AsyncStream.makeStream(of: UInt64.self)
            let task = Task {
                var count = 0
                for try await event in store.subscribe(after: 0) {
                    count += 1
                    signal.yield(event.position)
                }
                return count
            }
            var iterator = delivered.makeAsyncIterator()
            #expect(await iterator.next() == 1)
            task.cancel()
            #expect(try await task.value == 1)
        }
    }

    @Test(arguments: Backend.available)
    func importsEventsExactlyAsRecorded(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            let recordedAt = Date(timeIntervalSince1970: 1_750_000_000.5)
            func imported(_ position: UInt64, _ stream: String, _ version: UInt64, id: UUID = UUID(), at: Date = recordedAt) -> ImportedEvent {
                ImportedEvent(position: position, stream: stream, streamVersion: version, id: id, type: "CustomerRegistered",
                              schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 1_700_000_000), recordedAt: at,
                              actor: "importer", payload: Array("{}".utf8))
            }
            let first = [imported(1, "customer-1", 1), imported(2, "customer-2", 1), imported(3, "customer-1", 2)]
            #expect(try await store.importEvents(first) == 3)
            let stored = try #require(try store.event(at: 3))
            #expect(stored.recordedAt == recordedAt)
            #expect(stored.streamVersion == 2)

            await #expect(throws: EventLogError.importPositionMismatch(expected: 4, found: 5)) {
                try await store.importEvents([imported(5, "customer-1", 3)])
            }
            await #expect(throws: EventLogError.importStreamVersionMismatch(stream: "customer-1", expected: 3, found: 4)) {
                try await store.importEvents([imported(4, "customer-3", 1), imported(5, "customer-1", 4)])
            }
            await #expect(throws: EventLogError.importEventIDAlreadyStored(id: first[0].id, storedAt: 1)) {
                try await store.importEvents([imported(4, "customer-3", 1, id: first[0].id)])
            }
            let earlier = Date(timeIntervalSince1970: 1_740_000_000)
            await #expect(throws: EventLogError.importRecordedAtDecreasing(position: 4, recordedAt: earlier, previous: recordedAt)) {
                try await store.importEvents([imported(4, "customer-3", 1, at: earlier)])
            }
            #expect(try store.head() == 3)
            #expect(try await store.importEvents([imported(4, "customer-3", 1)]) == 4)
            // Appends continue after an import, with a recorded time not before the imported one.
            let appended = try await store.append(to: "customer-3", events: [makeEvent()])
            #expect(appended.events.map(\.position) == [5])
            #expect(appended.events.map(\.streamVersion) == [2])
            #expect(try await store.verify().isIntact)
        }
    }

    @Test(arguments: Backend.available)
    func concurrentAppendsGetDistinctGaplessPositions(_ backend: Backend) async throws {
        try await withLog(backend) { f in
            let store = f.store
            let results = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for writer in 0..<16 {
                    group.addTask {
                        var positions: [UInt64] = []
                        for _ in 0..<20 {
                            let result = try await store.append(to: "customer-\(writer)", events: [makeEvent(), makeEvent()])
                            positions += result.events.map(\.position)
                        }
                        return positions
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(results.sorted() == Array(1...640))
            #expect(try store.head() == 640)
            for writer in 0..<16 {
                #expect(try store.events(.stream("customer-\(writer)")).map(\.streamVersion) == Array(1...40))
            }
            #expect(try await store.verify().isIntact)
        }
    }
}

/// SHA-256 of `bytes`.
func sha256(_ bytes: [UInt8]) -> [UInt8] {
    Array(SHA256.hash(data: bytes))
}
