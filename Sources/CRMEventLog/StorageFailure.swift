/// A failure of a log's storage engine (the disk, the database files, the database server),
/// described without tying the log protocol to one backend: what kind of failure it was, the
/// engine's own code, and its full message.
///
/// Each backend maps its errors to this type inside ``EventLogError/storage(_:)``; the LMDB
/// backend keeps LMDB's message (for example `LMDB error -30792 (MDB_MAP_FULL): … — while …`).
public struct StorageFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure, for callers that react to some of them.
    public enum Kind: Sendable, Hashable {
        /// The disk is full.
        case noSpace
        /// The store's size limit (LMDB's map size) is reached.
        case mapFull
        /// The files or the file system are read-only, or a write was tried on a read-only store.
        case readOnly
        /// A file or directory does not exist.
        case noSuchFile
        /// The process may not access the files.
        case permissionDenied
        /// The store's files are damaged or of an incompatible version.
        case corrupted
        /// A resource is busy or exhausted (locks, reader slots, …).
        case busy
        /// An input/output error of the device.
        case ioError
        /// Anything else; see ``StorageFailure/message``.
        case other
    }

    /// The kind of failure.
    public let kind: Kind
    /// The engine's raw code (for LMDB a negative `MDB_*` value or a positive `errno` value).
    public let code: Int32
    /// The whole message: the engine's name, the code, its meaning and what was being done.
    public let message: String

    /// Creates a failure.
    public init(kind: Kind, code: Int32, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
