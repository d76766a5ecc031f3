import CRMEventLog
import CRMEventLogPostgres
import Foundation
import Testing

/// Connecting: URLs, unreachable servers and the messages users see. None needs a server.
@Suite struct PostgresConnectionTests {
    @Test func parsesConnectionURLs() throws {
        let full = try PostgresLocation(url: "postgres://crm:s3cret@db.example.org:6543/crm?schema=sales&sslmode=require")
        #expect(full.host == "db.example.org")
        #expect(full.port == 6543)
        #expect(full.username == "crm")
        #expect(full.password == "s3cret")
        #expect(full.database == "crm")
        #expect(full.schema == "sales")
        #expect(full.tls == .require)
        #expect(full.description == "postgres://crm@db.example.org:6543/crm (schema sales)")

        let plain = try PostgresLocation(url: "postgresql://crmkit@127.0.0.1/postgres")
        #expect(plain.port == 5432)
        #expect(plain.password == nil)
        #expect(plain.schema == "crmkit")
        #expect(plain.tls == .disable)

        let socket = try PostgresLocation(url: "postgres://crmkit@/postgres?host=/run/postgresql")
        #expect(socket.socketDirectory == "/run/postgresql")
        #expect(socket.host == nil)
        #expect(PostgresLocation.isPostgresURL("postgres://x@y/z"))
        #expect(!PostgresLocation.isPostgresURL("./crm-store"))
    }

    @Test func refusesBadURLsWithoutShowingThePassword() {
        #expect(throws: PostgresLogError.invalidURL("mysql://a@b/c", reason: "expected postgres://user[:password]@host[:port]/database")) {
            try PostgresLocation(url: "mysql://a@b/c")
        }
        #expect(throws: PostgresLogError.invalidURL("postgres://:***@db/crm", reason: "no user name (postgres://USER@host/database)")) {
            try PostgresLocation(url: "postgres://:pw@db/crm")
        }
        #expect(throws: PostgresLogError.invalidURL("postgres://crm:***@db", reason: "no database name (postgres://user@host/DATABASE)")) {
            try PostgresLocation(url: "postgres://crm:hunter2@db")
        }
        #expect(throws: PostgresLogError.invalidURL("postgres://crm@db/crm?sslmode=maybe", reason: "sslmode 'maybe' is not one of disable, prefer, require")) {
            try PostgresLocation(url: "postgres://crm@db/crm?sslmode=maybe")
        }
        #expect(throws: PostgresLogError.invalidURL("postgres://crm@db/crm?schmea=x", reason: "unknown parameter 'schmea' (known: schema, sslmode, host)")) {
            try PostgresLocation(url: "postgres://crm@db/crm?schmea=x")
        }
        #expect(throws: PostgresLogError.invalidSchemaName("Sales-2026")) {
            try PostgresLocation(url: "postgres://crm@db/crm?schema=Sales-2026")
        }
        let message = PostgresLogError.invalidURL("postgres://crm:***@db", reason: "no database name (postgres://user@host/DATABASE)").description
        #expect(message == "invalid PostgreSQL URL 'postgres://crm:***@db': no database name (postgres://user@host/DATABASE)")
        #expect(!message.contains("hunter2"))
    }

    @Test func reportsAnUnreachableServer() async throws {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        do {
            _ = try await PostgresEventStore.connect(url: "postgres://crm:pw@127.0.0.1:1/crm", configuration: .init(connectTimeout: .seconds(5)))
            Issue.record("connecting to a closed port succeeded")
        } catch let error as PostgresLogError {
            guard case .serverUnreachable(let server, let reason) = error else {
                Issue.record("expected serverUnreachable, got \(error)")
                return
            }
            #expect(server == "127.0.0.1:1")
            #expect(!reason.isEmpty)
            #expect(error.description.hasPrefix("cannot connect to the PostgreSQL server at 127.0.0.1:1: "))
            #expect(!error.description.contains("pw"))
        }
    }

    @Test func refusesAPoolWithoutConnections() async throws {
        await #expect(throws: PostgresLogError.invalidConfiguration("connections must be at least 1, not 0")) {
            try await PostgresEventStore.connect(url: "postgres://crm@127.0.0.1:1/crm", configuration: .init(connections: 0))
        }
    }
}
