import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

@Suite("Rebuild after a rule change")
struct RuleChangeTests {
    @Test("raising the growing threshold yields exactly the expected per-customer difference and switches atomically")
    func lifecycleThreshold() async throws {
        let t = try ProjectionTestStore()
        let c1: CustomerID = id(1), c2: CustomerID = id(2), c3: CustomerID = id(3)
        try await t.run(.registerCustomer(c1, kind: .person, name: "C1"), on: "2026-01-01")
        try await t.run(.registerCustomer(c2, kind: .person, name: "C2"), on: "2026-01-01")
        try await t.run(.registerCustomer(c3, kind: .person, name: "C3"), on: "2026-01-01")
        try await t.run(.placeOrder(id(11), customer: c1, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(90_000))],
                                    channel: .web), on: "2026-01-10")
        try await t.run(.placeOrder(id(12), customer: c1, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(120_000))],
                                    channel: .web), on: "2026-02-10")
        try await t.run(.placeOrder(id(13), customer: c2, lines: [OrderLine(product: "P", quantity: 1, unitPrice: eur(50_000))],
                                    channel: .web), on: "2026-02-11")

        let served = try Projector<CRMReadModels>(store: t.store, state: StateStore(environment: t.store.environment), rules: .standard)
        try served.catchUp()
        try served.activate()
        // Rules v1: 2 orders in 365 days and 900.00 + 1 200.00 = 2 100.00 ≥ 2 000.00: C1 grows.
        #expect(served.read { $0.lifecycle.stage(of: c1) } == .growingCustomer)

        var stricter = CRMRules.standard
        stricter.version = 2
        stricter.lifecycle.growingMinRevenue = 250_000
        let (next, report) = try served.changeRules(to: stricter, asOf: day("2026-03-31"), periods: [.quarter(year: 2026, quarter: 1)])

        // Rules v2: 2 100.00 < 2 500.00: C1 stays a new customer. Nothing else moves.
        #expect(report.changes == [RuleChangeReport.Change(subject: c1.stream, figure: "stage", old: "growingCustomer", new: "newCustomer")])
        #expect(report.kpiChanges.isEmpty)
        #expect(report.oldVersion == 1 && report.newVersion == 2)
        #expect(report.position == 6)
        #expect(next.generation == "r2")
        #expect(next.read { $0.lifecycle.stage(of: c1) } == .newCustomer)

        // Readers now get r2; r1 is still stored beside it until dropped.
        let active = try PersistedState(state: StateStore(environment: t.store.environment), model: CRMReadModels.name)
        #expect(active.generation == "r2")
        let old = try PersistedState(state: StateStore(environment: t.store.environment), model: CRMReadModels.name, generation: "r1")
        #expect(try old.checkpoint() == 6)
        try Projector<CRMReadModels>.drop(state: StateStore(environment: t.store.environment), generation: "r1")
        #expect(try old.value(for: [0, 1] + c1.keyBytes) == nil)
        #expect(throws: ProjectionError.self) { try Projector<CRMReadModels>.drop(state: StateStore(environment: t.store.environment), generation: "r2") }

        // A projector opened without a generation serves the active one, under its rules only.
        #expect(throws: ProjectionError.self) { try Projector<CRMReadModels>(store: t.store, state: StateStore(environment: t.store.environment), rules: .standard) }
        let reopened = try Projector<CRMReadModels>(store: t.store, state: StateStore(environment: t.store.environment), rules: stricter)
        #expect(reopened.generation == "r2")
        #expect(reopened.read { $0.lifecycle.stage(of: c1) } == .newCustomer)
    }
}
