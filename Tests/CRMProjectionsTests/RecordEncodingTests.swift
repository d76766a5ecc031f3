@testable import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
@testable import CRMProjections
import Foundation
import Testing
import TestSupport

/// The inlinable record encoder (`BinaryRecordEncoder`, used by `encodedRecord()`) writes the
/// same bytes as the field codec's adapter it replaced (`RecordAdapter` over
/// `BinaryFieldEncoder`), for every record of every read model folded from random histories.
@Suite("Record encoding")
struct RecordEncodingTests {
    static func adapterBytes<R: RecordMessage>(_ record: R) -> [UInt8] {
        var adapter = RecordAdapter(inner: BinaryFieldEncoder(writer: ByteWriter()))
        var copy = record
        try? copy.visit(&adapter)
        return adapter.inner.writer.bytes
    }

    static func compare<K, R: RecordMessage>(_ table: RecordTable<K, R>) -> Int {
        for (_, record) in table.records {
            let fast = record.encodedRecord()
            #expect(fast == adapterBytes(record), "\(R.self)")
            #expect((try? R(record: fast)) == record, "\(R.self) round trip")
        }
        return table.records.count
    }

    @Test("every record of every read model encodes to the adapter's bytes and decodes back")
    func sameBytes() async throws {
        var compared = 0
        for seed in 0..<6 as Range<UInt64> {
            let directory = TemporaryDirectory("encoding")
            let store = try EventStore(path: directory.sub("store"),
                                       configuration: EventStore.Configuration(durability: .relaxed, groupCommitLinger: .zero))
            var maker = HistoryMaker(random: SeededRandom(state: seed &* 7_919 &+ 3), handler: CommandHandler(store: store))
            _ = try await maker.run(.registerEmployee(id(9), name: "Agent", role: "service"), at: maker.cursor)
            for _ in 0..<200 { try await maker.step() }
            let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: store)
            compared += Self.compare(models.customer360.customers) + Self.compare(models.customer360.owners)
                + Self.compare(models.customer360.leads) + Self.compare(models.pipeline.opportunities)
                + Self.compare(models.pipeline.quotes) + Self.compare(models.scorecard.months)
                + Self.compare(models.scorecard.pendingTickets) + Self.compare(models.scorecard.employees)
                + Self.compare(models.scorecard.buyers) + Self.compare(models.lifecycle.customers)
            store.close()
        }
        #expect(compared > 300)
    }
}
