import CRMDomain
@testable import CRMPredictive
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// The published CDNOW figures (Fader, Hardie & Lee 2005; reproduced by `lifetimes` 0.11.3),
/// from order events imported into a store, folded by the projection engine and fitted.
@Suite struct CDNOWTests {
    static let end = day("1997-09-30")
    static let rules = PredictiveRules(unit: .week, horizon: 39)
    static let crmRules = CRMRules(version: 1, currency: .usd)

    /// The row with (x, t_x, T) as printed with two decimals.
    func row(_ summary: RFMSummary, _ x: Int, _ tx: Double, _ T: Double) throws -> CustomerRFM {
        try #require(summary.customers.first {
            $0.frequency == x && abs($0.recency - tx) < 0.005 && abs($0.age - T) < 0.005
        }, "no customer with (\(x), \(tx), \(T))")
    }

    @Test func reproducesThePublishedCDNOWTable() async throws {
        let store = try PredictiveTestStore()
        let purchases = try await importCDNOW(into: store)
        #expect(purchases.count == 6919)

        let models = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: store.store, rules: Self.crmRules)
        let summary = try models.summary(calibrationEnd: Self.end, unit: .week)
        #expect(summary.customers.count == 2357)
        #expect(summary.repeatCustomers == 946)

        let fit = try PredictiveFit(summary: summary, rules: Self.rules)
        let bg = fit.purchases
        #expect(within(bg.r, 0.2426, percent: 0.5), "r = \(bg.r)")
        #expect(within(bg.alpha, 4.4135, percent: 0.5), "α = \(bg.alpha)")
        #expect(within(bg.a, 0.7929, percent: 0.5), "a = \(bg.a)")
        #expect(within(bg.b, 2.4258, percent: 0.5), "b = \(bg.b)")
        // FHL 2005 report LL = −9582.4 for these data.
        #expect(within(try #require(bg.logLikelihood), -9582.4, percent: 0.01), "LL = \(String(describing: bg.logLikelihood))")

        let gg = try #require(fit.spend)
        #expect(gg.customers == 946)
        #expect(bg.converged == true && gg.converged == true)
        #expect(within(gg.p, 6.2488, percent: 0.5), "p = \(gg.p)")
        #expect(within(gg.q, 3.7446, percent: 0.5), "q = \(gg.q)")
        #expect(within(gg.gamma, 15.4477, percent: 0.5), "γ = \(gg.gamma)")

        let published: [(x: Int, tx: Double, T: Double, expected: Double, alive: Double)] = [
            (2, 30.43, 38.86, 1.2259, 0.7266),
            (1, 1.71, 38.86, 0.2033, 0.2122),
            (0, 0, 38.86, 0.1948, 1.0),
            (4, 24.43, 33.57, 2.3530, 0.6804),
        ]
        for figure in published {
            let forecast = try fit.forecast(row(summary, figure.x, figure.tx, figure.T))
            #expect(within(forecast.expectedPurchases, figure.expected, percent: 0.5),
                    "E[X(39)] of \(figure) = \(forecast.expectedPurchases)")
            #expect(within(forecast.probabilityAlive, figure.alive, percent: 0.5), "P(alive) of \(figure) = \(forecast.probabilityAlive)")
        }

        // The first two customers of the sample (ids 1 and 2): mean repeat spend 22.345 and 11.77.
        let first = try fit.forecast(id(1))
        let second = try fit.forecast(id(2))
        #expect(first.frequency == 2 && abs(first.monetaryValue - 22.345) < 1e-9)
        #expect(second.frequency == 1 && abs(second.monetaryValue - 11.77) < 1e-9)
        #expect(within(try #require(first.expectedOrderValue), 24.6586, percent: 0.5), "\(first)")
        #expect(within(try #require(second.expectedOrderValue), 18.9115, percent: 0.5), "\(second)")

        // Predicted CLV = Σ weekly expected purchases × expected order value, discounted 10 % a year.
        let clv = try #require(first.predictedCLV)
        var byHand = 0.0, previous = 0.0
        for week in 1...39 {
            let cumulative = try bg.expectedPurchases(in: Double(week), frequency: 2, recency: first.recency, age: first.age)
            byHand += (cumulative - previous) * first.expectedOrderValue! / pow(1.1, Double(week) * 7 / 365)
            previous = cumulative
        }
        #expect(abs(clv - byHand) < 1e-9)
        #expect(clv < first.expectedPurchases * first.expectedOrderValue! && clv > 0.95 * first.expectedPurchases * first.expectedOrderValue!)

        // Reproducible: the persisted projection, restored in a new projector, gives the same
        // summary and bit-identical parameters.
        let projector = try Projector<PredictiveReadModels>(store: store.store, state: StateStore(environment: store.store.environment), rules: Self.crmRules)
        _ = try projector.catchUp()
        let restored = try Projector<PredictiveReadModels>(store: store.store, state: StateStore(environment: store.store.environment), rules: Self.crmRules)
        let again = try restored.read { try $0.fit(calibrationEnd: Self.end, rules: Self.rules) }
        #expect(again.summary == summary)
        #expect(again.purchases == bg)
        #expect(again.spend == gg)

        // What `crm predict --calibration-end 1997-09-30 --unit week --horizon 39 --customer <1>` prints.
        let report = try PredictiveReport(store: store.store, calibrationEnd: Self.end, rules: Self.rules, crmRules: Self.crmRules,
                                          customer: id(1))
        #expect(report.purchases == bg && report.spend == gg && report.customer == first)
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "calibration end 1997-09-30, unit week, 2357 customers (946 with repeat purchases)")
        #expect(lines.count == 5)
        #expect(lines[3] == "customer 00000000-0000-0000-0000-000000000001: x = 2, t_x = 30.43, T = 38.86 weeks, mean repeat value 22.34")  // 22.345 in binary is 22.3449…
        #expect(try JSONDecoder().decode(PredictiveReport.self, from: report.json()) == report)
    }
}
