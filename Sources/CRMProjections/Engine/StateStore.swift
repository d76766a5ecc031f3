import CRMEventLog
import CRMLMDB
import Foundation

/// Where projections keep their state and checkpoints, and where `CRMAudit`'s key vault keeps
/// the subject keys: a local LMDB environment the embedder chooses, apart from the log.
///
/// An LMDB log keeps its projections in its own environment, so that a projection's state and
/// checkpoint are written in one transaction beside the log: open it with
/// ``init(environment:)`` and the store's `environment`. A log without a local environment (a
/// PostgreSQL log) gets a directory of its own with ``init(path:readOnly:maxNamedDatabases:)``.
///
/// The named databases are the same either way: `projections` (checkpoints, rules, the active
/// generation), `<model>.<generation>` (each generation's state) and `subject-keys`.
public final class StateStore: Sendable {
    /// The LMDB environment holding the state.
    public let environment: Environment
    /// Whether this state store opened the environment (and so closes it).
    private let ownsEnvironment: Bool

    /// Shares an environment opened elsewhere — for an LMDB log, its own environment. The
    /// state store never closes it.
    public init(environment: Environment) {
        self.environment = environment
        ownsEnvironment = false
    }

    /// Opens the local state directory `path`, creating it when it does not exist (unless
    /// `readOnly`).
    ///
    /// - Throws: `EventLogError/storage(_:)` when the environment cannot be opened, and
    ///   `EventLogError/fileSystem(path:reason:)` when the directory cannot be created.
    public init(path: String, readOnly: Bool = false, maxNamedDatabases: Int = 64) throws {
        if !readOnly {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw EventLogError.fileSystem(path: path, reason: "cannot create the local state directory (\(error.localizedDescription))")
            }
        }
        do {
            environment = try Environment(path: path, configuration: .init(maxDatabases: maxNamedDatabases, flags: readOnly ? [.readOnly] : []))
        } catch {
            let kind: StorageFailure.Kind = switch error.kind {
            case .noSuchFile: .noSuchFile
            case .permissionDenied: .permissionDenied
            case .readOnlyFileSystem: .readOnly
            case .noSpace: .noSpace
            case .mapFull: .mapFull
            default: .other
            }
            throw EventLogError.storage(StorageFailure(kind: kind, code: error.code, message: error.description))
        }
        ownsEnvironment = true
    }

    deinit {
        close()
    }

    /// Whether the environment is open read-only (then nothing is written and no database is
    /// created).
    public var isReadOnly: Bool { environment.readOnly }

    /// Closes the environment if this state store opened it; a shared one stays open.
    /// Idempotent.
    public func close() {
        if ownsEnvironment { environment.close() }
    }
}
