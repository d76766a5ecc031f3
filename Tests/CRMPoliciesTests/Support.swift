import CRMDomain
import CRMPolicies
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing
@_exported import TestSupport

/// A store with a sales employee and an account manager, closed when the test ends.
final class PolicyFixture: @unchecked Sendable {
    let directory = TemporaryDirectory("policies")
    let store: EventStore
    let handler: CommandHandler
    let registry = EventRegistry()
    let seller = id(1, EmployeeKindTag.self)
    let manager = id(2, EmployeeKindTag.self)

    /// A fixture over a new store at `path` (default: in the fixture's own directory).
    init(path: String? = nil) async throws {
        store = try EventStore(path: path ?? directory.sub("store"))
        handler = CommandHandler(store: store)
        try await run(.registerEmployee(seller, name: "Sven Seller", role: "sales"), on: "2026-01-01")
        try await run(.registerEmployee(manager, name: "Mia Manager", role: "account management"), on: "2026-01-01")
    }

    deinit { store.close() }

    /// Runs `command` as of `day` (noon UTC, or `minutes` after midnight).
    @discardableResult
    func run(_ command: CRMCommand, on day: String, minutes: Int = 720) async throws -> AppendResult {
        try await handler.execute(command, context: CommandContext(actor: "test", occurredAt: at(day, minutes: minutes)))
    }

    /// A runner with only `policies` enabled.
    func runner(_ policies: [PolicyKind] = PolicyKind.allCases, rules: PolicyRules = PolicyRules()) throws -> PolicyRunner {
        var rules = rules
        rules.enabled = policies
        return try PolicyRunner(store: store, handler: handler, rules: rules)
    }

    /// The events policies appended after `position`, with their decoded form.
    ///
    /// In the order a run plans them — by the position of their cause, then as appended — since a
    /// run appends different customers' reactions concurrently, in any order.
    func reactions(after position: UInt64 = 0) throws -> [(RecordedEvent, DomainEvent)] {
        let events = try store.events(from: position + 1).filter { $0.actor.hasPrefix("policy:") && $0.type != "PolicyActivated" }
        let causes = try events.map { event in try event.causationID.flatMap { try store.position(ofEventID: $0) } ?? 0 }
        return try zip(causes, events).sorted { ($0.0, $0.1.position) < ($1.0, $1.1.position) }
            .map { ($0.1, try registry.decode($0.1)) }
    }

    /// The event at `position`.
    func event(at position: UInt64) throws -> RecordedEvent { try #require(try store.event(at: position)) }

    /// A customer with marketing consent by e-mail (unless `consent` is false) and an account manager.
    func customer(_ number: UInt8, consent: Bool = true, on day: String = "2026-01-02") async throws -> CustomerID {
        let customer = id(number, CustomerKindTag.self)
        try await run(.registerCustomer(customer, kind: .person, name: .plain("Kunde \(number)")), on: day)
        try await run(.assignAccountManager(customer, employee: manager), on: day)
        if consent { try await run(.giveConsent(customer, purpose: .marketing, channel: .email, source: "web form"), on: day) }
        return customer
    }

    /// Places an order of `euros` for `customer` on `day`; returns the order event's position.
    @discardableResult
    func order(_ customer: CustomerID, on day: String, euros: Int64 = 100, product: String = "P-1") async throws -> UInt64 {
        let result = try await run(.placeOrder(OrderID.new(), customer: customer,
                                               lines: [OrderLine(product: product, quantity: 1, unitPrice: eur(euros * 100))],
                                               channel: .web), on: day)
        return result.lastPosition
    }
}

func at(_ day: String, minutes: Int = 720) -> Date {
    CalendarDay(iso: day)!.startDate.addingTimeInterval(Double(minutes) * 60)
}

func day(_ text: String) -> CalendarDay { CalendarDay(iso: text)! }
func eur(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .eur) }

/// Fixed ids for readable fixtures: `id(7)` is 00000000-0000-0000-0000-000000000007.
func id<K>(_ number: UInt8, _: K.Type = K.self) -> Identifier<K> {
    Identifier(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, number)))
}
