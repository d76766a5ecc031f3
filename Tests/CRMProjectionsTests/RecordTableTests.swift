import CRMDomain
@testable import CRMProjections
import CRMSimulation
import Foundation
import Testing

/// A key whose hash is its value modulo `buckets`, so that many keys share a home slot and
/// removals shift whole clusters.
private struct CollidingKey: RecordKey {
    let value: Int
    var keyBytes: [UInt8] { value.keyBytes }
    init(_ value: Int) { self.value = value }
    init?(keyBytes: some Collection<UInt8>) {
        guard let value = Int(keyBytes: keyBytes) else { return nil }
        self.value = value
    }
    var recordTableHash: UInt64 { UInt64(value % 7) }
}

private func total(_ value: Int) -> YearTotal {
    var record = YearTotal()
    record.year = value
    record.revenue = Int64(value) * 3
    return record
}

/// Checks `table` against `expected` through every way of reading it.
private func expectSame<K: RecordKey>(_ table: RecordTable<K, YearTotal>, _ expected: [K: YearTotal], probes: [K]) {
    #expect(table.count == expected.count)
    #expect(table.records.count == expected.count)
    var seen: [K: YearTotal] = [:]
    for (key, record) in table.records {
        #expect(seen[key] == nil)
        seen[key] = record
    }
    #expect(seen == expected)
    #expect(Set(table.records.keys) == Set(expected.keys))
    #expect(table.records.values.map(\.year).sorted() == expected.values.map(\.year).sorted())
    for key in probes {
        #expect(table[key] == expected[key])
        #expect(table.records[key] == expected[key])
    }
}

@Suite struct RecordTableTests {
    @Test func positionsFindRecordsUntilARemovalMovesTheLast() throws {
        var table = RecordTable<CollidingKey, YearTotal>(tag: 3)
        for value in 0..<3_000 { table.update(CollidingKey(value), orInsert: total(value)) { _ in } }
        var inserted: [ReadModelEntry] = []
        table.takeChanges(into: &inserted)
        #expect(inserted.count == 3_000)
        // Records sit in insertion order until something is removed.
        #expect(table.position(of: CollidingKey(0)) == 0)
        #expect(table.position(of: CollidingKey(2_999)) == 2_999)
        #expect(table.position(of: CollidingKey(3_000)) == nil)
        let position = table.position(of: CollidingKey(1_234))!
        let year = table.modify(at: position) { record -> Int in
            record.orders = 5
            return record.year
        }
        #expect(year == 1_234)
        #expect(table[CollidingKey(1_234)]?.orders == 5)
        // Removing 10 moves the last record (2,999) into position 10.
        table.remove(CollidingKey(10))
        #expect(table.position(of: CollidingKey(10)) == nil)
        #expect(table.position(of: CollidingKey(2_999)) == 10)
        table.modify(at: 10) { $0.orders = 9 }
        #expect(table[CollidingKey(2_999)]?.orders == 9)
        // A change through a position is remembered like any other.
        var entries: [ReadModelEntry] = []
        table.takeChanges(into: &entries)
        #expect(entries.count == 3)
        let byKey = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
        #expect(byKey[[3] + CollidingKey(10).keyBytes] == .some(nil))
        func orders(_ value: Int) throws -> Int? {
            guard let stored = byKey[[3] + CollidingKey(value).keyBytes], let bytes = stored else { return nil }
            return try YearTotal(record: bytes).orders
        }
        #expect(try orders(1_234) == 5)
        #expect(try orders(2_999) == 9)
    }

    @Test func insertLookupGrowAndRemoveMatchADictionary() throws {
        var table = RecordTable<Int, YearTotal>(tag: 9)
        var expected: [Int: YearTotal] = [:]
        #expect(table[1] == nil)
        let missing = table.modify(1) { $0.year }
        #expect(missing == nil)
        // 10,000 inserts: the index grows from 16 slots through many doublings and the
        // records span three chunks.
        for key in 0..<10_000 {
            table.update(key * 7919, orInsert: total(key)) { $0.orders += 1 }
            var record = total(key)
            record.orders = 1
            expected[key * 7919] = record
        }
        expectSame(table, expected, probes: Array(stride(from: -5, to: 80_000_000, by: 7919 * 13)) + [0, 7919, 9_999 * 7919, 10_000 * 7919])
        // Updating an existing key changes it in place.
        let year = table.update(7919 * 5, orInsert: total(-1)) { record -> Int in record.cost = 11; return record.year }
        #expect(year == 5)
        expected[7919 * 5]!.cost = 11
        let orders = table.modify(7919 * 6) { record -> Int in record.orders += 1; return record.orders }
        #expect(orders == 2)
        expected[7919 * 6]!.orders = 2
        // Remove every third key (from the middle and the end), and a missing one.
        for key in stride(from: 0, to: 10_000, by: 3) {
            table.remove(key * 7919)
            expected[key * 7919] = nil
        }
        table.remove(-42)
        table.remove(9_999 * 7919)
        expected[9_999 * 7919] = nil
        expectSame(table, expected, probes: (0..<10_000).map { $0 * 7919 })
        // Insert again after removals.
        for key in 20_000..<20_500 {
            table.update(key, orInsert: total(key)) { _ in }
            expected[key] = total(key)
        }
        expectSame(table, expected, probes: Array(19_990..<20_510) + (0..<100).map { $0 * 7919 })
        // Empty it completely, then reuse it.
        for key in Array(expected.keys) { table.remove(key) }
        expected.removeAll()
        expectSame(table, expected, probes: [0, 7919, 20_000])
        table.update(3, orInsert: total(3)) { _ in }
        expected[3] = total(3)
        expectSame(table, expected, probes: [3, 4])
    }

    @Test func collidingKeysSurviveRemovalsInAnyOrder() throws {
        var table = RecordTable<CollidingKey, YearTotal>(tag: 4)
        var expected: [CollidingKey: YearTotal] = [:]
        var random = SeededGenerator(seed: 17)
        for round in 0..<3_000 {
            let key = CollidingKey(Int(random.next() % 400))
            if random.next() % 3 == 0 {
                table.remove(key)
                expected[key] = nil
            } else {
                table.update(key, orInsert: total(key.value)) { $0.orders += round }
                expected[key, default: total(key.value)].orders += round
            }
            if round % 500 == 0 { expectSame(table, expected, probes: (0..<400).map(CollidingKey.init)) }
        }
        expectSame(table, expected, probes: (0..<400).map(CollidingKey.init))
    }

    @Test func entriesRestoreAndEquality() throws {
        var table = RecordTable<CustomerID, YearTotal>(tag: 1)
        for value in 0..<300 { table.update(CustomerID(UUID()), orInsert: total(value)) { _ in } }
        var entries: [ReadModelEntry] = []
        table.entries(into: &entries)
        #expect(entries.count == 300)
        #expect(entries.allSatisfy { $0.key.count == 17 && $0.key.first == 1 })
        var restored = RecordTable<CustomerID, YearTotal>(tag: 1)
        try restored.restore(from: entries.reversed())
        #expect(restored == table)
        #expect(restored.records == table.records)
        let first = table.records[0].key
        restored.modify(first) { $0.cost = 1 }
        #expect(restored != table)
        // Changes are the touched keys, a removed one with no value.
        var changes: [ReadModelEntry] = []
        table.takeChanges(into: &changes)
        #expect(changes.count == 300)
        changes.removeAll()
        table.modify(first) { $0.cost = 2 }
        table.remove(table.records[1].key)
        table.takeChanges(into: &changes)
        #expect(changes.count == 2)
        #expect(changes.filter { $0.value == nil }.count == 1)
    }
}
