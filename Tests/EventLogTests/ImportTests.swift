import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// Appends 50 events over three streams, in 12 appends (so several recorded times), with varied
/// business times, optional ids, schema versions, empty actors and payloads; returns the log.
private func writeSampleLog(to store: EventStore) async throws -> [RecordedEvent] {
    let streams = ["customer-1", "order-7", "invoice-3"]
    var n = 0
    func event(_ stream: String) -> NewEvent {
        defer { n += 1 }
        return NewEvent(
            type: n % 3 == 0 ? "Created" : "Changed", schemaVersion: UInt32(1 + n % 2),
            // Back-dated, sub-second, one before 1970.
            occurredAt: Date(timeIntervalSince1970: n == 7 ? -12_345.678901 : 1_700_000_000 + Double(n) * 1_234.567891),
            actor: n % 5 == 0 ? "" : "user:\(n)",
            correlationID: n % 2 == 0 ? UUID() : nil, causationID: n % 3 == 0 ? UUID() : nil,
            payload: n % 4 == 0 ? [] : Array("\(stream) payload \(n)".utf8) + [0, 255])
    }
    for round in 0..<10 {
        let stream = streams[round % 3]
        _ = try await store.append(to: stream, events: (0..<(round % 4 + 2)).map { _ in event(stream) })
    }
    // One multi-stream append.
    _ = try await store.append(streams.map { StreamAppend(stream: $0, events: [event($0), event($0)]) })
    while n < 50 { _ = try await store.append(to: streams[n % 3], events: [event(streams[n % 3])]) }
    let log = try store.events()
    #expect(log.count == 50)
    return log
}

/// Every record's bytes, in position order: the exported form of the log.
private func rawRecords(of store: EventStore) throws -> [[UInt8]] {
    var records: [[UInt8]] = []
    try store.scan { records.append(Array($0.bytes)) }
    return records
}

@Suite struct ImportTests {
    @Test func exportImportExportIsByteIdentical() async throws {
        let dir = TemporaryDirectory()
        let source = try EventStore(path: dir.sub("a"), configuration: .fast)
        defer { source.close() }
        let exported = try await writeSampleLog(to: source)
        #expect(Set(exported.map(\.recordedAt)).count > 1)

        // The default (durable) configuration: imports take the same sync path as appends.
        let target = try EventStore(path: dir.sub("b"))
        defer { target.close() }
        let imported = exported.map { ImportedEvent($0) }
        #expect(try await target.importEvents(Array(imported[..<20])) == 20)
        #expect(try await target.importEvents(Array(imported[20...])) == 50)

        let restored = try target.events()
        #expect(restored.count == exported.count)
        for (b, a) in zip(restored, exported) {
            #expect(b.position == a.position)
            #expect(b.stream == a.stream)
            #expect(b.streamVersion == a.streamVersion)
            #expect(b.id == a.id)
            #expect(b.type == a.type)
            #expect(b.schemaVersion == a.schemaVersion)
            #expect(b.occurredAt == a.occurredAt)
            #expect(b.recordedAt == a.recordedAt)
            #expect(b.actor == a.actor)
            #expect(b.correlationID == a.correlationID)
            #expect(b.causationID == a.causationID)
            #expect(b.payload == a.payload)
        }
        #expect(restored == exported)
        #expect(try rawRecords(of: target) == rawRecords(of: source))

        #expect(try target.head() == 50)
        #expect(try target.hash(at: 50) == source.hash(at: 50))
        #expect(try target.headAnchor() == source.headAnchor())
        for stream in ["customer-1", "order-7", "invoice-3"] {
            #expect(try target.streamVersion(of: stream) == source.streamVersion(of: stream))
        }
        for event in exported { #expect(try target.position(ofEventID: event.id) == event.position) }
        let report = try await target.verify(anchor: source.headAnchor())
        #expect(report.isIntact)
        #expect(report.head == 50)
        #expect(target.statistics.eventsAppended == 50)
        #expect(target.statistics.writeTransactions == 2)
    }

    @Test func rejectionsAppendNothing() async throws {
        let dir = TemporaryDirectory()
        let source = try EventStore(path: dir.sub("a"), configuration: .fast)
        defer { source.close() }
        let exported = try await writeSampleLog(to: source).map { ImportedEvent($0) }
        let target = try EventStore(path: dir.sub("b"), configuration: .fast)
        defer { target.close() }
        try await target.importEvents(Array(exported[..<10]))
        let anchor = try target.headAnchor()
        #expect(anchor.position == 10)

        let (e11, e12, e13) = (exported[10], exported[11], exported[12])
        #expect(e11.position == 11)
        // The second event is the bad one, so the first was already written when it is rejected.
        var versionGap = e12
        versionGap.streamVersion += 1
        var idTwice = e12
        idTwice.id = e11.id
        var idStored = e12
        idStored.id = exported[0].id
        var recordedEarlier = e12
        recordedEarlier.recordedAt = Date(timeIntervalSince1970: 1_000)
        var noStream = e12
        noStream.stream = ""
        var longType = e12
        longType.type = String(repeating: "t", count: 257)

        let cases: [([ImportedEvent], EventLogError)] = [
            ([], .emptyAppend),
            ([e11, e13], .importPositionMismatch(expected: 12, found: 13)),
            ([e12, e13], .importPositionMismatch(expected: 11, found: 12)),
            (Array(exported[..<2]), .importPositionMismatch(expected: 11, found: 1)),
            ([e11, versionGap], .importStreamVersionMismatch(stream: e12.stream, expected: e12.streamVersion, found: e12.streamVersion + 1)),
            ([e11, idTwice], .duplicateEventIDInAppend(e11.id)),
            ([e11, idStored], .importEventIDAlreadyStored(id: exported[0].id, storedAt: 1)),
            ([e11, recordedEarlier], .importRecordedAtDecreasing(
                position: 12, recordedAt: Date(timeIntervalSince1970: 1_000), previous: e11.recordedAt)),
            ([e11, noStream], .invalidStreamName("", reason: "it is empty")),
            ([e11, longType], .fieldTooLong(field: "event type", length: 257, limit: 256)),
        ]
        for (events, expected) in cases {
            await #expect(throws: expected) { try await target.importEvents(events) }
            #expect(try target.head() == 10)
            #expect(try target.headAnchor() == anchor)
            #expect(try target.position(ofEventID: e11.id) == nil)
            #expect(try target.position(ofEventID: e12.id) == nil)
        }
        #expect(target.statistics.eventsAppended == 10)

        // Nothing was left behind: the rest goes in and the log is A's.
        #expect(try await target.importEvents(Array(exported[10...])) == 50)
        #expect(try target.headAnchor() == source.headAnchor())
        #expect(try target.verifyNow().isIntact)
    }

    @Test func errorDescriptionsNameWhatWasWrong() {
        let id = UUID()
        #expect(EventLogError.importPositionMismatch(expected: 11, found: 13).description.contains("position 13 where position 11"))
        #expect(EventLogError.importStreamVersionMismatch(stream: "order-7", expected: 3, found: 5).description
            .contains("stream 'order-7' has stream version 5 where version 3"))
        #expect(EventLogError.importEventIDAlreadyStored(id: id, storedAt: 4).description.contains("\(id) is already stored at position 4"))
        #expect(EventLogError.importRecordedAtDecreasing(
            position: 12, recordedAt: Date(timeIntervalSince1970: 1), previous: Date(timeIntervalSince1970: 2)
        ).description.contains("position 12 was recorded at 1000000 µs, earlier than the previous record's 2000000 µs"))
    }

    @Test func importContinuesANonEmptyStore() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        _ = try await store.append(to: "customer-1", events: [makeEvent(), makeEvent()])
        _ = try await store.append(to: "order-1", events: [makeEvent("OrderPlaced")])
        let recorded = try #require(try store.event(at: 3)).recordedAt
        // Recorded an hour from now: later appends must not record earlier than that.
        let later = Date(timeIntervalSince1970: (recorded.timeIntervalSince1970 + 3_600).rounded())
        let correlation = UUID()
        let events = [
            ImportedEvent(position: 4, stream: "customer-1", streamVersion: 3, id: UUID(), type: "CustomerRenamed",
                          schemaVersion: 2, occurredAt: Date(timeIntervalSince1970: 1_600_000_000.654321),
                          recordedAt: recorded, actor: "import", correlationID: correlation, payload: [1, 2, 3]),
            ImportedEvent(position: 5, stream: "lead-9", streamVersion: 1, id: UUID(), type: "LeadCaptured",
                          schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 1_600_000_001),
                          recordedAt: later, actor: "", causationID: correlation, payload: []),
            ImportedEvent(position: 6, stream: "customer-1", streamVersion: 4, id: UUID(), type: "CustomerRenamed",
                          schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 1_600_000_002),
                          recordedAt: later, actor: "import", payload: Array("x".utf8)),
        ]

        let subscriber = Task {
            var seen: [UInt64] = []
            for try await event in store.subscribe(after: 3) {
                seen.append(event.position)
                if seen.count == 3 { break }
            }
            return seen
        }
        #expect(try await store.importEvents(events) == 6)
        #expect(try await subscriber.value == [4, 5, 6])

        for event in events {
            let stored = try #require(try store.event(at: event.position))
            #expect(ImportedEvent(stored) == event)
        }
        #expect(try store.streamVersion(of: "customer-1") == 4)
        #expect(try store.streamVersion(of: "lead-9") == 1)
        #expect(try store.verifyNow().isIntact)

        // A normal append continues after the import, never recorded before it.
        let next = try await store.append(to: "customer-1", events: [makeEvent()])
        #expect(next.events.map(\.position) == [7])
        #expect(next.events.map(\.streamVersion) == [5])
        #expect(try #require(try store.event(at: 7)).recordedAt >= later)
        let report = try store.verifyNow()
        #expect(report.isIntact)
        #expect(report.head == 7)
    }

    @Test func importsAndConcurrentAppendsShareTheWriter() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for n in 0..<50 { _ = try await store.append(to: "order-\(writer)", events: [makeEvent(payload: "\(n)")]) }
                }
            }
            group.addTask {
                // Each import targets the head it reads; a racing append makes it fail cleanly.
                var imported = 0
                while imported < 20 {
                    let head = try store.head()
                    let event = ImportedEvent(
                        position: head + 1, stream: "import-1", streamVersion: UInt64(imported + 1), id: UUID(),
                        type: "Imported", schemaVersion: 1, occurredAt: Date(timeIntervalSince1970: 0),
                        recordedAt: Date(), actor: "", payload: [])
                    do {
                        try await store.importEvents([event])
                        imported += 1
                    } catch EventLogError.importPositionMismatch, EventLogError.importRecordedAtDecreasing {
                        continue
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.head() == 220)
        #expect(try store.streamVersion(of: "import-1") == 20)
        #expect(try store.verifyNow().isIntact)
    }

    @Test func readOnlyStoreRefusesImports() async throws {
        let dir = TemporaryDirectory()
        try EventStore(path: dir.path, configuration: .fast).close()
        let store = try EventStore.openReadOnly(path: dir.path)
        defer { store.close() }
        let event = ImportedEvent(
            position: 1, stream: "customer-1", streamVersion: 1, id: UUID(), type: "Created", schemaVersion: 1,
            occurredAt: Date(), recordedAt: Date(), actor: "", payload: [])
        await #expect(throws: EventLogError.readOnly) { try await store.importEvents([event]) }
    }
}
