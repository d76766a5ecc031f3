import CRMDomain
@testable import CRMProjections
import Foundation
import Testing

/// A deterministic generator for the randomised comparison.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("DenseRecordTable")
struct DenseRecordTableTests {
    typealias Table = DenseRecordTable<CustomerID, BuyerRecord>

    static func days(_ values: Int32...) -> BuyerRecord {
        var record = BuyerRecord()
        record.orderDays = values.map { CalendarDay(daysSince1970: $0)! }
        return record
    }

    @Test("insert, modify, remove: positions, lookups and entries as a RecordTable's")
    func basics() throws {
        var table = Table(tag: 5)
        var reference = RecordTable<CustomerID, BuyerRecord>(tag: 5)
        for (number, day) in [(1, 10), (2, 20), (3, 30), (4, 40)] as [(UInt8, Int32)] {
            table.update(id(number), orInsert: BuyerRecord()) { $0.orderDays.append(CalendarDay(daysSince1970: day)!) }
            reference.update(id(number), orInsert: BuyerRecord()) { $0.orderDays.append(CalendarDay(daysSince1970: day)!) }
        }
        table.update(id(2), orInsert: BuyerRecord()) { $0.orderDays.append(CalendarDay(daysSince1970: 21)!) }
        reference.update(id(2), orInsert: BuyerRecord()) { $0.orderDays.append(CalendarDay(daysSince1970: 21)!) }
        #expect(table.modify(id(9)) { _ in 1 } == nil)
        #expect(table.modify(id(3)) { $0.orderDays.count } == 1)
        #expect(table.count == 4)
        #expect(Array(table.keys) == [id(1), id(2), id(3), id(4)])
        #expect(table[id(2)] == Self.days(20, 21))
        #expect(table.position(of: id(4)) == 3)

        // Removing the first record moves the last one into its place.
        table.remove(id(1))
        reference.remove(id(1))
        table.remove(id(7))
        #expect(Array(table.keys) == [id(4), id(2), id(3)])
        #expect(Array(table.values) == [Self.days(40), Self.days(20, 21), Self.days(30)])
        #expect(table.position(of: id(4)) == 0)
        #expect(table[id(1)] == nil)
        #expect(table.records == reference.records)

        func sorted(_ entries: [ReadModelEntry]) -> [ReadModelEntry] {
            entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        }
        var entries: [ReadModelEntry] = [], expected: [ReadModelEntry] = []
        table.entries(into: &entries)
        reference.entries(into: &expected)
        #expect(entries.count == 3)
        #expect(sorted(entries) == sorted(expected))
        #expect(entries.first?.key == [5] + id(4, CustomerKindTag.self).keyBytes)

        // Changes: every key touched, the removed one with a nil value.
        var changes: [ReadModelEntry] = [], expectedChanges: [ReadModelEntry] = []
        table.takeChanges(into: &changes)
        reference.takeChanges(into: &expectedChanges)
        #expect(sorted(changes) == sorted(expectedChanges))
        #expect(changes.count == 4)
        #expect(changes.filter { $0.value == nil }.map(\.key) == [[5] + id(1, CustomerKindTag.self).keyBytes])
        table.takeChanges(into: &changes)
        #expect(changes.count == 4)

        // Restoring gives an equal table (order aside), with no changes pending.
        var restored = Table(tag: 5)
        try restored.restore(from: entries + [ReadModelEntry(key: [4, 1], value: [])])
        #expect(restored == table)
        #expect(restored.keys.count == 3)
        var none: [ReadModelEntry] = []
        restored.takeChanges(into: &none)
        #expect(none.isEmpty)
        restored.update(id(3), orInsert: BuyerRecord()) { $0.orderDays = [] }
        #expect(restored != table)
        #expect(throws: CodecError.self) { try restored.restore(from: [ReadModelEntry(key: [5, 1, 2], value: [])]) }
    }

    @Test("random inserts and removals agree with a dictionary")
    func randomised() {
        var random = SplitMix64(state: 42)
        var table = DenseRecordTable<Int, LifecycleClock>(tag: 1)
        table.tracksChanges = false
        var reference: [Int: Int32] = [:]
        for step in 0..<40_000 {
            let key = Int(random.next() % 3_000) - 1_000
            switch random.next() % 3 {
            case 0, 1:
                let day = Int32(step % 10_000)
                table.update(key, orInsert: LifecycleClock()) { $0.latestDay = CalendarDay(daysSince1970: day)! }
                reference[key] = day
            default:
                table.remove(key)
                reference[key] = nil
            }
        }
        #expect(table.count == reference.count)
        #expect(table.count == 1_986) // the same steps replayed outside Swift
        for key in -1_000..<2_000 {
            #expect(table[key]?.latestDay.daysSince1970 == reference[key])
        }
        for (position, key) in table.keys.enumerated() { #expect(table.position(of: key) == position) }
        table.reserveCapacity(10_000)
        for key in -1_000..<2_000 { #expect(table[key]?.latestDay.daysSince1970 == reference[key]) }
    }
}
