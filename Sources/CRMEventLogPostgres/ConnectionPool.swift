import CRMEventLog
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A small pool of PostgreSQL connections, leased one at a time.
///
/// Writers lease asynchronously and wait in line when every connection is busy, so at most
/// `limit` transactions of this store run at once. Readers (the synchronous read API) lease
/// through ``withConnectionBlocking(_:)``, which opens an extra connection instead of waiting
/// when none is idle, and keeps at most `limit` idle.
final class ConnectionPool: Sendable {
    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<PostgresConnection?, Never>] = []
        var closed = false
        var nextID = 0
    }

    private let state = Mutex(State())
    private let limit: Int
    private let location: PostgresLocation
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let name: String

    init(name: String, limit: Int, location: PostgresLocation, configuration: PostgresConnection.Configuration, logger: Logger) {
        self.name = name
        self.limit = limit
        self.location = location
        self.configuration = configuration
        self.logger = logger
    }

    private func nextID() -> Int {
        state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    /// Opens a new connection.
    func connect() -> EventLoopFuture<PostgresConnection> {
        let server = location.server
        return PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: nextID(), logger: logger
        ).flatMapErrorThrowing { error in
            if let error = error as? PSQLError, let info = error.serverInfo {
                throw PostgresLogError.serverUnreachable(server: server, reason: info[.message] ?? "\(error.code)")
            }
            if let error = error as? PSQLError {
                throw PostgresLogError.serverUnreachable(server: server, reason: error.underlying.map { "\($0)" } ?? "\(error.code)")
            }
            throw PostgresLogError.serverUnreachable(server: server, reason: "\(error)")
        }
    }

    /// Runs `body` on a leased connection, waiting for one when all `limit` are busy.
    func withConnection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let connection = try await lease()
        do {
            let result = try await body(connection)
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` on an idle connection, or on a new one when none is idle; blocks the calling
    /// thread (never call it on an event loop).
    func withConnectionBlocking<R>(_ body: (PostgresConnection) throws -> R) throws -> R {
        let connection = try leaseBlocking()
        do {
            let result = try body(connection)
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    /// An idle connection, or a new one when none is idle; blocks the calling thread (never call
    /// it on an event loop). Hand it back with ``giveBack(_:)``.
    func leaseBlocking() throws -> PostgresConnection {
        if let idle = try takeIdle() { return idle }
        let connection = try connect().wait()
        state.withLock { $0.open += 1 }
        return connection
    }

    /// Returns a connection of ``leaseBlocking()`` to the pool (or closes it).
    func giveBack(_ connection: PostgresConnection) {
        release(connection)
    }

    /// Runs `body` on an idle connection, or on a new one when none is idle, without waiting
    /// for other leases (the asynchronous form of ``withConnectionBlocking(_:)``).
    func withAnyConnection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let connection: PostgresConnection
        if let idle = try takeIdle() {
            connection = idle
        } else {
            connection = try await connect().get()
            state.withLock { $0.open += 1 }
        }
        do {
            let result = try await body(connection)
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    private func takeIdle() throws -> PostgresConnection? {
        try state.withLock { state in
            if state.closed { throw EventLogError.closed }
            return state.idle.popLast()
        }
    }

    private func lease() async throws -> PostgresConnection {
        while true {
            enum Step { case use(PostgresConnection), open, wait }
            let step: Step = try state.withLock { state in
                if state.closed { throw EventLogError.closed }
                if let idle = state.idle.popLast() { return .use(idle) }
                if state.open < limit {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            switch step {
            case .use(let connection):
                return connection
            case .open:
                do {
                    return try await connect().get()
                } catch {
                    state.withLock { $0.open -= 1 }
                    wakeOne()
                    throw error
                }
            case .wait:
                let handed: PostgresConnection? = await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.closed || !state.idle.isEmpty || state.open < limit { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume(returning: nil) }
                }
                if let handed { return handed }
            }
        }
    }

    /// Returns a connection: to the first waiter, to the idle list, or closed when it broke or
    /// the pool has enough idle ones.
    private func release(_ connection: PostgresConnection) {
        enum Outcome { case handed(CheckedContinuation<PostgresConnection?, Never>), kept, close(CheckedContinuation<PostgresConnection?, Never>?) }
        let outcome: Outcome = state.withLock { state in
            if connection.isClosed || state.closed || state.idle.count >= limit {
                state.open -= 1
                return .close(state.waiters.isEmpty ? nil : state.waiters.removeFirst())
            }
            if !state.waiters.isEmpty { return .handed(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .kept
        }
        switch outcome {
        case .handed(let waiter):
            waiter.resume(returning: connection)
        case .kept:
            break
        case .close(let waiter):
            if !connection.isClosed { Self.closeInBackground(connection) }
            // A waiter may now open a connection of its own.
            waiter?.resume(returning: nil)
        }
    }

    private func wakeOne() {
        let waiter = state.withLock { state in state.waiters.isEmpty ? nil : state.waiters.removeFirst() }
        waiter?.resume(returning: nil)
    }

    /// Closes `connection` without waiting; the completion handler keeps it alive until it is
    /// closed (PostgresNIO requires a connection to be closed before it is released).
    private static func closeInBackground(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Starts closing idle connections and refuses new leases; leased ones close when returned.
    func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.open -= state.idle.count
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        // Not waited for: `close()` may run where blocking is not allowed (an event loop, a
        // deinit); the close future keeps each connection alive until it is closed.
        for connection in idle { Self.closeInBackground(connection) }
    }
}
