import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// A small sales history written by hand, so every pipeline figure can be checked against
/// arithmetic done on paper. All amounts EUR unless said otherwise.
///
/// | opp | owner | customer | product | opened     | stages (day entered)                                   | end                     |
/// |-----|-------|----------|---------|------------|--------------------------------------------------------|-------------------------|
/// | O1  | anna  | acme     | suite   | 2025-01-06 | prospecting, qualification 01-13, proposal 01-27, negotiation 02-10 | won 02-24, 9 500.00 |
/// | O2  | ben   | beta     | support | 2025-01-10 | qualification, proposal 01-20                           | won 03-01, 4 200.00     |
/// | O3  | anna  | beta     | suite   | 2025-01-15 | prospecting, qualification 01-22                        | lost 02-05 price, Rival GmbH |
/// | O4  | ben   | acme     | support | 2025-02-01 | prospecting, qualification 02-08, proposal 02-15, qualification 02-18 | lost 02-20 timing, Rival GmbH |
/// | O5  | anna  | acme     | suite   | 2025-02-03 | prospecting, qualification 02-10, proposal 02-17        | open: 12 000.00 (was 11 000.00), 40 % (was 20 %), close 2025-04-30 |
/// | O6  | ben   | beta     | support | 2025-02-12 | prospecting                                             | open: 5 000.00, 20 %, close 2025-03-20 (was 2025-05-31) |
/// | O7  | anna  | beta     | support | 2025-02-14 | qualification, proposal 02-20                           | open: 2 500.50, 33 %, close 2025-04-25 |
/// | O8  | ben   | acme     | support | 2025-02-12 | qualification                                           | open: 1 000.00 USD, 50 %, close 2025-06-30 |
///
/// Quotes: Q1 (O1) accepted 02-20, Q2 (O3) rejected 02-03 price/Rival GmbH, Q3 (O4) expired
/// 02-18, Q4 (O5) approved (pending), Q5 (O2) accepted 02-25.
private enum PipelineFixture {
    static let anna: EmployeeID = id(1)
    static let ben: EmployeeID = id(2)
    static let acme: CustomerID = id(10)
    static let beta: CustomerID = id(11)
    static let o1: OpportunityID = id(21)
    static let o2: OpportunityID = id(22)
    static let o3: OpportunityID = id(23)
    static let o4: OpportunityID = id(24)
    static let o5: OpportunityID = id(25)
    static let o6: OpportunityID = id(26)
    static let o7: OpportunityID = id(27)
    static let o8: OpportunityID = id(28)
    static let q1: QuoteID = id(31)
    static let q2: QuoteID = id(32)
    static let q3: QuoteID = id(33)
    static let q4: QuoteID = id(34)
    static let q5: QuoteID = id(35)

    /// The history in business-day order; the first `firstPart` commands run through 2025-02-10.
    static let history: [(day: String, command: CRMCommand)] = [
        ("2025-01-02", .registerEmployee(anna, name: "Anna Berg", role: "sales")),
        ("2025-01-02", .registerEmployee(ben, name: "Ben Kraus", role: "sales")),
        ("2025-01-02", .registerCustomer(acme, kind: .account, name: "Acme AG")),
        ("2025-01-02", .registerCustomer(beta, kind: .account, name: "Beta GmbH")),
        ("2025-01-06", .openOpportunity(o1, customer: acme, title: "Suite rollout", expectedRevenue: eur(1_000_000),
                                        expectedCloseOn: day("2025-03-31"), probability: 10, product: "suite", owner: anna)),
        ("2025-01-10", .openOpportunity(o2, customer: beta, title: "Support contract", expectedRevenue: eur(400_000),
                                        expectedCloseOn: day("2025-04-15"), probability: 20, product: "support", owner: ben,
                                        stage: .qualification)),
        ("2025-01-13", .moveOpportunity(o1, to: .qualification)),
        ("2025-01-15", .openOpportunity(o3, customer: beta, title: "Suite pilot", expectedRevenue: eur(800_000),
                                        expectedCloseOn: day("2025-03-15"), probability: 10, product: "suite", owner: anna)),
        ("2025-01-20", .moveOpportunity(o2, to: .proposal)),
        ("2025-01-20", .draftQuote(q5, opportunity: o2, lines: [OrderLine(product: "support", quantity: 12, unitPrice: eur(35_000))],
                                   validUntil: day("2025-03-31"))),
        ("2025-01-20", .approveQuote(q5, by: anna)),
        ("2025-01-20", .sendQuote(q5, channel: .email)),
        ("2025-01-22", .moveOpportunity(o3, to: .qualification)),
        ("2025-01-25", .draftQuote(q2, opportunity: o3, lines: [OrderLine(product: "suite", quantity: 1, unitPrice: eur(800_000))],
                                   validUntil: day("2025-02-28"))),
        ("2025-01-25", .approveQuote(q2, by: ben)),
        ("2025-01-25", .sendQuote(q2, channel: .email)),
        ("2025-01-27", .moveOpportunity(o1, to: .proposal)),
        ("2025-01-27", .draftQuote(q1, opportunity: o1, lines: [OrderLine(product: "suite", quantity: 1, unitPrice: eur(950_000))],
                                   validUntil: day("2025-03-31"))),
        ("2025-01-27", .approveQuote(q1, by: ben)),
        ("2025-01-27", .sendQuote(q1, channel: .email)),
        ("2025-02-01", .openOpportunity(o4, customer: acme, title: "Support upgrade", expectedRevenue: eur(300_000),
                                        expectedCloseOn: day("2025-03-31"), probability: 10, product: "support", owner: ben)),
        ("2025-02-03", .openOpportunity(o5, customer: acme, title: "Suite expansion", expectedRevenue: eur(1_100_000),
                                        expectedCloseOn: day("2025-04-30"), probability: 20, product: "suite", owner: anna)),
        ("2025-02-03", .rejectQuote(q2, reason: "price", competitor: "Rival GmbH")),
        ("2025-02-05", .loseOpportunity(o3, reason: "price", competitor: "Rival GmbH")),
        ("2025-02-08", .moveOpportunity(o4, to: .qualification)),
        ("2025-02-10", .moveOpportunity(o1, to: .negotiation)),
        ("2025-02-10", .moveOpportunity(o5, to: .qualification)),
        // ---- end of the first part (firstPart commands)
        ("2025-02-12", .openOpportunity(o6, customer: beta, title: "Support renewal", expectedRevenue: eur(500_000),
                                        expectedCloseOn: day("2025-05-31"), probability: 20, product: "support", owner: ben)),
        ("2025-02-12", .openOpportunity(o8, customer: acme, title: "US support", expectedRevenue: Money(minorUnits: 100_000, currency: .usd),
                                        expectedCloseOn: day("2025-06-30"), probability: 50, product: "support", owner: ben,
                                        stage: .qualification)),
        ("2025-02-14", .openOpportunity(o7, customer: beta, title: "Support add-on", expectedRevenue: eur(250_050),
                                        expectedCloseOn: day("2025-04-25"), probability: 33, product: "support", owner: anna,
                                        stage: .qualification)),
        ("2025-02-15", .moveOpportunity(o4, to: .proposal)),
        ("2025-02-15", .draftQuote(q3, opportunity: o4, lines: [OrderLine(product: "support", quantity: 1, unitPrice: eur(300_000))],
                                   validUntil: day("2025-03-15"))),
        ("2025-02-15", .approveQuote(q3, by: anna)),
        ("2025-02-15", .sendQuote(q3, channel: .email)),
        ("2025-02-17", .moveOpportunity(o5, to: .proposal)),
        ("2025-02-17", .changeOpportunityAmount(o5, expectedRevenue: eur(1_200_000))),
        ("2025-02-17", .changeOpportunityProbability(o5, probability: 40)),
        ("2025-02-17", .draftQuote(q4, opportunity: o5, lines: [OrderLine(product: "suite", quantity: 1, unitPrice: eur(1_200_000))],
                                   validUntil: day("2025-03-31"))),
        ("2025-02-17", .approveQuote(q4, by: ben)),
        ("2025-02-18", .moveOpportunity(o4, to: .qualification)),
        ("2025-02-18", .expireQuote(q3)),
        ("2025-02-20", .loseOpportunity(o4, reason: "timing", competitor: "Rival GmbH")),
        ("2025-02-20", .moveOpportunity(o7, to: .proposal)),
        ("2025-02-20", .changeOpportunityCloseDate(o6, expectedCloseOn: day("2025-03-20"))),
        ("2025-02-20", .acceptQuote(q1)),
        // ---- last command before O1 is won (beforeWinIndex)
        ("2025-02-24", .winOpportunity(o1, amount: eur(950_000))),
        ("2025-02-25", .acceptQuote(q5)),
        ("2025-03-01", .winOpportunity(o2, amount: eur(420_000))),
    ]

    /// The commands through 2025-02-10.
    static let firstPart = history.firstIndex { $0.day > "2025-02-10" }!
    /// The index of O1's win: `history[..<beforeWinIndex]` ends just before it.
    static let beforeWinIndex = history.firstIndex { $0.command == .winOpportunity(o1, amount: eur(950_000)) }!

    /// Runs `history[range]`; returns the last position appended.
    @discardableResult
    static func run(_ range: Range<Int>, on store: ProjectionTestStore) async throws -> UInt64 {
        var last: UInt64 = 0
        for (day, command) in history[range] {
            last = try await store.run(command, on: day).lastPosition
        }
        return last
    }

    static func loaded() async throws -> ProjectionTestStore {
        let store = try ProjectionTestStore()
        try await run(0..<history.count, on: store)
        return store
    }
}

private func openFigures(_ count: Int, _ amount: Int64, _ weighted: Int64, _ currency: CurrencyCode = .eur) -> PipelineSummary.Figures {
    PipelineSummary.Figures(count: count, amount: Money(minorUnits: amount, currency: currency),
                            weightedAmount: Money(minorUnits: weighted, currency: currency))
}

private func stageConversion(_ summary: PipelineSummary) -> [PipelineStage: [Int]] {
    Dictionary(uniqueKeysWithValues: summary.conversion.map { ($0.stage, [$0.entered, $0.advanced]) })
}

@Suite struct PipelineTests {
    fileprivate typealias F = PipelineFixture

    @Test func fixtureSplitPointsAreWhereTheCommentsSay() {
        #expect(F.history[F.firstPart - 1].day == "2025-02-10")
        #expect(F.history[F.firstPart].day == "2025-02-12")
        #expect(F.history[F.beforeWinIndex - 1].command == .acceptQuote(F.q1))
        #expect(F.history[F.beforeWinIndex].command == .winOpportunity(F.o1, amount: eur(950_000)))
    }

    @Test func foldsOnlyOpportunityAndQuoteEvents() {
        let types = PipelineModel.eventTypes
        for type: any CatalogEvent.Type in [OpportunityOpened.self, OpportunityStageChanged.self, OpportunityAmountChanged.self,
                                            OpportunityCloseDateChanged.self, OpportunityProbabilityChanged.self, OpportunityWon.self,
                                            OpportunityLost.self, QuoteDrafted.self, QuoteApproved.self, QuoteSent.self,
                                            QuoteAccepted.self, QuoteRejected.self, QuoteExpired.self] {
            #expect(types.contains(eventType: type.eventType), "\(type.eventType)")
        }
        for type: any CatalogEvent.Type in [CustomerRegistered.self, EmployeeJoined.self, ContractSigned.self, OrderPlaced.self,
                                            LeadConverted.self, InteractionRecorded.self] {
            #expect(!types.contains(eventType: type.eventType), "\(type.eventType)")
        }
        #expect(PipelineModel.name == "pipeline")
    }

    @Test func recordsHoldTheFoldedOpportunitiesAndQuotes() async throws {
        let store = try await F.loaded()
        let model = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store)
        #expect(model.opportunities.count == 8)
        #expect(model.quotes.count == 5)

        let o1 = try #require(model.opportunities[F.o1])
        #expect(o1.customer == F.acme)
        #expect(o1.owner == F.anna)
        #expect(o1.product == "suite")
        #expect(o1.title == "Suite rollout")
        #expect(o1.expectedRevenue == eur(1_000_000))
        #expect(o1.probability == 10)
        #expect(o1.stage == .negotiation)
        #expect(o1.expectedCloseOn == day("2025-03-31"))
        #expect(o1.openedOn == day("2025-01-06"))
        #expect(o1.status == .won)
        #expect(o1.closedOn == day("2025-02-24"))
        #expect(o1.wonAmount == eur(950_000))
        #expect(o1.lostReason == nil)
        #expect(o1.stageHistory.map(\.stage) == [.prospecting, .qualification, .proposal, .negotiation])
        #expect(o1.stageHistory.map(\.enteredOn) == [day("2025-01-06"), day("2025-01-13"), day("2025-01-27"), day("2025-02-10")])
        #expect(o1.stageHistory.map(\.enteredAtMicros) == o1.stageHistory.map { Int64($0.enteredOn.daysSince1970) * 86_400_000_000 + 43_200_000_000 })

        let o4 = try #require(model.opportunities[F.o4])
        #expect(o4.status == .lost)
        #expect(o4.stage == .qualification)
        #expect(o4.closedOn == day("2025-02-20"))
        #expect(o4.lostReason == "timing")
        #expect(o4.competitor == "Rival GmbH")
        #expect(o4.stageHistory.map(\.stage) == [.prospecting, .qualification, .proposal, .qualification])

        let o5 = try #require(model.opportunities[F.o5])
        #expect(o5.status == .open)
        #expect(o5.expectedRevenue == eur(1_200_000))
        #expect(o5.probability == 40)
        #expect(o5.weightedMinorUnits == 480_000) // 12 000.00 × 40 % = 4 800.00
        #expect(model.opportunities[F.o6]?.expectedCloseOn == day("2025-03-20"))
        #expect(model.opportunities[F.o7]?.weightedMinorUnits == 82_517) // 2 500.50 × 33 % = 825.165 → 825.17 (half away from zero)

        #expect(model.quotes[F.q1]?.status == .accepted)
        #expect(model.quotes[F.q1]?.opportunity == F.o1)
        #expect(model.quotes[F.q1]?.draftedOn == day("2025-01-27"))
        #expect(model.quotes[F.q5]?.total == eur(420_000)) // 12 × 350.00
        let q2 = try #require(model.quotes[F.q2])
        #expect(q2.status == .rejected)
        #expect(q2.rejectionReason == "price")
        #expect(q2.competitor == "Rival GmbH")
        #expect(model.quotes[F.q3]?.status == .expired)
        #expect(model.quotes[F.q4]?.status == .approved)

        // Every record survives its binary encoding.
        for record in model.opportunities.records.values { #expect(try OpportunityRecord(record: record.encodedRecord()) == record) }
        for record in model.quotes.records.values { #expect(try QuoteRecord(record: record.encodedRecord()) == record) }
    }

    @Test func summaryFiguresMatchTheHandArithmetic() async throws {
        let store = try await F.loaded()
        let model = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store)
        let summary = model.summary() // EUR (rules.currency); O8 in USD is left out everywhere.
        #expect(summary.currency == .eur)

        // Open EUR opportunities: O5 12 000.00 × 40 % = 4 800.00 (proposal), O6 5 000.00 × 20 % = 1 000.00
        // (prospecting), O7 2 500.50 × 33 % = 825.165 → 825.17 (proposal).
        #expect(summary.openByStage == [
            .prospecting: openFigures(1, 500_000, 100_000),  // O6
            .qualification: openFigures(0, 0, 0),
            .needsAnalysis: openFigures(0, 0, 0),
            .proposal: openFigures(2, 1_450_050, 562_517),   // 12 000.00 + 2 500.50 = 14 500.50; 4 800.00 + 825.17 = 5 625.17
            .negotiation: openFigures(0, 0, 0),
        ])
        #expect(summary.open == openFigures(3, 1_950_050, 662_517)) // 19 500.50; 1 000.00 + 5 625.17 = 6 625.17

        // Forecast by expected close month: O6 2025-03-20; O7 2025-04-25 and O5 2025-04-30.
        #expect(summary.forecast.map(\.month) == ["2025-03", "2025-04"])
        #expect(summary.forecast.map(\.figures) == [openFigures(1, 500_000, 100_000), openFigures(2, 1_450_050, 562_517)])

        // Won: O1 9 500.00 (01-06 → 02-24 = 49 days), O2 4 200.00 (01-10 → 03-01 = 50 days). Lost: O3, O4.
        #expect(summary.won == 2)
        #expect(summary.lost == 2)
        #expect(summary.winRate == 0.5) // 2 / (2 + 2)
        #expect(summary.wonAmount == eur(1_370_000)) // 9 500.00 + 4 200.00 = 13 700.00
        #expect(summary.averageWonAmount == eur(685_000)) // 13 700.00 / 2 = 6 850.00
        #expect(summary.wonCycleDays == 99) // 49 + 50
        #expect(summary.averageSalesCycleDays == PipelineSummary.Ratio(99, 2)) // 99 / 2 = 49.5 days
        #expect(summary.averageSalesCycleDays?.value == 49.5)
        // velocity = open × wonAmount × won / ((won + lost) × cycleDays) = 3 × 1 370 000 × 2 / (4 × 99)
        //          = 8 220 000 / 396 = 20 757.58 → 20 758 minor units = 207.58 EUR a day
        //          (= 3 × 6 850.00 × 0.5 / 49.5)
        #expect(summary.velocityPerDay == eur(20_758))

        // Conversion [entered, advanced] from the stage histories:
        // prospecting   entered O1 O3 O4 O5 O6 = 5; advanced O1 O3 O4 O5 = 4 (O6 still there)
        // qualification entered O1 O2 O3 O4 O5 O7 = 6; advanced all but O3 (lost there) = 5
        //               (O4 went qualification → proposal → back to qualification: it advanced once)
        // needsAnalysis nobody entered it
        // proposal      entered O1 O2 O4 O5 O7 = 5; advanced O1 (negotiation) and O2 (won) = 2
        //               (O4 only went back down; O5, O7 are still there)
        // negotiation   entered O1 = 1; advanced O1 (won) = 1
        #expect(stageConversion(summary) == [.prospecting: [5, 4], .qualification: [6, 5], .needsAnalysis: [0, 0],
                                        .proposal: [5, 2], .negotiation: [1, 1]])
        #expect(summary.conversion.map(\.stage) == PipelineStage.allCases)
        let rates: [Double?] = [4.0 / 5, 5.0 / 6, nil, 2.0 / 5, 1]
        #expect(summary.conversion.map(\.rate) == rates)

        // Lost: O3 price / Rival GmbH, O4 timing / Rival GmbH. Ties sort by name.
        #expect(summary.lostReasons == [.init(name: "price", count: 1), .init(name: "timing", count: 1)])
        #expect(summary.competitors == [.init(name: "Rival GmbH", count: 2)])

        // Quotes: Q1, Q5 accepted; Q2 rejected; Q3 expired; Q4 approved (pending).
        #expect(summary.quotes.pending == 1)
        #expect(summary.quotes.accepted == 2)
        #expect(summary.quotes.rejected == 1)
        #expect(summary.quotes.expired == 1)
        #expect(summary.quotes.acceptanceRate == 2.0 / 3) // 2 / (2 + 1), the expired Q3 left out
        #expect(summary.quotes.rejectionReasons == [.init(name: "price", count: 1)])
        #expect(summary.quotes.competitors == [.init(name: "Rival GmbH", count: 1)])
    }

    @Test func filteredAndGroupedSummaries() async throws {
        let store = try await F.loaded()
        let model = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store)

        // Customer acme in EUR: O1 won, O4 lost, O5 open (O8 is USD).
        let acme = model.summary { $0.customer == F.acme }
        #expect(acme.open == openFigures(1, 1_200_000, 480_000)) // O5: 12 000.00 × 40 % = 4 800.00
        #expect(acme.won == 1)
        #expect(acme.lost == 1)
        #expect(acme.quotes.accepted == 1) // Q1
        #expect(acme.quotes.expired == 1)  // Q3
        #expect(acme.quotes.pending == 1)  // Q4

        let owners = model.byOwner()
        #expect(Set(owners.keys) == [F.anna, F.ben])
        // anna: O1 won (9 500.00, 49 days), O3 lost, O5 and O7 open in proposal.
        let anna = try #require(owners[F.anna])
        #expect(anna.open == openFigures(2, 1_450_050, 562_517)) // 12 000.00 + 2 500.50; 4 800.00 + 825.17
        #expect(anna.openByStage[.proposal] == openFigures(2, 1_450_050, 562_517))
        #expect(anna.forecast.map(\.month) == ["2025-04"])
        #expect(anna.won == 1)
        #expect(anna.lost == 1)
        #expect(anna.winRate == 0.5) // 1 / (1 + 1)
        #expect(anna.wonAmount == eur(950_000))
        #expect(anna.averageSalesCycleDays == PipelineSummary.Ratio(49, 1))
        // 2 × 950 000 × 1 / (2 × 49) = 1 900 000 / 98 = 19 387.76 → 19 388
        #expect(anna.velocityPerDay == eur(19_388))
        // prospecting O1 O3 O5, all moved on; qualification O1 O3 O5 O7, all but O3; proposal O1 O5 O7, only O1
        #expect(stageConversion(anna) == [.prospecting: [3, 3], .qualification: [4, 3], .needsAnalysis: [0, 0],
                                          .proposal: [3, 1], .negotiation: [1, 1]])
        #expect(anna.lostReasons == [.init(name: "price", count: 1)])
        #expect(anna.competitors == [.init(name: "Rival GmbH", count: 1)])
        #expect(anna.quotes.acceptanceRate == 0.5) // Q1 accepted, Q2 rejected: 1 / (1 + 1); Q4 pending
        #expect(anna.quotes.pending == 1)

        // ben (EUR): O2 won (4 200.00, 50 days), O4 lost, O6 open in prospecting.
        let ben = try #require(owners[F.ben])
        #expect(ben.open == openFigures(1, 500_000, 100_000)) // 5 000.00 × 20 % = 1 000.00
        #expect(ben.forecast.map(\.month) == ["2025-03"])
        #expect(ben.winRate == 0.5)
        #expect(ben.averageSalesCycleDays == PipelineSummary.Ratio(50, 1))
        #expect(ben.averageWonAmount == eur(420_000))
        // 1 × 420 000 × 1 / (2 × 50) = 4 200 minor units = 42.00 a day
        #expect(ben.velocityPerDay == eur(4_200))
        #expect(ben.lostReasons == [.init(name: "timing", count: 1)])
        #expect(ben.quotes.acceptanceRate == 1) // Q5 accepted, Q3 expired (left out): 1 / (1 + 0)
        #expect(ben.quotes.expired == 1)

        let products = model.byProduct()
        #expect(Set(products.keys) == ["suite", "support"])
        // suite: O1 won, O3 lost, O5 open.
        let suite = try #require(products["suite"])
        #expect(suite.open == openFigures(1, 1_200_000, 480_000))
        #expect(suite.winRate == 0.5)
        // 1 × 950 000 × 1 / (2 × 49) = 950 000 / 98 = 9 693.88 → 9 694
        #expect(suite.velocityPerDay == eur(9_694))
        #expect(suite.quotes.acceptanceRate == 0.5) // Q1 accepted, Q2 rejected
        // support (EUR): O2 won, O4 lost, O6 (prospecting) and O7 (proposal) open.
        let support = try #require(products["support"])
        #expect(support.open == openFigures(2, 750_050, 182_517)) // 5 000.00 + 2 500.50; 1 000.00 + 825.17
        #expect(support.forecast.map(\.figures) == [openFigures(1, 500_000, 100_000), openFigures(1, 250_050, 82_517)])
        #expect(support.wonAmount == eur(420_000))
        // 2 × 420 000 × 1 / (2 × 50) = 8 400
        #expect(support.velocityPerDay == eur(8_400))
        #expect(support.quotes.acceptanceRate == 1) // Q5 accepted, Q3 expired

        // The groups partition the EUR summary.
        let all = model.summary()
        #expect(owners.values.map(\.open.count).reduce(0, +) == all.open.count)
        #expect(products.values.map(\.won).reduce(0, +) == all.won)
    }

    @Test func otherCurrenciesAreSummarisedApart() async throws {
        let store = try await F.loaded()
        let model = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store)
        let usd = model.summary(currency: .usd)
        #expect(usd.open == openFigures(1, 100_000, 50_000, .usd)) // O8: 1 000.00 USD × 50 % = 500.00 USD
        #expect(usd.openByStage[.qualification] == openFigures(1, 100_000, 50_000, .usd))
        #expect(usd.forecast.map(\.month) == ["2025-06"])
        #expect(usd.won == 0)
        #expect(usd.winRate == nil)
        #expect(usd.averageSalesCycleDays == nil)
        #expect(usd.averageWonAmount == nil)
        #expect(usd.velocityPerDay == nil)
        #expect(stageConversion(usd)[.qualification] == [1, 0])
        #expect(usd.quotes.acceptanceRate == nil)
        #expect(Array(model.byOwner(currency: .usd).keys) == [F.ben])
        #expect(model.summary(currency: .chf).open == openFigures(0, 0, 0, .chf))
        // A model built with CHF rules sums CHF by default.
        var chfRules = CRMRules.standard
        chfRules.currency = .chf
        let chf = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store, rules: chfRules)
        #expect(chf.summary().currency == .chf)
        #expect(chf.summary().open.count == 0)
        #expect(chf.summary(currency: .eur) == model.summary())
    }

    @Test func persistedProjectorRestoresAndCatchesUpLikeARebuild() async throws {
        let store = try ProjectionTestStore()
        try await F.run(0..<F.firstPart, on: store)
        let firstRebuild = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store)
        do {
            let projector = try Projector<PipelineModel>(store: store.store, state: StateStore(environment: store.store.environment))
            #expect(try projector.catchUp() > 0)
            #expect(projector.read { $0 } == firstRebuild)
            #expect(projector.read { $0.opportunities } == firstRebuild.opportunities)
        }
        // A new projector on the same store restores the stored records and checkpoint.
        let reopened = try Projector<PipelineModel>(store: store.store, state: StateStore(environment: store.store.environment))
        #expect(try reopened.checkpoint == store.store.head())
        #expect(reopened.read { $0.opportunities } == firstRebuild.opportunities)
        #expect(reopened.read { $0.quotes } == firstRebuild.quotes)
        #expect(try reopened.catchUp() == 0)

        // The rest of the history, folded incrementally, equals a fresh rebuild.
        try await F.run(F.firstPart..<F.history.count, on: store)
        #expect(try reopened.catchUp() > 0)
        let rebuilt = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store)
        #expect(reopened.read { $0.opportunities } == rebuilt.opportunities)
        #expect(reopened.read { $0.quotes } == rebuilt.quotes)
        #expect(reopened.read { $0.summary() } == rebuilt.summary())

        let again = try Projector<PipelineModel>(store: store.store, state: StateStore(environment: store.store.environment))
        #expect(again.read { $0.opportunities } == rebuilt.opportunities)
        #expect(again.read { $0.quotes } == rebuilt.quotes)
        #expect(again.read { $0.summary().velocityPerDay } == eur(20_758))

        // Restoring from the model's own entries gives the same model.
        #expect(try PipelineModel(rules: .standard, entries: rebuilt.entries()) == rebuilt)
    }

    @Test func asOfPositionAndBusinessDay() async throws {
        let store = try ProjectionTestStore()
        let beforeWin = try await F.run(0..<F.beforeWinIndex, on: store)
        try await F.run(F.beforeWinIndex..<F.history.count, on: store)

        // As of the position before O1's win: O1 is still open in negotiation, O2 in proposal.
        let before = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store, asOf: .position(beforeWin))
        #expect(before.opportunities[F.o1]?.status == .open)
        #expect(before.opportunities[F.o1]?.closedOn == nil)
        let summary = before.summary()
        #expect(summary.openByStage[.negotiation] == openFigures(1, 1_000_000, 100_000)) // O1 10 000.00 × 10 % = 1 000.00
        // proposal: O2 4 000.00 × 20 % = 800.00, O5 4 800.00, O7 825.17 → 4 000.00 + 12 000.00 + 2 500.50 = 18 500.50;
        // 800.00 + 4 800.00 + 825.17 = 6 425.17
        #expect(summary.openByStage[.proposal] == openFigures(3, 1_850_050, 642_517))
        #expect(summary.open == openFigures(5, 3_350_050, 842_517)) // + O1 10 000.00 / 1 000.00 + O6 5 000.00 / 1 000.00
        #expect(summary.won == 0)
        #expect(summary.lost == 2)
        #expect(summary.winRate == 0) // 0 / (0 + 2)
        #expect(summary.velocityPerDay == nil)
        #expect(summary.quotes.acceptanceRate == 0.5) // Q1 accepted, Q2 rejected; Q5 still sent (pending)
        #expect(summary.quotes.pending == 2) // Q4 approved, Q5 sent

        // A change recorded late but dated 2025-02-09: O5's probability 25 %.
        try await store.run(.changeOpportunityProbability(F.o5, probability: 25), on: "2025-02-09")

        // Business day 2025-02-08: O1 proposal 10 000.00 × 10 % = 1 000.00, O2 proposal 4 000.00 × 20 % = 800.00,
        // O4 qualification 3 000.00 × 10 % = 300.00, O5 prospecting 11 000.00 × 20 % = 2 200.00; O3 lost.
        let feb8 = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store, asOf: .businessDay(day("2025-02-08"))).summary()
        #expect(feb8.open == openFigures(4, 2_800_000, 430_000)) // 28 000.00; 4 300.00
        #expect(feb8.openByStage[.proposal] == openFigures(2, 1_400_000, 180_000))
        #expect(feb8.openByStage[.qualification] == openFigures(1, 300_000, 30_000))
        #expect(feb8.openByStage[.prospecting] == openFigures(1, 1_100_000, 220_000))
        #expect(feb8.forecast.map(\.month) == ["2025-03", "2025-04"]) // O1, O4 2025-03-31; O2 04-15, O5 04-30
        #expect(feb8.forecast.map(\.figures) == [openFigures(2, 1_300_000, 130_000), openFigures(2, 1_500_000, 300_000)])
        #expect(feb8.winRate == 0) // 0 won, O3 lost
        #expect(feb8.lostReasons == [.init(name: "price", count: 1)])
        #expect(feb8.quotes.rejected == 1) // Q2
        #expect(feb8.quotes.pending == 2)  // Q1, Q5 sent
        #expect(feb8.quotes.acceptanceRate == 0) // 0 / (0 + 1)

        // Business day 2025-02-09 takes the late change in: O5 11 000.00 × 25 % = 2 750.00.
        let feb9 = try ProjectionEngine.rebuild(PipelineModel.self, store: store.store, asOf: .businessDay(day("2025-02-09"))).summary()
        #expect(feb9.openByStage[.prospecting] == openFigures(1, 1_100_000, 275_000))
        #expect(feb9.open == openFigures(4, 2_800_000, 485_000)) // 4 300.00 − 2 200.00 + 2 750.00 = 4 850.00
    }

    @Test func roundingAndRanking() {
        #expect(PipelineMath.divideRounded(5, by: 2) == 3)
        #expect(PipelineMath.divideRounded(-5, by: 2) == -3)
        #expect(PipelineMath.divideRounded(7, by: 3) == 2)
        #expect(PipelineMath.divideRounded(-7, by: -3) == 2)
        #expect(PipelineMath.month(day("2025-02-09")) == "2025-02")
        #expect(PipelineMath.ranked(["b": 1, "a": 1, "c": 3]).map(\.name) == ["c", "a", "b"])
        #expect(PipelineSummary.Ratio(6, -4) == PipelineSummary.Ratio(-3, 2))
        #expect(PipelineSummary.Ratio(1, 0) == nil)
    }
}
