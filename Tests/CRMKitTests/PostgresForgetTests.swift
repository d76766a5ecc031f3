import CRMKit
import Foundation
import Testing
import TestSupport

/// The PostgreSQL server of `make test` (`.ci/with-postgres.sh` sets it); unset, these cases are
/// reported as not run.
private let postgresURL = ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// Issue 18, "forget on a `postgres://` store": the subject keys of a PostgreSQL log live in the
/// instance's state directory (the subject-key file), so forget works exactly as on LMDB.
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
            #expect(FileManager.default.fileExists(atPath: state.sub("state") + "/subject-keys"))
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
        #expect(try await name(of: customers[0], in: crm) == .erased)
        #expect(try await name(of: customers[1], in: crm) == "Person 1")
        #expect(try await name(of: customers[2], in: crm) == "Person 2")
        #expect(try await crm.verify().isIntact)
    }
}
