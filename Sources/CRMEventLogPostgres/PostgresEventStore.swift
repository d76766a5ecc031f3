import CRMEventLog
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The event log on PostgreSQL: the same log protocol, semantics and record bytes as the
/// embedded `EventStore`, for deployments where service instances on several
/// machines share one log.
///
/// Events live in one table (`<schema>.events`) keyed by position, with unique indexes on the
/// event id and on (stream, stream version), which is the stream index. Each row keeps the exact
/// record bytes of `docs/log-format.md` beside the columns the reads filter on, so readers get the
/// same `RecordView`s and the hash chain is the same bytes and hashes as on LMDB.
///
/// **Gapless positions in commit order.** Every append and import runs in one transaction that
/// first takes a transaction-level advisory lock (`pg_advisory_xact_lock`) on a key derived from
/// the schema, then — in a later statement, so with a snapshot taken after the lock was granted —
/// reads the head, checks and inserts, and commits. PostgreSQL releases the lock only after the
/// commit is visible, so the next writer (on any connection, process or machine) sees the
/// previous head, positions are assigned without holes, and a row becomes visible only after
/// every lower position is: a reader polling `position > last` can never skip an event that
/// commits late. `docs/postgres.md` has the argument and the test that checks it.
///
/// **Group commit.** Appends of one store that arrive while its writers are busy are committed
/// together, in one transaction (at most ``Configuration/maxEventsPerTransaction`` events), each
/// append succeeding or failing on its own as on LMDB: the advisory lock serializes commits, so
/// batching is what lets many concurrent writers share each durable commit.
///
/// Reads are synchronous, as on `EventStore`: each waits for a round trip on a
/// connection of its own, never on an event loop. Scans may run on several threads at once, each
/// on its own connections and in its own snapshots (`ConcurrentlyScannable`), so a rebuild reads
/// ranges of positions in parallel. Appends and imports are asynchronous and use a
/// pool of ``Configuration/connections`` connections.
public final class PostgresEventStore: EventLogStore, ConcurrentlyScannable {
    /// Options for connecting.
    public struct Configuration: Sendable {
        /// The most connections appends and imports use at once (each holds one transaction).
        public var connections: Int
        /// The most events one transaction takes when concurrent appends of this store are
        /// committed together (a larger single append still goes through whole).
        public var maxEventsPerTransaction: Int
        /// How many reader connections a forward read of the whole log (a replay) uses at once:
        /// each fetches a later range of positions while the records of an earlier one are
        /// visited. 1 fetches one range at a time.
        public var replayConnections: Int
        /// How often a waiting subscription asks the server for events appended through other
        /// connections (appends through this store wake it at once).
        public var pollInterval: Duration
        /// How long connecting may take before it fails.
        public var connectTimeout: Duration
        /// Where the store logs. Silent by default.
        public var logger: Logger
        /// Whether connecting creates the schema and tables when the log does not exist yet;
        /// when `false`, connecting to a schema without a log throws ``PostgresLogError/noLog(_:)``.
        public var createIfMissing: Bool

        /// Creates a configuration.
        public init(
            connections: Int = 4, maxEventsPerTransaction: Int = 10_000, pollInterval: Duration = .milliseconds(10),
            connectTimeout: Duration = .seconds(10),
            logger: Logger = Logger(label: "crmkit.eventlog.postgres", factory: { _ in SwiftLogNoOpLogHandler() }),
            createIfMissing: Bool = true, replayConnections: Int = 4
        ) {
            self.replayConnections = replayConnections
            self.createIfMissing = createIfMissing
            self.connections = connections
            self.maxEventsPerTransaction = maxEventsPerTransaction
            self.pollInterval = pollInterval
            self.connectTimeout = connectTimeout
            self.logger = logger
        }
    }

    /// The log format version of the records and schema (the same as `EventStore/formatVersion`).
    public static let formatVersion: UInt32 = 1

    /// Where the log lives.
    public let location: PostgresLocation
    /// The configuration the store was opened with.
    public let configuration: Configuration
    /// A PostgreSQL log always accepts appends.
    public var isReadOnly: Bool { false }

    let writers: ConnectionPool
    let readers: ConnectionPool
    let headWatch: HeadWatch
    /// Append rate, commit size and commit time (swift-metrics, `backend` = `postgres`).
    let metrics = CommitMetrics(backend: "postgres")
    let appendQueue: AppendQueue
    let isClosed = Atomic<Bool>(false)
    /// The advisory-lock key every writer of this schema takes.
    let lockKey: Int64
    /// `"schema".events`, spliced into statements (the schema name is validated).
    let events: String
    var logger: Logger { configuration.logger }

    private init(location: PostgresLocation, configuration: Configuration, writers: ConnectionPool, readers: ConnectionPool,
                 head: UInt64) {
        self.location = location
        self.configuration = configuration
        self.writers = writers
        self.readers = readers
        self.headWatch = HeadWatch(head: head)
        self.appendQueue = AppendQueue(maxWriters: configuration.connections)
        self.lockKey = Self.lockKey(schema: location.schema)
        self.events = "\"\(location.schema)\".events"
    }

    deinit {
        close()
    }

    /// Connects to the log at `url` (see ``PostgresLocation``), creating its schema and tables
    /// when they do not exist.
    ///
    /// - Throws: ``PostgresLogError/invalidURL(_:reason:)``,
    ///   ``PostgresLogError/serverUnreachable(server:reason:)``, ``PostgresLogError/server(operation:sqlState:message:)``,
    ///   `EventLogError/unsupportedFormat(found:supported:)` for a schema of another format.
    public static func connect(url: String, configuration: Configuration = Configuration()) async throws -> PostgresEventStore {
        try await connect(to: PostgresLocation(url: url), configuration: configuration)
    }

    /// Connects to the log at `location`, creating its schema and tables when they do not exist.
    public static func connect(to location: PostgresLocation, configuration: Configuration = Configuration()) async throws -> PostgresEventStore {
        guard configuration.connections >= 1 else {
            throw PostgresLogError.invalidConfiguration("connections must be at least 1, not \(configuration.connections)")
        }
        let connectionConfiguration: PostgresConnection.Configuration
        do {
            connectionConfiguration = try location.connectionConfiguration(connectTimeout: configuration.connectTimeout)
        } catch {
            throw PostgresLogError.invalidURL(location.description, reason: "cannot set up TLS (\(error))")
        }
        let writers = ConnectionPool(name: "writers", limit: configuration.connections, location: location,
                                     configuration: connectionConfiguration, logger: configuration.logger)
        // Readers never wait for a connection (a busy pool opens another); the limit is how many
        // stay open when idle: enough for two threads replaying at once (a parallel rebuild), so
        // its ranges do not open and close connections over and over.
        let readers = ConnectionPool(name: "readers", limit: max(configuration.connections, 2 * configuration.replayConnections), location: location,
                                     configuration: connectionConfiguration, logger: configuration.logger)
        do {
            let head = try await writers.withConnection { connection in
                if !configuration.createIfMissing, try await !Self.logExists(location.schema, on: connection, logger: configuration.logger) {
                    throw PostgresLogError.noLog(location.description)
                }
                return try await Self.prepareSchema(location.schema, lockKey: lockKey(schema: location.schema), on: connection, logger: configuration.logger)
            }
            let store = PostgresEventStore(location: location, configuration: configuration, writers: writers, readers: readers,
                                           head: head)
            configuration.logger.debug("opened PostgreSQL event store", metadata: ["location": "\(location)", "head": "\(head)"])
            return store
        } catch {
            writers.close()
            readers.close()
            throw error
        }
    }

    /// Whether the schema holds a log (its `events` table).
    private static func logExists(_ schema: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        do {
            let name = "\"\(schema)\".events"
            for try await found in try await connection.query("SELECT to_regclass(\(name)) IS NOT NULL", logger: logger).decode(Bool.self) {
                return found
            }
            return false
        } catch {
            throw PostgresLogError.wrapping(error, while: "looking for the log in schema \(schema)")
        }
    }

    /// The bytes the log's table takes on the server, its indexes and TOAST data included
    /// (`pg_total_relation_size`).
    public func storageBytes() throws -> Int {
        let name = events
        let found = try rows("SELECT pg_total_relation_size(to_regclass(\(name)))", "reading the size of the log")
        return Int(try found.first?.decode(Int64?.self) ?? 0)
    }

    /// Creates the schema, tables and indexes (under the writers' lock, so two processes
    /// starting together do not race), checks the format version and returns the head.
    private static func prepareSchema(_ schema: String, lockKey: Int64, on connection: PostgresConnection, logger: Logger) async throws -> UInt64 {
        let events = "\"\(schema)\".events"
        let meta = "\"\(schema)\".meta"
        do {
            return try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: "\"\(schema)\"")", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS \(unescaped: events) (
                        position bigint PRIMARY KEY,
                        stream text NOT NULL,
                        stream_version bigint NOT NULL,
                        category text NOT NULL,
                        type text NOT NULL,
                        event_id uuid NOT NULL,
                        recorded_at bigint NOT NULL,
                        hash bytea NOT NULL,
                        record bytea NOT NULL,
                        CONSTRAINT events_event_id UNIQUE (event_id),
                        CONSTRAINT events_stream_version UNIQUE (stream, stream_version)
                    )
                    """, logger: logger)
                try await connection.query("CREATE INDEX IF NOT EXISTS events_category ON \(unescaped: events) (category, position)", logger: logger)
                try await connection.query("CREATE INDEX IF NOT EXISTS events_type ON \(unescaped: events) (type, position)", logger: logger)
                try await connection.query("CREATE TABLE IF NOT EXISTS \(unescaped: meta) (key text PRIMARY KEY, value text NOT NULL)", logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: Self.createSubjectKeysTable(schema)), logger: logger)
                try await connection.query(
                    "INSERT INTO \(unescaped: meta) (key, value) VALUES ('format-version', \(String(formatVersion))) ON CONFLICT (key) DO NOTHING",
                    logger: logger)
                var found: String?
                for try await value in try await connection.query("SELECT value FROM \(unescaped: meta) WHERE key = 'format-version'", logger: logger).decode(String.self) {
                    found = value
                }
                guard let found, let version = UInt32(found), version == formatVersion else {
                    throw EventLogError.unsupportedFormat(found: found.flatMap { UInt32($0) } ?? 0, supported: formatVersion)
                }
                var head: Int64 = 0
                for try await value in try await connection.query("SELECT coalesce(max(position), 0) FROM \(unescaped: events)", logger: logger).decode(Int64.self) {
                    head = value
                }
                return UInt64(head)
            }
        } catch {
            throw PostgresLogError.wrapping(error, while: "preparing schema \(schema)")
        }
    }

    /// Ends subscriptions and closes every connection. Idempotent.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        headWatch.close()
        writers.close()
        readers.close()
    }

    /// Deletes the log's schema with every event in it. Irreversible; for tests and for
    /// removing a log that was migrated elsewhere. The store is closed afterwards.
    public func dropSchema() async throws {
        let schema = location.schema
        do {
            _ = try await writers.withConnection { connection in
                try await connection.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
            }
        } catch {
            throw PostgresLogError.wrapping(error, while: "dropping schema \(schema)")
        }
        close()
    }

    /// A stable 64-bit key for `pg_advisory_xact_lock`: FNV-1a of `crmkit.log.<schema>`.
    static func lockKey(schema: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "crmkit.log.\(schema)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: hash)
    }
}
