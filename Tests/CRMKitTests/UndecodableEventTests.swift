import CRMKit
import Foundation
import Testing
import TestSupport

/// Issue 18 point 8, the way out: a store that already holds an event no reader can decode
/// (written before imports decoded every known type) is rebuilt with the event skipped and
/// reported, and its read models serve again.
@Suite struct UndecodableEventTests {
    @Test func aRebuildSkipsAndReportsAnUndecodableEvent() async throws {
        let directory = TemporaryDirectory("undecodable")
        let store = try EventStore(path: directory.sub("store"))
        defer { store.close() }
        let handler = CommandHandler(store: store)
        let customer = CustomerID.new(), order = OrderID.new()
        let day = CommandContext(actor: "test", occurredAt: Date(timeIntervalSince1970: 1_736_150_400))  // 2025-01-06
        try await handler.execute(.registerCustomer(customer, kind: .person, name: "Jana Nowak"), context: day)
        let line = OrderLine(product: "Widget", quantity: 2, unitPrice: Money(minorUnits: 5_000, currency: .eur))
        try await handler.execute(.placeOrder(order, customer: customer, lines: [line], channel: .web), context: day)
        // An OrderPlaced whose payload decodes as nothing, appended below the commands.
        try await store.append(to: OrderID.new().stream, events: [NewEvent(type: "OrderPlaced", occurredAt: day.occurredAt, actor: "old-import",
                                                                           payload: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF])])
        let state = StateStore(environment: store.environment)
        #expect {
            try ReadModelMaintenance.rebuild(store: store, state: state)
        } throws: { error in
            "\(error)".hasPrefix("the event at position 3 cannot be decoded: ")
        }
        var registry = EventRegistry()
        let skipped = UndecodableEvents()
        registry.skippingUndecodable = skipped
        let report = try ReadModelMaintenance.rebuild(store: store, state: state, registry: registry)
        #expect(report.position == 3)
        #expect(skipped.skipped.map(\.position) == [3])
        // Served afterwards with the default registry: the catch-up starts after the event.
        let served = try ReadModelMaintenance.servedProjector(store: store, state: state).0
        #expect(try served.catchUp() == 0)
        #expect(served.checkpoint == 3)
        #expect(served.read { $0.customer360(customer)?.stage } == .newCustomer)
    }
}
