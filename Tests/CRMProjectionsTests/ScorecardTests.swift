import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

@Suite("Balanced scorecard")
struct ScorecardTests {
    let c1: CustomerID = id(1), c2: CustomerID = id(2), c3: CustomerID = id(3), c4: CustomerID = id(4), c5: CustomerID = id(5)
    let e1: EmployeeID = id(11), e2: EmployeeID = id(12), e3: EmployeeID = id(13), e4: EmployeeID = id(14)

    /// A small company's 2025 and first quarter of 2026.
    func history() async throws -> ProjectionTestStore {
        let t = try ProjectionTestStore()
        try await t.run(.registerEmployee(e4, name: "D", role: "sales"), on: "2025-01-01")
        try await t.run(.completeTraining(e4, course: "CRM", crmTraining: true), on: "2025-02-01")
        try await t.run(.registerEmployee(e1, name: "A", role: "sales"), on: "2025-06-01")
        try await t.run(.registerEmployee(e2, name: "B", role: "service"), on: "2025-06-01")
        try await t.run(.completeTraining(e1, course: "CRM", crmTraining: true), on: "2025-07-01")
        try await t.run(.completeTraining(e2, course: "Excel", crmTraining: false), on: "2025-07-02")
        try await t.run(.answerEmployeeSurvey(e1, satisfaction: 5), on: "2025-12-01")

        try await t.run(.registerCustomer(c1, kind: .person, name: "C1", email: "c1@x", phone: "1", address: "A", country: "DE"), on: "2025-01-05")
        try await t.run(.registerCustomer(c3, kind: .person, name: "C3"), on: "2025-02-01")
        try await t.run(.placeOrder(id(103), customer: c3, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(40_000))],
                                    channel: .web), on: "2025-02-02")
        try await t.run(.registerCustomer(c4, kind: .person, name: "C4", email: "c4@x"), on: "2025-03-01")
        try await t.run(.placeOrder(id(101), customer: c1, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(100_000))],
                                    channel: .web), on: "2025-03-01")
        try await t.run(.placeOrder(id(102), customer: c1, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(60_000))],
                                    channel: .web), on: "2025-11-10")

        // 2026-Q1
        try await t.run(.planCampaign(id(90), name: "Q1", goal: "leads", segment: "B2C", channel: .newsletter, budget: eur(100_000),
                                      startsOn: day("2026-01-01"), endsOn: day("2026-03-31")), on: "2026-01-02")
        try await t.run(.bookCampaignCost(id(90), amount: eur(30_000)), on: "2026-01-10")
        try await t.run(.openTicket(id(201), customer: c1, channel: .phone, priority: .normal, category: "billing", subject: "T1",
                                    slaPolicy: "standard", firstResponseTargetMinutes: 120, resolutionTargetMinutes: 1_440),
                        on: "2026-01-10", minutes: 540)
        try await t.run(.respondToTicket(id(201), by: e1, channel: .phone), on: "2026-01-10", minutes: 570)
        try await t.run(.resolveTicket(id(201), firstContactResolution: true), on: "2026-01-10", minutes: 720)
        try await t.run(.recordEmployeeLeft(e4), on: "2026-01-15")
        try await t.run(.registerCustomer(c2, kind: .person, name: "C2"), on: "2026-01-20")
        try await t.run(.bookCostToServe(c2, activity: .sales, amount: eur(10_000)), on: "2026-01-25")
        try await t.run(.placeOrder(id(104), customer: c2, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(200_000))],
                                    channel: .web), on: "2026-02-01")
        try await t.run(.registerEmployee(e3, name: "C", role: "service"), on: "2026-02-01")
        try await t.run(.shipOrder(id(104)), on: "2026-02-02")
        try await t.run(.deliverOrder(id(104)), on: "2026-02-05")
        try await t.run(.openTicket(id(202), customer: c2, channel: .email, priority: .high, category: "delivery", subject: "T2",
                                    slaPolicy: "premium", firstResponseTargetMinutes: 60, resolutionTargetMinutes: 600),
                        on: "2026-02-05", minutes: 480)
        try await t.run(.respondToTicket(id(202), by: e1, channel: .email), on: "2026-02-05", minutes: 600)
        try await t.run(.resolveTicket(id(202), firstContactResolution: false), on: "2026-02-06", minutes: 480)
        try await t.run(.placeOrder(id(105), customer: c1, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(50_000))],
                                    channel: .web), on: "2026-02-10")
        try await t.run(.shipOrder(id(105)), on: "2026-02-11")
        try await t.run(.deliverOrder(id(105)), on: "2026-02-13")
        try await t.run(.completeTraining(e3, course: "CRM", crmTraining: true), on: "2026-02-15")
        try await t.run(.answerEmployeeSurvey(e1, satisfaction: 4), on: "2026-02-20")
        try await t.run(.answerEmployeeSurvey(e2, satisfaction: 3), on: "2026-02-21")
        try await t.run(.placeOrder(id(106), customer: c2, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(30_000))],
                                    channel: .web), on: "2026-03-01")
        try await t.run(.returnOrder(id(105), amount: eur(10_000), reason: "damaged"), on: "2026-03-05")
        try await t.run(.receiveFeedback(c1, kind: .complaint, channel: .email, text: "damaged"), on: "2026-03-05")
        try await t.run(.placeOrder(id(107), customer: c4, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(10_000))],
                                    channel: .web), on: "2026-03-10")
        try await t.run(.registerCustomer(c5, kind: .person, name: "C5", email: "c5@x", phone: "5", address: "E", country: "AT"),
                        on: "2026-03-15")
        try await t.run(.answerNPS(c1, score: 10), on: "2026-03-16")
        try await t.run(.answerNPS(c2, score: 9), on: "2026-03-16")
        try await t.run(.answerNPS(c4, score: 7), on: "2026-03-16")
        try await t.run(.answerNPS(c5, score: 3), on: "2026-03-16")
        try await t.run(.openTicket(id(203), customer: c4, channel: .chat, priority: .low, category: "product", subject: "T3",
                                    slaPolicy: "standard", firstResponseTargetMinutes: 120, resolutionTargetMinutes: 1_440),
                        on: "2026-03-20", minutes: 600)
        try await t.run(.respondToTicket(id(203), by: e2, channel: .chat), on: "2026-03-20", minutes: 900)
        try await t.run(.placeOrder(id(108), customer: c2, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(99_900))],
                                    channel: .web), on: "2026-03-20")
        try await t.run(.cancelOrder(id(108), reason: "duplicate"), on: "2026-03-21")
        try await t.run(.openTicket(id(204), customer: c5, channel: .portal, priority: .normal, category: "account", subject: "T4",
                                    slaPolicy: "standard", firstResponseTargetMinutes: 120, resolutionTargetMinutes: 1_440),
                        on: "2026-03-30", minutes: 600)
        return t
    }

    @Test("every KPI of 2026-Q1 computed by hand")
    func quarter() async throws {
        let t = try await history()
        let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: t.store)
        let report = models.scorecard(.quarter(year: 2026, quarter: 1))
        func value(_ name: String) -> Double? { report[name]?.value }

        // Customers at 2025-12-31: C1, C3, C4 (3). At 2026-03-31: C1, C2, C4, C5 (4) — C3's last
        // order 2025-02-02 + 365 days: lost on 2026-02-03. New: C2, C5 (2). Lost: C3 (1).
        // Revenue: 500.00 + 2 000.00 + 300.00 + 100.00 − 100.00 (return) = 2 800.00 (C2's
        // 999.00 order was cancelled).
        #expect(value("revenue") == 280_000)
        // 280 000 / 4 customers = 70 000; 2025-Q4: 60 000 / 3 = 20 000; (70 000 − 20 000) / 20 000.
        #expect(value("revenuePerCustomer") == 70_000)
        #expect(value("revenuePerCustomerChange") == 2.5)
        // CLV at 2026-03-31 (d 8 %, 5 years: factor 3.992710):
        // C1 200 000 × 365 / 451 = 161 862.53 → 646 270; C2 220 000 over 71 active days, counted
        // as 365: 220 000 × 3.992710 = 878 396.21 → 878 396; C4 10 000 × 365 / 396 → 36 801; C5 0.
        // Mean 1 561 467 / 4 = 390 366.75.
        #expect(value("averageCLV") == 390_366.75)
        // (300.00 campaign + 100.00 sales cost) / 2 new customers = 200.00.
        #expect(value("customerAcquisitionCost") == 20_000)
        // Answers 10, 9, 7, 3: (2 promoters − 1 detractor) / 4 × 100 = 25.
        #expect(value("nps") == 25)
        #expect(value("churnRate") == 1.0 / 3.0)
        // (4 at the end − 2 new) / 3 at the start.
        #expect(value("retentionRate") == 2.0 / 3.0)
        #expect(value("netCustomerGrowth") == 1)
        // Buyers C1 (ordered before), C2 (two orders), C4 (first order): 2 of 3.
        #expect(value("repeatPurchaseRate") == 2.0 / 3.0)
        // 1 complaint / 4 customers.
        #expect(value("complaintRate") == 0.25)
        // First responses 30, 120, 300 minutes (T4 unanswered): median rank ⌈1.5⌉ = 2 → 120,
        // p90 rank ⌈2.7⌉ = 3 → 300.
        #expect(value("medianFirstResponseMinutes") == 120)
        #expect(value("p90FirstResponseMinutes") == 300)
        // Answered within 120 minutes: T1, T2 of 4 opened.
        #expect(value("answeredWithinTarget") == 0.5)
        // Resolved T1 (first contact), T2 (not).
        #expect(value("firstContactResolutionRate") == 0.5)
        // T2 answered after 120 > 60 minutes; T3 after 300 > 120; T4 still unanswered at the end
        // of the report day (2026-03-30, the latest business day), past its 120-minute target:
        // 3 of 4.
        #expect(value("slaBreachRate") == 0.75)
        // Delivered: C2's 2026-02-01 order in 4 days, C1's 2026-02-10 order in 3 days.
        #expect(value("orderToDeliveryDays") == 3.5)
        // Employees at the end: E1 (trained), E2, E3 (trained); E4 left.
        #expect(value("crmTrainingRate") == 2.0 / 3.0)
        // Q1 survey answers 4 and 3.
        #expect(value("employeeSatisfaction") == 3.5)
        // Complete records: C1, C5 of 4.
        #expect(value("dataCompleteness") == 0.5)

        // Status against the default targets.
        #expect(report["nps"]?.status == .atRisk)  // 25 vs 30, tolerance 15
        #expect(report["churnRate"]?.status == .offTarget)  // 0.33 vs 0.02, tolerance 0.02
        #expect(report["dataCompleteness"]?.status == .offTarget)  // 0.5 vs 0.9, tolerance 0.1
        #expect(report["orderToDeliveryDays"]?.status == .atRisk)  // 3.5 vs 3 (lower is better), tolerance 2
        #expect(report["crmTrainingRate"]?.status == .offTarget)  // 0.667 vs 1: short by 0.333 > tolerance 0.2
        #expect(report.kpis(of: .learning).map(\.name) == ["crmTrainingRate", "employeeSatisfaction", "dataCompleteness"])
        // 2026 margins of the customers at the end: C1 400.00, C2 2 300.00 − 100.00, C4 100.00, C5 0.
        #expect(report.segmentProfit.values.reduce(0, +) == 270_000)
    }

    @Test("months and years: a month without tickets has no process data; the year adds up")
    func periods() async throws {
        let t = try await history()
        let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: t.store)
        let january = models.scorecard(.month(year: 2026, month: 1))
        #expect(january["revenue"]?.value == 0)
        #expect(january["medianFirstResponseMinutes"]?.value == 30)
        let december = models.scorecard(.month(year: 2025, month: 12))
        #expect(december["medianFirstResponseMinutes"]?.status == .noData)
        #expect(december["employeeSatisfaction"]?.value == 5)
        // 2025: 400.00 + 1 000.00 + 600.00.
        #expect(models.scorecard(.year(2025))["revenue"]?.value == 200_000)
        #expect(Period.quarter(year: 2026, quarter: 1).previous == .quarter(year: 2025, quarter: 4))
        #expect(Period.month(year: 2026, month: 2).end == day("2026-02-28"))
        #expect(Period.year(2024).description == "2024")
    }
}
