import CRMDomain
@testable import CRMPredictive
import CRMProjections
import Foundation
import Testing

/// The fits on data drawn from known parameters, the numerics, and the per-customer formulas.
@Suite struct FitTests {
    static let end = day("1997-09-30")

    @Test func fitRecoversTheParametersOf25000SimulatedCustomers() throws {
        let simulation = CustomerBaseSimulation()
        let histories = simulation.histories(count: 25_000, seed: 2026)
        let summary = try RFMSummary(histories: histories, calibrationEnd: Self.end, unit: .week)
        #expect(summary.customers.count == 25_000)

        let clock = ContinuousClock()
        var bg: BGNBDModel?
        let bgTime = try clock.measure { bg = try BGNBDModel.fit(summary) }
        var gg: GammaGammaModel?
        let ggTime = try clock.measure { gg = try GammaGammaModel.fit(summary) }
        let purchases = try #require(bg), spend = try #require(gg)

        // The maximum likelihood is at least the likelihood of the parameters that drew the data.
        let truth = BGNBDModel(r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258, unit: .week, summary: summary)
        #expect(try #require(purchases.logLikelihood) >= truth.logLikelihood! - 1e-6)
        let spendTruth = GammaGammaModel(p: 6.2488, q: 3.7446, gamma: 15.4477, summary: summary)
        #expect(try #require(spend.logLikelihood) >= spendTruth.logLikelihood! - 1e-6)

        // And close to them: 25,000 customers pin every parameter to within 15 %.
        #expect(within(purchases.r, 0.2426, percent: 15), "r = \(purchases.r)")
        #expect(within(purchases.alpha, 4.4135, percent: 15), "α = \(purchases.alpha)")
        #expect(within(purchases.a, 0.7929, percent: 15), "a = \(purchases.a)")
        #expect(within(purchases.b, 2.4258, percent: 15), "b = \(purchases.b)")
        #expect(within(spend.p, 6.2488, percent: 15), "p = \(spend.p)")
        #expect(within(spend.q, 3.7446, percent: 15), "q = \(spend.q)")
        #expect(within(spend.gamma, 15.4477, percent: 15), "γ = \(spend.gamma)")

        // Deterministic: the same summary gives bit-identical parameters.
        #expect(try BGNBDModel.fit(summary) == purchases)
        #expect(try GammaGammaModel.fit(summary) == spend)
        // Even unoptimised (debug build) a fit of 25,000 customers takes seconds at most.
        #expect(bgTime + ggTime < .seconds(10), "BG/NBD \(bgTime), Gamma-Gamma \(ggTime)")
    }

    @Test func hypergeometricSeriesMatchesClosedForms() throws {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
        for z in [0.1, 0.5, 0.9, 0.99] {
            let value = try #require(SpecialFunctions.hypergeometric2F1(1, 1, 2, z))
            #expect(abs(value - (-log(1 - z) / z)) < 1e-12 * value, "z = \(z)")
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a)
        let value = try #require(SpecialFunctions.hypergeometric2F1(2.5, 3, 3, 0.7))
        #expect(abs(value - pow(0.3, -2.5)) < 1e-10 * value)
        // Large a near z = 1: ₂F₁(a, b; a; z) = (1 − z)^(−b).
        let large = try #require(SpecialFunctions.hypergeometric2F1(400, 0.5, 400, 0.999))
        #expect(abs(large - pow(0.001, -0.5)) < 1e-9 * large)
    }

    @Test func perCustomerFormulasMatchHandComputedValues() throws {
        let model = BGNBDModel(r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258, unit: .week)
        // P(alive) = 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) for x = 2, t_x = 30.43, T = 38.86.
        let byHand = 1 / (1 + 0.7929 / (2.4258 + 1) * pow((4.4135 + 38.86) / (4.4135 + 30.43), 2.2426))
        #expect(abs(model.probabilityAlive(frequency: 2, recency: 30.43, age: 38.86) - byHand) < 1e-12)
        #expect(model.probabilityAlive(frequency: 0, recency: 0, age: 10) == 1)
        // A customer without repeat purchases who just bought: E[X(t)] equals a new customer's.
        #expect(abs(try model.expectedPurchases(in: 39, frequency: 0, recency: 0, age: 0)
            - model.expectedPurchasesOfNewCustomer(in: 39)) < 1e-12)
        #expect(try model.expectedPurchases(in: 0, frequency: 3, recency: 5, age: 10) == 0)
        #expect(throws: PredictiveError.forecastFailed(reason: "a history needs x ≥ 0 and 0 ≤ t_x ≤ T and a finite horizon (x = 2, t_x = 12.0, T = 10.0, t = 39.0)")) {
            try model.expectedPurchases(in: 39, frequency: 2, recency: 12, age: 10)
        }
        #expect(SpecialFunctions.hypergeometric2F1(1, 1, 2, 1) == nil)

        let spend = GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44)
        // E(M) = p (γ + x m̄) / (p x + q − 1)
        #expect(abs(spend.expectedAverageValue(frequency: 2, monetaryValue: 22.345) - 6.25 * (15.44 + 44.69) / (12.5 + 2.74)) < 1e-12)
    }

    @Test func rejectsACalibrationEndBeforeAnyPurchase() throws {
        let histories = CustomerBaseSimulation().histories(count: 10, seed: 1)
        #expect(throws: PredictiveError.noPurchases(calibrationEnd: day("1996-12-31"))) {
            try RFMSummary(histories: histories, calibrationEnd: day("1996-12-31"), unit: .week)
        }
        #expect(PredictiveError.noPurchases(calibrationEnd: day("1996-12-31")).description
            == "no customer has a purchase on or before the calibration end 1996-12-31")
    }

    @Test func rejectsAnUnknownUnitAndRulesOutOfRange() throws {
        #expect(throws: PredictiveError.invalidUnit("month")) { try TimeUnit(parsing: "month") }
        #expect(try TimeUnit(parsing: "Weeks") == .week)
        #expect(PredictiveError.invalidUnit("month").description == "unknown time unit 'month': expected 'day' or 'week'")
        #expect(throws: PredictiveError.invalidRule(name: "horizon", reason: "must be at least 1 week, is 0")) {
            try PredictiveRules(horizon: 0).validate()
        }
        #expect(throws: PredictiveError.invalidRule(name: "churnHighBelowPAlive", reason: "must be a probability in 0…1, is 1.5")) {
            try PredictiveRules(churnHighBelowPAlive: 1.5).validate()
        }
        let summary = try RFMSummary(histories: CustomerBaseSimulation().histories(count: 500, seed: 3),
                                     calibrationEnd: Self.end, unit: .day)
        #expect(throws: PredictiveError.invalidRule(name: "unit", reason: "is week but the summary is in days")) {
            try PredictiveFit(summary: summary, rules: PredictiveRules(unit: .week))
        }
    }

    @Test func gammaGammaNeedsRepeatBuyers() throws {
        var single = CustomerPurchases()
        single.customer = id(1)
        single.days = [day("1997-01-05")]
        single.amounts = [1_000]
        single.orders = [1]
        let summary = try RFMSummary(histories: [single], calibrationEnd: Self.end, unit: .week)
        #expect(throws: PredictiveError.tooFewCustomers(model: "Gamma-Gamma (repeat buyers with positive spend)", found: 0, needed: 2)) {
            try GammaGammaModel.fit(summary)
        }
    }

    @Test func rulesRoundTripThroughJSON() throws {
        let rules = PredictiveRules(version: 3, unit: .day, horizon: 365, yearlyDiscountRate: 0.08, leadAttributes: ["source", "companySize"])
        #expect(try PredictiveRules(json: rules.json()) == rules)
        #expect(throws: PredictiveError.invalidRule(name: "leadSmoothing", reason: "must be a non-negative number, is -1.0")) {
            try PredictiveRules(json: Data(#"{"version":1,"unit":"week","horizon":4,"yearlyDiscountRate":0.1,"margin":1,"churnMediumBelowPAlive":0.5,"churnHighBelowPAlive":0.2,"mediumChurnPoints":30,"highChurnPoints":60,"probablyLostBelowPAlive":0.2,"potentialMinPredictedCLV":1,"leadSmoothing":-1}"#.utf8))
        }
    }
}
