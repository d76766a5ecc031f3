import CRMEventLog
import CRMEventLogLMDB
import Foundation
import CRMLMDB
import Testing

@Suite struct DurabilityTests {
    @Test func sixtyFourConcurrentWritersShareCommits() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path)
        let writers = 64, perWriter = 20
        let results = try await withThrowingTaskGroup(of: [AppendedEvent].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var mine: [AppendedEvent] = []
                    for n in 0..<perWriter {
                        let result = try await store.append(to: "writer-\(writer)", expectedVersion: .exactly(UInt64(n)),
                                                            events: [makeEvent(payload: "\(writer)/\(n)")])
                        mine += result.events
                    }
                    return mine
                }
            }
            var all: [AppendedEvent] = []
            for try await part in group { all += part }
            return all
        }
        let total = writers * perWriter
        #expect(results.count == total)
        #expect(results.map(\.position).sorted() == Array(1...UInt64(total)))
        let stats = store.statistics
        #expect(stats.appendCalls == total)
        #expect(stats.eventsAppended == total)
        // Group commit: far fewer durable transactions than appends.
        #expect(stats.writeTransactions < total / 4, "\(stats.writeTransactions) transactions for \(total) appends")
        print("group commit: \(total) durable appends from \(writers) writers in \(stats.writeTransactions) transactions")
        store.close()

        // Durable: a fresh open sees every acknowledged event, in each writer's order.
        let reopened = try EventStore(path: dir.path)
        defer { reopened.close() }
        #expect(try reopened.head() == UInt64(total))
        for writer in [0, 31, 63] {
            let payloads = try reopened.events(.stream("writer-\(writer)")).map { String(decoding: $0.payload, as: UTF8.self) }
            #expect(payloads == (0..<perWriter).map { "\(writer)/\($0)" })
        }
        #expect(try reopened.verifyNow().isIntact)
    }

    @Test func growsATinyMapToMoreThan100MB() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .init(initialMapSize: 1 << 20, durability: .relaxed))
        let payload = [UInt8](repeating: 0xAB, count: 4_000)
        let batches = 130, perBatch = 200
        for batch in 0..<batches {
            let events = (0..<perBatch).map { n in
                NewEvent(type: "Attachment", actor: "loader", payload: payload + withUnsafeBytes(of: UInt64(batch * perBatch + n)) { Array($0) })
            }
            _ = try await store.append(to: "document-\(batch)", events: events)
        }
        let total = UInt64(batches * perBatch)
        #expect(try store.head() == total)
        #expect(store.statistics.mapGrowths >= 7)
        #expect(store.environment.info.mapSize >= 100 << 20)
        let report = try store.verifyNow()
        #expect(report.isIntact)
        #expect(report.head == total)
        let sample = try #require(try store.event(at: 12_345))
        #expect(sample.payload.count == 4_008)
        #expect(Array(sample.payload.suffix(8)) == withUnsafeBytes(of: UInt64(12_344)) { Array($0) })
        store.close()
        let size = try FileManager.default.attributesOfItem(atPath: dir.path + "/data.mdb")[.size] as? Int ?? 0
        #expect(size >= 100 << 20)
    }

    @Test func aFullMapFailsClearlyStaysReadableAndRecoversWithRoom() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .init(initialMapSize: 1 << 20, maximumMapSize: 2 << 20, durability: .relaxed))
        let payload = [UInt8](repeating: 1, count: 2_000)
        var appended: UInt64 = 0
        var failure: EventLogError?
        while failure == nil && appended < 10_000 {
            do {
                _ = try await store.append(to: "blob-1", events: [NewEvent(type: "Blob", actor: "t", payload: payload)])
                appended += 1
            } catch let error as EventLogError {
                failure = error
            }
        }
        guard case .storage(let storage) = failure else {
            Issue.record("expected a storage error, got \(String(describing: failure))")
            return
        }
        #expect(storage.kind == .mapFull)
        #expect(failure?.description.hasPrefix("LMDB error -30792 (MDB_MAP_FULL)") == true)
        #expect(try store.head() == appended)
        #expect(try store.verifyNow().isIntact)
        #expect(try store.verifyNow().head == appended)
        store.close()

        // Room is made (a larger map allowed): appends succeed again, nothing was lost.
        let roomy = try EventStore(path: dir.path, configuration: .init(initialMapSize: 1 << 20, maximumMapSize: 64 << 20, durability: .relaxed))
        defer { roomy.close() }
        let next = try await roomy.append(to: "blob-1", expectedVersion: .exactly(appended), events: [NewEvent(type: "Blob", actor: "t", payload: payload)])
        #expect(next.events.map(\.position) == [appended + 1])
        #expect(try roomy.verifyNow().isIntact)
    }
}
