import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only transaction: a consistent snapshot of the environment.
///
/// Obtained only inside ``Environment/read(_:)`` (or as the base of a ``WriteTransaction``) and
/// valid only there. Byte buffers it hands out point into the memory map: copy or decode them
/// before the closure returns. Not `Sendable`: a transaction belongs to the closure that received it.
public class ReadTransaction {
    let handle: OpaquePointer
    private(set) var active = true

    init(handle: OpaquePointer) {
        self.handle = handle
    }

    func abortIfActive() {
        guard active else { return }
        active = false
        mdb_txn_abort(handle)
    }

    func markEnded() { active = false }

    /// Ends a read-only transaction by committing it, which keeps database handles opened in it
    /// (an abort would close them).
    func finishRead() {
        guard active else { return }
        active = false
        mdb_txn_commit(handle)
    }

    /// The id of the snapshot this transaction reads (`mdb_txn_id`).
    public var id: Int { Int(mdb_txn_id(handle)) }

    /// Opens a named database inside this transaction. Creating one needs a write transaction.
    public func openDatabase(named name: String?, flags: Database.Flags = [], create: Bool = false) throws(LMDBError) -> Database {
        var dbi: MDB_dbi = 0
        let all = flags.rawValue | (create ? UInt32(MDB_CREATE) : 0)
        try check(mdb_dbi_open(handle, name, all, &dbi), "opening database \(name ?? "<main>")")
        return Database(handle: dbi, name: name)
    }

    /// Calls `body` with the value stored under `key`, or returns `nil` when the key is absent.
    ///
    /// The buffer is valid only inside `body`.
    public func withValue<R>(
        in database: Database, key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(handle, database.handle, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "reading a value from \(database.name ?? "<main>")")
        return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// Returns a copy of the value stored under `key`, or `nil` when the key is absent.
    public func value(in database: Database, key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { k in try withValue(in: database, key: k) { Array($0) } }
    }

    /// Statistics of `database` as seen by this transaction.
    public func statistics(of database: Database) throws(LMDBError) -> DatabaseStatistics {
        var stat = MDB_stat()
        try check(mdb_stat(handle, database.handle, &stat), "reading statistics of \(database.name ?? "<main>")")
        return DatabaseStatistics(stat)
    }

    /// The number of entries in `database`.
    public func count(of database: Database) throws(LMDBError) -> Int {
        try statistics(of: database).entries
    }

    /// Copies of every key and value of `database`, in key order.
    public func entries(in database: Database) throws -> [(key: [UInt8], value: [UInt8])] {
        try withCursor(on: database) { cursor in
            var result: [(key: [UInt8], value: [UInt8])] = []
            var entry = try cursor.first()
            while let current = entry {
                result.append((Array(current.key), Array(current.value)))
                entry = try cursor.next()
            }
            return result
        }
    }

    /// Runs `body` with a cursor over `database`; the cursor is closed when `body` returns.
    public func withCursor<R>(on database: Database, _ body: (Cursor) throws -> R) throws -> R {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, database.handle, &cursor), "opening a cursor on \(database.name ?? "<main>")")
        let wrapper = Cursor(handle: cursor!, database: database)
        defer { mdb_cursor_close(cursor) }
        return try body(wrapper)
    }
}

/// A write transaction: everything a ``ReadTransaction`` can do, plus changes.
///
/// Obtained only inside ``Environment/write(_:)``; committed when the closure returns and
/// aborted when it throws.
public final class WriteTransaction: ReadTransaction {
    /// Set when LMDB reported `MDB_MAP_FULL`, so the environment grows the map and retries even
    /// when the caller wrapped the error in one of its own.
    var hitMapFull = false

    @inline(__always)
    func checkWrite(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if rc == MDB_SUCCESS { return }
        if rc == MDB_MAP_FULL { hitMapFull = true }
        throw LMDBError(code: rc, operation: operation())
    }

    func commit() throws(LMDBError) {
        markEnded()
        try checkWrite(mdb_txn_commit(handle), "committing a write transaction")
    }

    /// Stores `value` under `key`.
    public func put(
        in database: Database, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: PutFlags = []
    ) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try checkWrite(mdb_put(handle, database.handle, &k, &v, flags.rawValue), "writing to \(database.name ?? "<main>")")
    }

    /// Stores `value` under `key`.
    public func put(in database: Database, key: [UInt8], value: [UInt8], flags: PutFlags = []) throws {
        try key.withUnsafeBytes { k in
            try value.withUnsafeBytes { v in
                try put(in: database, key: k, value: v, flags: flags)
            }
        }
    }

    /// Reserves `count` bytes for the value of `key` and lets `body` write them in place
    /// (`MDB_RESERVE`), saving a copy for large or freshly encoded values.
    public func putReserved(
        in database: Database, key: UnsafeRawBufferPointer, count: Int, flags: PutFlags = [],
        _ body: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: count, mv_data: nil)
        try checkWrite(
            mdb_put(handle, database.handle, &k, &v, flags.rawValue | UInt32(MDB_RESERVE)),
            "reserving a value in \(database.name ?? "<main>")")
        try body(UnsafeMutableRawBufferPointer(start: v.mv_data, count: count))
    }

    /// Deletes `key` (every value of it in a duplicate-sorted database). Returns whether it existed.
    @discardableResult
    public func delete(in database: Database, key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(handle, database.handle, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try checkWrite(rc, "deleting from \(database.name ?? "<main>")")
        return true
    }

    /// Deletes `key`. Returns whether it existed.
    @discardableResult
    public func delete(in database: Database, key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { k in try delete(in: database, key: k) }
    }

    /// Removes every entry of `database`, keeping the database itself.
    public func clear(_ database: Database) throws(LMDBError) {
        try checkWrite(mdb_drop(handle, database.handle, 0), "clearing \(database.name ?? "<main>")")
    }
}
