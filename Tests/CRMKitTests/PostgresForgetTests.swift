@testable import CRMAudit
import CRMKit
import Foundation
import Testing
import TestSupport

/// The PostgreSQL server of `make test` (`.ci/with-postgres.sh` sets it); unset, these cases are
/// reported as not run.
private let postgresURL = ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// Issues 18 and 21, "forget on a `postgres://` store": the subject keys of a PostgreSQL log live
/// in its table `subject_keys`, wrapped with the master key (which never enters the database), so
/// every instance opens the same keys and forget works exactly as on LMDB.
@Suite(.enabled(if: postgresURL != nil, "needs a PostgreSQL server: CRMKIT_POSTGRES_URL (make test starts one)"))
struct PostgresForgetTests {
    func location(_ state: TemporaryDirectory) -> CRMLocation {
        let schema = "forget_" + UUID().uuidString.prefix(8).lowercased()
        let base = postgresURL ?? ""
        return .postgres(url: base + (base.contains("?") ? "&" : "?") + "schema=\(schema)", stateDirectory: state.sub("state"))
    }

    func name(of customer: CustomerID, in crm: CRMStore) async throws -> PersonalText? {
        let models = try await crm.readModels()
        return try models.customer360(customer)?.record.openingPersonalData(of: customer, with: #require(crm.vault)).name
    }

    @Test func forgetOnAPostgreSQLLogDestroysOneKeyAndKeepsTheOthersAfterReopening() async throws {
        let state = TemporaryDirectory("pg-forget")
        let location = location(state)
        let customers = (0..<3).map { _ in CustomerID.new() }
        do {
            let crm = try await CRMStore.open(location)
            defer { crm.close() }
            for (n, customer) in customers.enumerated() {
                try await crm.execute(.registerCustomer(customer, kind: .person, name: PersonalText("Person \(n)")))
            }
            #expect(!FileManager.default.fileExists(atPath: state.sub("state") + "/subject-keys"))
            let log = try #require(crm.log as? PostgresEventStore)
            #expect(try log.subjectKeys().map(\.subject) == customers.map { DataSubject.customer($0).description })
            #expect(try log.subjectKeys().allSatisfy { $0.state == .live && $0.wrapped?.count == 60 })
            #expect(try await crm.forget(.customer(customers[0])) == 4)
            let unknown = DataSubject.customer(CustomerID.new())
            await #expect(throws: KeyVaultError.unknownSubject(unknown.description)) { try await crm.forget(unknown) }
            await #expect(throws: KeyVaultError.alreadyForgotten(DataSubject.customer(customers[0]).description)) {
                try await crm.forget(.customer(customers[0]))
            }
            #expect(try crm.log.head() == 4)
        }
        let crm = try await CRMStore.open(location)
        defer { crm.close() }
        let log = try #require(crm.log as? PostgresEventStore)
        #expect(try log.subjectKeys().map(\.state) == [.erased, .live, .live])
        #expect(try log.subjectKey(DataSubject.customer(customers[0]).description)?.wrapped == nil)
        #expect(try await name(of: customers[0], in: crm) == .erased)
        #expect(try await name(of: customers[1], in: crm) == "Person 1")
        #expect(try await name(of: customers[2], in: crm) == "Person 2")
        #expect(try await crm.verify().isIntact)
    }
}

extension PostgresForgetTests {
    /// The steps of forget cut off where a kill would cut them (the crash points of #13's trials):
    /// with the erasure event in the log the key is destroyed on the next open of any instance
    /// (`completeErasures`), without it the subject keeps its key and forget runs again.
    @Test func aForgetCutOffAfterAnyStepIsDecidedByTheLog() async throws {
        let state = TemporaryDirectory("pg-forget-steps")
        let location = location(state)
        let customers = (0..<3).map { _ in CustomerID.new() }
        do {
            let crm = try await CRMStore.open(location)
            defer { crm.close() }
            for customer in customers { try await crm.execute(.registerCustomer(customer, kind: .person, name: "Kept")) }
            let vault = try #require(crm.vault)
            // Killed after marking, before the erasure was appended.
            try vault.beginErasure(of: .customer(customers[0]))
            // Killed after appending the erasure, before the key was erased.
            try vault.beginErasure(of: .customer(customers[1]))
            try await crm.execute(.recordErasure(.customer(customers[1])), context: CommandContext(actor: "data-protection"))
        }
        // Another instance (its own state directory) opens the same log and keys.
        let other = TemporaryDirectory("pg-forget-steps-2")
        guard case .postgres(let url, _) = location else { return }
        try FileManager.default.copyItem(atPath: state.sub("state") + ".master-key", toPath: other.sub("state") + ".master-key")
        let crm = try await CRMStore.open(.postgres(url: url, stateDirectory: other.sub("state")))
        defer { crm.close() }
        let vault = try #require(crm.vault)
        let log = try #require(crm.log as? PostgresEventStore)
        #expect(try log.subjectKeys().map(\.state) == [.erasing, .erasing, .live])
        #expect(try vault.completeErasures(recordedIn: crm.log) == [DataSubject.customer(customers[1]).description])
        #expect(try log.subjectKeys().map(\.state) == [.erasing, .erased, .live])
        #expect(try await name(of: customers[0], in: crm) == "Kept")
        #expect(try await name(of: customers[1], in: crm) == .erased)
        #expect(try await crm.forget(.customer(customers[0])) == 5)
        #expect(try await name(of: customers[0], in: crm) == .erased)
        #expect(try await name(of: customers[2], in: crm) == "Kept")
        #expect(try log.subjectKeys().map(\.state) == [.erased, .erased, .live])
        #expect(try await crm.verify().isIntact)
    }

    /// The paths of the files below the server's data directory (heap, indexes, write-ahead log)
    /// holding `needle`, after a checkpoint: what someone holding the server's disk would find.
    /// Read and searched on a thread of its own (the data directory of a busy test server is
    /// large; the cooperative threads other tests run on stay free).
    func serverFiles(_ log: PostgresEventStore, holding needle: [UInt8]) async throws -> [String] {
        let directory = try #require(try log.serverSetting("data_directory"))
        try log.checkpoint()
        let names = try #require(FileManager.default.subpaths(atPath: directory))
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: names.map { directory + "/" + $0 }.filter { path in
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                          let data = FileManager.default.contents(atPath: path) else { return false }
                    return occurs(needle, in: data)
                })
            }
        }
    }

    @Test func aSubjectKeyIsNeverInTheClearOnTheServerAndItsWrappedCopyLeavesTheTable() async throws {
        let state = TemporaryDirectory("pg-forget-files")
        let crm = try await CRMStore.open(location(state))
        defer { crm.close() }
        let customers = (0..<2).map { _ in CustomerID.new() }
        for customer in customers { try await crm.execute(.registerCustomer(customer, kind: .person, name: "Someone")) }
        let vault = try #require(crm.vault)
        let log = try #require(crm.log as? PostgresEventStore)
        let subject = DataSubject.customer(customers[0])
        let key = try #require(try vault.keyBytes(for: subject))
        let wrapped = try #require(try log.subjectKey(subject.description)?.wrapped)
        #expect(try await !serverFiles(log, holding: wrapped).isEmpty, "the wrapped key is stored on the server")
        #expect(try await serverFiles(log, holding: key) == [], "the key in the clear is on the server")
        let fileBefore = try log.subjectKeysFileNode()
        try await crm.forget(subject)
        let forgotten = Date()
        // The forget itself rewrote the table (a new file; the old one is unlinked).
        #expect(try log.subjectKeysFileNode() != fileBefore, "forget did not rewrite the subject-key table")
        #expect(try log.subjectKey(subject.description) == PostgresSubjectKeyRow(subject: subject.description, state: .erased, wrapped: nil))
        // No table file holds the wrapped key any more; only the write-ahead log still does,
        // until its segments are recycled (docs/postgres.md, "Subject keys"). Other tests'
        // transactions that began before the forget may still need the old row version, and
        // the rewrite keeps it for them: wait until none is left and rewrite once more (as the
        // next forget would). Always: a transaction of another suite (same database, another
        // schema) may have held a snapshot during the forget's rewrite and ended since.
        var waited = 0
        while try log.sessionsWithSnapshots(before: forgotten) > 0 && waited < 600 {
            try await Task.sleep(for: .milliseconds(100))
            waited += 1
        }
        try log.rewriteSubjectKeys()
        #expect(try await serverFiles(log, holding: key) == [], "the key in the clear is on the server")
        let holding = try await serverFiles(log, holding: wrapped).filter { !$0.contains("/pg_wal/") }
        #expect(holding.isEmpty, "the wrapped key is still in \(holding)")
        #expect(try vault.hasKey(for: .customer(customers[1])))
    }
}

private func occurs(_ needle: [UInt8], in haystack: Data) -> Bool {
    !needle.isEmpty && haystack.range(of: Data(needle)) != nil
}
