import CLMDB

/// A handle to a named (or the unnamed main) database inside an ``Environment``.
///
/// Handles are plain values, valid for the lifetime of the environment that opened them and
/// usable from any transaction of that environment.
public struct Database: Sendable, Hashable {
    /// The LMDB database handle.
    public let handle: MDB_dbi
    /// The database's name, or `nil` for the environment's main database.
    public let name: String?

    /// Flags a database is created or opened with.
    public struct Flags: OptionSet, Sendable, Hashable {
        /// The raw `MDB_*` flag bits.
        public let rawValue: UInt32
        /// Creates flags from raw `MDB_*` bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Keys are compared in reverse byte order (`MDB_REVERSEKEY`).
        public static let reverseKey = Flags(rawValue: UInt32(MDB_REVERSEKEY))
        /// A key may hold several sorted values (`MDB_DUPSORT`).
        public static let duplicateSort = Flags(rawValue: UInt32(MDB_DUPSORT))
        /// Keys are native-endian `UInt32`/`size_t` integers (`MDB_INTEGERKEY`).
        public static let integerKey = Flags(rawValue: UInt32(MDB_INTEGERKEY))
    }
}

/// Flags for a single `put`.
public struct PutFlags: OptionSet, Sendable, Hashable {
    /// The raw `MDB_*` flag bits.
    public let rawValue: UInt32
    /// Creates flags from raw `MDB_*` bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Fail with ``LMDBError/Kind/keyExists`` instead of replacing an existing key (`MDB_NOOVERWRITE`).
    public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// The key is greater than every key already stored: append without searching (`MDB_APPEND`).
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
    /// For duplicate-sorted databases: do not add a value that is already present (`MDB_NODUPDATA`).
    public static let noDuplicateData = PutFlags(rawValue: UInt32(MDB_NODUPDATA))
}

/// Statistics of one database (`mdb_stat`).
public struct DatabaseStatistics: Sendable, Hashable {
    /// The page size in bytes.
    public let pageSize: Int
    /// The depth of the B-tree.
    public let depth: Int
    /// The number of branch pages.
    public let branchPages: Int
    /// The number of leaf pages.
    public let leafPages: Int
    /// The number of overflow pages.
    public let overflowPages: Int
    /// The number of key/value pairs.
    public let entries: Int

    init(_ stat: MDB_stat) {
        pageSize = Int(stat.ms_psize)
        depth = Int(stat.ms_depth)
        branchPages = Int(stat.ms_branch_pages)
        leafPages = Int(stat.ms_leaf_pages)
        overflowPages = Int(stat.ms_overflow_pages)
        entries = Int(stat.ms_entries)
    }
}
