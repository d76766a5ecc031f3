import CRMEventLog
import Foundation
import CRMLMDB

/// The named databases of a store and the byte-level operations on them.
///
/// | name           | key                                   | value                       |
/// |----------------|---------------------------------------|-----------------------------|
/// | `meta`         | ASCII name                            | per key                     |
/// | `log`          | position, UInt64 big-endian           | record (``RecordFormat``)   |
/// | `streams`      | stream UTF-8, 0x00, version UInt64 BE | position UInt64 BE          |
/// | `event-ids`    | event id, 16 bytes                    | position UInt64 BE          |
///
/// A stream's current version is the version in its last `streams` key, found with one seek.
struct Databases: Sendable {
    let meta: Database
    let log: Database
    let streams: Database
    let eventIDs: Database

    static let formatVersionKey = Array("format-version".utf8)
    static let names = ["meta", "log", "streams", "event-ids"]

    static func open(in environment: Environment, path: String, readOnly: Bool) throws -> Databases {
        do {
            if readOnly {
                return try environment.read { txn in
                    let dbs = try Databases(txn: txn, create: false)
                    try dbs.checkFormat(in: txn, path: path)
                    return dbs
                }
            }
            return try environment.write { txn in
                try Self.refuseForeignDatabases(in: txn, path: path)
                let dbs = try Databases(txn: txn, create: true)
                if try txn.value(in: dbs.meta, key: formatVersionKey) == nil {
                    guard try txn.count(of: dbs.log) == 0 else { throw EventLogError.notAnEventStore(path: path) }
                    try txn.put(in: dbs.meta, key: formatVersionKey, value: Self.encode(EventStore.formatVersion))
                }
                try dbs.checkFormat(in: txn, path: path)
                return dbs
            }
        } catch let error as LMDBError where error.kind == .notFound {
            throw EventLogError.notAnEventStore(path: path)
        } catch let error as LMDBError {
            throw EventLogError.storage(StorageFailure(error))
        }
    }

    /// An environment that already holds data but no `meta` database is someone else's: refuse
    /// it rather than adding a log beside its databases. (With `meta`, the format check decides.)
    private static func refuseForeignDatabases(in txn: WriteTransaction, path: String) throws {
        let main = try txn.openDatabase(named: nil)
        guard try txn.count(of: main) > 0 else { return }
        let hasMeta = try txn.value(in: main, key: Array("meta".utf8)) != nil
        if !hasMeta { throw EventLogError.notAnEventStore(path: path) }
    }

    private init(txn: ReadTransaction, create: Bool) throws {
        meta = try txn.openDatabase(named: "meta", create: create)
        log = try txn.openDatabase(named: "log", create: create)
        streams = try txn.openDatabase(named: "streams", create: create)
        eventIDs = try txn.openDatabase(named: "event-ids", create: create)
    }

    private func checkFormat(in txn: ReadTransaction, path: String) throws {
        guard let bytes = try txn.value(in: meta, key: Self.formatVersionKey), bytes.count == 4 else {
            throw EventLogError.notAnEventStore(path: path)
        }
        let found = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
        guard found == EventStore.formatVersion else {
            throw EventLogError.unsupportedFormat(found: found, supported: EventStore.formatVersion)
        }
    }

    static func encode(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    // MARK: Keys

    /// Reads a big-endian UInt64 from exactly 8 bytes; callers check the length first.
    @inline(__always)
    static func uint64(bigEndian bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
    }

    /// A stored position (a log key or an index value): exactly 8 big-endian bytes, else damage.
    @inline(__always)
    static func position(_ bytes: UnsafeRawBufferPointer, in what: String) throws(EventLogError) -> UInt64 {
        guard bytes.count == 8 else {
            throw .corruptRecord(position: 0, reason: "\(what) holds \(bytes.count) bytes where a position of 8 belongs")
        }
        return uint64(bigEndian: bytes)
    }

    /// Appends the `streams` key `stream UTF-8 || 0x00 || version BE` to `key`.
    @inline(__always)
    static func appendStreamKey(_ stream: [UInt8], version: UInt64, to key: inout [UInt8]) {
        key.append(contentsOf: stream)
        key.append(0)
        withUnsafeBytes(of: version.bigEndian) { key.append(contentsOf: $0) }
    }

    /// The `streams` key of `version` of `stream`.
    static func streamKey(_ stream: [UInt8], version: UInt64) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(stream.count + 9)
        appendStreamKey(stream, version: version, to: &key)
        return key
    }

    // MARK: Reads

    func head(in txn: ReadTransaction) throws -> UInt64 {
        try txn.withCursor(on: log) { cursor in
            guard let last = try cursor.last() else { return 0 }
            return try Self.position(last.key, in: "the last log key")
        }
    }

    func withRecord<R>(at position: UInt64, in txn: ReadTransaction, _ body: (RecordView) throws -> R) throws -> R? {
        var key = position.bigEndian
        return try withUnsafeBytes(of: &key) { k in
            try txn.withValue(in: log, key: k) { bytes in
                try body(try RecordView(validating: bytes, at: position))
            }
        }
    }

    /// The version in the stream's last index key: one seek to just past the stream's keys.
    func streamVersion(of stream: [UInt8], in txn: ReadTransaction) throws -> UInt64 {
        let probe = Self.streamKey(stream, version: .max)
        return try txn.withCursor(on: streams) { cursor in
            guard let entry = try cursor.seek(atMost: probe),
                  entry.key.count == stream.count + 9,
                  entry.key.prefix(stream.count + 1).elementsEqual(probe.prefix(stream.count + 1))
            else { return 0 }
            return Self.uint64(bigEndian: UnsafeRawBufferPointer(rebasing: entry.key[(stream.count + 1)...]))
        }
    }

    func position(ofEventID id: UUID, in txn: ReadTransaction) throws -> UInt64? {
        var raw = id.uuid
        return try withUnsafeBytes(of: &raw) { k in
            try txn.withValue(in: eventIDs, key: k) { try Self.position($0, in: "an event-id index value") }
        }
    }
}
