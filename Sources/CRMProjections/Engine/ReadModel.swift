import CRMDomain
import EventLog
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
}

extension ReadModel {
    /// Models without tables of their own remember nothing to turn off.
    public mutating func setTracksChanges(_ on: Bool) {}
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
}

/// A map from key to record that remembers which keys changed, for read models to persist
/// exactly what an event batch touched.
public struct RecordTable<Key: RecordKey, Record: RecordMessage & Hashable>: Sendable, Hashable {
    /// The records by key.
    public private(set) var records: [Key: Record] = [:]
    private var changed: Set<Key> = []
    /// Whether changes are remembered for ``takeChanges(into:)``; an in-memory rebuild, which
    /// writes nothing, turns this off.
    public var tracksChanges = true
    /// The byte that starts every key of this table in the model's database.
    public let tag: UInt8

    /// An empty table whose keys start with `tag`.
    public init(tag: UInt8) { self.tag = tag }

    /// The record for `key`.
    public subscript(key: Key) -> Record? { records[key] }

    /// Changes the record for `key`, creating it from `make` if absent.
    public mutating func update<R>(_ key: Key, orInsert make: @autoclosure () -> Record, _ body: (inout Record) -> R) -> R {
        if tracksChanges { changed.insert(key) }
        return body(&records[key, default: make()])
    }

    /// Changes the record for `key` if it exists.
    @discardableResult
    public mutating func modify<R>(_ key: Key, _ body: (inout Record) -> R) -> R? {
        // One lookup, and the record is changed in place (no copy to test for existence).
        guard let index = records.index(forKey: key) else { return nil }
        if tracksChanges { changed.insert(key) }
        return body(&records.values[index])
    }

    /// Removes the record for `key`.
    public mutating func remove(_ key: Key) {
        guard records.removeValue(forKey: key) != nil else { return }
        if tracksChanges { changed.insert(key) }
    }

    /// The number of records.
    public var count: Int { records.count }

    /// The changed records as entries, and forgets the changes.
    public mutating func takeChanges(into entries: inout [ReadModelEntry]) {
        for key in changed {
            entries.append(ReadModelEntry(key: [tag] + key.keyBytes, value: records[key]?.encodedRecord()))
        }
        changed.removeAll(keepingCapacity: true)
    }

    /// Every record as an entry.
    public func entries(into entries: inout [ReadModelEntry]) {
        entries.reserveCapacity(entries.count + records.count)
        for (key, record) in records {
            entries.append(ReadModelEntry(key: [tag] + key.keyBytes, value: record.encodedRecord()))
        }
    }

    /// Restores the table's records from `entries` (those whose key starts with ``tag``).
    public mutating func restore(from entries: [ReadModelEntry]) throws {
        for entry in entries where entry.key.first == tag {
            guard let key = Key(keyBytes: entry.key.dropFirst()), let value = entry.value else {
                throw CodecError.invalidValue(type: "RecordTable", field: "key", reason: "a key of table \(tag) is malformed")
            }
            records[key] = try Record(record: value)
        }
        changed.removeAll()
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.tag == rhs.tag && lhs.records == rhs.records }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        hasher.combine(records.count)
    }
}
