import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

@Suite struct SubscriptionTests {
    @Test func deliversCatchUpThenLiveEventsExactlyOnce() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        for n in 0..<50 { _ = try await store.append(to: "customer-\(n)", events: [makeEvent()]) }

        let writers = 8, perWriter = 100
        let total = 50 + writers * perWriter
        let subscriber = Task {
            var positions: [UInt64] = []
            var ids = Set<UUID>()
            for try await event in store.subscribe() {
                positions.append(event.position)
                ids.insert(event.id)
                if positions.count == total { break }
            }
            return (positions, ids.count)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for n in 0..<perWriter {
                        _ = try await store.append(to: "order-\(writer)", events: [makeEvent(payload: "\(writer)-\(n)")])
                    }
                }
            }
            try await group.waitForAll()
        }
        let (positions, distinct) = try await subscriber.value
        #expect(positions == Array(1...UInt64(total)))
        #expect(distinct == total)
    }

    @Test func startsAfterAPositionAndFilters() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        for n in 0..<10 {
            _ = try await store.append(to: n % 2 == 0 ? "customer-1" : "order-1", events: [makeEvent()])
        }
        let subscriber = Task {
            var seen: [UInt64] = []
            for try await event in store.subscribe(.category("order"), after: 4) {
                seen.append(event.position)
                if seen.count == 5 { break }
            }
            return seen
        }
        for _ in 0..<4 { _ = try await store.append(to: "order-2", events: [makeEvent()]) }
        #expect(try await subscriber.value == [6, 8, 10, 11, 12])
    }

    @Test func followsOneStreamByVersion() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        _ = try await store.append(to: "ticket-1", events: [makeEvent(), makeEvent()])
        let subscriber = Task {
            var versions: [UInt64] = []
            for try await event in store.subscribe(.stream("ticket-1"), after: 1) {
                versions.append(event.streamVersion)
                if versions.count == 3 { break }
            }
            return versions
        }
        _ = try await store.append(to: "ticket-2", events: [makeEvent()])
        _ = try await store.append(to: "ticket-1", events: [makeEvent(), makeEvent()])
        #expect(try await subscriber.value == [2, 3, 4])
    }

    @Test func endsWhenCancelled() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        _ = try await store.append(to: "customer-1", events: [makeEvent()])
        let (delivered, signal) = AsyncStream<Void>.makeStream()
        let subscriber = Task {
            var count = 0
            for try await _ in store.subscribe() {
                count += 1
                signal.yield()
            }
            return count
        }
        for await _ in delivered { break }
        subscriber.cancel()
        #expect(try await subscriber.value == 1)
    }

    @Test func endsWhenTheStoreCloses() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        _ = try await store.append(to: "customer-1", events: [makeEvent()])
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let subscriber = Task {
            var count = 0
            for try await _ in store.subscribe() {
                count += 1
                continuation.yield()
            }
            return count
        }
        for await _ in stream { break }
        store.close()
        #expect(try await subscriber.value == 1)
    }
}
