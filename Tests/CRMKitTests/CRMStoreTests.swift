import CRMKit
import Foundation
import Testing
import TestSupport

/// The facade as an embedder uses it: open, command, read, forget, reopen.
@Suite struct CRMStoreTests {
    let eur = { (minorUnits: Int64) in Money(minorUnits: minorUnits, currency: .eur) }

    func context(day: Int) -> CommandContext {
        CommandContext(actor: "user:test", occurredAt: Date(timeIntervalSince1970: 1_772_323_200 + Double(day) * 86_400))  // 2026-03-01 + day
    }

    @Test func sealsPersonalDataByDefaultAndForgetsASubject() async throws {
        let directory = TemporaryDirectory("facade")
        let crm = try await CRMStore.open(path: directory.sub("store"))
        defer { crm.close() }
        let customer = CustomerID.new(), invoice = InvoiceID.new()
        try await crm.execute(.registerCustomer(customer, kind: .person, name: "Jana Nowak", email: "jana@example.org"), context: context(day: 0))
        try await crm.execute(.issueInvoice(invoice, customer: customer, amount: eur(10_000), dueOn: CalendarDay(year: 2026, month: 12, day: 31)!),
                              context: context(day: 1))
        // The master key was created beside the store, readable by its owner only.
        let key = directory.sub("store") + ".master-key"
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)

        let models = try await crm.readModels()
        #expect(models.position == 2)
        #expect(models.generation == "r\(CRMRules.standard.version)")
        let view = try #require(models.customer360(customer))
        #expect(view.record.name.text == nil)             // sealed in the log and the read model
        #expect(view.openBalance == eur(10_000))
        let vault = try #require(crm.vault)
        #expect(try view.record.openingPersonalData(of: customer, with: vault).name.text == "Jana Nowak")

        let erasure = try await crm.forget(.customer(customer), context: context(day: 2))
        #expect(erasure == 3)
        #expect(try await models.catchUp() == 1)
        let forgotten = try #require(models.customer360(customer))
        let opened = try forgotten.record.openingPersonalData(of: customer, with: vault)
        #expect(opened.name.isErased)
        #expect(opened.email?.isErased == true)
        #expect(forgotten.openBalance == eur(10_000))    // amounts stay
        let report = try await crm.verify()
        #expect(report.isIntact)
        #expect(report.head == 3)
    }

    @Test func withoutSealingStoresPlainTextAndRefusesToForget() async throws {
        let directory = TemporaryDirectory("facade")
        let crm = try await CRMStore.open(path: directory.sub("store"), configuration: .init(sealing: .off))
        defer { crm.close() }
        let customer = CustomerID.new()
        try await crm.execute(.registerCustomer(customer, kind: .person, name: "Jana Nowak"), context: context(day: 0))
        #expect(crm.vault == nil)
        #expect(!FileManager.default.fileExists(atPath: directory.sub("store") + ".master-key"))
        let models = try await crm.readModels()
        #expect(models.customer360(customer)?.record.name.text == "Jana Nowak")
        await #expect(throws: CRMStoreError.sealingDisabled) { try await crm.forget(.customer(customer)) }
        #expect(try crm.log.head() == 1)                  // nothing appended by the refused forget
    }

    @Test func aReopenedStoreServesItsReadModelsAndOpensItsKeys() async throws {
        let directory = TemporaryDirectory("facade")
        let path = directory.sub("store")
        let customer = CustomerID.new()
        do {
            let crm = try await CRMStore.open(path: path)
            try await crm.execute(.registerCustomer(customer, kind: .account, name: "Kunststoff AG"), context: context(day: 0))
            _ = try await crm.readModels()
            crm.close()
        }
        let crm = try await CRMStore.open(path: path)
        defer { crm.close() }
        let models = try await crm.readModels()
        #expect(models.position == 1)
        let view = try #require(models.customer360(customer))
        #expect(try view.record.openingPersonalData(of: customer, with: #require(crm.vault)).name.text == "Kunststoff AG")
    }

    @Test func aRejectedCommandAppendsNothing() async throws {
        let directory = TemporaryDirectory("facade")
        let crm = try await CRMStore.open(path: directory.sub("store"))
        defer { crm.close() }
        await #expect(throws: DomainRuleError.self) {
            try await crm.execute(.recordPayment(InvoiceID.new(), amount: Money(minorUnits: 100, currency: .eur), method: .card))
        }
        #expect(try crm.log.head() == 0)
    }

    @Test func aCancelledCatchUpFoldsNothingAndKeepsItsCheckpoint() async throws {
        let directory = TemporaryDirectory("facade")
        let crm = try await CRMStore.open(path: directory.sub("store"), configuration: .init(sealing: .off))
        defer { crm.close() }
        let models = try await crm.readModels()
        for day in 0..<3 {
            try await crm.execute(.registerCustomer(CustomerID.new(), kind: .person, name: "P\(day)"), context: context(day: day))
        }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await models.catchUp(batchSize: 1)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(models.position == 0)
        #expect(try await models.catchUp(batchSize: 1) == 3)
        #expect(models.position == 3)
        #expect(models.read { $0.customer360.customers.count } == 3)
    }

    @Test func locationsParseAsTheCommandLineTakesThem() throws {
        #expect(try CRMLocation("./crm-store") == .lmdb(path: "./crm-store"))
        #expect(CRMLocation.lmdb(path: "./crm-store/").defaultMasterKeyPath == "./crm-store.master-key")
        #expect(try CRMLocation("postgres://crm:secret@db.example.org/crm", stateDirectory: "/var/lib/crm")
                == .postgres(url: "postgres://crm:secret@db.example.org/crm", stateDirectory: "/var/lib/crm"))
        let location = CRMLocation.postgres(url: "postgres://crm:secret@db.example.org/crm", stateDirectory: "/var/lib/crm/")
        #expect(!location.description.contains("secret"))
        #expect(location.defaultMasterKeyPath == "/var/lib/crm.master-key")
        #expect(throws: CRMStoreError.self) { try CRMLocation("postgres://crm:secret@db.example.org/crm") }
        do {
            _ = try CRMLocation("postgresql://crm:secret@db.example.org/crm")
        } catch {
            #expect(!error.description.contains("secret"))
            #expect(error.description.contains("give the local directory"))
        }
    }
}
