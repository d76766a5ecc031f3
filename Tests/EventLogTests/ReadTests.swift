import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

@Suite struct ReadTests {
    /// customer-1: 1,3,5 … ; order-1: 2,4,6 … ; 10 events in all; types alternate by stream.
    func makeStore(_ dir: TemporaryDirectory) async throws -> EventStore {
        let store = try EventStore(path: dir.path, configuration: .fast)
        for n in 0..<5 {
            _ = try await store.append(to: "customer-1", events: [makeEvent("CustomerNote", payload: "c\(n)")])
            _ = try await store.append(to: "order-1", events: [makeEvent("OrderLine", payload: "o\(n)")])
        }
        _ = try await store.append(to: "customers", events: [makeEvent("Other")])
        return store
    }

    @Test func readsAllForwardAndBackward() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeStore(dir)
        defer { store.close() }
        #expect(try store.events().map(\.position) == Array(1...11))
        #expect(try store.events(direction: .backward).map(\.position) == Array((1...11).reversed()))
        #expect(try store.events(from: 4, limit: 3).map(\.position) == [4, 5, 6])
        #expect(try store.events(from: 4, direction: .backward, limit: 3).map(\.position) == [4, 3, 2])
        #expect(try store.events(from: 12).isEmpty)
        #expect(try store.events(through: 5).map(\.position) == [1, 2, 3, 4, 5])
    }

    @Test func readsOneStream() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeStore(dir)
        defer { store.close() }
        let stream = try store.events(.stream("customer-1"))
        #expect(stream.map(\.position) == [1, 3, 5, 7, 9])
        #expect(stream.map(\.streamVersion) == [1, 2, 3, 4, 5])
        #expect(try store.events(.stream("customer-1"), from: 2, limit: 2).map(\.streamVersion) == [2, 3])
        #expect(try store.events(.stream("customer-1"), direction: .backward).map(\.position) == [9, 7, 5, 3, 1])
        #expect(try store.events(.stream("customer-1"), from: 3, direction: .backward).map(\.streamVersion) == [3, 2, 1])
        #expect(try store.events(.stream("customer")).isEmpty)
        #expect(try store.events(.stream("nobody-1")).isEmpty)
    }

    @Test func readsOneCategory() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeStore(dir)
        defer { store.close() }
        #expect(try store.events(.category("customer")).map(\.position) == [1, 3, 5, 7, 9])
        #expect(try store.events(.category("customers")).map(\.position) == [11])
        #expect(try store.events(.category("order"), direction: .backward, limit: 2).map(\.position) == [10, 8])
        #expect(try store.events(.category("order"), from: 5).map(\.position) == [6, 8, 10])
        #expect(try store.events(.category("customer-1")).isEmpty)
    }

    @Test func readsASetOfEventTypes() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeStore(dir)
        defer { store.close() }
        #expect(try store.events(.eventTypes(["OrderLine"])).map(\.position) == [2, 4, 6, 8, 10])
        #expect(try store.events(.eventTypes(["OrderLine", "Other"]), from: 9).map(\.position) == [10, 11])
        #expect(try store.events(.eventTypes(["Missing"])).isEmpty)
    }

    @Test func readsLazilyAcrossManyChunks() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        for batch in 0..<10 {
            let events = (0..<1_000).map { makeEvent(payload: "\(batch)-\($0)") }
            _ = try await store.append(to: "customer-\(batch)", events: events)
        }
        var count = 0
        var expected: UInt64 = 1
        for try await event in store.read() {
            #expect(event.position == expected)
            expected += 1
            count += 1
        }
        #expect(count == 10_000)
        var backward: [UInt64] = []
        for try await event in store.read(.category("customer"), direction: .backward, limit: 5_000) {
            backward.append(event.position)
        }
        #expect(backward == Array((5_001...10_000).reversed()))
        var scanned = 0
        try store.scan(.stream("customer-7")) { view in
            #expect(view.streamVersion == UInt64(scanned + 1))
            scanned += 1
        }
        #expect(scanned == 1_000)
    }

    @Test func forwardReadStopsAtTheHeadItStartedWith() async throws {
        let dir = TemporaryDirectory()
        let store = try await makeStore(dir)
        defer { store.close() }
        var seen: [UInt64] = []
        for try await event in store.read() {
            seen.append(event.position)
            if event.position == 1 {
                _ = try await store.append(to: "late-1", events: [makeEvent()])
            }
        }
        #expect(seen == Array(1...11))
        #expect(try store.head() == 12)
    }

    @Test("an error thrown by a scan's body comes out unchanged, and the scan stops at it")
    func scanRethrowsTheBodysError() async throws {
        struct Stop: Error, Equatable { let position: UInt64 }
        let dir = TemporaryDirectory()
        let store = try await makeStore(dir)
        defer { store.close() }
        var seen: [UInt64] = []
        #expect(throws: Stop(position: 4)) {
            try store.scan { view in
                seen.append(view.position)
                if view.position == 4 { throw Stop(position: 4) }
            }
        }
        #expect(seen == [1, 2, 3, 4])
    }
}
