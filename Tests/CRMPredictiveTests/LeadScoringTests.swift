import CRMDomain
@testable import CRMPredictive
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// Naive-Bayes lead scoring against probabilities computed by hand from known won/lost counts.
@Suite struct LeadScoringTests {
    let anna: EmployeeID = id(900)
    let account: CustomerID = id(901)

    func capture(_ test: PredictiveTestStore, _ lead: UInt32, _ source: LeadSource, size: String) async throws {
        try await test.run(.captureLead(id(lead), source: source, name: "Lead \(lead)"), on: "2025-01-02")
        try await test.run(.recordLeadAttributes(id(lead), attributes: [LeadAttribute(name: "size", value: size)]), on: "2025-01-03")
    }

    func win(_ test: PredictiveTestStore, _ lead: UInt32) async throws {
        try await test.run(.qualifyLead(id(lead)), on: "2025-01-05")
        try await test.run(.convertLead(id(lead), customer: id(lead + 1_000), kind: .account), on: "2025-01-06")
    }

    func opportunity(_ test: PredictiveTestStore, _ lead: UInt32, won: Bool) async throws {
        let opportunity: OpportunityID = id(lead + 2_000)
        try await test.run(.openOpportunity(opportunity, customer: account, title: "Deal \(lead)",
                                            expectedRevenue: Money(minorUnits: 100_000, currency: .eur),
                                            expectedCloseOn: day("2025-03-31"), probability: 50, product: "machine",
                                            owner: anna, lead: id(lead)), on: "2025-01-07")
        if won {
            try await test.run(.winOpportunity(opportunity, amount: Money(minorUnits: 100_000, currency: .eur)), on: "2025-02-01")
        } else {
            try await test.run(.loseOpportunity(opportunity, reason: "price"), on: "2025-02-01")
        }
    }

    /// Closed: 1 tradeFair/large won (converted), 2 tradeFair/small won (opportunity won),
    /// 3 webForm/small lost (disqualified), 4 webForm/large lost (disqualified), 5 webForm/small
    /// lost (opportunity lost), 6 tradeFair/small lost (disqualified). Open: 7 tradeFair/small,
    /// 8 referral/small (a source never closed), 9 webForm/large.
    func fixture() async throws -> PredictiveTestStore {
        let test = try PredictiveTestStore()
        try await test.run(.registerEmployee(anna, name: "Anna Berg", role: "sales"), on: "2025-01-01")
        try await test.run(.registerCustomer(account, kind: .account, name: "Acme AG"), on: "2025-01-01")
        try await capture(test, 1, .tradeFair, size: "large")
        try await capture(test, 2, .tradeFair, size: "small")
        try await capture(test, 3, .webForm, size: "small")
        try await capture(test, 4, .webForm, size: "large")
        try await capture(test, 5, .webForm, size: "small")
        try await capture(test, 6, .tradeFair, size: "small")
        try await capture(test, 7, .tradeFair, size: "small")
        try await capture(test, 8, .referral, size: "small")
        try await capture(test, 9, .webForm, size: "large")
        try await win(test, 1)
        try await opportunity(test, 2, won: true)
        try await test.run(.disqualifyLead(id(3), reason: "no budget"), on: "2025-01-08")
        try await test.run(.disqualifyLead(id(4), reason: "no budget"), on: "2025-01-08")
        try await opportunity(test, 5, won: false)
        try await test.run(.disqualifyLead(id(6), reason: "no need"), on: "2025-01-08")
        return test
    }

    @Test func probabilitiesEqualHandComputedNaiveBayes() async throws {
        let test = try await fixture()
        let models = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: test.store)
        #expect(models.leads.totals.won == 2 && models.leads.totals.lost == 4)
        #expect(models.leads.frequencies[AttributeValueKey(name: "source", value: "tradeFair")]?.won == 2)
        #expect(models.leads.frequencies[AttributeValueKey(name: "source", value: "tradeFair")]?.lost == 1)
        #expect(models.leads.frequencies[AttributeValueKey(name: "size", value: "small")]?.lost == 3)

        // Counts (won/lost): tradeFair 2/1, webForm 0/3; large 1/1, small 1/3; ε = 0.1.
        // Lead 7 (tradeFair, small):
        //   won:  2 · (2.1 / 2.2) · (1.1 / 2.2)  = 0.954545…
        //   lost: 4 · (1.1 / 4.2) · (3.1 / 4.2)  = 0.773242…
        let won7 = 2 * (2.1 / 2.2) * (1.1 / 2.2), lost7 = 4 * (1.1 / 4.2) * (3.1 / 4.2)
        let p7 = try models.leadProbability(id(7))
        #expect(abs(p7 - won7 / (won7 + lost7)) < 1e-12)
        #expect(abs(p7 - 0.552467) < 1e-6)
        // Lead 8 (referral never closed: skipped; small): 2 · (1.1/2.2) vs 4 · (3.1/4.2).
        let won8 = 2 * (1.1 / 2.2), lost8 = 4 * (3.1 / 4.2)
        #expect(abs(try models.leadProbability(id(8)) - won8 / (won8 + lost8)) < 1e-12)
        // Lead 9 (webForm, large): 2 · (0.1/2.2) · (1.1/2.2) vs 4 · (3.1/4.2) · (1.1/4.2).
        let won9 = 2 * (0.1 / 2.2) * (1.1 / 2.2), lost9 = 4 * (3.1 / 4.2) * (1.1 / 4.2)
        #expect(abs(try models.leadProbability(id(9)) - won9 / (won9 + lost9)) < 1e-12)
        // Only the source attribute: lead 7 → 2 · (2.1/2.2) vs 4 · (1.1/4.2).
        let sourceOnly = PredictiveRules(leadAttributes: ["source"])
        let wonS = 2 * (2.1 / 2.2), lostS = 4 * (1.1 / 4.2)
        #expect(abs(try models.leadProbability(id(7), rules: sourceOnly) - wonS / (wonS + lostS)) < 1e-12)
    }

    @Test func listsOpenLeadsByProbabilityNextToTheRuleBasedScore() async throws {
        let test = try await fixture()
        let predictive = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: test.store)
        let crm = try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store)
        let scores = try PredictiveSignals.leadScores(crm: crm, predictive: predictive, asOf: day("2025-01-02"))
        #expect(scores.map(\.lead) == [id(7), id(8), id(9)])
        // Rule-based on the capture day (standard rules): source points + 5 for the attribute batch.
        #expect(scores.map(\.ruleBasedScore) == [15 + 5, 20 + 5, 5 + 5])
        let won8 = 2 * (1.1 / 2.2), lost8 = 4 * (3.1 / 4.2)
        #expect(abs(scores[1].probabilityWon - won8 / (won8 + lost8)) < 1e-12)
    }

    @Test func frequencyTablesFollowLaterEventsIncrementally() async throws {
        let test = try await fixture()
        let projector = try Projector<PredictiveReadModels>(store: test.store, state: StateStore(environment: test.store.environment))
        _ = try projector.catchUp()
        // Lead 5 lost through its opportunity; its size changes to large afterwards, and lead 7 is won.
        try await test.run(.recordLeadAttributes(id(5), attributes: [LeadAttribute(name: "size", value: "large")]), on: "2025-02-05")
        try await win(test, 7)
        _ = try projector.catchUp()
        let live = projector.read { $0.leads }
        // small: won 2 → 1 + lead 7 = 2; lost 3 → 2. large: lost 1 → 2.
        #expect(live.frequencies[AttributeValueKey(name: "size", value: "small")] == counts(won: 2, lost: 2))
        #expect(live.frequencies[AttributeValueKey(name: "size", value: "large")] == counts(won: 1, lost: 2))
        #expect(live.totals == counts(won: 3, lost: 4))
        #expect(live == (try ProjectionEngine.rebuild(PredictiveReadModels.self, store: test.store)).leads)
        // The stored tables, read back by a new projector, are the same.
        let restored = try Projector<PredictiveReadModels>(store: test.store, state: StateStore(environment: test.store.environment))
        #expect(restored.read { $0.leads } == live)
    }

    @Test func attributeKeysRoundTripAnyText() {
        for key in [AttributeValueKey(name: "size", value: "small"), AttributeValueKey(name: "a\u{0}b", value: "\u{0}"), .all,
                    AttributeValueKey(name: "Größe", value: "")] {
            #expect(AttributeValueKey(keyBytes: key.keyBytes) == key)
        }
        #expect(AttributeValueKey(keyBytes: [0, 0, 0, 9, 65]) == nil)
        #expect(AttributeValueKey(keyBytes: [0, 0]) == nil)
    }

    func counts(won: Int, lost: Int) -> OutcomeCounts {
        var value = OutcomeCounts()
        value.won = won
        value.lost = lost
        return value
    }

    @Test func namesAnUnknownLeadAndAMissingHistory() async throws {
        let test = try PredictiveTestStore()
        try await test.run(.captureLead(id(1), source: .webForm, name: "Lead 1"), on: "2025-01-02")
        let models = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: test.store)
        #expect(throws: PredictiveError.noClosedLeads) { try models.leadProbability(id(1)) }
        #expect(throws: PredictiveError.unknownLead(id(2))) { try models.leadProbability(id(2)) }
        #expect(PredictiveError.unknownLead(id(2)).description == "lead 00000000-0000-0000-0000-000000000002 is not in the log")
    }
}
