import CRMDomain
@testable import CRMProjections
import CRMSimulation
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// A store with helpers that run the commands a lifecycle history needs. Customers are
/// `id(1…9)`, orders `id(10…99)`, contracts `id(100…)`.
struct LifecycleFixture {
    let test = try! ProjectionTestStore()

    func register(_ customer: UInt8, on day: String) async throws {
        try await test.run(.registerCustomer(id(customer), kind: .person, name: "Kunde \(customer)"), on: day)
    }

    func order(_ order: UInt8, for customer: UInt8, _ minor: Int64, on day: String, currency: CurrencyCode = .eur) async throws {
        let line = OrderLine(product: "SG-3", quantity: 1, unitPrice: Money(minorUnits: minor, currency: currency))
        try await test.run(.placeOrder(id(order), customer: id(customer), lines: [line], channel: .web), on: day)
    }

    func deliver(_ order: UInt8, on day: String) async throws {
        try await test.run(.shipOrder(id(order)), on: day, minutes: 600)
        try await test.run(.deliverOrder(id(order)), on: day, minutes: 660)
    }

    func giveBack(_ order: UInt8, _ minor: Int64, on day: String) async throws {
        try await test.run(.returnOrder(id(order), amount: eur(minor), reason: "damaged"), on: day)
    }

    func cancel(_ order: UInt8, on day: String) async throws {
        try await test.run(.cancelOrder(id(order), reason: "changed mind"), on: day)
    }

    func sign(_ contract: UInt8, for customer: UInt8, on day: String) async throws {
        try await test.run(.signContract(id(contract), customer: id(customer), value: eur(1_200_000), startsOn: CalendarDay(iso: day)!,
                                         endsOn: CalendarDay(iso: day)!.adding(days: 365)), on: day)
    }

    func terminate(_ contract: UInt8, on day: String) async throws {
        try await test.run(.terminateContract(id(contract), reason: "budget cut", effectiveOn: CalendarDay(iso: day)!), on: day)
    }

    func model(_ rules: CRMRules = .standard, asOf: AsOf? = nil) throws -> LifecycleModel {
        try ProjectionEngine.rebuild(LifecycleModel.self, store: test.store, rules: rules, asOf: asOf)
    }
}

/// An expected transition.
private func step(_ day: String, _ from: LifecycleStage?, _ to: LifecycleStage, _ rule: String) -> LifecycleModel.StageTransition {
    LifecycleModel.StageTransition(day: CalendarDay(iso: day)!, from: from, to: to, rule: rule)
}

private let c1: CustomerID = id(1), c2: CustomerID = id(2), c3: CustomerID = id(3), c4: CustomerID = id(4)
private let c5: CustomerID = id(5), c6: CustomerID = id(6)

@Suite("Lifecycle stages")
struct LifecycleTests {
    @Test("stages and German names follow seed 004")
    func stageNames() {
        #expect(LifecycleStage.allCases.map(\.germanName) == ["Interessent", "Neukunde", "Aufsteigerkunde", "Starkunde", "Verlorener Kunde"])
        #expect(LifecycleStage.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
    }

    @Test("registration, first order, growing and star thresholds; foreign currency counts as orders only")
    func promotions() async throws {
        let f = LifecycleFixture()
        for customer: UInt8 in 1...4 { try await f.register(customer, on: "2025-01-06") }
        try await f.order(11, for: 1, 150_000, on: "2025-01-10") // 1 order ≥ 1 → new customer
        try await f.order(12, for: 1, 90_000, on: "2025-02-10")  // 2 orders in 365 days: 1 500.00 + 900.00 = 2 400.00 ≥ 2 000.00 → growing
        try await f.order(13, for: 1, 600_000, on: "2025-03-10") // 3 orders < 4 → still growing
        try await f.order(14, for: 1, 700_000, on: "2025-04-10") // 4 orders: 1 500 + 900 + 6 000 + 7 000 = 15 400.00 ≥ 15 000.00 → star
        try await f.order(21, for: 2, 120_000, on: "2025-01-10") // → new customer
        try await f.order(22, for: 2, 70_000, on: "2025-02-10")  // 2 orders but 1 200.00 + 700.00 = 1 900.00 < 2 000.00 → stays new
        // Customer 3 never orders. Customer 4 orders 2 × 5 000.00 USD: two orders, 0.00 EUR revenue → new.
        try await f.order(41, for: 4, 500_000, on: "2025-01-10", currency: .usd)
        try await f.order(42, for: 4, 500_000, on: "2025-02-10", currency: .usd)

        let model = try f.model()
        #expect(model.history(of: c1) == [
            step("2025-01-06", nil, .prospect, "registered"),
            step("2025-01-10", .prospect, .newCustomer, "first-order"),
            step("2025-02-10", .newCustomer, .growingCustomer, "growing-threshold"),
            step("2025-04-10", .growingCustomer, .starCustomer, "star-threshold"),
        ])
        #expect(model.history(of: c2) == [
            step("2025-01-06", nil, .prospect, "registered"),
            step("2025-01-10", .prospect, .newCustomer, "first-order"),
        ])
        #expect(model.history(of: c3) == [step("2025-01-06", nil, .prospect, "registered")])
        #expect(model.history(of: c4).map(\.to) == [.prospect, .newCustomer])
        #expect(model.record(of: c4)?.orders.map(\.netMinor) == [0, 0])
        #expect(model.stages() == [c1: .starCustomer, c2: .newCustomer, c3: .prospect, c4: .newCustomer])
        #expect(model.latestDay == day("2025-04-10"))
        // Stages on past days come from the history.
        #expect(model.stage(of: c1, on: day("2025-01-05")) == nil)
        #expect(model.stage(of: c1, on: day("2025-01-09")) == .prospect)
        #expect(model.stage(of: c1, on: day("2025-03-31")) == .growingCustomer)
        #expect(model.stage(of: id(9)) == nil)
    }

    @Test("returns and cancellations lower revenue and demote")
    func demotions() async throws {
        let f = LifecycleFixture()
        try await f.register(1, on: "2025-01-06")
        try await f.register(2, on: "2025-01-06")
        try await f.order(11, for: 1, 150_000, on: "2025-01-10")
        try await f.order(12, for: 1, 90_000, on: "2025-02-10")
        try await f.order(13, for: 1, 600_000, on: "2025-03-10")
        try await f.order(14, for: 1, 700_000, on: "2025-04-10") // 15 400.00 ≥ 15 000.00 → star
        try await f.deliver(14, on: "2025-04-12")                  // star again on re-evaluation: no transition
        try await f.giveBack(14, 50_000, on: "2025-04-20")         // 15 400.00 − 500.00 = 14 900.00 < 15 000.00 → growing
        try await f.order(21, for: 2, 150_000, on: "2025-01-10")   // → new
        try await f.order(22, for: 2, 90_000, on: "2025-02-10")    // 2 400.00 ≥ 2 000.00 → growing
        try await f.cancel(22, on: "2025-02-12")                   // 1 order < 2 → new
        try await f.cancel(21, on: "2025-02-13")                   // 0 orders < 1 → prospect

        let model = try f.model()
        #expect(model.history(of: c1).suffix(2) == [
            step("2025-04-10", .growingCustomer, .starCustomer, "star-threshold"),
            step("2025-04-20", .starCustomer, .growingCustomer, "below-star-threshold"),
        ])
        #expect(model.record(of: c1)?.orders.map(\.netMinor) == [150_000, 90_000, 600_000, 650_000])
        #expect(model.history(of: c2) == [
            step("2025-01-06", nil, .prospect, "registered"),
            step("2025-01-10", .prospect, .newCustomer, "first-order"),
            step("2025-02-10", .newCustomer, .growingCustomer, "growing-threshold"),
            step("2025-02-12", .growingCustomer, .newCustomer, "below-growing-threshold"),
            step("2025-02-13", .newCustomer, .prospect, "below-new-customer-threshold"),
        ])
        #expect(model.record(of: c2)?.orders == [])
        #expect(model.counts() == [.prospect: 1, .newCustomer: 0, .growingCustomer: 1, .starCustomer: 0, .lostCustomer: 0])
    }

    @Test("the 365-day window: an order 364 days back counts, 365 days back no longer")
    func windowExpiry() async throws {
        let f = LifecycleFixture()
        try await f.register(1, on: "2025-01-06")
        try await f.order(11, for: 1, 150_000, on: "2025-01-10")
        try await f.order(12, for: 1, 90_000, on: "2025-02-10") // growing
        try await f.sign(100, for: 1, on: "2026-01-09")          // window 2025-01-10 … 2026-01-09 holds both → growing
        try await f.test.run(.renewContract(id(100), endsOn: day("2027-06-30")), on: "2026-01-10")
        // window 2025-01-11 … 2026-01-10: only 900.00 from 2025-02-10 → 1 order < 2 → new
        let model = try f.model()
        #expect(model.history(of: c1).suffix(2) == [
            step("2025-02-10", .newCustomer, .growingCustomer, "growing-threshold"),
            step("2026-01-10", .growingCustomer, .newCustomer, "below-growing-threshold"),
        ])
    }

    @Test("no order for more than N days → lost, dated last order + N + 1; a new order reactivates")
    func inactivityAndReactivation() async throws {
        let f = LifecycleFixture()
        try await f.register(1, on: "2024-02-20")
        try await f.order(11, for: 1, 80_000, on: "2024-03-01")

        var model = try f.model()
        let before = model
        // 2024-03-01 + 365 = 2025-03-01: 365 days without an order is not yet more than 365.
        #expect(model.stage(of: c1, asOf: day("2025-03-01")) == .newCustomer)
        #expect(model.stage(of: c1, asOf: day("2025-03-02")) == .lostCustomer)
        #expect(model.stage(of: c1) == .newCustomer) // latest day 2024-03-01
        #expect(model.history(of: c1, asOf: day("2025-06-01")).last == step("2025-03-02", .newCustomer, .lostCustomer, "no-order-for-365-days"))
        #expect(model.counts(asOf: day("2025-03-02"))[.lostCustomer] == 1)
        // Queries do not materialise anything.
        #expect(model == before)
        #expect(model.record(of: c1)?.stage == .newCustomer)
        #expect(model.record(of: c1)?.transitions.count == 2)

        try await f.order(12, for: 1, 50_000, on: "2025-06-01") // lost materialised first, then reactivated; 1 order in 365 days → new
        model = try f.model()
        #expect(model.history(of: c1) == [
            step("2024-02-20", nil, .prospect, "registered"),
            step("2024-03-01", .prospect, .newCustomer, "first-order"),
            step("2025-03-02", .newCustomer, .lostCustomer, "no-order-for-365-days"),
            step("2025-06-01", .lostCustomer, .newCustomer, "reactivated"),
        ])
        #expect(model.stage(of: c1, on: day("2025-05-31")) == .lostCustomer)

        // The number of days comes from the rules: 90 → lost on 2024-03-01 + 91 = 2024-05-31.
        var rules = CRMRules(version: 2)
        rules.lifecycle.lostAfterDaysWithoutOrder = 90
        #expect(try f.model(rules).history(of: c1).suffix(2) == [
            step("2024-05-31", .newCustomer, .lostCustomer, "no-order-for-90-days"),
            step("2025-06-01", .lostCustomer, .newCustomer, "reactivated"),
        ])
    }

    @Test("inactivity is materialised by a later non-order event too, and a lost customer stays lost")
    func inactivityOnOtherEvent() async throws {
        let f = LifecycleFixture()
        try await f.register(1, on: "2024-02-20")
        try await f.order(11, for: 1, 80_000, on: "2024-03-01")
        try await f.deliver(11, on: "2024-03-03")
        try await f.giveBack(11, 10_000, on: "2025-04-01") // lost on 2025-03-02 before folding the return
        try await f.sign(100, for: 1, on: "2025-05-01")     // a lost customer stays lost until an order
        let model = try f.model()
        #expect(model.history(of: c1).suffix(1) == [step("2025-03-02", .newCustomer, .lostCustomer, "no-order-for-365-days")])
        #expect(model.stage(of: c1) == .lostCustomer)
        #expect(model.record(of: c1)?.evaluatedOn == day("2025-05-01"))
    }

    @Test("terminating the last active contract loses the customer; ordering again reactivates")
    func contractTermination() async throws {
        let f = LifecycleFixture()
        try await f.register(1, on: "2025-01-06")
        try await f.order(11, for: 1, 100_000, on: "2025-01-10") // → new
        try await f.sign(100, for: 1, on: "2025-01-15")
        try await f.sign(101, for: 1, on: "2025-01-20")
        try await f.terminate(100, on: "2025-06-01")              // contract 101 still active → stays new
        try await f.terminate(101, on: "2025-07-01")              // none left → lost
        try await f.order(12, for: 1, 120_000, on: "2025-08-01")
        // reactivated → new; then 2 orders in 365 days: 1 000.00 + 1 200.00 = 2 200.00 ≥ 2 000.00 → growing the same day
        let model = try f.model()
        #expect(model.history(of: c1) == [
            step("2025-01-06", nil, .prospect, "registered"),
            step("2025-01-10", .prospect, .newCustomer, "first-order"),
            step("2025-07-01", .newCustomer, .lostCustomer, "contract-terminated"),
            step("2025-08-01", .lostCustomer, .newCustomer, "reactivated"),
            step("2025-08-01", .newCustomer, .growingCustomer, "growing-threshold"),
        ])
        #expect(model.stage(of: c1, on: day("2025-07-31")) == .lostCustomer)
        #expect(model.record(of: c1)?.activeContracts == [])

        // With contractTerminationLoses off the termination changes nothing.
        var rules = CRMRules(version: 2)
        rules.lifecycle.contractTerminationLoses = false
        #expect(try f.model(rules).history(of: c1) == [
            step("2025-01-06", nil, .prospect, "registered"),
            step("2025-01-10", .prospect, .newCustomer, "first-order"),
            step("2025-08-01", .newCustomer, .growingCustomer, "growing-threshold"),
        ])
    }

    @Test("a merged duplicate is no longer listed; its history stays")
    func merge() async throws {
        let f = LifecycleFixture()
        try await f.register(1, on: "2025-01-06")
        try await f.register(2, on: "2025-01-06")
        try await f.order(21, for: 2, 100_000, on: "2025-01-10")
        try await f.test.run(.mergeCustomers(duplicate: c2, survivor: c1), on: "2025-03-01")
        let model = try f.model()
        #expect(model.stage(of: c2) == nil)
        #expect(model.stage(of: c2, on: day("2025-02-28")) == .newCustomer)
        #expect(model.stage(of: c1) == .prospect) // the duplicate's orders stay with it
        #expect(model.stages() == [c1: .prospect])
        #expect(model.stages(asOf: day("2025-02-28")) == [c1: .prospect, c2: .newCustomer])
        #expect(model.counts(asOf: day("2025-02-28")) == [.prospect: 1, .newCustomer: 1, .growingCustomer: 0, .starCustomer: 0, .lostCustomer: 0])
        #expect(model.counts() == [.prospect: 1, .newCustomer: 0, .growingCustomer: 0, .starCustomer: 0, .lostCustomer: 0])
        #expect(model.customersRegistered(through: day("2025-02-28")) == [c1, c2])
        #expect(model.customersRegistered(through: day("2025-03-01")) == [c1])
        #expect(model.customersRegistered(through: day("2025-01-05")) == [])
        #expect(model.history(of: c2).count == 2)
        #expect(model.record(of: c2)?.mergedInto == c1)
        // Years later the duplicate does not turn up as lost either.
        #expect(model.counts(asOf: day("2027-01-01"))[.lostCustomer] == 0)
    }

    @Test("the stage on a past day from the full history equals a rebuild cut at that business day")
    func asOfAgreesWithCutRebuild() async throws {
        let f = try await Self.mixedHistory()
        let full = try f.model()
        let customers = [c1, c2, c3, c4, c5, c6]
        var checked = 0
        for text in ["2024-12-31", "2025-01-06", "2025-01-10", "2025-02-11", "2025-03-01", "2025-04-19", "2025-04-20", "2025-07-01",
                     "2025-12-31", "2026-01-10", "2026-02-01", "2026-03-11", "2026-06-01", "2027-01-01"] {
            let d = day(text)
            let cut = try f.model(asOf: .businessDay(d))
            for customer in customers {
                #expect(full.stage(of: customer, on: d) == cut.stage(of: customer, asOf: d), "\(customer) on \(text)")
                #expect(full.history(of: customer, asOf: d) == cut.history(of: customer, asOf: d), "\(customer) on \(text)")
            }
            #expect(full.counts(asOf: d) == cut.counts(asOf: d), "counts on \(text)")
            #expect(full.customersRegistered(through: d) == cut.customersRegistered(through: d))
            checked += 1
        }
        #expect(checked == 14)
        #expect(full.counts(asOf: day("2024-12-31")).values.reduce(0, +) == 0)
    }

    @Test("the projector persists the history: catch up, reopen, equal to a rebuild; changes restore to the same model")
    func persistence() async throws {
        let f = try await Self.mixedHistory()
        let projector = try Projector<LifecycleModel>(store: f.test.store, state: StateStore(environment: f.test.store.environment))
        try projector.catchUp(batchSize: 5)
        let live = projector.read { $0 }
        let rebuilt = try f.model()
        #expect(live == rebuilt)
        #expect(live.customerCount == 6)

        let reopened = try Projector<LifecycleModel>(store: f.test.store, state: StateStore(environment: f.test.store.environment))
        #expect(reopened.read { $0 } == rebuilt)
        #expect(reopened.read { $0.history(of: c1) } == rebuilt.history(of: c1))

        // More events: the first projector folds them, a third one reads them back.
        try await f.order(15, for: 1, 10_000, on: "2027-03-01")
        try await f.test.run(.mergeCustomers(duplicate: c4, survivor: c1), on: "2027-03-02")
        try projector.catchUp()
        let third = try Projector<LifecycleModel>(store: f.test.store, state: StateStore(environment: f.test.store.environment))
        #expect(third.read { $0 } == (try f.model()))
        #expect(third.read { $0.stage(of: c4) } == nil)
        // Customer 1 was growing after the return of 2025-04-20; last order 2025-04-10 + 366 = 2026-04-11 → lost,
        // materialised by the order of 2027-03-01, which reactivates (100.00, 1 order in 365 days → new).
        #expect(third.read { $0.history(of: c1).suffix(2) } == [
            step("2026-04-11", .growingCustomer, .lostCustomer, "no-order-for-365-days"),
            step("2027-03-01", .lostCustomer, .newCustomer, "reactivated"),
        ])

        // Whole entries and accumulated changes both restore the model.
        #expect(try LifecycleModel(rules: .standard, entries: rebuilt.entries()) == rebuilt)
    }

    @Test("live incremental folding equals a rebuild on a random history with cancels, returns, contracts and merges")
    func liveEqualsRebuild() async throws {
        let test = try ProjectionTestStore()
        let projector = try Projector<LifecycleModel>(store: test.store, state: StateStore(environment: test.store.environment))
        var incremental = LifecycleModel(rules: .standard)
        var stored: [[UInt8]: [UInt8]] = [:]
        var random = SeededGenerator(seed: 42)
        var customers: [CustomerID] = []
        var placed: [OrderID] = [], delivered: [OrderID] = []
        var active: [ContractID] = []
        var dayNumber = Int(day("2024-01-01").daysSince1970)
        var position: UInt64 = 0
        let registry = EventRegistry()
        func next(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

        for round in 0..<400 {
            dayNumber += next(12)
            let on = CalendarDay(daysSince1970: Int32(dayNumber))!.description
            let roll = next(100)
            var command: CRMCommand?
            switch roll {
            case 0..<12:
                let customer = CustomerID(UUID(uuid: (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UInt8(round / 256), UInt8(round % 256))))
                customers.append(customer)
                command = .registerCustomer(customer, kind: .person, name: "K\(round)")
            case 12..<55 where !customers.isEmpty:
                let order = OrderID(UUID(uuid: (2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UInt8(round / 256), UInt8(round % 256))))
                placed.append(order)
                let minor = Int64(next(600_000) + 1_000)
                command = .placeOrder(order, customer: customers[next(customers.count)],
                                      lines: [OrderLine(product: "GR-1", quantity: 1, unitPrice: eur(minor))], channel: .web)
            case 55..<63 where !placed.isEmpty:
                command = .cancelOrder(placed.remove(at: next(placed.count)), reason: "no longer needed")
            case 63..<73 where !placed.isEmpty:
                let order = placed.remove(at: next(placed.count))
                try await test.run(.shipOrder(order), on: on, minutes: 100)
                delivered.append(order)
                command = .deliverOrder(order)
            case 73..<80 where !delivered.isEmpty:
                command = .returnOrder(delivered.remove(at: next(delivered.count)), amount: eur(500), reason: "damaged")
            case 80..<88 where !customers.isEmpty:
                let contract = ContractID(UUID(uuid: (3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UInt8(round / 256), UInt8(round % 256))))
                active.append(contract)
                command = .signContract(contract, customer: customers[next(customers.count)], value: eur(100_000), startsOn: day(on),
                                        endsOn: day(on).adding(days: 365))
            case 88..<95 where !active.isEmpty:
                command = .terminateContract(active.remove(at: next(active.count)), reason: "ended", effectiveOn: day(on))
            case 95..<98 where customers.count > 2:
                let duplicate = customers.remove(at: next(customers.count))
                command = .mergeCustomers(duplicate: duplicate, survivor: customers[next(customers.count)])
            default:
                break
            }
            guard let command else { continue }
            do { try await test.run(command, on: on) } catch is DomainRuleError { continue }
            // Incremental: the projector every few commands, and a model fed event by event with
            // its changes kept like a store would.
            if round % 7 == 0 { try projector.catchUp(batchSize: 3) }
            let head = try test.store.head()
            // Fed the events of its types, as `Fold` hands them: any event handed to it moves its clock.
            for event in try test.store.events(.all, from: position + 1, through: head)
            where LifecycleModel.eventTypes.contains(eventType: event.type) {
                incremental.apply(try registry.decode(event), EventInfo(position: event.position, occurredAtMicros: Micros.from(event.occurredAt)))
            }
            position = head
            for entry in incremental.takeChanges() { stored[entry.key] = entry.value }
        }
        try projector.catchUp()
        let rebuilt = try ProjectionEngine.rebuild(LifecycleModel.self, store: test.store)
        #expect(projector.read { $0 } == rebuilt)
        #expect(incremental == rebuilt)
        let restored = try LifecycleModel(rules: .standard, entries: stored.map { ReadModelEntry(key: $0.key, value: $0.value) })
        #expect(restored == rebuilt)
        // The history of every customer is in day order and ends in its stage.
        let transitions = rebuilt.customers.records.values.map(\.transitions.count).reduce(0, +)
        #expect(transitions > 100)
        for (customer, record) in rebuilt.customers.records {
            #expect(zip(record.transitions, record.transitions.dropFirst()).allSatisfy { $0.day <= $1.day && $0.to == $1.from })
            #expect(record.transitions.last?.to == record.stage, "\(customer)")
        }
        let fired = Set(rebuilt.customers.records.values.flatMap { $0.transitions.map(\.rule) })
        // Every rule fires somewhere in this history (seed 42).
        #expect(fired == ["registered", "first-order", "growing-threshold", "star-threshold", "below-star-threshold",
                          "below-growing-threshold", "below-new-customer-threshold", "no-order-for-365-days",
                          "contract-terminated", "reactivated"])
    }

    @Test("changing growingMinRevenue yields exactly the expected per-customer difference")
    func ruleChange() async throws {
        let f = LifecycleFixture()
        for customer: UInt8 in 1...6 { try await f.register(customer, on: "2025-01-06") }
        try await f.order(11, for: 1, 150_000, on: "2025-01-10")
        try await f.order(12, for: 1, 90_000, on: "2025-02-10")  // 2 400.00: growing under 2 000.00 and 1 000.00 → same
        try await f.order(21, for: 2, 80_000, on: "2025-01-10")
        try await f.order(22, for: 2, 70_000, on: "2025-02-10")  // 1 500.00: new under 2 000.00, growing under 1 000.00 → differs
        try await f.order(31, for: 3, 500_000, on: "2025-01-10") // 1 order: new under both → same
        try await f.order(41, for: 4, 40_000, on: "2025-01-10")
        try await f.order(42, for: 4, 30_000, on: "2025-02-10")  // 700.00 < 1 000.00: new under both → same
        // Customer 5 stays a prospect.
        try await f.order(61, for: 6, 60_000, on: "2025-01-10")
        try await f.order(62, for: 6, 50_000, on: "2025-02-11")  // 1 100.00: new → growing under 1 000.00 → differs

        let old = try f.model()
        var rules = CRMRules(version: 2)
        rules.lifecycle.growingMinRevenue = 100_000
        let new = try f.model(rules)

        #expect(LifecycleDifference.differences(old: old, new: new, asOf: day("2025-03-01")) == [
            LifecycleDifference.StageChange(customer: c2, old: .newCustomer, new: .growingCustomer),
            LifecycleDifference.StageChange(customer: c6, old: .newCustomer, new: .growingCustomer),
        ])
        #expect(LifecycleDifference.differences(old: new, new: old, asOf: day("2025-03-01")).map(\.new) == [.newCustomer, .newCustomer])
        #expect(LifecycleDifference.differences(old: old, new: old, asOf: day("2025-03-01")) == [])
        // Before the second orders nobody differs; a year later all ordering customers are lost under both.
        #expect(LifecycleDifference.differences(old: old, new: new, asOf: day("2025-02-01")) == [])
        #expect(LifecycleDifference.differences(old: old, new: new, asOf: day("2026-06-01")) == [])
        #expect(new.history(of: c6).last == step("2025-02-11", .newCustomer, .growingCustomer, "growing-threshold"))
    }

    /// Six customers over two years with every rule: promotions, a return, a cancellation, a
    /// contract termination, inactivity, reactivation and a merge.
    static func mixedHistory() async throws -> LifecycleFixture {
        let f = LifecycleFixture()
        try await f.register(1, on: "2025-01-06")
        try await f.register(2, on: "2025-01-06")
        try await f.register(3, on: "2025-01-10")
        try await f.register(4, on: "2025-02-01")
        try await f.register(5, on: "2025-03-01")
        try await f.register(6, on: "2025-03-01")
        try await f.order(11, for: 1, 150_000, on: "2025-01-10")
        try await f.order(21, for: 2, 150_000, on: "2025-01-10")
        try await f.order(12, for: 1, 90_000, on: "2025-02-10")
        try await f.order(22, for: 2, 90_000, on: "2025-02-10")
        try await f.cancel(22, on: "2025-02-11")
        try await f.order(13, for: 1, 600_000, on: "2025-03-10")
        try await f.order(14, for: 1, 700_000, on: "2025-04-10")
        try await f.deliver(14, on: "2025-04-12")
        try await f.giveBack(14, 50_000, on: "2025-04-20")
        try await f.order(31, for: 3, 300_000, on: "2025-03-01")
        try await f.sign(100, for: 3, on: "2025-03-05")
        try await f.terminate(100, on: "2025-07-01")
        try await f.order(41, for: 4, 100_000, on: "2025-02-01")
        try await f.order(42, for: 4, 100_000, on: "2026-03-10") // lost 2026-02-02 (2025-02-01 + 366), reactivated
        try await f.order(51, for: 5, 100_000, on: "2025-03-01")
        try await f.order(61, for: 6, 100_000, on: "2025-03-02")
        try await f.test.run(.mergeCustomers(duplicate: c6, survivor: c5), on: "2025-12-31")
        return f
    }
}
