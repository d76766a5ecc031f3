import CRMDomain
import CRMEventLog
import Foundation

/// What a fold sees of an event besides its payload.
public struct EventInfo: Sendable, Hashable {
    /// The event's global position.
    public let position: UInt64
    /// Business time in microseconds since 1970.
    public let occurredAtMicros: Int64

    /// Creates event information.
    public init(position: UInt64, occurredAtMicros: Int64) {
        self.position = position
        self.occurredAtMicros = occurredAtMicros
    }

    /// Business time.
    public var occurredAt: Date { Micros.date(occurredAtMicros) }

    /// The UTC day of the business time.
    public var day: CalendarDay { CalendarDay.containing(micros: occurredAtMicros) }
}

/// A read model: a fold over the log's events.
///
/// The live path (``Projector``) and the rebuild path (``ProjectionEngine/rebuild(_:store:rules:asOf:registry:)``)
/// call the same ``apply(_:_:)``. A model keeps its state in memory and hands out what changed
/// as key–value entries, which the projector writes with the checkpoint in one transaction.
public protocol ReadModel: Sendable {
    /// The model's name; its state lives in the named database `<name>.<generation>`.
    static var name: String { get }
    /// The event types the model folds; others are skipped before decoding.
    static var eventTypes: EventTypeFilter { get }
    /// An empty model under `rules`.
    init(rules: CRMRules)
    /// The rules the model was built with.
    var rules: CRMRules { get }
    /// Folds one event.
    mutating func apply(_ event: DomainEvent, _ info: EventInfo)
    /// The entries changed since the last call (a `nil` value deletes the key).
    mutating func takeChanges() -> [ReadModelEntry]
    /// Every entry, for writing a whole model.
    func entries() -> [ReadModelEntry]
    /// Restores a model from its entries.
    init(rules: CRMRules, entries: [ReadModelEntry]) throws
    /// Turns remembering changes for ``takeChanges()`` on or off (off for in-memory rebuilds,
    /// where nothing is written and every entry comes from ``entries()``).
    mutating func setTracksChanges(_ on: Bool)
    /// Folds the log into `model` (empty, change tracking off) when the rebuild runs on several
    /// threads; by default ``ParallelRebuild/fold(into:)``: events decoded on worker threads,
    /// folded in log order on the calling thread. A model made of several folds may fold them
    /// on threads of their own from the same decoded chunks; the result must equal the
    /// one-thread fold.
    static func rebuildInParallel(_ model: inout Self, _ rebuild: ParallelRebuild) throws
}

extension ReadModel {
    /// Models without tables of their own remember nothing to turn off.
    public mutating func setTracksChanges(_ on: Bool) {}

    /// The one-fold parallel rebuild: ``ParallelRebuild/fold(into:)``.
    public static func rebuildInParallel(_ model: inout Self, _ rebuild: ParallelRebuild) throws {
        try rebuild.fold(into: &model)
    }
}

/// One persisted key and value of a read model.
public struct ReadModelEntry: Sendable, Hashable {
    /// The key.
    public var key: [UInt8]
    /// The value, `nil` to delete.
    public var value: [UInt8]?

    /// Creates an entry.
    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// A key of a ``RecordTable``.
public protocol RecordKey: Hashable, Sendable {
    /// The key's bytes.
    var keyBytes: [UInt8] { get }
    /// Reads a key back; `nil` when the bytes are not one.
    init?(keyBytes: some Collection<UInt8>)
    /// A well-mixed 64-bit hash that ``RecordTable`` indexes the key by (equal keys, equal
    /// hashes). The default is `hashValue`; UUID-based keys hash their 16 bytes with a few
    /// multiplications instead of SipHash.
    var recordTableHash: UInt64 { get }
}

extension RecordKey {
    /// `hashValue`'s bits.
    public var recordTableHash: UInt64 { UInt64(bitPattern: Int64(hashValue)) }
}

/// Mixing for ``RecordKey/recordTableHash``: a per-process random seed, so that crafted keys
/// cannot be chosen to collide, and a multiply–xorshift finalizer.
@usableFromInline
enum RecordTableHashing {
    @usableFromInline
    static let seed: UInt64 = UInt64.random(in: .min ... .max) | 1

    /// Mixes two 64-bit halves into one hash.
    @inlinable @inline(__always)
    static func mix(_ high: UInt64, _ low: UInt64) -> UInt64 {
        var h = (high ^ seed) &* 0x9E37_79B9_7F4A_7C15
        h ^= low &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return h
    }

    /// The hash of a UUID's 16 bytes.
    @inlinable @inline(__always)
    static func hash(_ uuid: UUID) -> UInt64 {
        withUnsafeBytes(of: uuid.uuid) { raw in
            mix(raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }
}

extension Identifier: RecordKey {
    /// The UUID's 16 bytes.
    public var keyBytes: [UInt8] { withUnsafeBytes(of: uuid.uuid) { Array($0) } }

    /// Reads 16 bytes.
    public init?(keyBytes: some Collection<UInt8>) {
        guard keyBytes.count == 16 else { return nil }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { target in
            for (index, byte) in keyBytes.enumerated() { target[index] = byte }
        }
        self.init(UUID(uuid: raw))
    }

    /// The UUID's 16 bytes mixed (no SipHash).
    @inlinable
    public var recordTableHash: UInt64 { RecordTableHashing.hash(uuid) }
}

extension Int: RecordKey {
    /// Eight bytes big-endian with the sign bit flipped, so keys sort numerically.
    public var keyBytes: [UInt8] { withUnsafeBytes(of: (UInt64(bitPattern: Int64(self)) ^ (1 << 63)).bigEndian) { Array($0) } }

    /// Reads eight bytes.
    public init?(keyBytes: some Collection<UInt8>) {
        guard keyBytes.count == 8 else { return nil }
        let raw = keyBytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        self = Int(Int64(bitPattern: raw ^ (1 << 63)))
    }

    /// The integer mixed (no SipHash).
    @inlinable
    public var recordTableHash: UInt64 { RecordTableHashing.mix(UInt64(bitPattern: Int64(self)), 0x5851_F42D_4C95_7F2D) }
}

/// A map from key to record that remembers which keys changed, for read models to persist
/// exactly what an event batch touched.
///
/// Records live in dense chunks of about 1 MiB (growing a table never copies more than the
/// last chunk), found through an open-addressing index of 8-byte slots (linear probing, at most
/// ¾ full) keyed by ``RecordKey/recordTableHash``. A record is changed in place. Removing one
/// moves the last record into its place, so the order of ``records`` is unspecified (as a
/// dictionary's).
public struct RecordTable<Key: RecordKey, Record: RecordMessage & Hashable>: Sendable, Hashable {
    /// One key and its record.
    public typealias Element = (key: Key, value: Record)

    /// Chunks of about 1 MiB: 2^`chunkShift` records each.
    @usableFromInline static var chunkShift: Int {
        let stride = MemoryLayout<Element>.stride
        return Swift.max(6, 20 - (Int.bitWidth - (stride - 1).leadingZeroBitCount))
    }
    @usableFromInline static var chunkSize: Int { 1 << chunkShift }

    /// The records, in chunks of `chunkSize` (the last one may be shorter).
    @usableFromInline var chunks: [ContiguousArray<Element>] = []
    /// Open addressing, linear probing: 0 is an empty slot, otherwise the low 32 bits of the
    /// key's hash in the high half and the record's position + 1 in the low half.
    @usableFromInline var index: ContiguousArray<UInt64> = []
    /// The number of records.
    public private(set) var count = 0
    private var changed: Set<Key> = []
    /// Whether changes are remembered for ``takeChanges(into:)``; an in-memory rebuild, which
    /// writes nothing, turns this off.
    public var tracksChanges = true
    /// The byte that starts every key of this table in the model's database.
    public let tag: UInt8

    /// An empty table whose keys start with `tag`.
    public init(tag: UInt8) { self.tag = tag }

    /// The records by key: a read-only collection of key–record pairs in unspecified order,
    /// with `keys`, `values` and lookup by key, as a dictionary offers them.
    public var records: Records { Records(chunks: chunks, index: index, count: count) }

    /// The record for `key`.
    public subscript(key: Key) -> Record? {
        let position = Self.find(key, in: index, chunks: chunks).position
        guard position >= 0 else { return nil }
        return chunks[position >> Self.chunkShift][position & (Self.chunkSize - 1)].value
    }

    /// Changes the record for `key`, creating it from `make` if absent.
    public mutating func update<R>(_ key: Key, orInsert make: @autoclosure () -> Record, _ body: (inout Record) -> R) -> R {
        if tracksChanges { changed.insert(key) }
        let found = Self.find(key, in: index, chunks: chunks)
        let position = found.position >= 0 ? found.position : insert(key, make(), hash: found.hash)
        return body(&chunks[position >> Self.chunkShift][position & (Self.chunkSize - 1)].value)
    }

    /// Changes the record for `key` if it exists.
    @discardableResult
    public mutating func modify<R>(_ key: Key, _ body: (inout Record) -> R) -> R? {
        let position = Self.find(key, in: index, chunks: chunks).position
        guard position >= 0 else { return nil }
        if tracksChanges { changed.insert(key) }
        return body(&chunks[position >> Self.chunkShift][position & (Self.chunkSize - 1)].value)
    }

    /// The position of `key`'s record, valid until a record is removed (a removal moves the
    /// last record into the hole): for folds that look a record up once and change it later.
    @inline(__always)
    func position(of key: Key) -> Int? {
        let position = Self.find(key, in: index, chunks: chunks).position
        return position >= 0 ? position : nil
    }

    /// Changes the record at `position` (from ``position(of:)``) in place.
    @inline(__always)
    mutating func modify<R>(at position: Int, _ body: (inout Record) -> R) -> R {
        if tracksChanges { changed.insert(chunks[position >> Self.chunkShift][position & (Self.chunkSize - 1)].key) }
        return body(&chunks[position >> Self.chunkShift][position & (Self.chunkSize - 1)].value)
    }

    /// Sets the record for `key`.
    private mutating func set(_ key: Key, _ record: Record) {
        let found = Self.find(key, in: index, chunks: chunks)
        if found.position >= 0 {
            chunks[found.position >> Self.chunkShift][found.position & (Self.chunkSize - 1)].value = record
        } else {
            _ = insert(key, record, hash: found.hash)
        }
    }

    /// Removes the record for `key`.
    public mutating func remove(_ key: Key) {
        let found = Self.find(key, in: index, chunks: chunks)
        guard found.position >= 0 else { return }
        if tracksChanges { changed.insert(key) }
        let mask = index.count - 1
        deleteSlot(found.slot, mask: mask)
        let last = count - 1
        if found.position != last {
            // Move the last record into the hole and point its slot there.
            let moved = chunks[last >> Self.chunkShift][last & (Self.chunkSize - 1)]
            chunks[found.position >> Self.chunkShift][found.position & (Self.chunkSize - 1)] = moved
            let hash = UInt32(truncatingIfNeeded: moved.key.recordTableHash)
            var slot = Int(hash) & mask
            while index[slot] & 0xFFFF_FFFF != UInt64(last + 1) { slot = (slot + 1) & mask }
            index[slot] = UInt64(hash) << 32 | UInt64(found.position + 1)
        }
        chunks[chunks.count - 1].removeLast()
        if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
        count = last
    }

    /// Empties `slot` by shifting the following entries of its cluster back (no tombstones).
    private mutating func deleteSlot(_ slot: Int, mask: Int) {
        var hole = slot
        var next = (slot + 1) & mask
        while true {
            let entry = index[next]
            if entry == 0 { break }
            let home = Int(truncatingIfNeeded: entry >> 32) & mask
            // The entry may move into the hole when the hole lies between its home and it.
            if (next &- home) & mask >= (next &- hole) & mask {
                index[hole] = entry
                hole = next
            }
            next = (next + 1) & mask
        }
        index[hole] = 0
    }

    /// Appends a record known to be absent; returns its position.
    private mutating func insert(_ key: Key, _ record: Record, hash: UInt64) -> Int {
        if (count + 1) * 4 > index.count * 3 { growIndex() }
        let position = count
        if chunks.isEmpty || chunks[chunks.count - 1].count == Self.chunkSize {
            var chunk = ContiguousArray<Element>()
            // The first chunk grows as needed (small tables stay small); later ones are full size.
            if !chunks.isEmpty { chunk.reserveCapacity(Self.chunkSize) }
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append((key, record))
        count += 1
        let mask = index.count - 1
        let tag = UInt32(truncatingIfNeeded: hash)
        var slot = Int(tag) & mask
        while index[slot] != 0 { slot = (slot + 1) & mask }
        index[slot] = UInt64(tag) << 32 | UInt64(position + 1)
        return position
    }

    /// Doubles the index (16 slots at first) and places every entry again.
    private mutating func growIndex() {
        let capacity = Swift.max(16, index.count * 2)
        let mask = capacity - 1
        let old = index
        index = ContiguousArray<UInt64>(unsafeUninitializedCapacity: capacity) { grown, initialized in
            Self.adviseHugePages(UnsafeMutableRawBufferPointer(grown))
            grown.initialize(repeating: 0)
            old.withUnsafeBufferPointer { slots in
                for entry in slots where entry != 0 {
                    var slot = Int(truncatingIfNeeded: entry >> 32) & mask
                    while grown[slot] != 0 { slot = (slot + 1) & mask }
                    grown[slot] = entry
                }
            }
            initialized = capacity
        }
    }

    /// Asks for transparent huge pages for a large, untouched index: its slots are read at
    /// random, and with 4 KiB pages nearly every probe of a table of millions also misses the TLB.
    private static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        let huge = 2 << 20
        guard buffer.count >= 2 * huge, let base = buffer.baseAddress else { return }
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, 14)  // MADV_HUGEPAGE
        #endif
    }

    /// Where `key` is: its record's position (-1 if absent), its slot (or the empty slot ending
    /// the probe) and its hash.
    @inlinable @inline(__always)
    static func find(_ key: Key, in index: ContiguousArray<UInt64>, chunks: [ContiguousArray<Element>]) -> (position: Int, slot: Int, hash: UInt64) {
        let hash = key.recordTableHash
        guard !index.isEmpty else { return (-1, 0, hash) }
        let tag = UInt64(UInt32(truncatingIfNeeded: hash))
        return index.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: tag) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 { return (-1, slot, hash) }
                if entry >> 32 == tag {
                    let position = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                    if chunks[position >> chunkShift][position & (chunkSize - 1)].key == key { return (position, slot, hash) }
                }
                slot = (slot + 1) & mask
            }
        }
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
        entries.reserveCapacity(entries.count + count)
        for chunk in chunks {
            for (key, record) in chunk {
                entries.append(ReadModelEntry(key: [tag] + key.keyBytes, value: record.encodedRecord()))
            }
        }
    }

    /// Restores the table's records from `entries` (those whose key starts with ``tag``).
    public mutating func restore(from entries: [ReadModelEntry]) throws {
        for entry in entries where entry.key.first == tag {
            guard let key = Key(keyBytes: entry.key.dropFirst()), let value = entry.value else {
                throw CodecError.invalidValue(type: "RecordTable", field: "key", reason: "a key of table \(tag) is malformed")
            }
            set(key, try Record(record: value))
        }
        changed.removeAll()
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.tag == rhs.tag && lhs.records == rhs.records }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        hasher.combine(count)
    }
}

extension RecordTable {
    /// The records of a ``RecordTable`` by key: a read-only snapshot (copy on write, taking it
    /// copies nothing) that iterates key–record pairs in unspecified order and looks records up
    /// by key, like the dictionary it replaces.
    public struct Records: RandomAccessCollection, Sendable, Equatable {
        /// A key and its record.
        public typealias Element = (key: Key, value: Record)
        /// Positions are offsets from zero.
        public typealias Index = Int

        @usableFromInline let chunks: [ContiguousArray<Element>]
        @usableFromInline let index: ContiguousArray<UInt64>
        /// The number of records.
        public let count: Int

        @usableFromInline
        init(chunks: [ContiguousArray<Element>], index: ContiguousArray<UInt64>, count: Int) {
            self.chunks = chunks
            self.index = index
            self.count = count
        }

        /// Zero.
        public var startIndex: Int { 0 }
        /// The number of records.
        public var endIndex: Int { count }

        /// The pair at `position`.
        @inlinable
        public subscript(position: Int) -> Element {
            chunks[position >> RecordTable.chunkShift][position & (RecordTable.chunkSize - 1)]
        }

        /// The record for `key`, `nil` when there is none.
        @inlinable
        public subscript(key: Key) -> Record? {
            let position = RecordTable.find(key, in: index, chunks: chunks).position
            return position >= 0 ? self[position].value : nil
        }

        /// The keys, in the order of the pairs.
        public var keys: LazyMapCollection<Self, Key> { lazy.map(\.key) }
        /// The records, in the order of the pairs.
        public var values: LazyMapCollection<Self, Record> { lazy.map(\.value) }

        /// Whether both hold the same records under the same keys (in any order).
        public static func == (lhs: Self, rhs: Self) -> Bool {
            guard lhs.count == rhs.count else { return false }
            for (key, record) in lhs where rhs[key] != record { return false }
            return true
        }
    }
}
