import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error returned by LMDB, with the operation that was being performed.
///
/// LMDB reports two kinds of failure through the same `Int32`: its own negative `MDB_*` codes
/// (for example `MDB_MAP_FULL`) and positive `errno` values from the operating system (for example
/// `ENOENT` when a directory is missing). Both are kept in ``code``; ``kind`` classifies them so a
/// caller can `switch` without knowing the numbers.
public struct LMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The raw return code: a negative `MDB_*` value or a positive `errno` value.
    public let code: Int32
    /// What the wrapper was doing when LMDB failed, e.g. `"opening environment at /tmp/x"`.
    public let operation: String

    /// Creates an error for a raw LMDB return code.
    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The classified meaning of ``code``.
    public var kind: Kind { Kind(code: code) }

    /// A sentence naming the code, LMDB's own message and the operation.
    public var description: String {
        "LMDB error \(code) (\(kind.name)): \(Self.message(for: code)) — while \(operation)"
    }

    /// LMDB's message for a return code (it covers `errno` values too, via `strerror`).
    public static func message(for code: Int32) -> String {
        guard let text = mdb_strerror(code) else { return "unknown error" }
        return String(cString: text)
    }

    /// The classified meaning of an LMDB return code.
    public enum Kind: Sendable, Equatable {
        /// `MDB_KEYEXIST`: the key/data pair already exists.
        case keyExists
        /// `MDB_NOTFOUND`: no matching key/data pair.
        case notFound
        /// `MDB_PAGE_NOTFOUND`: a requested page was not found (usually corruption).
        case pageNotFound
        /// `MDB_CORRUPTED`: located a page of the wrong type.
        case corrupted
        /// `MDB_PANIC`: an earlier fatal error left the environment unusable.
        case panic
        /// `MDB_VERSION_MISMATCH`: the environment was written by an incompatible LMDB version.
        case versionMismatch
        /// `MDB_INVALID`: the file is not an LMDB data file.
        case invalid
        /// `MDB_MAP_FULL`: the environment's map size is reached.
        case mapFull
        /// `MDB_DBS_FULL`: the environment's maximum number of named databases is reached.
        case databasesFull
        /// `MDB_READERS_FULL`: the reader lock table is full.
        case readersFull
        /// `MDB_TLS_FULL`: too many thread-local storage keys.
        case tlsFull
        /// `MDB_TXN_FULL`: the transaction has too many dirty pages.
        case transactionFull
        /// `MDB_CURSOR_FULL`: the cursor stack is too deep (usually corruption).
        case cursorFull
        /// `MDB_PAGE_FULL`: a page has no more room (internal error).
        case pageFull
        /// `MDB_MAP_RESIZED`: another process grew the map beyond this process's mapping.
        case mapResized
        /// `MDB_INCOMPATIBLE`: the operation does not fit the database's flags.
        case incompatible
        /// `MDB_BAD_RSLOT`: a reader slot was reused wrongly.
        case badReaderSlot
        /// `MDB_BAD_TXN`: the transaction must abort, has a child, or is invalid.
        case badTransaction
        /// `MDB_BAD_VALSIZE`: a key or value has an unsupported size.
        case badValueSize
        /// `MDB_BAD_DBI`: the database handle changed unexpectedly.
        case badDatabaseHandle
        /// `ENOENT`: a file or directory does not exist.
        case noSuchFile
        /// `EACCES` / `EPERM`: permission denied.
        case permissionDenied
        /// `ENOSPC`: no space left on the device.
        case noSpace
        /// `EAGAIN` / `EBUSY`: the environment is locked by another process.
        case busy
        /// `EINVAL`: an invalid argument was passed to LMDB.
        case invalidArgument
        /// `ENOMEM`: out of memory.
        case outOfMemory
        /// `EIO`: an input/output error from the device.
        case ioError
        /// `EROFS`: the file system is read-only.
        case readOnlyFileSystem
        /// Any other operating-system error.
        case system(errno: Int32)
        /// A negative code LMDB does not document.
        case unknown(Int32)

        init(code: Int32) {
            switch code {
            case MDB_KEYEXIST: self = .keyExists
            case MDB_NOTFOUND: self = .notFound
            case MDB_PAGE_NOTFOUND: self = .pageNotFound
            case MDB_CORRUPTED: self = .corrupted
            case MDB_PANIC: self = .panic
            case MDB_VERSION_MISMATCH: self = .versionMismatch
            case MDB_INVALID: self = .invalid
            case MDB_MAP_FULL: self = .mapFull
            case MDB_DBS_FULL: self = .databasesFull
            case MDB_READERS_FULL: self = .readersFull
            case MDB_TLS_FULL: self = .tlsFull
            case MDB_TXN_FULL: self = .transactionFull
            case MDB_CURSOR_FULL: self = .cursorFull
            case MDB_PAGE_FULL: self = .pageFull
            case MDB_MAP_RESIZED: self = .mapResized
            case MDB_INCOMPATIBLE: self = .incompatible
            case MDB_BAD_RSLOT: self = .badReaderSlot
            case MDB_BAD_TXN: self = .badTransaction
            case MDB_BAD_VALSIZE: self = .badValueSize
            case MDB_BAD_DBI: self = .badDatabaseHandle
            case ENOENT: self = .noSuchFile
            case EACCES, EPERM: self = .permissionDenied
            case ENOSPC: self = .noSpace
            case EAGAIN, EBUSY: self = .busy
            case EINVAL: self = .invalidArgument
            case ENOMEM: self = .outOfMemory
            case EIO: self = .ioError
            case EROFS: self = .readOnlyFileSystem
            default: self = code > 0 ? .system(errno: code) : .unknown(code)
            }
        }

        /// A short, stable name for the kind (the LMDB or errno symbol).
        public var name: String {
            switch self {
            case .keyExists: "MDB_KEYEXIST"
            case .notFound: "MDB_NOTFOUND"
            case .pageNotFound: "MDB_PAGE_NOTFOUND"
            case .corrupted: "MDB_CORRUPTED"
            case .panic: "MDB_PANIC"
            case .versionMismatch: "MDB_VERSION_MISMATCH"
            case .invalid: "MDB_INVALID"
            case .mapFull: "MDB_MAP_FULL"
            case .databasesFull: "MDB_DBS_FULL"
            case .readersFull: "MDB_READERS_FULL"
            case .tlsFull: "MDB_TLS_FULL"
            case .transactionFull: "MDB_TXN_FULL"
            case .cursorFull: "MDB_CURSOR_FULL"
            case .pageFull: "MDB_PAGE_FULL"
            case .mapResized: "MDB_MAP_RESIZED"
            case .incompatible: "MDB_INCOMPATIBLE"
            case .badReaderSlot: "MDB_BAD_RSLOT"
            case .badTransaction: "MDB_BAD_TXN"
            case .badValueSize: "MDB_BAD_VALSIZE"
            case .badDatabaseHandle: "MDB_BAD_DBI"
            case .noSuchFile: "ENOENT"
            case .permissionDenied: "EACCES"
            case .noSpace: "ENOSPC"
            case .busy: "EBUSY"
            case .invalidArgument: "EINVAL"
            case .outOfMemory: "ENOMEM"
            case .ioError: "EIO"
            case .readOnlyFileSystem: "EROFS"
            case .system(let errno): "errno \(errno)"
            case .unknown(let code): "code \(code)"
            }
        }
    }
}

/// Throws an ``LMDBError`` when `code` is not `MDB_SUCCESS`.
@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if code != MDB_SUCCESS { throw LMDBError(code: code, operation: operation()) }
}
