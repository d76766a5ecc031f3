import Foundation
import PostgresNIO

/// Where a PostgreSQL log lives: a server, a database and a schema, parsed from a URL such as
/// `postgres://crm:secret@db.example.org:5432/crm?schema=crmkit&sslmode=require`.
///
/// Recognised query parameters: `schema` (default `crmkit`), `sslmode` (`disable`, the default,
/// `prefer` or `require`) and `host` (a Unix-socket directory, as libpq takes it, instead of a
/// TCP host).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// The TCP host, or `nil` for a Unix socket.
    public var host: String?
    /// The TCP port (or the socket file's port number).
    public var port: Int
    /// The Unix-socket directory, when connecting through one.
    public var socketDirectory: String?
    /// The user name.
    public var username: String
    /// The password, if any; never part of ``description``.
    public var password: String?
    /// The database.
    public var database: String
    /// The schema holding the log's tables.
    public var schema: String
    /// Whether to use TLS.
    public var tls: TLSMode

    /// How the connection uses TLS.
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP (loopback, private networks).
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection.
        case require
    }

    /// Whether `text` looks like a PostgreSQL URL (rather than an LMDB store directory).
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` or `postgresql://` URL.
    ///
    /// - Throws: ``PostgresLogError/invalidURL(_:reason:)`` naming what is wrong, or
    ///   ``PostgresLogError/invalidSchemaName(_:)``.
    public init(url text: String) throws(PostgresLogError) {
        let shown = Self.redacting(text)
        guard Self.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw .invalidURL(shown, reason: "expected postgres://user[:password]@host[:port]/database")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        for name in query.keys where !["schema", "sslmode", "host"].contains(name) {
            throw .invalidURL(shown, reason: "unknown parameter '\(name)' (known: schema, sslmode, host)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .invalidURL(shown, reason: "no user name (postgres://USER@host/database)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw .invalidURL(shown, reason: "no database name (postgres://user@host/DATABASE)")
        }
        if let port = components.port, !(1...65_535).contains(port) {
            throw .invalidURL(shown, reason: "port \(port) is out of range")
        }
        let tls: TLSMode
        if let mode = query["sslmode"] {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw .invalidURL(shown, reason: "sslmode '\(mode)' is not one of disable, prefer, require")
            }
            tls = parsed
        } else {
            tls = .disable
        }
        let schema = query["schema"] ?? "crmkit"
        try Self.validateSchema(schema)
        let socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 }
        guard host != nil || socketDirectory != nil else {
            throw .invalidURL(shown, reason: "no host (postgres://user@HOST/database, or ?host=/socket/directory)")
        }
        self.host = socketDirectory == nil ? host : nil
        self.port = components.port ?? 5432
        self.socketDirectory = socketDirectory
        self.username = user
        self.password = components.password
        self.database = database
        self.schema = schema
        self.tls = tls
    }

    /// The URL without its password.
    public var description: String {
        let server = socketDirectory.map { "?host=\($0)" } ?? ""
        return "postgres://\(username)@\(host ?? ""):\(port)/\(database) (schema \(schema))\(server)"
    }

    /// Where a connection goes, for messages.
    var server: String { socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host ?? ""):\(port)" }

    /// Checks that `schema` is a plain SQL identifier, so it can be spliced into statements.
    static func validateSchema(_ schema: String) throws(PostgresLogError) {
        let bytes = Array(schema.utf8)
        guard let first = bytes.first, bytes.count <= 63,
              first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
              bytes.allSatisfy({ $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { throw .invalidSchemaName(schema) }
    }

    /// `text` with the password (between `:` and `@` of the authority) replaced by `***`.
    static func redacting(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    /// The PostgresNIO connection configuration.
    func connectionConfiguration(connectTimeout: Duration) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            let tlsConfiguration: PostgresConnection.Configuration.TLS
            switch tls {
            case .disable: tlsConfiguration = .disable
            case .prefer: tlsConfiguration = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tlsConfiguration = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            configuration = .init(host: host ?? "localhost", port: port, username: username, password: password, database: database, tls: tlsConfiguration)
        }
        let (seconds, attoseconds) = connectTimeout.components
        configuration.options.connectTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        return configuration
    }
}
