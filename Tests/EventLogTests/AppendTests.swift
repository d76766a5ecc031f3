import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

@Suite struct AppendTests {
    @Test func assignsGaplessPositionsAndStreamVersions() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
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

    @Test func refusesTimesThatCannotBeStored() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        try await store.append(to: "customer-1", events: [makeEvent()])
        let far = Date(timeIntervalSince1970: 1e300)
        await #expect(throws: EventLogError.invalidTime(field: "occurredAt", secondsSince1970: 1e300)) {
            try await store.append(to: "customer-1", events: [makeEvent(occurredAt: far)])
        }
        let notANumber = Date(timeIntervalSinceReferenceDate: .nan)
        await #expect(throws: EventLogError.self) {
            try await store.append(to: "customer-1", events: [makeEvent(occurredAt: notANumber)])
        }
        #expect(try store.head() == 1)
        // Year 9999 and year 1 are fine.
        try await store.append(to: "customer-1", events: [makeEvent(occurredAt: Date(timeIntervalSince1970: 253_402_300_799))])
        try await store.append(to: "customer-1", events: [makeEvent(occurredAt: Date(timeIntervalSince1970: -62_135_596_800))])
        #expect(try store.head() == 3)
    }

    @Test func storesEveryRecordField() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        let id = UUID(), correlation = UUID(), causation = UUID()
        let occurred = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let before = Date()
        _ = try await store.append(to: "opportunity-7", events: [
            NewEvent(id: id, type: "OpportunityWon", schemaVersion: 3, occurredAt: occurred, actor: "user:anna",
                     correlationID: correlation, causationID: causation, payload: [1, 2, 3, 0, 255]),
        ])
        let after = Date()
        let event = try #require(try store.event(at: 1))
        #expect(event.position == 1)
        #expect(event.stream == "opportunity-7")
        #expect(event.category == "opportunity")
        #expect(event.streamVersion == 1)
        #expect(event.id == id)
        #expect(event.type == "OpportunityWon")
        #expect(event.schemaVersion == 3)
        #expect(event.occurredAt.timeIntervalSince1970 == 1_700_000_000.123456)
        #expect(event.recordedAt.timeIntervalSince1970 >= before.timeIntervalSince1970 - 0.000001)
        #expect(event.recordedAt.timeIntervalSince1970 <= after.timeIntervalSince1970 + 0.000001)
        #expect(event.actor == "user:anna")
        #expect(event.correlationID == correlation)
        #expect(event.causationID == causation)
        #expect(event.payload == [1, 2, 3, 0, 255])
        #expect(try store.position(ofEventID: id) == 1)
        #expect(try store.event(at: 2) == nil)
    }

    @Test func categoryIsThePartBeforeTheFirstDash() {
        #expect(EventStore.category(of: "customer-42") == "customer")
        #expect(EventStore.category(of: "order-9-line-2") == "order")
        #expect(EventStore.category(of: "settings") == "settings")
    }

    @Test func expectedVersionAnyAlwaysAppends() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        _ = try await store.append(to: "customer-1", expectedVersion: .any, events: [makeEvent()])
        let result = try await store.append(to: "customer-1", expectedVersion: .any, events: [makeEvent()])
        #expect(result.events.map(\.streamVersion) == [2])
    }

    @Test func expectedVersionNoStream() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        let ok = try await store.append(to: "customer-1", expectedVersion: .noStream, events: [makeEvent()])
        #expect(ok.events.map(\.streamVersion) == [1])
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: "customer-1", expected: .noStream, actual: 1)) {
            try await store.append(to: "customer-1", expectedVersion: .noStream, events: [makeEvent()])
        }
        #expect(try store.head() == 1)
    }

    @Test func expectedVersionStreamExists() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: "customer-1", expected: .streamExists, actual: 0)) {
            try await store.append(to: "customer-1", expectedVersion: .streamExists, events: [makeEvent()])
        }
        #expect(try store.head() == 0)
        _ = try await store.append(to: "customer-1", events: [makeEvent()])
        let ok = try await store.append(to: "customer-1", expectedVersion: .streamExists, events: [makeEvent()])
        #expect(ok.events.map(\.streamVersion) == [2])
    }

    @Test func expectedVersionExactly() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        _ = try await store.append(to: "customer-1", events: [makeEvent(), makeEvent()])
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: "customer-1", expected: .exactly(1), actual: 2)) {
            try await store.append(to: "customer-1", expectedVersion: .exactly(1), events: [makeEvent()])
        }
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: "customer-2", expected: .exactly(1), actual: 0)) {
            try await store.append(to: "customer-2", expectedVersion: .exactly(1), events: [makeEvent()])
        }
        // A rejected append leaves its ids unclaimed: the same events go through once the
        // expectation is right.
        let event = makeEvent(payload: "late")
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: "customer-1", expected: .exactly(5), actual: 2)) {
            try await store.append(to: "customer-1", expectedVersion: .exactly(5), events: [event])
        }
        #expect(try store.position(ofEventID: event.id) == nil)
        let ok = try await store.append(to: "customer-1", expectedVersion: .exactly(2), events: [event])
        #expect(ok.events.map(\.streamVersion) == [3])
        #expect(ok.events.map(\.position) == [3])
        #expect(ok.wasAlreadyStored == false)
        #expect(try store.verifyNow().isIntact)
    }

    @Test func defaultIDsAreTimeOrderedVersion7UUIDs() async throws {
        let first = NewEvent.makeID()
        let firstBytes = withUnsafeBytes(of: first.uuid) { Array($0) }
        #expect(firstBytes[6] >> 4 == 7)
        #expect(firstBytes[8] >> 6 == 0b10)
        let millis = firstBytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let now = UInt64(Date().timeIntervalSince1970 * 1_000)
        #expect(millis <= now && now - millis < 5_000)
        // Ids made in later milliseconds sort after earlier ones, byte for byte.
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < .milliseconds(2) {}
        let later = withUnsafeBytes(of: NewEvent.makeID().uuid) { Array($0) }
        #expect(firstBytes.lexicographicallyPrecedes(later))
        #expect(Set((0..<1_000).map { _ in NewEvent.makeID() }).count == 1_000)
    }

    @Test func appendsAcrossStreamsAtomically() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        _ = try await store.append(to: "order-1", events: [makeEvent("OrderPlaced")])
        let both = try await store.append([
            StreamAppend(stream: "order-1", expectedVersion: .exactly(1), events: [makeEvent("OrderShipped")]),
            StreamAppend(stream: "invoice-1", expectedVersion: .noStream, events: [makeEvent("InvoiceIssued"), makeEvent("InvoiceSent")]),
        ])
        #expect(both.events.map(\.position) == [2, 3, 4])
        #expect(both.events.map(\.stream) == ["order-1", "invoice-1", "invoice-1"])
        #expect(both.events.map(\.streamVersion) == [2, 1, 2])

        // The second stream's expectation fails: nothing of the first is written either.
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: "invoice-1", expected: .noStream, actual: 2)) {
            try await store.append([
                StreamAppend(stream: "order-1", expectedVersion: .exactly(2), events: [makeEvent("OrderDelivered")]),
                StreamAppend(stream: "invoice-1", expectedVersion: .noStream, events: [makeEvent("PaymentReceived")]),
            ])
        }
        #expect(try store.head() == 4)
        #expect(try store.streamVersion(of: "order-1") == 2)
        #expect(try store.streamVersion(of: "invoice-1") == 2)
        #expect(try store.verifyNow().isIntact)
    }

    @Test func idempotentRetryReturnsOriginalPositions() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        let events = [makeEvent(payload: "a"), makeEvent(payload: "b")]
        _ = try await store.append(to: "lead-1", events: [makeEvent()])
        let original = try await store.append(to: "customer-5", expectedVersion: .noStream, events: events)
        _ = try await store.append(to: "lead-2", events: [makeEvent()])
        let retry = try await store.append(to: "customer-5", expectedVersion: .noStream, events: events)
        #expect(original.wasAlreadyStored == false)
        #expect(retry.wasAlreadyStored == true)
        #expect(retry.events == original.events)
        #expect(retry.events.map(\.position) == [2, 3])
        #expect(try store.head() == 4)
        #expect(store.statistics.eventsAppended == 4)
    }

    @Test func rejectsTheSameIDWithOtherContent() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        let id = UUID()
        _ = try await store.append(to: "customer-5", events: [makeEvent(payload: "a", id: id)])
        await #expect(throws: EventLogError.eventIDConflict(id: id, storedAt: 1)) {
            try await store.append(to: "customer-5", events: [makeEvent(payload: "b", id: id)])
        }
        await #expect(throws: EventLogError.eventIDConflict(id: id, storedAt: 1)) {
            try await store.append(to: "customer-6", events: [makeEvent(payload: "a", id: id)])
        }
        await #expect(throws: EventLogError.eventIDConflict(id: id, storedAt: 1)) {
            try await store.append(to: "customer-5", events: [makeEvent("Other", payload: "a", id: id)])
        }
        #expect(try store.head() == 1)
    }

    @Test func rejectsAPartialRetry() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        let stored = makeEvent(payload: "a")
        _ = try await store.append(to: "customer-5", events: [stored])
        await #expect(throws: EventLogError.partialRetry(storedID: stored.id, storedAt: 1)) {
            try await store.append(to: "customer-5", events: [stored, makeEvent(payload: "new")])
        }
        #expect(try store.head() == 1)
        #expect(try store.verifyNow().isIntact)
    }

    @Test func rejectsBadInputWithNamedErrors() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        let twice = makeEvent()
        await #expect(throws: EventLogError.duplicateEventIDInAppend(twice.id)) {
            try await store.append(to: "customer-1", events: [twice, twice])
        }
        await #expect(throws: EventLogError.emptyAppend) { try await store.append(to: "customer-1", events: []) }
        await #expect(throws: EventLogError.invalidStreamName("", reason: "it is empty")) {
            try await store.append(to: "", events: [makeEvent()])
        }
        await #expect(throws: EventLogError.invalidStreamName("a\u{0}b", reason: "it contains a NUL character")) {
            try await store.append(to: "a\u{0}b", events: [makeEvent()])
        }
        await #expect(throws: EventLogError.invalidEventType("", reason: "it is empty")) {
            try await store.append(to: "customer-1", events: [makeEvent("")])
        }
        let long = String(repeating: "x", count: 401)
        await #expect(throws: EventLogError.fieldTooLong(field: "stream name", length: 401, limit: 400)) {
            try await store.append(to: long, events: [makeEvent()])
        }
        await #expect(throws: EventLogError.duplicateStreamInAppend("customer-1")) {
            try await store.append([StreamAppend(stream: "customer-1", events: [makeEvent()]),
                                    StreamAppend(stream: "customer-1", events: [makeEvent()])])
        }
        #expect(try store.head() == 0)
        let message = EventLogError.wrongExpectedVersion(stream: "customer-1", expected: .exactly(3), actual: 5).description
        #expect(message == "wrong expected version for stream 'customer-1': expected version 3, actual version 5")
    }

    @Test func readOnlyStoreRefusesAppends() async throws {
        let dir = TemporaryDirectory()
        let writer = try EventStore(path: dir.path, configuration: .fast)
        _ = try await writer.append(to: "customer-1", events: [makeEvent()])
        writer.close()
        let reader = try EventStore.openReadOnly(path: dir.path)
        defer { reader.close() }
        await #expect(throws: EventLogError.readOnly) { try await reader.append(to: "customer-1", events: [makeEvent()]) }
        #expect(try reader.head() == 1)
    }

    @Test func closedStoreRefusesAppends() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        store.close()
        await #expect(throws: EventLogError.closed) { try await store.append(to: "customer-1", events: [makeEvent()]) }
    }

    @Test func reopeningKeepsEverything() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try EventStore(path: dir.path)
            _ = try await store.append(to: "customer-1", events: [makeEvent(), makeEvent()])
            store.close()
        }
        let store = try EventStore(path: dir.path)
        defer { store.close() }
        let next = try await store.append(to: "customer-1", expectedVersion: .exactly(2), events: [makeEvent()])
        #expect(next.events.map(\.position) == [3])
        #expect(try store.verifyNow().isIntact)
    }
}
