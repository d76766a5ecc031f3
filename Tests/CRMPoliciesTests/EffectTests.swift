import CRMDomain
import CRMPolicies
import CRMProjections
import CRMSimulation
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

@Suite("closed loop: measured effect")
struct EffectTests {
    @Test("a planted effect — customers who got the retention offer reorder more and churn less — shows with the right sign and size")
    func plantedEffect() async throws {
        let f = try await PolicyFixture()
        // Lost after 120 days without an order, so churn shows inside the 90-day window.
        var modelRules = CRMRules.standard
        modelRules.lifecycle.lostAfterDaysWithoutOrder = 120
        var rules = PolicyRules()
        rules.enabled = [.churnRetention]
        let runner = try PolicyRunner(store: f.store, handler: f.handler, readModelRules: modelRules, rules: rules)
        try await runner.activate(at: at("2026-01-01"))
        var rng = SeededGenerator(seed: 7)
        var consent: [CustomerID: Bool] = [:]
        for number in 0..<120 {
            let customer = CustomerID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, UInt8(number))))
            let given = rng.next() % 2 == 0
            try await f.run(.registerCustomer(customer, kind: .person, name: .plain("Kunde \(number)")), on: "2026-01-02")
            if given { try await f.run(.giveConsent(customer, purpose: .marketing, channel: .email), on: "2026-01-02") }
            for day in PolicyTests.orderDays { try await f.order(customer, on: day) }
            consent[customer] = given
        }
        // 2026-05-11: every customer's gap is 61 days > 2 × 30: medium risk. Those with consent get
        // the offer, the others a recorded suppression.
        let report = try await runner.run(at: at("2026-05-11"))
        let treatedCount = consent.values.filter { $0 }.count
        #expect(report.executed.count == treatedCount)
        #expect(report.suppressed.count == 120 - treatedCount)

        // The planted effect: a treated customer orders again within 80 days with probability
        // 0.6, an untreated one with 0.2. Those who do not are lost on 2026-07-10 (03-11 + 121 d).
        var reordered: [Bool: Int] = [true: 0, false: 0]
        for (customer, treated) in consent.sorted(by: { $0.key.description < $1.key.description }) {
            let draw = Double(rng.next() % 1_000) / 1_000
            guard draw < (treated ? 0.6 : 0.2) else { continue }
            let day = CalendarDay(iso: "2026-05-11")!.adding(days: 1 + Int(rng.next() % 80))
            try await f.order(customer, on: day.description)
            reordered[treated]! += 1
        }
        let effect = try await runner.effectReport(asOf: day("2026-09-01"))
        #expect(effect.windowDays == 90)
        #expect(effect.treated == .init(customers: treatedCount, reordered: reordered[true]!, churned: treatedCount - reordered[true]!))
        #expect(effect.comparison == .init(customers: 120 - treatedCount, reordered: reordered[false]!,
                                           churned: 120 - treatedCount - reordered[false]!))
        // Planted: +0.4 repeat purchases and −0.4 churn; sampling error of a difference of two
        // shares of about 60 customers each is about 0.08, so ±0.2 holds for any fair draw.
        let lift = try #require(effect.repeatPurchaseLift)
        let reduction = try #require(effect.churnReduction)
        #expect(lift > 0.2 && lift < 0.6, "lift \(lift)")
        #expect(reduction > 0.2 && reduction < 0.6, "churn reduction \(reduction)")
        #expect(abs(lift - reduction) < 1e-12)
        // Before the window has passed, nobody is counted.
        let early = try await runner.effectReport(asOf: day("2026-08-08"))
        #expect(early.treated.customers == 0 && early.comparison.customers == 0)
        #expect(early.repeatPurchaseLift == nil)
    }

    @Test("campaign ROI is the revenue of the customers its leads became over its costs; lead conversion by who handed over")
    func campaignsAndLeads() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.leadHandOver])
        try await runner.activate(at: at("2026-01-01"))
        let campaign = id(80, CampaignKindTag.self)
        try await f.run(.planCampaign(campaign, name: "Messe K 2026", goal: "leads", segment: "B2B", channel: .event,
                                      budget: eur(200_000), startsOn: day("2026-02-01"), endsOn: day("2026-02-05")), on: "2026-01-15")
        try await f.run(.launchCampaign(campaign), on: "2026-02-01")
        try await f.run(.bookCampaignCost(campaign, amount: eur(100_000)), on: "2026-02-01")
        try await f.run(.bookCampaignCost(campaign, amount: eur(50_000)), on: "2026-02-05")
        let hot = id(81, LeadKindTag.self), handedByHand = id(82, LeadKindTag.self)
        try await f.run(.captureLead(hot, source: .tradeFair, campaign: campaign, name: "Hot"), on: "2026-02-03")
        try await f.run(.recordLeadAttributes(hot, attributes: [LeadAttribute(name: "budgetConfirmed", value: "yes"),
                                                               LeadAttribute(name: "companySize", value: "80")]), on: "2026-02-03")
        try await f.run(.captureLead(handedByHand, source: .tradeFair, campaign: campaign, name: "Warm"), on: "2026-02-03")
        try await f.run(.qualifyLead(handedByHand), on: "2026-02-04")
        try await f.run(.handOverLead(handedByHand, to: f.seller), on: "2026-02-04")
        try await runner.run(at: at("2026-02-04"))     // tradeFair 15 + budget 25 + size 15 + 5 = 60: handed over
        let customer = id(83, CustomerKindTag.self)
        try await f.run(.convertLead(hot, customer: customer, kind: .account), on: "2026-02-20")
        try await f.order(customer, on: "2026-03-01", euros: 2_000)
        try await f.order(customer, on: "2026-04-01", euros: 2_500)

        let effect = try await runner.effectReport(asOf: day("2026-06-30"))
        try #require(effect.campaigns.count == 1)
        let roi = effect.campaigns[0]
        #expect(roi.name == "Messe K 2026" && roi.campaign == campaign)
        #expect(roi.cost == 150_000)                 // 1,000 € + 500 €
        #expect(roi.attributedRevenue == 450_000)    // 2,000 € + 2,500 €
        #expect(roi.leads == 2 && roi.converted == 1)
        #expect(roi.roi == 3.0)
        #expect(effect.leadsHandedOverByPolicy == .init(handedOver: 1, converted: 1))
        #expect(effect.leadsHandedOverByPeople == .init(handedOver: 1, converted: 0))
        #expect(effect.leadsHandedOverByPeople.rate == 0)
    }
}
