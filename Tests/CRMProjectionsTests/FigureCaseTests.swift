import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import CRMReports
import Foundation
import Testing

/// The nine histories of issue 17, each with the figures docs/projections.md ("Figure
/// reference") defines for it. Every history registers its customer first.
@Suite("Figure reference: the nine cases of issue 17")
struct FigureCaseTests {
    let c1: CustomerID = id(1), c2: CustomerID = id(2)

    func source(_ t: ProjectionTestStore, asOf: AsOf? = nil) throws -> ReportSource {
        try ReportSource.load(store: t.store, state: StateStore(environment: t.store.environment), rules: .standard, asOf: asOf)
    }

    func kpi(_ source: ReportSource, _ period: Period, _ name: String) -> Double? {
        source.models.scorecard(period, asOf: source.day)[name]?.value
    }

    func order(_ t: ProjectionTestStore, _ number: UInt8, _ minor: Int64, on date: String, customer: CustomerID? = nil) async throws {
        try await t.run(.placeOrder(id(number), customer: customer ?? c1, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(minor))],
                                    channel: .web), on: date)
    }

    /// Cases 1–3: registered 2025-01-06, invoice due 2025-01-20 never paid, ticket opened
    /// 2025-01-06 09:00 (targets 120 and 1,440 minutes) never answered, phone added 2025-03-10,
    /// NPS 2025-03-11.
    func unpaidHistory() async throws -> ProjectionTestStore {
        let t = try ProjectionTestStore()
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1", email: "c1@x", address: "A", country: "DE"), on: "2025-01-06")
        try await t.run(.issueInvoice(id(31), customer: c1, amount: eur(50_000), dueOn: day("2025-01-20")), on: "2025-01-06")
        try await t.run(.openTicket(id(41), customer: c1, channel: .phone, priority: .normal, category: "billing", subject: "T",
                                    slaPolicy: "standard", firstResponseTargetMinutes: 120, resolutionTargetMinutes: 1_440),
                        on: "2025-01-06", minutes: 540)
        try await t.run(.changeCustomerDetails(c1, phone: "1"), on: "2025-03-10")
        try await t.run(.answerNPS(c1, score: 9), on: "2025-03-11")
        return t
    }

    @Test("1: the report day is the latest business day of any event; the invoice is overdue on it")
    func reportDay() async throws {
        let t = try await unpaidHistory()
        let report = try Customer360Report(try source(t), customer: c1)
        #expect(report.asOf == "2025-03-11")
        #expect(report.position == 5)
        #expect(report.overdueBalance.minorUnits == 50_000)
        #expect(report.openBalance.minorUnits == 50_000)
        // As of the due day the invoice is not yet overdue; the day after it is.
        #expect(try Customer360Report(try source(t, asOf: .businessDay(day("2025-01-20"))), customer: c1).overdueBalance.minorUnits == 0)
        #expect(try Customer360Report(try source(t, asOf: .businessDay(day("2025-01-21"))), customer: c1).overdueBalance.minorUnits
            == 50_000)
    }

    @Test("2: --as-of DAY reports the position of the last event folded, not the head")
    func asOfDayPosition() async throws {
        let t = try await unpaidHistory()
        let early = try source(t, asOf: .businessDay(day("2025-01-10")))
        #expect(early.position == 3)
        #expect(PipelineReport(early).position == 3)
        #expect(LifecycleReport(early).position == 3)
        #expect(early.day == day("2025-01-10"))
        #expect(try source(t, asOf: .businessDay(day("2025-03-10"))).position == 4)
        #expect(try source(t, asOf: .businessDay(day("2025-01-05"))).position == 0)
        #expect(try source(t).position == 5)
    }

    @Test("3: an open ticket past its deadlines is breached in slaBreachRate as in the customer 360")
    func openTicketBreach() async throws {
        let t = try await unpaidHistory()
        let full = try source(t)
        let ticket = try #require(try Customer360Report(full, customer: c1).tickets.first)
        #expect(ticket.firstResponse == "breached")
        #expect(ticket.resolution == "breached")
        #expect(kpi(full, .month(year: 2025, month: 1), "slaBreachRate") == 1.0)
        // At the end of 2025-01-06 the response (due 11:00) is late, the resolution (due
        // 2025-01-07 09:00) still running: breached already.
        let opening = try source(t, asOf: .businessDay(day("2025-01-06")))
        let early = try #require(try Customer360Report(opening, customer: c1).tickets.first)
        #expect(early.firstResponse == "breached")
        #expect(early.resolution == "running")
        #expect(kpi(opening, .month(year: 2025, month: 1), "slaBreachRate") == 1.0)
        #expect(kpi(full, .month(year: 2025, month: 2), "slaBreachRate") == nil)
    }

    @Test("4: a past period reads master data as of its end")
    func masterDataAsOfPeriodEnd() async throws {
        let t = try await unpaidHistory()
        let full = try source(t)
        #expect(kpi(full, .month(year: 2025, month: 1), "dataCompleteness") == 0.0)
        #expect(kpi(full, .month(year: 2025, month: 2), "dataCompleteness") == 0.0)
        #expect(kpi(full, .month(year: 2025, month: 3), "dataCompleteness") == 1.0)
        #expect(kpi(try source(t, asOf: .businessDay(day("2025-02-28"))), .month(year: 2025, month: 1), "dataCompleteness") == 0.0)
    }

    @Test("5: a late-recorded order enters the past month and the stage history by business time; so does a late NPS")
    func lateRecordedEvents() async throws {
        let t = try ProjectionTestStore()
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1"), on: "2024-01-02")
        try await order(t, 51, 10_000, on: "2024-12-08")
        try await order(t, 52, 10_000, on: "2024-05-12")   // recorded after the December order
        try await t.run(.answerNPS(c1, score: 9), on: "2025-01-10")
        try await t.run(.answerNPS(c1, score: 3), on: "2024-12-20")   // older answer, recorded later

        let full = try source(t)
        #expect(full.day == day("2025-01-10"))
        let lifecycle = LifecycleReport(full)
        let june = try #require(lifecycle.history.first { $0.month == "2024-06" })
        #expect(june.counts == [0, 1, 0, 0, 0])
        let may = try #require(lifecycle.history.first { $0.month == "2024-04" })
        #expect(may.counts == [1, 0, 0, 0, 0])
        let report = try Customer360Report(full, customer: c1)
        #expect(report.stageHistory.map { "\($0.day) \($0.to) \($0.rule)" }
            == ["2024-01-02 prospect registered", "2024-05-12 newCustomer first-order"])
        #expect(report.nps == 9)
        #expect(report.lastOrderOn == "2024-12-08")
        #expect(report.orderCount == 2)

        let june30 = try source(t, asOf: .businessDay(day("2024-06-30")))
        #expect(june30.models.lifecycle.stage(of: c1) == .newCustomer)
        #expect(full.models.lifecycle.history(of: c1, asOf: day("2024-06-30"))
            == june30.models.lifecycle.history(of: c1, asOf: day("2024-06-30")))
        #expect(try Customer360Report(try source(t, asOf: .businessDay(day("2024-12-31"))), customer: c1).nps == 3)
    }

    @Test("6: averageCLV of a past period is the CLV as of the period's end")
    func averageCLVAsOfEnd() async throws {
        let t = try ProjectionTestStore()
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1"), on: "2025-01-01")
        try await order(t, 61, 10_000, on: "2025-01-10")
        try await order(t, 62, 1_000_000, on: "2025-11-10")
        // Margin through March 10,000 over 90 active days, counted as at least 365: m = 10,000
        // per year; CLV = m × Σₜ₌₁…₅ 1.08⁻ᵗ = m × 3.99271 = 39,927.1 → 39,927.
        #expect(kpi(try source(t), .quarter(year: 2025, quarter: 1), "averageCLV") == 39_927)
        #expect(kpi(try source(t, asOf: .businessDay(day("2025-06-30"))), .quarter(year: 2025, quarter: 1), "averageCLV") == 39_927)
    }

    @Test("7: a cancelled order counts nowhere in the churn cadence")
    func cancelledOrdersInTheCadence() async throws {
        let t = try ProjectionTestStore()
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1"), on: "2025-01-01")
        try await order(t, 71, 10_000, on: "2025-01-01")
        try await order(t, 72, 10_000, on: "2025-02-01")
        try await order(t, 73, 10_000, on: "2025-03-01")
        try await t.run(.cancelOrder(id(73), reason: "duplicate"), on: "2025-03-02")
        try await t.run(.answerNPS(c1, score: 8), on: "2025-05-15")
        let report = try Customer360Report(try source(t), customer: c1)
        #expect(report.asOf == "2025-05-15")
        #expect(report.orderCount == 2)
        #expect(report.lastOrderOn == "2025-02-01")
        // Cadence (02-01 − 01-01) / 1 = 31 d; gap 05-15 − 02-01 = 103 d > 2 × 31: 40 points, medium.
        #expect(report.churnRisk.score == 40)
        #expect(report.churnRisk.level == "medium")
        #expect(report.churnRisk.reasons == ["order gap 103 d > 2 × cadence 31 d"])
        #expect(report.segment == "atRisk")
    }

    @Test("8: the stage history agrees with as-of when a reactivating order is cancelled")
    func reactivationCancelled() async throws {
        let t = try ProjectionTestStore()
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1"), on: "2022-01-03")
        try await order(t, 81, 10_000, on: "2022-02-01")
        try await order(t, 82, 10_000, on: "2023-06-01")
        try await t.run(.cancelOrder(id(82), reason: "changed mind"), on: "2023-06-11")
        let full = try source(t)
        let history = try Customer360Report(full, customer: c1).stageHistory.map { "\($0.day) \($0.from ?? "—")→\($0.to) \($0.rule)" }
        #expect(history == [
            "2022-01-03 —→prospect registered",
            "2022-02-01 prospect→newCustomer first-order",
            "2023-02-02 newCustomer→lostCustomer no-order-for-365-days",
            "2023-06-01 lostCustomer→newCustomer reactivated",
            "2023-06-11 newCustomer→lostCustomer no-order-for-365-days",
        ])
        let june5 = try source(t, asOf: .businessDay(day("2023-06-05")))
        #expect(try Customer360Report(june5, customer: c1).stage == "newCustomer")
        #expect(full.models.lifecycle.stage(of: c1, on: day("2023-06-05")) == .newCustomer)
        #expect(full.models.lifecycle.history(of: c1, asOf: day("2023-06-05"))
            == june5.models.lifecycle.history(of: c1, asOf: day("2023-06-05")))
        #expect(full.models.lifecycle.stage(of: c1, on: day("2023-06-11")) == .lostCustomer)
    }

    @Test("9: a merged duplicate is a customer until its merge day, in every count")
    func mergedDuplicate() async throws {
        let t = try ProjectionTestStore()
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1"), on: "2024-12-01")
        try await t.run(.registerCustomer(c2, kind: .person, name: "C1 duplicate"), on: "2025-03-30")
        try await t.run(.mergeCustomers(duplicate: c2, survivor: c1), on: "2025-04-05")
        let q1 = Period.quarter(year: 2025, quarter: 1)
        let full = try source(t), april1 = try source(t, asOf: .businessDay(day("2025-04-01")))
        // Start {C1}, end {C1, C2}, new {C2}: (2 − 1) / 1.
        #expect(kpi(full, q1, "retentionRate") == 1.0)
        #expect(kpi(april1, q1, "retentionRate") == 1.0)
        #expect(kpi(full, q1, "netCustomerGrowth") == 1)
        #expect(kpi(full, q1, "churnRate") == 0)
        // 2025-Q2: start {C1, C2}, end {C1}, no new customer, nobody lost.
        #expect(kpi(full, .quarter(year: 2025, quarter: 2), "retentionRate") == 0.5)
        #expect(full.models.lifecycle.counts(asOf: day("2025-03-31"))[.prospect] == 2)
        #expect(full.models.lifecycle.counts(asOf: day("2025-04-05"))[.prospect] == 1)
    }

    @Test("a loss uncovered by cancelling the last recent order is dated on the cancellation day, not before")
    func lossUncoveredByACancellation() async throws {
        let t = try ProjectionTestStore()
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1"), on: "2023-01-02")
        try await order(t, 91, 10_000, on: "2023-01-10")
        try await order(t, 92, 10_000, on: "2023-06-01")
        // Without order 92 the customer would have been lost on 2024-01-11 (2023-01-10 + 366);
        // it counted until it was cancelled.
        try await t.run(.cancelOrder(id(92), reason: "fraud"), on: "2024-03-01")
        let full = try source(t)
        let history = try Customer360Report(full, customer: c1).stageHistory.map { "\($0.day) \($0.from ?? "—")→\($0.to) \($0.rule)" }
        #expect(history == [
            "2023-01-02 —→prospect registered",
            "2023-01-10 prospect→newCustomer first-order",
            "2024-03-01 newCustomer→lostCustomer no-order-for-365-days",
        ])
        #expect(full.models.lifecycle.stage(of: c1, on: day("2024-02-01")) == .newCustomer)
        #expect(try source(t, asOf: .businessDay(day("2024-02-01"))).models.lifecycle.stage(of: c1, on: day("2024-02-01")) == .newCustomer)
        #expect(full.models.lifecycle.stage(of: c1, on: day("2024-03-01")) == .lostCustomer)
    }

    @Test("a lead attribute recorded late does not replace a newer value; the lead score counts the newer one")
    func lateLeadAttribute() async throws {
        let t = try ProjectionTestStore()
        let lead: LeadID = id(51)
        try await t.run(.captureLead(lead, source: .webForm, name: "L"), on: "2025-01-01")
        try await t.run(.recordLeadAttributes(lead, attributes: [LeadAttribute(name: "companySize", value: "300")]), on: "2025-03-01")
        // Recorded after the batch of 03-01, dated a month earlier: an older value.
        try await t.run(.recordLeadAttributes(lead, attributes: [LeadAttribute(name: "companySize", value: "10")]), on: "2025-02-01")
        try await t.run(.qualifyLead(lead), on: "2025-03-01")
        try await t.run(.convertLead(lead, customer: c1, kind: .account), on: "2025-03-01")
        let report = try Customer360Report(try source(t), customer: c1)
        #expect(report.asOf == "2025-03-01")
        // webForm 5 × 0.5^(59/90) = 3.174, companySize 300 ≥ 50 and ≥ 250: 15 + 10 (dated 03-01),
        // two batches: 5 (03-01) + 5 × 0.5^(28/90) = 4.030; Σ 37.204 → 37. Were the late value of
        // 10 to replace 300, the score would be 3.174 + 5 + 4.030 → 12.
        #expect(report.leadScore == 37)
        let recorded = try source(t).models.customer360.leads[lead]!
        #expect(recorded.attributes.map(\.value) == ["300"])
        #expect(recorded.engagementDays == [day("2025-02-01"), day("2025-03-01")])
    }

    @Test("an opportunity's stage move and amount change recorded late count by business time, in the pipeline and the customer 360")
    func lateOpportunityChanges() async throws {
        let t = try ProjectionTestStore()
        let deal: OpportunityID = id(61), owner: EmployeeID = id(62)
        try await t.run(.registerEmployee(owner, name: "O", role: "sales"), on: "2025-01-02")
        try await t.run(.registerCustomer(c1, kind: .account, name: "C1"), on: "2025-01-02")
        try await t.run(.openOpportunity(deal, customer: c1, title: "Deal", expectedRevenue: eur(100_000), expectedCloseOn: day("2025-06-30"),
                                         probability: 20, product: "P", owner: owner), on: "2025-01-06")
        try await t.run(.moveOpportunity(deal, to: .proposal), on: "2025-01-20")
        try await t.run(.changeOpportunityAmount(deal, expectedRevenue: eur(300_000)), on: "2025-01-21")
        // Recorded after them, dated before them.
        try await t.run(.moveOpportunity(deal, to: .qualification), on: "2025-01-13")
        try await t.run(.changeOpportunityAmount(deal, expectedRevenue: eur(200_000)), on: "2025-01-14")
        let full = try source(t)
        let record = try #require(full.models.pipeline.opportunities[deal])
        #expect(record.stage == .proposal)
        #expect(record.stageHistory.map(\.stage) == [.prospecting, .qualification, .proposal])
        #expect(record.expectedRevenue == eur(300_000))
        // 3,000.00 × 20 % = 600.00 in proposal; qualification was entered and left for proposal.
        let pipeline = PipelineReport(full)
        #expect(pipeline.figures["open"] == "1 300000 60000")
        let opportunity = try #require(try Customer360Report(full, customer: c1).opportunities.first)
        #expect(opportunity.stage == "proposal" && opportunity.amount.minorUnits == 300_000)
        // As of 2025-01-15: qualification, 2,000.00.
        let early = try source(t, asOf: .businessDay(day("2025-01-15")))
        #expect(early.models.pipeline.opportunities[deal]?.stage == .qualification)
        #expect(try Customer360Report(early, customer: c1).opportunities.first?.amount.minorUnits == 200_000)
    }
}
