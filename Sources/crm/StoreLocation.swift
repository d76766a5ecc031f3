import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import CRMKit
import CRMProjections
import Foundation
import Logging

/// Opens the log at `location`: a `postgres://` URL (see `PostgresLocation`) or an LMDB store
/// directory. The one place the command line chooses a backend; every command that takes
/// `--store` can open its store through it.
///
/// - Parameters:
///   - readOnly: open an LMDB store read-only (it must exist); a PostgreSQL log is always
///     writable.
func openLogStore(_ location: String, readOnly: Bool = false, logger: Logger = CLILogging.silent) async throws -> any EventLogStore {
    try await CRMStore.openLog(location, readOnly: readOnly, logger: logger)
}

/// Where the projections of `log` keep their state: an LMDB store's own environment, else the
/// local directory `stateDirectory` (`--state`), else none (`nil`: no persisted projections).
func openStateStore(for log: any EventLogStore, stateDirectory: String?) throws -> StateStore? {
    try CRMStore.stateStore(for: log, directory: stateDirectory)
}

/// A store location for messages: a PostgreSQL URL without its password, or the directory.
func describeStore(_ location: String) -> String {
    guard PostgresLocation.isPostgresURL(location) else { return location }
    return (try? PostgresLocation(url: location).description) ?? "a PostgreSQL URL"
}
