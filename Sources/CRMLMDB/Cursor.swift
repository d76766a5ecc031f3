import CLMDB

/// A key/value pair as stored in the map; both buffers are valid only inside the transaction.
public typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

/// A position in a database's sorted keys, valid only inside ``ReadTransaction/withCursor(on:_:)``.
public final class Cursor {
    let handle: OpaquePointer
    /// The database the cursor walks.
    public let database: Database

    init(handle: OpaquePointer, database: Database) {
        self.handle = handle
        self.database = database
    }

    @inline(__always)
    private func get(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws(LMDBError) -> Entry? {
        var k = MDB_val(mv_size: key?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: key?.baseAddress))
        var v = MDB_val()
        let rc = mdb_cursor_get(handle, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        if rc != MDB_SUCCESS { throw LMDBError(code: rc, operation: "moving a cursor on \(database.name ?? "<main>")") }
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// Moves to the first entry.
    public func first() throws(LMDBError) -> Entry? { try get(MDB_FIRST) }
    /// Moves to the last entry.
    public func last() throws(LMDBError) -> Entry? { try get(MDB_LAST) }
    /// Moves to the next entry.
    public func next() throws(LMDBError) -> Entry? { try get(MDB_NEXT) }
    /// Moves to the previous entry.
    public func previous() throws(LMDBError) -> Entry? { try get(MDB_PREV) }
    /// The entry at the cursor.
    public func current() throws(LMDBError) -> Entry? { try get(MDB_GET_CURRENT) }
    /// Moves to exactly `key`, or returns `nil` when it is absent.
    public func seek(exactly key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? { try get(MDB_SET_KEY, key: key) }
    /// Moves to the first key greater than or equal to `key`.
    public func seek(atLeast key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? { try get(MDB_SET_RANGE, key: key) }

    /// Moves to the last key less than or equal to `key`.
    public func seek(atMost key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? {
        if let entry = try seek(atLeast: key) {
            if entry.key.elementsEqual(key) { return entry }
            return try previous()
        }
        return try last()
    }

    /// Moves to exactly `key`.
    public func seek(exactly key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { k in try seek(exactly: k) }
    }
    /// Moves to the first key greater than or equal to `key`.
    public func seek(atLeast key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { k in try seek(atLeast: k) }
    }
    /// Moves to the last key less than or equal to `key`.
    public func seek(atMost key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { k in try seek(atMost: k) }
    }

    /// Deletes the entry at the cursor (write transactions only; fails with `EACCES` in a read one).
    public func deleteCurrent() throws(LMDBError) {
        let rc = mdb_cursor_del(handle, 0)
        if rc != MDB_SUCCESS { throw LMDBError(code: rc, operation: "deleting at a cursor on \(database.name ?? "<main>")") }
    }
}
