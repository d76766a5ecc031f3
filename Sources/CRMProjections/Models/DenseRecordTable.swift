import CRMDomain
import Foundation

// A record table for the folds that touch a table on almost every event (pipeline, lifecycle,
// scorecard): the records live in one dense array in insertion order, each beside its key, found
// through an open-addressing index of 64-bit slots keyed by a cheap multiply–xorshift hash.
// Compared with `[Key: Record]` (SipHash of 16 bytes per lookup, a rehash of every key and a
// move of every record each time the dictionary doubles) a lookup is one mix of two words and
// usually one probe, and growing moves only the 8-byte slots and appends to the arrays.

/// A ``RecordKey`` with a cheap, well-mixed 64-bit hash for ``DenseRecordTable``.
public protocol DenseRecordKey: RecordKey {
    /// A hash of the key whose low bits are spread over all of the key's bits.
    var denseHash: UInt64 { get }
}

/// The mixing step of ``DenseRecordKey/denseHash``: both words folded, then the finalizer of
/// MurmurHash3 (fmix64), so that structured keys (sequential UUIDs, small integers) still spread
/// over the low bits the index uses.
@inline(__always)
func denseMix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var h = a ^ (b &* 0x9E37_79B9_7F4A_7C15) ^ denseSeed
    h ^= h >> 33
    h &*= 0xFF51_AFD7_ED55_8CCD
    h ^= h >> 33
    h &*= 0xC4CE_B9FE_1A85_EC53
    h ^= h >> 33
    return h
}

/// A per-process seed, so that the index's layout cannot be predicted from the keys alone.
private let denseSeed = UInt64.random(in: .min ... .max)

extension Identifier: DenseRecordKey {
    /// The two halves of the UUID, mixed.
    @inline(__always)
    public var denseHash: UInt64 {
        withUnsafeBytes(of: uuid.uuid) { raw in
            denseMix(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self), raw.loadUnaligned(as: UInt64.self))
        }
    }
}

extension Int: DenseRecordKey {
    /// The integer, mixed.
    @inline(__always)
    public var denseHash: UInt64 { denseMix(UInt64(bitPattern: Int64(self)), 0) }
}

/// A map from key to record that remembers which keys changed, like ``RecordTable`` and
/// persisted the same way (key `[tag] + keyBytes`, value the encoded record), but laid out for
/// folds that look a record up on nearly every event.
///
/// The records are kept in insertion order, each beside its key (a removal moves the last record
/// into the gap), and read through ``keys`` and ``values``; an open-addressing index with linear
/// probing finds a key's position. Equality compares the tag and the key–record pairs, whatever
/// their order.
public struct DenseRecordTable<Key: DenseRecordKey, Record: RecordMessage & Hashable>: Sendable, Hashable {
    /// Each record beside its key, so that checking the key of a found slot and reading the
    /// record touch the same memory.
    private var pairs: ContiguousArray<(key: Key, record: Record)> = []
    /// Index slots: 0 when empty, else the low 32 bits of the key's hash in the high half and
    /// position + 1 in the low half.
    private var slots: ContiguousArray<UInt64> = []
    private var mask = -1
    private var changed: Set<Key> = []
    /// Whether changes are remembered for ``takeChanges(into:)``; an in-memory rebuild, which
    /// writes nothing, turns this off.
    public var tracksChanges = true
    /// The byte that starts every key of this table in the model's database.
    public let tag: UInt8

    /// An empty table whose keys start with `tag`.
    public init(tag: UInt8) { self.tag = tag }

    /// The number of records.
    public var count: Int { pairs.count }

    /// Whether the table holds no record.
    public var isEmpty: Bool { pairs.isEmpty }

    /// The keys in table order: `keys[i]` is the key of `values[i]`.
    public var keys: Keys { Keys(pairs: pairs) }

    /// The records in table order.
    public var values: Values { Values(pairs: pairs) }

    /// The keys of a ``DenseRecordTable`` in table order (a view, no copy).
    public struct Keys: RandomAccessCollection, Sendable {
        fileprivate let pairs: ContiguousArray<(key: Key, record: Record)>
        /// 0.
        public var startIndex: Int { 0 }
        /// The number of keys.
        public var endIndex: Int { pairs.count }
        /// The key at `position`.
        public subscript(position: Int) -> Key { pairs[position].key }
    }

    /// The records of a ``DenseRecordTable`` in table order (a view, no copy).
    public struct Values: RandomAccessCollection, Sendable {
        fileprivate let pairs: ContiguousArray<(key: Key, record: Record)>
        /// 0.
        public var startIndex: Int { 0 }
        /// The number of records.
        public var endIndex: Int { pairs.count }
        /// The record at `position`.
        public subscript(position: Int) -> Record { pairs[position].record }
    }

    /// The records by key, as a dictionary (built on each call: O(n)).
    public var records: [Key: Record] {
        var result: [Key: Record] = [:]
        result.reserveCapacity(pairs.count)
        for pair in pairs { result[pair.key] = pair.record }
        return result
    }

    /// The record for `key`.
    public subscript(key: Key) -> Record? {
        guard let index = position(of: key) else { return nil }
        return pairs[index].record
    }

    /// The position of `key` in ``keys`` and ``values``, if present.
    @inline(__always)
    public func position(of key: Key) -> Int? {
        find(key, key.denseHash).position
    }

    /// Changes the record at `position` (from ``position(of:)``) in place.
    @inline(__always)
    public mutating func modify<R>(at position: Int, _ body: (inout Record) -> R) -> R {
        if tracksChanges { changed.insert(pairs[position].key) }
        return body(&pairs[position].record)
    }

    /// Changes the record for `key`, creating it from `make` if absent.
    @inline(__always)
    public mutating func update<R>(_ key: Key, orInsert make: @autoclosure () -> Record, _ body: (inout Record) -> R) -> R {
        if tracksChanges { changed.insert(key) }
        let index = insertionPosition(key, make)
        return body(&pairs[index].record)
    }

    /// Changes the record for `key` if it exists.
    @discardableResult
    @inline(__always)
    public mutating func modify<R>(_ key: Key, _ body: (inout Record) -> R) -> R? {
        guard let index = position(of: key) else { return nil }
        if tracksChanges { changed.insert(key) }
        return body(&pairs[index].record)
    }

    /// Removes the record for `key`.
    public mutating func remove(_ key: Key) {
        let (position, slot) = find(key, key.denseHash)
        guard let position else { return }
        if tracksChanges { changed.insert(key) }
        deleteSlot(slot)
        let last = pairs.count - 1
        if position != last {
            // The last record fills the gap; its slot is repointed.
            let moved = pairs[last].key
            let (_, movedSlot) = find(moved, moved.denseHash)
            slots[movedSlot] = (slots[movedSlot] & 0xFFFF_FFFF_0000_0000) | UInt64(position + 1)
            pairs.swapAt(position, last)
        }
        pairs.removeLast()
    }

    /// Makes room for `capacity` records without growing the index.
    public mutating func reserveCapacity(_ capacity: Int) {
        pairs.reserveCapacity(capacity)
        if capacity * 2 > slots.count { rebuildIndex(minimumSlots: capacity * 2) }
    }

    /// The changed records as entries, and forgets the changes.
    public mutating func takeChanges(into entries: inout [ReadModelEntry]) {
        for key in changed {
            entries.append(ReadModelEntry(key: [tag] + key.keyBytes, value: self[key]?.encodedRecord()))
        }
        changed.removeAll(keepingCapacity: true)
    }

    /// Every record as an entry.
    public func entries(into entries: inout [ReadModelEntry]) {
        entries.reserveCapacity(entries.count + pairs.count)
        for pair in pairs {
            entries.append(ReadModelEntry(key: [tag] + pair.key.keyBytes, value: pair.record.encodedRecord()))
        }
    }

    /// Restores the table's records from `entries` (those whose key starts with ``tag``).
    public mutating func restore(from entries: [ReadModelEntry]) throws {
        for entry in entries where entry.key.first == tag {
            guard let key = Key(keyBytes: entry.key.dropFirst()), let value = entry.value else {
                throw CodecError.invalidValue(type: "DenseRecordTable", field: "key", reason: "a key of table \(tag) is malformed")
            }
            let record = try Record(record: value)
            let index = insertionPosition(key) { record }
            pairs[index].record = record
        }
        changed.removeAll()
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.tag == rhs.tag, lhs.count == rhs.count else { return false }
        for pair in lhs.pairs {
            guard let other = rhs.position(of: pair.key), rhs.pairs[other].record == pair.record else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        hasher.combine(count)
    }

    // MARK: Index

    /// The position of `key` if present, and its slot (or the empty slot where it would go).
    @inline(__always)
    private func find(_ key: Key, _ hash: UInt64) -> (position: Int?, slot: Int) {
        guard mask >= 0 else { return (nil, -1) }
        let tag = hash << 32
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 { return (nil, slot) }
                if entry & 0xFFFF_FFFF_0000_0000 == tag {
                    let position = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                    if pairs[position].key == key { return (position, slot) }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The position of `key`, appending `make()` first when it is absent.
    @inline(__always)
    private mutating func insertionPosition(_ key: Key, _ make: () -> Record) -> Int {
        let hash = key.denseHash
        var (position, slot) = find(key, hash)
        if let position { return position }
        if (pairs.count + 1) * 2 > slots.count {
            rebuildIndex(minimumSlots: max(16, slots.count * 2))
            slot = find(key, hash).slot
        }
        let index = pairs.count
        pairs.append((key, make()))
        slots[slot] = (hash << 32) | UInt64(index + 1)
        return index
    }

    /// A fresh index of at least `minimumSlots` slots (a power of two), filled from the old
    /// one: a slot keeps the low 32 bits of its key's hash, all the home bucket needs, so no key
    /// is read or hashed again.
    private mutating func rebuildIndex(minimumSlots: Int) {
        var size = 16
        while size < minimumSlots { size <<= 1 }
        precondition(size <= 1 << 32, "a DenseRecordTable holds at most 2^31 records")
        var fresh = ContiguousArray<UInt64>(repeating: 0, count: size)
        let mask = size - 1
        fresh.withUnsafeMutableBufferPointer { fresh in
            for entry in slots where entry != 0 {
                var slot = Int(truncatingIfNeeded: entry >> 32) & mask
                while fresh[slot] != 0 { slot = (slot + 1) & mask }
                fresh[slot] = entry
            }
        }
        slots = fresh
        self.mask = mask
    }

    /// Empties `slot`, shifting later slots of the same probe run back (no tombstones).
    private mutating func deleteSlot(_ slot: Int) {
        let mask = self.mask
        slots.withUnsafeMutableBufferPointer { slots in
            var hole = slot
            var next = slot
            while true {
                next = (next + 1) & mask
                let entry = slots[next]
                if entry == 0 { break }
                let home = Int(truncatingIfNeeded: entry >> 32) & mask
                // The entry may move into the hole when its home is not cyclically in (hole, next].
                let stays = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
                if !stays {
                    slots[hole] = entry
                    hole = next
                }
            }
            slots[hole] = 0
        }
    }
}
