import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import CRMReports
import Foundation
import Testing

/// The journey phase rules and the journey's attribution paths on hand-computed histories
/// (docs/projections.md, "Customer journey").
@Suite("Customer journey: phases, stays, funnel, attribution paths")
struct JourneyTests {
    let c1: CustomerID = id(1), c2: CustomerID = id(2), c3: CustomerID = id(3)
    let l1: LeadID = id(11), l2: LeadID = id(12)
    let k1: CampaignID = id(21)

    func models(_ t: ProjectionTestStore, asOf: AsOf? = nil) throws -> ReportSource {
        try ReportSource.load(store: t.store, state: StateStore(environment: t.store.environment), rules: .standard, asOf: asOf)
    }

    func steps(_ view: JourneyView?) -> [String] {
        (view?.history ?? []).map { "\($0.day) \($0.from.map { "\($0)" } ?? "-")>\($0.to) \($0.event)" }
    }

    func order(_ t: ProjectionTestStore, _ number: UInt8, _ minor: Int64, _ customer: CustomerID, on date: String,
               currency: CurrencyCode = .eur, minutes: Int = 720) async throws {
        try await t.run(.placeOrder(id(number), customer: customer,
                                    lines: [OrderLine(product: "P", quantity: 1, unitPrice: Money(minorUnits: minor, currency: currency))],
                                    channel: .web), on: date, minutes: minutes)
    }

    /// L1 captured at a trade fair through campaign K1 (email) on 01-06, engaged 01-10,
    /// qualified and converted into C1 on 01-20, a phone call in on 01-25, an order on 02-01 with
    /// a ticket the same day, an outbound call 02-05, NPS 10 on 03-01 and 3 on 04-01.
    func leadHistory() async throws -> ProjectionTestStore {
        let t = try ProjectionTestStore()
        try await t.run(.planCampaign(k1, name: "Spring fair", goal: "leads", segment: "B2B", channel: .email, budget: eur(100_000),
                                      startsOn: day("2025-01-01"), endsOn: day("2025-03-31")), on: "2025-01-01")
        try await t.run(.bookCampaignCost(k1, amount: eur(2_000)), on: "2025-01-02")
        try await t.run(.captureLead(l1, source: .tradeFair, campaign: k1, name: "L1"), on: "2025-01-06")
        try await t.run(.recordLeadAttributes(l1, attributes: [LeadAttribute(name: "webVisits", value: "3")]), on: "2025-01-10")
        try await t.run(.qualifyLead(l1), on: "2025-01-20")
        try await t.run(.convertLead(l1, customer: c1, kind: .account), on: "2025-01-20")
        try await t.run(.recordInteraction(id(51), customer: c1, channel: .phone, direction: .inbound), on: "2025-01-25")
        try await order(t, 61, 10_000, c1, on: "2025-02-01")
        try await t.run(.openTicket(id(71), customer: c1, channel: .chat, priority: .normal, category: "setup", subject: "S",
                                    slaPolicy: "standard", firstResponseTargetMinutes: 60, resolutionTargetMinutes: 600),
                        on: "2025-02-01", minutes: 800)
        try await t.run(.recordInteraction(id(52), customer: c1, channel: .phone, direction: .outbound), on: "2025-02-05")
        try await t.run(.answerNPS(c1, score: 10), on: "2025-03-01")
        try await t.run(.answerNPS(c1, score: 3), on: "2025-04-01")
        return t
    }

    @Test("a lead's journey: awareness, consideration, conversion, retention, advocacy and back, with its stays")
    func leadJourney() async throws {
        let t = try await leadHistory()
        let journey = try models(t).models.journey
        let view = journey.journey(of: .customer(c1), asOf: day("2025-04-01"))
        #expect(steps(view) == [
            "2025-01-06 ->awareness LeadCaptured",
            "2025-01-10 awareness>consideration LeadAttributesRecorded",
            "2025-02-01 consideration>conversion OrderPlaced",
            "2025-02-05 conversion>retention InteractionRecorded",
            "2025-03-01 retention>advocacy NPSAnswered",
            "2025-04-01 advocacy>retention NPSAnswered",
        ])
        #expect(view?.kind == .account)
        #expect(view?.startedOn == day("2025-01-06"))
        #expect(view?.stays.map(\.days) == [4, 22, 4, 24, 31, 0])
        #expect(view?.stays.last?.until == nil)
        // Touchpoints with a channel and direction: the lead captured through the email campaign
        // (in, awareness), the phone call in (consideration), the ticket by chat (in, conversion:
        // the same day as the order), the call out (retention). Orders have no direction.
        #expect(view?.touchpoints == [
            JourneyTouchpoints(phase: .awareness, channel: .email, inbound: 1, outbound: 0),
            JourneyTouchpoints(phase: .consideration, channel: .phone, inbound: 1, outbound: 0),
            JourneyTouchpoints(phase: .conversion, channel: .chat, inbound: 1, outbound: 0),
            JourneyTouchpoints(phase: .retention, channel: .phone, inbound: 0, outbound: 1),
        ])
        // As of a day: the phase then, from the events up to then.
        #expect(journey.journey(of: .customer(c1), asOf: day("2025-02-04"))?.phase == .conversion)
        #expect(journey.journey(of: .customer(c1), asOf: day("2025-03-15"))?.phase == .advocacy)
        // Before the conversion the lead is its own subject; after it, part of the customer.
        #expect(journey.subjects(asOf: day("2025-01-19")).contains(.lead(l1)))
        #expect(!journey.subjects(asOf: day("2025-01-20")).contains(.lead(l1)))
        #expect(journey.journey(of: .lead(l1), asOf: day("2025-01-19"))?.phase == .consideration)
    }

    @Test("first events: a webinar lead starts in consideration, a registration and an order on one day pass awareness in 0 days")
    func firstEvents() async throws {
        let t = try ProjectionTestStore()
        try await t.run(.captureLead(l2, source: .webinar, name: "L2"), on: "2025-01-06")
        try await t.run(.registerCustomer(c2, kind: .person, name: "C2", email: nil, address: nil, country: "DE"), on: "2025-01-07", minutes: 600)
        try await order(t, 62, 5_000, c2, on: "2025-01-07")
        // A promoter before any purchase does not advocate.
        try await t.run(.registerCustomer(c3, kind: .person, name: "C3", email: nil, address: nil, country: "DE"), on: "2025-01-08")
        try await t.run(.answerNPS(c3, score: 10), on: "2025-01-09")
        let journey = try models(t).models.journey
        #expect(steps(journey.journey(of: .lead(l2), asOf: day("2025-01-09"))) == ["2025-01-06 ->consideration LeadCaptured"])
        let c2View = journey.journey(of: .customer(c2), asOf: day("2025-01-09"))
        #expect(steps(c2View) == ["2025-01-07 ->awareness CustomerRegistered", "2025-01-07 awareness>conversion OrderPlaced"])
        #expect(c2View?.stays.map(\.days) == [0, 2])
        #expect(steps(journey.journey(of: .customer(c3), asOf: day("2025-01-09"))) == ["2025-01-08 ->awareness CustomerRegistered"])
    }

    @Test("a cancelled order converts until the cancellation's day, then never did; a late inbound call is placed in business time")
    func cancellationAndLateEvents() async throws {
        let t = try ProjectionTestStore()
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1", email: nil, address: nil, country: "DE"), on: "2025-01-06")
        try await order(t, 61, 10_000, c1, on: "2025-01-10")
        try await t.run(.cancelOrder(id(61), reason: "changed mind"), on: "2025-01-12")
        try await order(t, 62, 7_000, c1, on: "2025-02-01")
        // Recorded after the order, dated before it.
        try await t.run(.recordInteraction(id(51), customer: c1, channel: .chat, direction: .inbound), on: "2025-01-15")
        let journey = try models(t).models.journey
        #expect(steps(journey.journey(of: .customer(c1), asOf: day("2025-01-11"))) == [
            "2025-01-06 ->awareness CustomerRegistered", "2025-01-10 awareness>conversion OrderPlaced",
        ])
        #expect(steps(journey.journey(of: .customer(c1), asOf: day("2025-02-01"))) == [
            "2025-01-06 ->awareness CustomerRegistered", "2025-01-15 awareness>consideration InteractionRecorded",
            "2025-02-01 consideration>conversion OrderPlaced",
        ])
        // The fold equals a rebuild of the same log in any order of recording: the model's
        // touches are in business-time order.
        let touches = journey.touches(of: c1, asOf: day("2025-02-01")).map(\.kind)
        #expect(touches == [.registered, .orderPlaced, .interaction, .orderPlaced])
    }

    @Test("the summary: current phases per kind, the cohort's funnel with drop-off, days per phase, touchpoints of the period")
    func summary() async throws {
        let t = try await leadHistory()
        try await t.run(.captureLead(l2, source: .webinar, name: "L2"), on: "2025-02-10")
        try await t.run(.registerCustomer(c2, kind: .person, name: "C2", email: nil, address: nil, country: "DE"), on: "2025-03-03")
        try await t.run(.recordInteraction(id(53), customer: c2, channel: .email, direction: .outbound), on: "2025-03-04")
        let summary = try models(t).models.journey.summary(period: .quarter(year: 2025, quarter: 1), asOf: day("2025-04-01"))
        func current(_ kind: JourneySubjectKind, _ phase: JourneyPhase) -> Int? {
            summary.current.first { $0.kind == kind && $0.phase == phase }?.count
        }
        #expect(current(.account, .retention) == 1)
        #expect(current(.person, .awareness) == 1)
        #expect(current(.lead, .consideration) == 1)
        #expect(summary.current.reduce(0) { $0 + $1.count } == 3)
        #expect(summary.droppedLeads == 0)
        // A lead without any event for more than 180 days has dropped out.
        let later = try models(t).models.journey.summary(period: .quarter(year: 2025, quarter: 1), asOf: day("2025-08-10"))
        #expect(later.droppedLeads == 1)
        #expect(later.current.first { $0.kind == .lead && $0.phase == .consideration }?.count == 0)
        // Cohort: C1 (began 01-06 as L1), L2 (02-10), C2 (03-03).
        #expect(summary.cohortSize == 3)
        #expect(summary.funnel.map(\.reached) == [3, 2, 1, 1, 1])
        #expect(summary.funnel.map(\.dropOff) == [1, 1, 0, 0, nil])
        #expect(summary.funnel[1].conversionRate == 0.5)
        // Completed stays: C1 awareness 4, consideration 22, conversion 4, retention 24, advocacy 31.
        #expect(summary.timeInPhase.map(\.completedStays) == [1, 1, 1, 1, 1])
        #expect(summary.timeInPhase.map(\.averageDays) == [4, 22, 4, 24, 31])
        #expect(summary.timeInPhase.map(\.currentStays) == [1, 1, 0, 1, 0])
        // Q1 touchpoints: C1's lead (email in, awareness), call in (consideration), chat ticket
        // (conversion), call out (retention); C2's email out (awareness).
        #expect(summary.touchpoints == [
            JourneyTouchpoints(phase: .awareness, channel: .email, inbound: 1, outbound: 1),
            JourneyTouchpoints(phase: .consideration, channel: .phone, inbound: 1, outbound: 0),
            JourneyTouchpoints(phase: .conversion, channel: .chat, inbound: 1, outbound: 0),
            JourneyTouchpoints(phase: .retention, channel: .phone, inbound: 0, outbound: 1),
        ])
    }

    @Test("attribution over the journey: the touches before each order, the window, campaign cost and ROI, another currency left out")
    func attributionPaths() async throws {
        let t = try await leadHistory()
        try await order(t, 63, 9_900, c1, on: "2025-02-10", currency: .usd)
        let journey = try models(t).models.journey
        let q1 = Period.quarter(year: 2025, quarter: 1), asOf = day("2025-04-01")
        func credits(_ model: AttributionModel, _ dimension: AttributionDimension, window: Int? = nil) -> [String: Int64] {
            let table = journey.attribution(model, dimension: dimension, period: q1, asOf: asOf, windowDays: window)
            return Dictionary(uniqueKeysWithValues: table.rows.filter { $0.amount != 0 }.map { ($0.name, $0.amount) })
        }
        // The order of 02-01 (100.00 EUR) follows the lead captured through K1 by e-mail on 01-06
        // and the call in on 01-25; the chat ticket later that day and the later events do not count.
        #expect(credits(.firstTouch, .channel) == ["email": 10_000])
        #expect(credits(.lastTouch, .channel) == ["phone": 10_000])
        #expect(credits(.linear, .channel) == ["email": 5_000, "phone": 5_000])
        #expect(credits(.positionBased, .channel) == ["email": 5_000, "phone": 5_000])
        // Weights round(2^20 · 2^(−d/7)): 79,889 for 26 days, 524,288 for 7; floors 1,322 and
        // 8,677, the last unit to the larger remainder (phone: 436,171 against 168,006).
        #expect(credits(.timeDecay, .channel) == ["email": 1_322, "phone": 8_678])
        #expect(credits(.linear, .leadSource) == ["tradeFair": 10_000])
        // A 20-day window drops the e-mail touch (26 days before) and leaves the campaign none.
        #expect(credits(.linear, .channel, window: 20) == ["phone": 10_000])
        let narrow = journey.attribution(.linear, dimension: .campaign, period: q1, asOf: asOf, windowDays: 20)
        #expect(narrow.result.attributed == 0 && narrow.result.unattributed == 10_000 && narrow.result.conversions == 0)
        // The campaign's row: its name, the 20.00 EUR booked, ROI (100 − 20) / 20; the USD order left out.
        let campaign = journey.attribution(.linear, dimension: .campaign, period: q1, asOf: asOf)
        #expect(campaign.rows.map(\.name) == ["Spring fair"])
        #expect(campaign.rows.first?.cost == 2_000)
        #expect(campaign.rows.first?.roi == 4.0)
        #expect(campaign.leftOutOtherCurrency == 1)
        #expect(campaign.result.attributed == 10_000 && campaign.result.conversions == 1)
        // Won opportunities: none in this history.
        #expect(journey.attribution(.linear, dimension: .channel, goal: .wonOpportunities, period: q1, asOf: asOf).result.conversions == 0)
    }

    @Test("an opportunity opened considers, a won one converts; won opportunities are attributed to the campaign they came through")
    func wonOpportunity() async throws {
        let t = try ProjectionTestStore()
        let o1: OpportunityID = id(81)
        try await t.run(.planCampaign(k1, name: "Fair", goal: "g", segment: "s", channel: .visit, budget: eur(10_000),
                                      startsOn: day("2025-01-01"), endsOn: day("2025-12-31")), on: "2025-01-01")
        try await t.run(.registerEmployee(id(9), name: "Seller", role: "sales"), on: "2025-01-01")
        try await t.run(.registerCustomer(c1, kind: .account, name: "C1", email: nil, address: nil, country: "DE"), on: "2025-01-06")
        try await t.run(.openOpportunity(o1, customer: c1, title: "Deal", expectedRevenue: eur(500_000), expectedCloseOn: day("2025-03-31"),
                                         probability: 40, product: "P", owner: id(9), campaign: k1), on: "2025-01-08")
        try await t.run(.winOpportunity(o1, amount: eur(450_000)), on: "2025-02-20")
        let journey = try models(t).models.journey
        #expect(steps(journey.journey(of: .customer(c1), asOf: day("2025-02-20"))) == [
            "2025-01-06 ->awareness CustomerRegistered", "2025-01-08 awareness>consideration OpportunityOpened",
            "2025-02-20 consideration>conversion OpportunityWon",
        ])
        let won = journey.attribution(.linear, dimension: .campaign, goal: .wonOpportunities, period: .year(2025), asOf: day("2025-02-20"))
        #expect(won.rows.map(\.name) == ["Fair"] && won.rows.first?.amount == 450_000 && won.result.conversions == 1)
        // No order: no revenue to attribute.
        #expect(journey.attribution(.linear, dimension: .campaign, period: .year(2025), asOf: day("2025-02-20")).result.conversions == 0)
    }
}
