import CRMDomain
@testable import CRMPredictive
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// P(alive) and predicted CLV as inputs of churn risk, lifecycle and segments.
@Suite struct SignalTests {
    let customer: CustomerID = id(1)

    /// One customer with two orders (rule-based: new customer, low churn risk, potential segment).
    func view() async throws -> (Customer360View, CRMRules) {
        let test = try PredictiveTestStore()
        try await test.run(.registerCustomer(customer, kind: .person, name: "Jana"), on: "2025-01-01")
        for (number, date) in [(1, "2025-01-10"), (2, "2025-02-10")] {
            try await test.run(.placeOrder(id(UInt32(100 + number)), customer: customer,
                                           lines: [OrderLine(product: "widget", quantity: 1, unitPrice: Money(minorUnits: 5_000, currency: .eur))],
                                           channel: .web), on: date)
        }
        let crm = try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store)
        return (try #require(crm.customer360(customer, asOf: day("2025-03-01"))), crm.rules)
    }

    @Test func pAliveAddsChurnPointsBesideTheRuleBasedSignals() async throws {
        let (view, rules) = try await view()
        #expect(view.churnRisk.level == .low)
        let low = PredictiveSignals.churnRisk(view.churnRisk, probabilityAlive: 0.1, churnRules: rules.churn, rules: .standard)
        #expect(low.score == view.churnRisk.score + 60)
        #expect(low.level == .high)
        #expect(low.reasons.last == "P(alive) 0.10 < 0.2")
        let middle = PredictiveSignals.churnRisk(view.churnRisk, probabilityAlive: 0.35, churnRules: rules.churn, rules: .standard)
        #expect(middle.score == view.churnRisk.score + 30 && middle.level == .medium && middle.reasons.last == "P(alive) 0.35 < 0.5")
        let alive = PredictiveSignals.churnRisk(view.churnRisk, probabilityAlive: 0.9, churnRules: rules.churn, rules: .standard)
        #expect(alive.score == view.churnRisk.score && alive.level == view.churnRisk.level && alive.reasons == view.churnRisk.reasons)
    }

    @Test func predictedCLVMakesPotentialAndPAliveMakesLost() async throws {
        let (view, rules) = try await view()
        #expect(view.stage == .newCustomer)
        #expect(view.clv < rules.value.loyalMinCLV)
        let forecast = CustomerForecast(customer: customer, rfm: CustomerRFM(customer: customer, frequency: 1, recency: 31, age: 50,
                                                                             monetaryValue: 50, firstPurchase: day("2025-01-10"),
                                                                             lastPurchase: day("2025-02-10")),
                                        horizon: 365, unit: .day, expectedPurchases: 2, probabilityAlive: 0.8,
                                        expectedOrderValue: 3_500, predictedCLV: 6_543.215)
        let outlook = CustomerOutlook(view: view, forecast: forecast, crmRules: rules)
        #expect(outlook.predictedCLV == 654_322)
        #expect(outlook.segment == .potential && !outlook.probablyLost && outlook.churnRisk.level == view.churnRisk.level)

        #expect(PredictiveSignals.segment(ruleBased: .loyal, historicCLV: rules.value.loyalMinCLV, predictedCLV: 900_000,
                                          probabilityAlive: 0.9, valueRules: rules.value, rules: .standard) == .loyal)
        #expect(PredictiveSignals.segment(ruleBased: .loyal, historicCLV: rules.value.loyalMinCLV, predictedCLV: 900_000,
                                          probabilityAlive: 0.4, valueRules: rules.value, rules: .standard) == .atRisk)
        #expect(PredictiveSignals.probablyLost(stage: .newCustomer, probabilityAlive: 0.1, rules: .standard))
        #expect(!PredictiveSignals.probablyLost(stage: .lostCustomer, probabilityAlive: 0.1, rules: .standard))
        #expect(!PredictiveSignals.probablyLost(stage: .starCustomer, probabilityAlive: 0.2, rules: .standard))
    }
}
