import CRMEventLog
import Foundation
import PostgresNIO

/// What can go wrong with a PostgreSQL log beyond the log's own rules (those stay
/// `EventLogError`s, so callers handle both backends alike).
///
/// Messages never contain the password of a connection URL.
public enum PostgresLogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connection URL cannot be used; `reason` says why.
    case invalidURL(String, reason: String)
    /// The schema name is not a plain lower-case SQL identifier.
    case invalidSchemaName(String)
    /// No connection could be made to the server.
    case serverUnreachable(server: String, reason: String)
    /// The server refused a statement (or the connection broke) while the store was doing
    /// `operation`; nothing of a failed append or import is stored.
    case server(operation: String, sqlState: String?, message: String)
    /// The configuration asks for something impossible (e.g. no connections).
    case invalidConfiguration(String)
    /// The schema holds no log (connecting with `createIfMissing` off); the location is named
    /// without its password.
    case noLog(String)

    /// A sentence a user can act on.
    public var description: String {
        switch self {
        case let .invalidURL(url, reason):
            return "invalid PostgreSQL URL '\(url)': \(reason)"
        case let .invalidSchemaName(name):
            return "invalid schema name '\(name)': use lower-case letters, digits and '_', starting with a letter or '_', at most 63 bytes"
        case let .serverUnreachable(server, reason):
            return "cannot connect to the PostgreSQL server at \(server): \(reason)"
        case let .server(operation, sqlState, message):
            return "PostgreSQL error\(sqlState.map { " \($0)" } ?? "") while \(operation): \(message)"
        case let .invalidConfiguration(reason):
            return "invalid PostgreSQL store configuration: \(reason)"
        case let .noLog(location):
            return "no log at \(location)"
        }
    }

    /// Wraps an error from PostgresNIO (or passes through the log's own errors).
    static func wrapping(_ error: any Error, while operation: String) -> any Error {
        switch error {
        case is EventLogError, is PostgresLogError, is CancellationError:
            return error
        case let error as PSQLError:
            if let info = error.serverInfo {
                return PostgresLogError.server(operation: operation, sqlState: info[.sqlState], message: info[.message] ?? "\(error.code)")
            }
            let underlying = error.underlying.map { " (\($0))" } ?? ""
            return PostgresLogError.server(operation: operation, sqlState: nil, message: "\(error.code)\(underlying)")
        case let error as PostgresTransactionError:
            for inner in [error.closureError, error.commitError, error.beginError, error.rollbackError].compactMap({ $0 }) {
                return wrapping(inner, while: operation)
            }
            return PostgresLogError.server(operation: operation, sqlState: nil, message: "\(error)")
        default:
            return PostgresLogError.server(operation: operation, sqlState: nil, message: "\(error)")
        }
    }
}
