import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import CRMProjections
import Foundation

/// Opens the log at `location`: a `postgres://` URL (see `PostgresLocation`) or an LMDB store
/// directory. The one place the command line chooses a backend; every command that takes
/// `--store` can open its store through it.
///
/// - Parameters:
///   - readOnly: open an LMDB store read-only (it must exist); a PostgreSQL log is always
///     writable.
func openLogStore(_ location: String, readOnly: Bool = false) async throws -> any EventLogStore {
    if PostgresLocation.isPostgresURL(location) {
        return try await PostgresEventStore.connect(url: location)
    }
    if readOnly {
        guard FileManager.default.fileExists(atPath: location + "/data.mdb") else {
            throw CLIError("no store at \(location) (run `crm demo` to create one)")
        }
        return try EventStore.openReadOnly(path: location)
    }
    return try EventStore(path: location)
}

/// Where the projections of `log` keep their state: an LMDB store's own environment, else the
/// local directory `stateDirectory` (`--state`), else none (`nil`: no persisted projections).
func openStateStore(for log: any EventLogStore, stateDirectory: String?) throws -> StateStore? {
    if let store = log as? EventStore { return StateStore(environment: store.environment) }
    return try stateDirectory.map { try StateStore(path: $0) }
}

/// A store location for messages: a PostgreSQL URL without its password, or the directory.
func describeStore(_ location: String) -> String {
    guard PostgresLocation.isPostgresURL(location) else { return location }
    return (try? PostgresLocation(url: location).description) ?? "a PostgreSQL URL"
}
