import CRMEventLogPostgres
import Foundation

/// Where a CRM lives: an embedded LMDB store directory (the default), or a PostgreSQL log shared
/// by several service instances, whose subject keys are kept in the database beside the log and
/// whose read models are kept in a local state directory of each instance.
public enum CRMLocation: Sendable, Hashable, CustomStringConvertible {
    /// An LMDB store directory; the log, the read models and the subject keys all live in it.
    case lmdb(path: String)
    /// A PostgreSQL log (`postgres://user[:password]@host[:port]/database[?schema=…]`) with the
    /// local directory where this instance keeps its read models.
    case postgres(url: String, stateDirectory: String)

    /// Parses a location as the command line takes it: a `postgres://` or `postgresql://` URL
    /// (then `stateDirectory` is required), otherwise an LMDB directory.
    ///
    /// - Throws: ``CRMStoreError/stateDirectoryRequired(_:)`` for a URL without a state directory.
    public init(_ text: String, stateDirectory: String? = nil) throws(CRMStoreError) {
        if PostgresLocation.isPostgresURL(text) {
            guard let stateDirectory, !stateDirectory.isEmpty else { throw .stateDirectoryRequired(Self.redacted(text)) }
            self = .postgres(url: text, stateDirectory: stateDirectory)
        } else {
            self = .lmdb(path: text)
        }
    }

    /// The location for messages: the directory, or the URL without its password.
    public var description: String {
        switch self {
        case .lmdb(let path): return path
        case .postgres(let url, _): return Self.redacted(url)
        }
    }

    /// The default master key file of this location: `<directory>.master-key` beside an LMDB
    /// store, `<state directory>.master-key` beside a PostgreSQL instance's state.
    public var defaultMasterKeyPath: String {
        switch self {
        case .lmdb(let path): return Self.trimmed(path) + ".master-key"
        case .postgres(_, let state): return Self.trimmed(state) + ".master-key"
        }
    }

    /// The log's location as ``CRMStore/openLog(_:readOnly:logger:)`` takes it.
    var logLocation: String {
        switch self {
        case .lmdb(let path): return path
        case .postgres(let url, _): return url
        }
    }

    /// The local state directory of a PostgreSQL instance; `nil` for an LMDB store.
    var stateDirectory: String? {
        switch self {
        case .lmdb: return nil
        case .postgres(_, let state): return state
        }
    }

    private static func trimmed(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    static func redacted(_ url: String) -> String {
        (try? PostgresLocation(url: url).description) ?? "a PostgreSQL URL"
    }
}
