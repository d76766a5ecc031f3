import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing
import TestSupport

/// The README's "Embedding it" example, verbatim but for the store path and the printing.
@Suite struct ReadmeExampleTests {
    @Test func embeddingExampleRecordsAndReadsACustomer() async throws {
        let dir = TemporaryDirectory("readme")
        let store = try EventStore(path: dir.sub("my-crm"))
        defer { store.close() }
        let crm = CommandHandler(store: store)
        let customer = CustomerID.new(), invoice = InvoiceID.new()
        try await crm.execute(.registerCustomer(customer, kind: .person, name: "Jana Nowak", email: "jana@example.org"))
        try await crm.execute(.issueInvoice(invoice, customer: customer, amount: Money(minorUnits: 10_000, currency: .eur),
                                            dueOn: CalendarDay(year: 2026, month: 12, day: 31)!))

        let projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment))
        try projector.catchUp()
        try projector.activate()
        let view = try #require(projector.read({ $0.customer360(customer) }))
        #expect("\(view.record.name) \(view.stage.map { "\($0)" } ?? "—") \(view.openBalance)" == "Jana Nowak prospect 100.00 EUR")
        let report = try await store.verify()
        #expect(report.isIntact)
        #expect(report.head == 2)
    }
}
