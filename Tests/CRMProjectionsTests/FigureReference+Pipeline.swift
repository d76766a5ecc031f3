import CRMDomain
import CRMReports
import Foundation

// The pipeline figures of `crm pipeline --json` recomputed from the plain list of events, written
// from docs/projections.md ("`crm pipeline --json`"), and the generator's sales steps. Each
// opportunity is rebuilt by scanning the events in business order; nothing is carried between
// opportunities or figures.

extension Reference {
    /// One opportunity as its events in business order leave it.
    struct Opportunity {
        var amount: Money
        var probability: Int
        var closeOn: CalendarDay
        var openedOn: Int32
        var stages: [PipelineStage]
        var outcome: String = "open"
        var closedOn: Int32?
        var wonAmount: Int64 = 0
        var wonCurrency: CurrencyCode?
        var lostReason: String?
        var competitor: String?
    }

    func opportunity(_ o: OpportunityID) -> Opportunity? {
        var result: Opportunity?
        for item in events {
            switch item.event {
            case .opportunityOpened(let e) where e.opportunityID == o:
                result = Opportunity(amount: e.expectedRevenue, probability: e.probability, closeOn: e.expectedCloseOn,
                                     openedOn: item.day, stages: [e.stage])
            case .opportunityStageChanged(let e) where e.opportunityID == o: result?.stages.append(e.to)
            case .opportunityAmountChanged(let e) where e.opportunityID == o: result?.amount = e.expectedRevenue
            case .opportunityProbabilityChanged(let e) where e.opportunityID == o: result?.probability = e.probability
            case .opportunityCloseDateChanged(let e) where e.opportunityID == o: result?.closeOn = e.expectedCloseOn
            case .opportunityWon(let e) where e.opportunityID == o:
                result?.outcome = "won"; result?.closedOn = item.day; result?.wonAmount = e.amount.minorUnits; result?.wonCurrency = e.amount.currency
            case .opportunityLost(let e) where e.opportunityID == o:
                result?.outcome = "lost"; result?.closedOn = item.day
                result?.lostReason = e.reason; result?.competitor = e.competitor
            default: break
            }
        }
        return result
    }

    /// The latest status of a quote in business order.
    func quoteStatus(_ q: QuoteID) -> String {
        var status = "drafted"
        for item in events {
            switch item.event {
            case .quoteAccepted(let e) where e.quoteID == q: status = "accepted"
            case .quoteRejected(let e) where e.quoteID == q: status = "rejected"
            case .quoteExpired(let e) where e.quoteID == q: status = "expired"
            case .quoteApproved(let e) where e.quoteID == q: status = "approved"
            case .quoteSent(let e) where e.quoteID == q: status = "sent"
            default: break
            }
        }
        return status
    }

    /// `a / b` rounded half away from zero, by exact integer arithmetic.
    static func rounded(_ a: Int128, _ b: Int128) -> Int64 {
        let q = a / b, r = a % b
        return Int64(r * 2 >= b ? q + 1 : q)
    }

    /// The pipeline report's figures on `day` (the report day), named as in its JSON.
    func pipeline(on day: Int32) -> [String: String] {
        var opportunities: [OpportunityID: Opportunity] = [:]
        for item in events {
            if case .opportunityOpened(let e) = item.event, e.expectedRevenue.currency == rules.currency {
                opportunities[e.opportunityID] = opportunity(e.opportunityID)
            }
        }
        let all = Array(opportunities.values)
        let open = all.filter { $0.outcome == "open" }
        func figures(_ list: [Opportunity]) -> String {
            let weighted = list.map { Self.rounded(Int128($0.amount.minorUnits) * Int128($0.probability), 100) }.reduce(0, +)
            return "\(list.count) \(list.map(\.amount.minorUnits).reduce(0, +)) \(weighted)"
        }
        var result: [String: String] = ["open": figures(open)]
        for stage in PipelineStage.allCases { result["stage \(stage)"] = figures(open.filter { $0.stages.last == stage }) }
        // The forecast lists the report day's month and later; earlier close months are one
        // overdue bucket.
        let reportMonth = String(CalendarDay(daysSince1970: day)!.description.prefix(7))
        let months = Set(open.map { String($0.closeOn.description.prefix(7)) }).sorted()
        result["forecast"] = months.filter { $0 >= reportMonth }
            .map { month in "\(month): " + figures(open.filter { $0.closeOn.description.hasPrefix(month) }) }
            .joined(separator: ", ")
        result["overdue"] = figures(open.filter { String($0.closeOn.description.prefix(7)) < reportMonth })
        let won = all.filter { $0.outcome == "won" }, lost = all.filter { $0.outcome == "lost" }
        let wonAmount = won.map(\.wonAmount).reduce(0, +)
        let cycleDays = won.map { Int64($0.closedOn! - $0.openedOn) }.reduce(0, +)
        result["won"] = "\(won.count)"
        result["lost"] = "\(lost.count)"
        result["wonAmount"] = "\(wonAmount)"
        result["winRate"] = won.count + lost.count == 0 ? "nil" : "\(Double(won.count) / Double(won.count + lost.count))"
        result["averageSalesCycleDays"] = won.isEmpty ? "nil" : "\(Double(cycleDays) / Double(won.count))"
        // open × (wonAmount / won) × (won / (won + lost)) / (cycleDays / won), rounded once.
        result["velocityPerDay"] = won.isEmpty || cycleDays == 0 ? "nil"
            : "\(Self.rounded(Int128(open.count) * Int128(wonAmount) * Int128(won.count), Int128(won.count + lost.count) * Int128(cycleDays)))"
        result["conversion"] = PipelineStage.allCases.map { stage in
            let entered = all.filter { $0.stages.contains(stage) }
            let advanced = entered.filter { o in
                o.outcome == "won" || o.stages[o.stages.firstIndex(of: stage)!...].contains { $0 > stage }
            }
            return "\(stage) \(entered.count) \(advanced.count)"
        }.joined(separator: ", ")
        func ranked(_ names: [String]) -> String {
            let counts = Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +)
            return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        result["lostReasons"] = ranked(lost.compactMap(\.lostReason))
        result["competitors"] = ranked(lost.compactMap(\.competitor))
        var accepted = 0, rejected = 0
        for item in events {
            guard case .quoteDrafted(let e) = item.event, opportunities[e.opportunityID] != nil else { continue }
            switch quoteStatus(e.quoteID) {
            case "accepted": accepted += 1
            case "rejected": rejected += 1
            default: break
            }
        }
        result["quoteAcceptanceRate"] = accepted + rejected == 0 ? "nil" : "\(Double(accepted) / Double(accepted + rejected))"
        return result
    }
}

extension PipelineReport {
    /// The report's figures in the shape of ``Reference/pipeline()``.
    var figures: [String: String] {
        func text(_ f: PipelineFigures) -> String { "\(f.count) \(f.amount.minorUnits) \(f.weighted.minorUnits)" }
        func text(_ value: Double?) -> String { value.map { "\($0)" } ?? "nil" }
        var result: [String: String] = ["open": text(open)]
        for stage in stages { result["stage \(stage.stage)"] = text(stage.figures) }
        result["forecast"] = forecast.map { "\($0.month): " + text($0.figures) }.joined(separator: ", ")
        result["overdue"] = text(overdue)
        result["won"] = "\(won)"
        result["lost"] = "\(lost)"
        result["wonAmount"] = "\(wonAmount.minorUnits)"
        result["winRate"] = text(winRate)
        result["averageSalesCycleDays"] = text(averageSalesCycleDays)
        result["velocityPerDay"] = velocityPerDay.map { "\($0.minorUnits)" } ?? "nil"
        result["conversion"] = conversion.map { "\($0.stage) \($0.entered) \($0.advanced)" }.joined(separator: ", ")
        result["lostReasons"] = lostReasons.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
        result["competitors"] = competitors.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
        result["quoteAcceptanceRate"] = text(quoteAcceptanceRate)
        return result
    }
}

// MARK: - The generator's sales steps

extension HistoryMaker {
    /// Opens, moves, changes, wins or loses an opportunity, or drafts and decides a quote. An
    /// opportunity's stage moves and changes of amount, probability and close date are often
    /// recorded late (dated between its opening and the clock, before its own later changes);
    /// its win or loss and a quote's transitions are dated on or after the entity's latest event
    /// (rule `<kind>.backdated`), later than other events of the history at will.
    mutating func salesStep(_ customer: (id: CustomerID, minute: Int64)) async throws {
        let open = opportunities.indices.filter { !opportunities[$0].closed }
        let roll = random.int(100)
        if open.isEmpty || roll < 22 {
            let o: OpportunityID = identifier(7)
            let at = time(after: customer.minute)
            // Odd amounts and any percentage, so that weighted amounts and velocity round.
            let amount = money(100_000 + random.int(2_000) * 37 + 1)
            let closeOn = CalendarDay(daysSince1970: Int32(at / 1_440) + Int32(random.int(120)))!
            let stage = PipelineStage.allCases[random.int(3)]
            if try await run(.openOpportunity(o, customer: customer.id, title: "T", expectedRevenue: amount, expectedCloseOn: closeOn,
                                              probability: random.int(101), product: ["A", "B"][random.int(2)], owner: id(9),
                                              stage: stage, campaign: someCampaign()), at: at) {
                opportunities.append((o, at, at, amount.currency, false))
            }
            return
        }
        if roll >= 70, try await quoteStep(open) { return }
        let i = open[random.int(open.count)]
        let o = opportunities[i]
        // A change (roll < 56) may be dated anywhere from the opening on; a win or loss not
        // before the opportunity's latest event.
        let at = roll < 56 ? time(after: o.opened) : time(after: o.last)
        let command: CRMCommand
        var closes = false
        switch roll {
        case 22..<40: command = .moveOpportunity(o.id, to: PipelineStage.allCases[random.int(PipelineStage.allCases.count)])
        case 40..<46: command = .changeOpportunityAmount(o.id, expectedRevenue: Money(minorUnits: Int64(50_000 + random.int(4_000) * 13),
                                                                                   currency: o.currency))
        case 46..<52: command = .changeOpportunityProbability(o.id, probability: random.int(101))
        case 52..<56: command = .changeOpportunityCloseDate(o.id, expectedCloseOn: CalendarDay(daysSince1970: Int32(at / 1_440) + Int32(random.int(90)))!)
        case 56..<63:
            command = .winOpportunity(o.id, amount: Money(minorUnits: Int64(80_000 + random.int(3_000) * 101), currency: o.currency))
            closes = true
        default:
            command = .loseOpportunity(o.id, reason: ["price", "timing", "features"][random.int(3)],
                                       competitor: [nil, "Acme", "Globex"][random.int(3)])
            closes = true
        }
        if try await run(command, at: at) {
            opportunities[i].last = max(o.last, at)
            opportunities[i].closed = closes
        }
    }

    /// Drafts a quote for an open opportunity or moves a quote on; `false` when there was none to move.
    mutating func quoteStep(_ open: [Int]) async throws -> Bool {
        if random.chance(35) {
            let o = opportunities[open[random.int(open.count)]]
            let q: QuoteID = identifier(8)
            let at = time(after: o.last)
            let lines = [OrderLine(product: "P", quantity: 1, unitPrice: Money(minorUnits: 90_000, currency: o.currency))]
            let validUntil = CalendarDay(daysSince1970: Int32(at / 1_440) + 30)!
            if try await run(.draftQuote(q, opportunity: o.id, lines: lines, validUntil: validUntil), at: at) { quotes.append((q, at, 0)) }
            return true
        }
        let pending = quotes.indices.filter { quotes[$0].stage < 3 }
        guard !pending.isEmpty else { return false }
        let i = pending[random.int(pending.count)]
        let quote = quotes[i]
        let at = time(after: quote.last)
        let command: CRMCommand
        switch quote.stage {
        case 0: command = random.chance(85) ? .approveQuote(quote.id, by: id(9)) : .expireQuote(quote.id)
        case 1: command = .sendQuote(quote.id, channel: .email)
        default:
            let pick = random.int(10)
            command = pick < 5 ? .acceptQuote(quote.id) : pick < 9 ? .rejectQuote(quote.id, reason: "price", competitor: "Acme") : .expireQuote(quote.id)
        }
        if try await run(command, at: at) {
            quotes[i].last = at
            if case .expireQuote = command { quotes[i].stage = 3 } else { quotes[i].stage += 1 }
        }
        return true
    }
}
