import CRMDomain
@testable import CRMPredictive
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// The purchase-history fold behind the RFM summary: occasions, cancellations, returns, merges,
/// currencies, and live == rebuild.
@Suite struct PurchaseHistoryTests {
    let alice: CustomerID = id(1), bob: CustomerID = id(2), carol: CustomerID = id(3)

    func line(_ cents: Int64, _ currency: CurrencyCode = .eur) -> [OrderLine] {
        [OrderLine(product: "widget", quantity: 1, unitPrice: Money(minorUnits: cents, currency: currency))]
    }

    /// Alice: two orders on 2025-01-01 (one occasion), one on 01-15 of which 5.00 come back, one on
    /// 02-12 cancelled, one on 03-05 in CHF (not counted in EUR), one on 04-02 after the end.
    /// Bob: orders on 01-08 and 01-22; merged into Carol, who ordered on 01-22 too.
    func history(_ test: PredictiveTestStore) async throws {
        try await test.run(.registerCustomer(alice, kind: .person, name: "Alice"), on: "2025-01-01")
        try await test.run(.registerCustomer(bob, kind: .person, name: "Bob"), on: "2025-01-01")
        try await test.run(.registerCustomer(carol, kind: .person, name: "Carol"), on: "2025-01-01")
        try await test.run(.placeOrder(id(101), customer: alice, lines: line(1_000), channel: .web), on: "2025-01-01")
        try await test.run(.placeOrder(id(102), customer: alice, lines: line(2_000), channel: .web), on: "2025-01-01")
        try await test.run(.placeOrder(id(103), customer: alice, lines: line(4_000), channel: .web), on: "2025-01-15")
        try await test.run(.shipOrder(id(103)), on: "2025-01-16")
        try await test.run(.deliverOrder(id(103)), on: "2025-01-17")
        try await test.run(.returnOrder(id(103), amount: Money(minorUnits: 500, currency: .eur), reason: "broken"), on: "2025-01-20")
        try await test.run(.placeOrder(id(104), customer: alice, lines: line(9_000), channel: .web), on: "2025-02-12")
        try await test.run(.cancelOrder(id(104), reason: "mistake"), on: "2025-02-13")
        try await test.run(.placeOrder(id(105), customer: alice, lines: line(7_000, .chf), channel: .web), on: "2025-03-05")
        try await test.run(.placeOrder(id(106), customer: alice, lines: line(3_000), channel: .web), on: "2025-04-02")
        try await test.run(.placeOrder(id(201), customer: bob, lines: line(1_500), channel: .web), on: "2025-01-08")
        try await test.run(.placeOrder(id(202), customer: bob, lines: line(2_500), channel: .web), on: "2025-01-22")
        try await test.run(.placeOrder(id(301), customer: carol, lines: line(600), channel: .web), on: "2025-01-22")
        try await test.run(.mergeCustomers(duplicate: bob, survivor: carol), on: "2025-02-01")
        try await test.run(.cancelOrder(id(202), reason: "duplicate"), on: "2025-02-02")
    }

    @Test func summarisesOccasionsCancellationsReturnsAndMerges() async throws {
        let test = try PredictiveTestStore()
        try await history(test)
        let models = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: test.store)
        let summary = try models.summary(calibrationEnd: day("2025-03-31"), unit: .day)
        #expect(summary.customers.count == 2)

        let a = try summary.customer(alice)
        #expect(a.frequency == 1)                       // 01-01 (two orders) and 01-15
        #expect(a.recency == 14)
        #expect(a.age == 89)                             // 2025-01-01 … 2025-03-31
        #expect(a.monetaryValue == 35)                   // 40.00 − 5.00 returned
        #expect(a.lastPurchase == day("2025-01-15"))

        // Bob's orders moved to Carol; his cancelled 01-22 order left Carol's own 01-22 order.
        #expect(throws: PredictiveError.unknownCustomer(bob, calibrationEnd: day("2025-03-31"))) { try summary.customer(bob) }
        let c = try summary.customer(carol)
        #expect(c.frequency == 1 && c.recency == 14 && c.age == 82 && c.monetaryValue == 6)

        let weeks = try models.summary(calibrationEnd: day("2025-04-30"), unit: .week)
        let aw = try weeks.customer(alice)
        #expect(aw.frequency == 2 && aw.recency == 91.0 / 7 && aw.age == 119.0 / 7 && aw.monetaryValue == 32.5)
        // The default calibration end is the latest purchase day.
        #expect(try models.summary(unit: .day).calibrationEnd == day("2025-04-02"))
        // Counting Swiss francs: one order (Alice's of 03-05); none in US dollars.
        let francs = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: test.store, rules: CRMRules(version: 1, currency: .chf))
        let chf = try francs.summary(unit: .day)
        #expect(chf.customers.map(\.customer) == [alice] && chf.calibrationEnd == day("2025-03-05") && chf.customers[0].frequency == 0)
        let dollars = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: test.store, rules: CRMRules(version: 1, currency: .usd))
        #expect(throws: PredictiveError.noOrders(currency: .usd)) { try dollars.summary(unit: .week) }
        #expect(PredictiveError.noOrders(currency: .usd).description
            == "the log holds no order in USD to summarise (orders in other currencies are left out)")
    }

    @Test func liveProjectionEqualsRebuildAndSurvivesRestart() async throws {
        let test = try PredictiveTestStore()
        let projector = try Projector<PredictiveReadModels>(store: test.store, state: StateStore(environment: test.store.environment))
        try await history(test)
        // Batches of three events: every batch writes only what it changed, with its checkpoint.
        _ = try projector.catchUp(batchSize: 3)
        let rebuilt = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: test.store)
        let live = projector.read { $0 }
        #expect(live.purchases == rebuilt.purchases)
        #expect(live.leads == rebuilt.leads)
        let restored = try Projector<PredictiveReadModels>(store: test.store, state: StateStore(environment: test.store.environment))
        #expect(restored.read { $0.purchases } == rebuilt.purchases)
        #expect(restored.checkpoint == projector.checkpoint)
    }
}
