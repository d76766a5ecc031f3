import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMPolicies
import CRMProjections
import CRMReports
@testable import CRMSimulation
import Foundation
import Testing
import TestSupport

/// The demo's contract (docs/simulation.md): the figures of a generated world fall in the
/// ranges a CRM manager finds plausible.
@Suite struct DemoWorldTests {
    /// The figures the contract checks, from the same reports `crm` prints.
    struct Figures: CustomStringConvertible {
        var customers = 0, events = 0
        var yearlyChurn = 0.0, atRiskShare = 0.0, stageShares: [String: Double] = [:]
        var winRate = 0.0, slaBreach = 0.0, nps = 0.0, openStages = 0
        var treated = 0, comparison = 0, lift = 0.0, refused = 0, refusals: [String] = []
        var description: String {
            let stages = stageShares.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value * 100)) %" }.joined(separator: ", ")
            return "customers \(customers), events \(events), yearly churn \(String(format: "%.1f", yearlyChurn * 100)) %, at risk "
                + "\(String(format: "%.1f", atRiskShare * 100)) %, stages [\(stages)], win rate \(String(format: "%.1f", winRate * 100)) %, "
                + "SLA breach \(String(format: "%.1f", slaBreach * 100)) %, NPS \(String(format: "%.1f", nps)), open stages \(openStages), "
                + "treated \(treated), comparison \(comparison), lift \(String(format: "%+.3f", lift)), refused \(refused) \(refusals)"
        }
    }

    /// Generates a world of `customers` customers and measures it.
    static func figures(customers: Int, seed: UInt64) async throws -> Figures {
        let directory = TemporaryDirectory("demo-world")
        let store = try EventStore(path: directory.sub("store"), configuration: .init(durability: .relaxed))
        defer { store.close() }
        let handler = CommandHandler(store: store)
        let summary = try await DemoWorld.generate(into: store, handler: handler, parameters: MarketParameters(customers: customers, seed: seed),
                                                   readModelRules: ReportSource.defaultRules)
        var figures = try await Self.figures(of: store)
        figures.refused = summary.refused
        figures.refusals = summary.refusals
        return figures
    }

    /// Measures the world in `store` with the served rules (the defaults for a demo store).
    static func figures(of store: EventStore) async throws -> Figures {
        let state = try StateStore(environment: store.environment)
        let rules = try ReportSource.servedRules(in: state, for: store)
        let source = try ReportSource.load(store: store, state: state, rules: rules)
        var figures = Figures()
        figures.events = Int(try store.head())
        let scorecard = ScorecardSummary(source, period: .year(2025))
        let kpis = Dictionary(scorecard.perspectives.flatMap(\.kpis).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        figures.yearlyChurn = try #require(kpis["churnRate"] ?? nil, "no churnRate in 2025")
        figures.slaBreach = try #require(kpis["slaBreachRate"] ?? nil, "no slaBreachRate in 2025")
        figures.nps = try #require(kpis["nps"] ?? nil, "no nps in 2025")
        let value = CustomerValueReport(source)
        figures.atRiskShare = Double(value.churnLevels["medium", default: 0] + value.churnLevels["high", default: 0]) / Double(value.customers)
        let lifecycle = LifecycleReport(source)
        figures.customers = lifecycle.total
        for stage in lifecycle.stages { figures.stageShares[stage.stage] = Double(stage.count) / Double(lifecycle.total) }
        let pipeline = PipelineReport(source)
        figures.winRate = pipeline.winRate ?? 0
        figures.openStages = pipeline.stages.filter { $0.figures.count > 0 }.count
        let effect = try await PolicyRunner(store: store, readModelRules: rules).effectReport(asOf: source.day)
        figures.treated = effect.treated.customers
        figures.comparison = effect.comparison.customers
        figures.lift = effect.repeatPurchaseLift ?? 0
        return figures
    }

    /// The ranges of docs/simulation.md, for a world generated with `customers` customers.
    static func checkContract(_ figures: Figures, customers: Int) {
        #expect((0.05...0.30).contains(figures.yearlyChurn), "yearly churn \(figures.yearlyChurn)")
        #expect((0.05...0.35).contains(figures.atRiskShare), "at-risk share \(figures.atRiskShare)")
        #expect(figures.stageShares.count == 5)
        for (stage, share) in figures.stageShares { #expect(share >= 0.02, "stage \(stage): \(share)") }
        #expect((0.15...0.50).contains(figures.winRate), "win rate \(figures.winRate)")
        #expect(figures.slaBreach <= 0.25, "SLA breach \(figures.slaBreach)")
        #expect((-10...60).contains(figures.nps), "NPS \(figures.nps)")
        #expect(figures.openStages >= 4, "open deals in \(figures.openStages) stages")
        #expect(figures.treated >= 50 && figures.comparison >= 50, "groups \(figures.treated) / \(figures.comparison)")
        #expect(figures.lift > 0.1, "planted lift \(figures.lift)")
        #expect(figures.refused == 0)
        #expect((customers * 9 / 10...customers).contains(figures.customers), "customers \(figures.customers)")
    }

    @Test func theDemoWorldMeetsItsContract() async throws {
        let figures = try await Self.figures(customers: 1_200, seed: 2026)
        print("demo world figures: \(figures)")
        Self.checkContract(figures, customers: 1_200)
    }

    /// The store `make demo` wrote (`./crm-store` of the package, or `CRMKIT_DEMO_STORE`), when
    /// there is one: the first thing a new user sees meets the same contract.
    static let makeDemoStore: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = ProcessInfo.processInfo.environment["CRMKIT_DEMO_STORE"] ?? root.appendingPathComponent("crm-store").path
        return FileManager.default.fileExists(atPath: path + "/data.mdb") ? path : nil
    }()

    @Test(.enabled(if: makeDemoStore != nil, "no `make demo` store (./crm-store) to check"))
    func theMakeDemoStoreMeetsTheContract() async throws {
        let store = try EventStore(path: try #require(Self.makeDemoStore))
        defer { store.close() }
        let figures = try await Self.figures(of: store)
        print("make demo store figures: \(figures)")
        Self.checkContract(figures, customers: 5_000)
    }

    @Test func idsOfDifferentKindsNeverCollide() {
        let market = MarketSimulation(parameters: MarketParameters(customers: 500, seed: 0))
        let employees = Set(market.employees.map(\.uuid))
        let customers = Set(market.customers.map(\.id.uuid))
        let leads = Set(market.leads.map(\.id.uuid))
        #expect(employees.count == 24 && customers.count == market.customers.count && leads.count == market.leads.count)
        #expect(employees.isDisjoint(with: customers) && employees.isDisjoint(with: leads) && customers.isDisjoint(with: leads))
    }

    @Test func anEventBudgetSetsTheActivity() {
        #expect(MarketParameters(customers: 1_000, events: 70_000).activity == 1)
        #expect(MarketParameters(customers: 1_000, events: 140_000).activity == 2)
        #expect(MarketParameters(customers: 1_000, events: 1_000).activity == 0.2)
        #expect(MarketParameters(customers: 1_000).activity == 1)
    }
}
