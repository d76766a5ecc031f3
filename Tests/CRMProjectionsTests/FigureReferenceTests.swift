import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMProjections
import CRMReports
import Foundation
import Testing
import TestSupport

// The differential test of docs/projections.md ("Figure reference"): random CRM histories run
// through the commands (late-recorded events, same-day events, boundary times, cancellations,
// returns, merges, two currencies, reopened tickets), cut at random positions and days; every
// figure the JSON reports print that the reference covers must equal a naive recomputation from
// the plain list of decoded events. The reference (FigureReference.swift,
// FigureReference+Pipeline.swift) shares no code with the folds: it sorts the events by
// business time and recomputes each figure from its written definition; the histories come from
// FigureReferenceGenerator.swift.

@Suite("Figure reference: the folds equal a naive recomputation")
struct FigureReferenceTests {
    /// 50 histories; 2,000 when `CRMKIT_TRIALS` ≥ 1,000 (`make test-long`).
    static var histories: Int {
        (ProcessInfo.processInfo.environment["CRMKIT_TRIALS"].flatMap(Int.init) ?? 0) >= 1_000 ? 2_000 : 50
    }

    static let rules: CRMRules = {
        var rules = CRMRules.standard
        rules.lifecycle.lostAfterDaysWithoutOrder = 90   // more losses and reactivations in two years
        return rules
    }()

    @Test("random histories: every covered figure, as of random positions, days and both, equals the reference")
    func differential() async throws {
        var checked = 0
        if let seed = ProcessInfo.processInfo.environment["FIGURES_SEED"].flatMap(UInt64.init) {
            _ = try await Self.trial(seed: seed)
            return
        }
        for trial in 0..<Self.histories {
            checked += try await Self.trial(seed: UInt64(trial) &* 0x2545_F491_4F6C_DD1D &+ 17)
        }
        #expect(checked > Self.histories * 50)
    }

    /// One history; returns the number of figures compared.
    static func trial(seed: UInt64) async throws -> Int {
        let directory = TemporaryDirectory("figures")
        let store = try EventStore(path: directory.sub("store"),
                                   configuration: EventStore.Configuration(durability: .relaxed, groupCommitLinger: .zero))
        defer {
            store.close()
            withExtendedLifetime(directory) {}
        }
        var maker = HistoryMaker(random: SeededRandom(state: seed), handler: CommandHandler(store: store))
        _ = try await maker.run(.registerEmployee(id(9), name: "Agent", role: "service"), at: maker.cursor)
        for _ in 0..<130 { try await maker.step() }
        let head = try store.head()
        guard head > 0 else { return 0 }
        let registry = EventRegistry()
        let all = try store.events().map {
            ReferenceEvent(event: try registry.decode($0), micros: Micros.from($0.occurredAt), position: $0.position)
        }
        let state = StateStore(environment: store.environment)
        var random = SeededRandom(state: seed ^ 0xABCD)
        var compared = 0
        let context = "seed \(seed)"

        // As of a position: the report day is the latest business day among events 1…P.
        let p = UInt64(1 + random.int(Int(head)))
        let byPosition = try ReportSource.load(store: store, state: state, rules: rules, asOf: .position(p))
        let known = Reference(all.filter { $0.position <= p }, rules: rules)
        #expect(byPosition.position == p, "\(context)")
        #expect(byPosition.day.daysSince1970 == known.reportDay, "\(context) report day")
        compared += compare(byPosition, known, day: byPosition.day.daysSince1970, context: context + " position \(p)")

        // As of a day: the events on or before it, whatever their position.
        let first = all.map(\.day).min()!, last = all.map(\.day).max()!
        let d = first + Int32(random.int(Int(last - first) + 1))
        let byDay = try ReportSource.load(store: store, state: state, rules: rules, asOf: .businessDay(CalendarDay(daysSince1970: d)!))
        let upToDay = Reference(all, rules: rules).through(d)
        #expect(byDay.position == (upToDay.events.map(\.position).max() ?? 0), "\(context) position as of day \(d)")
        compared += compare(byDay, upToDay, day: d, context: context + " day \(d)")

        // Both: what was true on an earlier day D' as known at P — the lifecycle's queries.
        if let reportDay = known.reportDay, let firstKnown = known.events.map(\.day).min() {
            let earlier = firstKnown + Int32(random.int(Int(reportDay - firstKnown) + 1))
            let then = known.through(earlier)
            let lifecycle = byPosition.models.lifecycle
            for c in Set(then.lifecycleCustomers) {
                let fast = lifecycle.history(of: c, asOf: CalendarDay(daysSince1970: earlier)!).map {
                    Reference.Transition(day: $0.day.daysSince1970, from: $0.from, to: $0.to, rule: $0.rule).description
                }
                #expect(fast == then.history(of: c, asOf: earlier).map(\.description), "\(context) both \(p)/\(earlier) \(c)")
                #expect(lifecycle.stage(of: c, on: CalendarDay(daysSince1970: earlier)!) == then.stage(of: c, on: earlier),
                        "\(context) both stage \(c)")
                compared += 2
            }
            #expect(LifecycleStage.allCases.map { lifecycle.counts(asOf: CalendarDay(daysSince1970: earlier)!)[$0] ?? 0 }
                == then.counts(on: earlier), "\(context) both counts")
            compared += 1
        }
        return compared
    }

    /// Compares the reports of `source` on `day` with the reference; returns the figures compared.
    static func compare(_ source: ReportSource, _ reference: Reference, day: Int32, context: String) -> Int {
        var compared = 0
        // Customer 360 of every registered customer.
        for c in Set(reference.customers) {
            guard let report = try? Customer360Report(source, customer: c) else {
                Issue.record("\(context): no customer 360 for \(c)")
                continue
            }
            let expected = reference.customer(c, on: day)
            let fast = Reference.Customer(
                stage: report.stage, history: report.stageHistory.map { "\($0.day) \($0.from ?? "—")→\($0.to) \($0.rule)" },
                clv: report.clv.minorUnits, segment: report.segment, churnScore: report.churnRisk.score, churnLevel: report.churnRisk.level,
                churnReasons: report.churnRisk.reasons, leadScore: report.leadScore, openBalance: report.openBalance.minorUnits, overdueBalance: report.overdueBalance.minorUnits,
                orderCount: report.orderCount, lastOrderOn: report.lastOrderOn, nps: report.nps,
                sla: Dictionary(uniqueKeysWithValues: report.tickets.map { ($0.id, $0.firstResponse + "/" + $0.resolution) }))
            #expect(fast == expected, "\(context) customer \(c)")
            #expect(report.asOf == CalendarDay(daysSince1970: day)!.description, "\(context)")
            compared += 15
            // Every listed entry's figures; every entry that must be listed is.
            let lists = reference.lists(of: c)
            func money(_ m: MoneyAmount) -> String { Reference.money(m.minorUnits, m.currency) }
            for order in report.orders {
                let fast = "\(order.placedOn) \(money(order.total)) \(order.status) \(order.deliveredOn ?? "-") "
                    + "\(order.returned.map { String($0.minorUnits) } ?? "-")"
                #expect(fast == lists.orders[order.id], "\(context) order \(order.id)")
                compared += 5
            }
            for invoice in report.invoices {
                let fast = "\(invoice.issuedOn) \(invoice.dueOn) \(money(invoice.amount)) \(money(invoice.open)) \(invoice.markedOverdue)"
                #expect(fast == lists.invoices[invoice.id], "\(context) invoice \(invoice.id)")
                compared += 5
            }
            for ticket in report.tickets {
                #expect("\(ticket.openedOn) \(ticket.category) \(ticket.priority) \(ticket.status)" == lists.tickets[ticket.id],
                        "\(context) ticket \(ticket.id)")
                compared += 4
            }
            let opportunities = report.opportunities.map { "\($0.title) \(money($0.amount)) \($0.status) \($0.stage ?? "-")" }.sorted()
            #expect(opportunities == lists.opportunities, "\(context) opportunities")
            compared += opportunities.count * 3
            let listed = Set(report.orders.map(\.id) + report.invoices.map(\.id) + report.tickets.map(\.id))
            #expect(lists.mustList.isSubset(of: listed), "\(context) unlisted \(lists.mustList.subtracting(listed))")
        }
        // Pipeline: every figure of `crm pipeline --json`.
        let pipeline = PipelineReport(source)
        #expect(pipeline.asOf == CalendarDay(daysSince1970: day)!.description && pipeline.position == source.position, "\(context)")
        let pipelineFigures = pipeline.figures
        for (name, value) in reference.pipeline(on: day) {
            #expect(pipelineFigures[name] == value, "\(context) pipeline \(name)")
            compared += 1
        }
        // Lifecycle distribution and its month-end history.
        let lifecycle = LifecycleReport(source)
        #expect(lifecycle.stages.map(\.count) == reference.counts(on: day), "\(context) lifecycle")
        for snapshot in lifecycle.history {
            #expect(snapshot.counts == reference.counts(on: CalendarDay(iso: snapshot.day)!.daysSince1970), "\(context) \(snapshot.month)")
            compared += 1
        }
        // Scorecard JSON: this month with the two before as its trend, this quarter with the one before.
        let (year, month, _) = CalendarDay(daysSince1970: day)!.parts
        let thisQuarter = Period.quarter(year: year, quarter: (month - 1) / 3 + 1), thisMonth = Period.month(year: year, month: month)
        let cases = [([thisQuarter.previous, thisQuarter], ScorecardSummary(source, period: thisQuarter, trend: 2)),
                     ([thisMonth.previous.previous, thisMonth.previous, thisMonth], ScorecardSummary(source, period: thisMonth, trend: 3))]
        for (periods, summary) in cases {
            #expect(summary.asOf == CalendarDay(daysSince1970: day)!.description && summary.position == source.position, "\(context)")
            #expect(summary.trendPeriods == periods.map(\.description), "\(context)")
            let kpis = Dictionary(uniqueKeysWithValues: summary.perspectives.flatMap(\.kpis).map { ($0.name, $0) })
            let profit = Dictionary(uniqueKeysWithValues: summary.segmentProfit.map { ($0.segment, $0.profit.minorUnits) })
            #expect(profit == reference.segmentProfit(periods.last!), "\(context) \(summary.period) segmentProfit")
            #expect(Set(summary.segmentProfit.map(\.profit.currency)) == [reference.rules.currency.code], "\(context)")
            compared += 4
            for (index, period) in periods.enumerated() {
                let name = period.description
                for (kpi, value) in reference.scorecard(period, on: day) {
                    #expect(kpis[kpi]?.trend[index] == value, "\(context) \(name) \(kpi)")
                    if name == summary.period { #expect(kpis[kpi]?.value == value, "\(context) \(name) \(kpi)") }
                    compared += 1
                }
            }
        }
        compared += compareJourney(source, reference, day: day, period: thisQuarter, context: context)
        compared += compareJourney(source, reference, day: day, period: .year(year), context: context)
        return compared
    }
}
