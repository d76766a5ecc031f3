import CRMEventLog
import CRMEventLogPostgres
import Foundation

/// Opens the log at `location`: a `postgres://` URL (see `PostgresLocation`) or an LMDB store
/// directory. The one place the command line chooses a backend; every command that takes
/// `--store` can open its store through it.
///
/// - Parameters:
///   - readOnly: open an LMDB store read-only (it must exist); a PostgreSQL log is always
///     writable.
///   - stateDirectory: for a PostgreSQL log, the local directory where projections keep their
///     state (`nil`: none, so no persisted projections).
func openLogStore(_ location: String, readOnly: Bool = false, stateDirectory: String? = nil) async throws -> any EventLogStore {
    if PostgresLocation.isPostgresURL(location) {
        return try await PostgresEventStore.connect(url: location, configuration: .init(localStatePath: stateDirectory))
    }
    if readOnly {
        guard FileManager.default.fileExists(atPath: location + "/data.mdb") else {
            throw CLIError("no store at \(location) (run `crm demo` to create one)")
        }
        return try EventStore.openReadOnly(path: location)
    }
    return try EventStore(path: location)
}

/// A store location for messages: a PostgreSQL URL without its password, or the directory.
func describeStore(_ location: String) -> String {
    guard PostgresLocation.isPostgresURL(location) else { return location }
    return (try? PostgresLocation(url: location).description) ?? "a PostgreSQL URL"
}
