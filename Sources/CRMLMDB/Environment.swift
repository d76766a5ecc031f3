import CLMDB
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An LMDB environment: one memory-mapped file holding one or more named databases.
///
/// Open an environment once per process and path (LMDB forbids two handles on one file in a
/// process) and share the instance. It is always opened with `MDB_NOTLS`, so read transactions
/// are not bound to threads and may be used from Swift tasks that hop threads.
///
/// Transactions are scoped closures: ``read(_:)`` and ``write(_:)``. A write that runs out of map
/// space (`MDB_MAP_FULL`) is aborted, the map is grown, and the closure runs again — the caller
/// never sees the error unless ``Configuration/maximumMapSize`` is reached. Keep write closures
/// free of side effects outside the transaction for that reason.
///
/// Do not begin a write from inside a read closure on the same thread: growing the map waits for
/// every open transaction of the process to end.
public final class Environment: @unchecked Sendable {
    /// Options fixed when the environment is opened.
    public struct Configuration: Sendable {
        /// The initial map size in bytes (rounded up to the page size by LMDB).
        public var mapSize: Int
        /// The largest map size growth may reach; a write beyond it fails with `MDB_MAP_FULL`.
        public var maximumMapSize: Int
        /// The maximum number of concurrent read transactions, across processes.
        public var maxReaders: Int
        /// The maximum number of named databases.
        public var maxDatabases: Int
        /// Environment flags.
        public var flags: Flags
        /// The file mode for newly created files.
        public var fileMode: mode_t

        /// Creates a configuration.
        public init(
            mapSize: Int = 64 << 20,
            maximumMapSize: Int = 1 << 40,
            maxReaders: Int = 126,
            maxDatabases: Int = 16,
            flags: Flags = [],
            fileMode: mode_t = 0o600
        ) {
            self.mapSize = mapSize
            self.maximumMapSize = maximumMapSize
            self.maxReaders = maxReaders
            self.maxDatabases = maxDatabases
            self.flags = flags
            self.fileMode = fileMode
        }
    }

    /// Environment flags (`mdb_env_open`). `MDB_NOTLS` is always added.
    public struct Flags: OptionSet, Sendable, Hashable {
        /// The raw `MDB_*` flag bits.
        public let rawValue: UInt32
        /// Creates flags from raw `MDB_*` bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Open read-only; no write transaction can begin (`MDB_RDONLY`).
        public static let readOnly = Flags(rawValue: UInt32(MDB_RDONLY))
        /// The path is the data file itself, not a directory (`MDB_NOSUBDIR`).
        public static let noSubdirectory = Flags(rawValue: UInt32(MDB_NOSUBDIR))
        /// Do not sync on commit: the last transactions may be lost on power loss (`MDB_NOSYNC`).
        public static let noSync = Flags(rawValue: UInt32(MDB_NOSYNC))
        /// Do not sync the meta page on commit (`MDB_NOMETASYNC`).
        public static let noMetaSync = Flags(rawValue: UInt32(MDB_NOMETASYNC))
        /// Do not use read-ahead (`MDB_NORDAHEAD`); useful for databases larger than memory.
        public static let noReadAhead = Flags(rawValue: UInt32(MDB_NORDAHEAD))
    }

    /// Size and usage figures of the environment (`mdb_env_info`, `mdb_env_stat`).
    public struct Info: Sendable, Hashable {
        /// The current map size in bytes.
        public let mapSize: Int
        /// The page size in bytes.
        public let pageSize: Int
        /// The number of the last used page.
        public let lastPageNumber: Int
        /// The id of the last committed transaction.
        public let lastTransactionID: Int
        /// The maximum number of reader slots.
        public let maxReaders: Int
        /// The number of reader slots in use.
        public let readersInUse: Int
    }

    /// The directory (or, with ``Flags/noSubdirectory``, the file) the environment lives in.
    public let path: String
    /// The configuration the environment was opened with.
    public let configuration: Configuration

    let handle: OpaquePointer
    let gate = MapGate()
    /// Serializes `mdb_dbi_open`: LMDB forbids two transactions of a process opening databases at once.
    private let databaseOpenLock = MapGate()
    private var closed = false
    /// Reader slots of dead processes cleared when the environment was opened.
    public let staleReadersCleared: Int
    private let isReadOnly: Bool

    /// Opens (creating if needed and allowed) the environment at `path`.
    ///
    /// The directory must exist unless ``Flags/noSubdirectory`` is set. Reader slots left by
    /// processes that died are cleared on open (`mdb_reader_check`).
    public init(path: String, configuration: Configuration = Configuration()) throws(LMDBError) {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "creating environment")
        guard let env else { throw LMDBError(code: ENOMEM, operation: "creating environment") }
        do {
            try check(mdb_env_set_mapsize(env, configuration.mapSize), "setting map size")
            try check(mdb_env_set_maxreaders(env, UInt32(configuration.maxReaders)), "setting max readers")
            try check(mdb_env_set_maxdbs(env, MDB_dbi(configuration.maxDatabases)), "setting max databases")
            let flags = configuration.flags.rawValue | UInt32(MDB_NOTLS)
            try Self.allocateLockFile(path: path, configuration: configuration)
            try check(mdb_env_open(env, path, flags, configuration.fileMode), "opening environment at \(path)")
            var dead: Int32 = 0
            try check(mdb_reader_check(env, &dead), "clearing stale readers at \(path)")
            staleReadersCleared = Int(dead)
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.handle = env
        self.path = path
        self.configuration = configuration
        self.isReadOnly = configuration.flags.contains(.readOnly)
    }

    deinit {
        if !closed { mdb_env_close(handle) }
    }

    /// LMDB maps its lock file and writes reader slots through the map, so on a full file
    /// system (a tmpfs in particular) touching a page of a sparse lock file kills the process
    /// with SIGBUS instead of returning an error. The lock file's blocks are allocated before
    /// LMDB maps it (`posix_fallocate`, as large as LMDB will make it), so a full disk is
    /// reported as ENOSPC. Files that cannot be opened for writing are left to LMDB.
    static func allocateLockFile(path: String, configuration: Configuration) throws(LMDBError) {
        #if os(Linux)
        let lockPath = configuration.flags.contains(.noSubdirectory) ? path + "-lock" : path + "/lock.mdb"
        // LMDB's lock file: a 192-byte header (MDB_txninfo) and one 64-byte slot per reader but the first.
        let required = (max(configuration.maxReaders, 1) - 1) * 64 + 192
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, configuration.fileMode)
        guard fd >= 0 else { return }
        #if canImport(Glibc)
        defer { Glibc.close(fd) }
        #endif
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        let result = posix_fallocate(fd, 0, off_t(max(required, Int(info.st_size))))
        if result == ENOSPC || result == EDQUOT {
            throw LMDBError(code: result, operation: "allocating the lock file \(lockPath)")
        }
        #endif
    }

    /// Whether the environment was opened read-only.
    public var readOnly: Bool { isReadOnly }

    /// Closes the environment. Every transaction must have ended; later use fails.
    ///
    /// Calling `close` more than once is harmless.
    public func close() {
        gate.lockExclusive()
        defer { gate.unlock() }
        guard !closed else { return }
        closed = true
        mdb_env_close(handle)
    }

    // MARK: Transactions

    /// Runs `body` in a read-only transaction, a consistent snapshot of the environment.
    ///
    /// Values handed out by the transaction point into the map and are valid only inside `body`.
    public func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        let txn = try beginRead()
        defer { endRead(txn) }
        return try body(txn)
    }

    /// Runs `body` in a write transaction and commits it when `body` returns.
    ///
    /// A throw from `body` aborts the transaction: nothing it wrote is kept. When the map is full
    /// the transaction is aborted, the map grows, and `body` runs again from the start.
    public func write<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        while true {
            let txn = try beginWrite()
            let result: R
            do {
                result = try body(txn)
                try txn.commit()
            } catch {
                txn.abortIfActive()
                gate.unlock()
                if txn.hitMapFull {
                    try growMap()
                    continue
                }
                throw error
            }
            gate.unlock()
            return result
        }
    }

    private func beginRead() throws(LMDBError) -> ReadTransaction {
        ReadTransaction(handle: try begin(flags: UInt32(MDB_RDONLY), kind: "read"))
    }

    private func endRead(_ txn: ReadTransaction) {
        txn.finishRead()
        gate.unlock()
    }

    private func beginWrite() throws(LMDBError) -> WriteTransaction {
        WriteTransaction(handle: try begin(flags: 0, kind: "write"))
    }

    /// Begins a transaction holding the map gate shared; the gate stays held until it ends.
    private func begin(flags: UInt32, kind: String) throws(LMDBError) -> OpaquePointer {
        while true {
            gate.lockShared()
            guard !closed else {
                gate.unlock()
                throw LMDBError(code: EINVAL, operation: "beginning a \(kind) transaction on a closed environment")
            }
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(handle, nil, flags, &txn)
            if rc == MDB_MAP_RESIZED {
                gate.unlock()
                try adoptForeignMapSize()
                continue
            }
            guard rc == MDB_SUCCESS, let txn else {
                gate.unlock()
                throw LMDBError(code: rc, operation: "beginning a \(kind) transaction")
            }
            return txn
        }
    }

    /// Another process grew the map: adopt its size (LMDB reads it from the file when given 0).
    private func adoptForeignMapSize() throws(LMDBError) {
        try withOpenHandle(exclusive: true, "adopting the map size another process set") { () throws(LMDBError) in
            try check(mdb_env_set_mapsize(handle, 0), "adopting the map size another process set")
        }
    }

    /// Doubles the map (1 GiB steps above 1 GiB), up to ``Configuration/maximumMapSize``.
    private func growMap() throws(LMDBError) {
        try withOpenHandle(exclusive: true, "growing the map") { () throws(LMDBError) in try growLocked() }
    }

    private func growLocked() throws(LMDBError) {
        let current = currentInfo().mapSize
        guard current < configuration.maximumMapSize else {
            throw LMDBError(code: MDB_MAP_FULL, operation: "growing the map beyond its maximum of \(configuration.maximumMapSize) bytes")
        }
        let step = current < (1 << 30) ? current : (1 << 30)
        let next = min(current + step, configuration.maximumMapSize)
        try check(mdb_env_set_mapsize(handle, next), "growing the map to \(next) bytes")
        growths.add(1, ordering: .relaxed)
    }

    private let growths = Atomic<Int>(0)

    /// How many times this handle grew the map because a write ran out of room.
    public var mapGrowths: Int { growths.load(ordering: .relaxed) }

    /// Sets the map size explicitly (for example to shrink the initial reservation in tests).
    public func setMapSize(_ bytes: Int) throws(LMDBError) {
        try withOpenHandle(exclusive: true, "setting the map size to \(bytes) bytes") { () throws(LMDBError) in
            try check(mdb_env_set_mapsize(handle, bytes), "setting the map size to \(bytes) bytes")
        }
    }

    /// Runs `body` holding the map gate, after checking the environment is still open: every
    /// operation on the handle outside a transaction goes through here.
    private func withOpenHandle<R>(
        exclusive: Bool = false, _ operation: @autoclosure () -> String, _ body: () throws(LMDBError) -> R
    ) throws(LMDBError) -> R {
        if exclusive { gate.lockExclusive() } else { gate.lockShared() }
        defer { gate.unlock() }
        guard !closed else { throw LMDBError(code: EINVAL, operation: "\(operation()) on a closed environment") }
        return try body()
    }

    // MARK: Databases

    /// Opens a named database, creating it when `create` is true (needs a writable environment).
    ///
    /// Pass `nil` as the name for the environment's main database.
    public func openDatabase(named name: String?, flags: Database.Flags = [], create: Bool = true) throws -> Database {
        databaseOpenLock.lockExclusive()
        defer { databaseOpenLock.unlock() }
        if create && !isReadOnly {
            return try write { txn in try txn.openDatabase(named: name, flags: flags, create: true) }
        }
        return try read { txn in try txn.openDatabase(named: name, flags: flags, create: false) }
    }

    // MARK: Maintenance

    /// Size and usage figures; all zero once the environment is closed.
    public var info: Info {
        (try? withOpenHandle("reading environment info") { currentInfo() })
            ?? Info(mapSize: 0, pageSize: 0, lastPageNumber: 0, lastTransactionID: 0, maxReaders: 0, readersInUse: 0)
    }

    private func currentInfo() -> Info {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        return Info(
            mapSize: info.me_mapsize,
            pageSize: Int(stat.ms_psize),
            lastPageNumber: info.me_last_pgno,
            lastTransactionID: info.me_last_txnid,
            maxReaders: Int(info.me_maxreaders),
            readersInUse: Int(info.me_numreaders)
        )
    }

    /// The byte offset in the data file of bytes handed out by a transaction of this
    /// environment, or `nil` when they do not lie in a page of the map.
    ///
    /// The map is page-aligned and every page starts with its own page number, so the page a
    /// value lies in tells where it is stored — for diagnostics, and for tests that damage a
    /// known record. Call it inside the transaction that produced `bytes`.
    public func dataFileOffset(of bytes: UnsafeRawBufferPointer) -> Int? {
        guard let start = bytes.baseAddress else { return nil }
        var stat = MDB_stat()
        mdb_env_stat(handle, &stat)
        let pageSize = Int(stat.ms_psize)
        guard pageSize > 0, pageSize & (pageSize - 1) == 0 else { return nil }
        let address = UInt(bitPattern: start)
        let pageStart = UnsafeRawPointer(bitPattern: address & ~UInt(pageSize - 1))!
        let pageNumber = pageStart.loadUnaligned(as: UInt.self)
        let offset = Int(pageNumber) * pageSize + Int(address - UInt(bitPattern: pageStart))
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        guard offset + bytes.count <= info.me_mapsize else { return nil }
        return offset
    }

    /// Flushes the data buffers to disk; needed only with ``Flags/noSync`` or ``Flags/noMetaSync``.
    public func sync(force: Bool = true) throws(LMDBError) {
        try withOpenHandle("syncing environment") { () throws(LMDBError) in
            try check(mdb_env_sync(handle, force ? 1 : 0), "syncing environment")
        }
    }

    /// Clears reader slots of processes that no longer exist and returns how many were cleared.
    @discardableResult
    public func clearStaleReaders() throws(LMDBError) -> Int {
        try withOpenHandle("clearing stale readers") { () throws(LMDBError) in
            var dead: Int32 = 0
            try check(mdb_reader_check(handle, &dead), "clearing stale readers")
            return Int(dead)
        }
    }

    /// Copies the environment to the existing, empty directory `directory` while writes go on.
    ///
    /// The copy is a consistent snapshot taken in a read transaction. With `compact`, free pages
    /// are left out and pages renumbered, so no stale page of a deleted value is copied.
    ///
    /// The copy holds the map gate shared throughout: a write that needs the map to grow waits
    /// until the copy ends.
    public func copy(to directory: String, compact: Bool = true) throws(LMDBError) {
        try withOpenHandle("copying environment to \(directory)") { () throws(LMDBError) in
            try check(mdb_env_copy2(handle, directory, compact ? UInt32(MDB_CP_COMPACT) : 0), "copying environment to \(directory)")
        }
    }
}
