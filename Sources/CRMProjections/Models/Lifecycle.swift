import CRMDomain
import Foundation

// MARK: - Stages

/// The five customer lifecycle stages of seed 004, each with the goal the seed gives it.
///
/// A customer moves ``prospect`` → ``newCustomer`` → ``growingCustomer`` → ``starCustomer``
/// and back down as their orders and revenue of the last 365 days change; a customer who stops
/// ordering, or whose last contract ends, is ``lostCustomer`` until they order again. The
/// thresholds are ``LifecycleRules`` in ``CRMRules``; ``LifecycleModel`` applies them.
public enum LifecycleStage: UInt8, RecordEnum, Sendable, Hashable, CustomStringConvertible {
    /// *Interessent* — a registered party that has not ordered (enough) yet.
    /// Goal: wake interest.
    case prospect = 0
    /// *Neukunde* — the first order(s) placed. Goal: secure satisfaction and reach the second order.
    case newCustomer = 1
    /// *Aufsteigerkunde* — ordering repeatedly with growing revenue.
    /// Goal: cross-selling and personal contact.
    case growingCustomer = 2
    /// *Starkunde* — the most valuable customers. Goal: keep them (VIP programmes, business reviews).
    case starCustomer = 3
    /// *Verlorener Kunde* — stopped ordering, or the last contract was terminated.
    /// Goal: win back (exit survey, a return offer after a waiting time).
    case lostCustomer = 4

    /// The stage's name in the seed texts, e.g. `Aufsteigerkunde`.
    public var germanName: String {
        switch self {
        case .prospect: return "Interessent"
        case .newCustomer: return "Neukunde"
        case .growingCustomer: return "Aufsteigerkunde"
        case .starCustomer: return "Starkunde"
        case .lostCustomer: return "Verlorener Kunde"
        }
    }

    /// The English name, e.g. `growingCustomer`.
    public var description: String {
        switch self {
        case .prospect: return "prospect"
        case .newCustomer: return "newCustomer"
        case .growingCustomer: return "growingCustomer"
        case .starCustomer: return "starCustomer"
        case .lostCustomer: return "lostCustomer"
        }
    }

    /// Whether the customer is in one of the three ordering stages (new, growing, star), the
    /// ones the inactivity rule can end.
    var isOrdering: Bool { self == .newCustomer || self == .growingCustomer || self == .starCustomer }
}

// MARK: - Stored records

/// What ``LifecycleModel`` keeps per customer (table 1): the stage, every transition, and the
/// orders and contracts the rules are evaluated on.
public struct LifecycleRecord: RecordMessage, Sendable, Hashable {
    /// One change of stage.
    public struct Transition: RecordMessage, Sendable, Hashable {
        /// The business day it took effect.
        public internal(set) var day = CalendarDay(daysSince1970: 0)!
        /// The stage before; `nil` for the registration.
        public internal(set) var from: LifecycleStage?
        /// The stage after.
        public internal(set) var to = LifecycleStage.prospect
        /// The rule that fired (see ``LifecycleModel/StageTransition/rule``).
        public internal(set) var rule = ""

        /// An empty transition for the decoder.
        public init() {}

        init(day: CalendarDay, from: LifecycleStage?, to: LifecycleStage, rule: String) {
            self.day = day
            self.from = from
            self.to = to
            self.rule = rule
        }

        public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
            try v.field(1, "day", &day)
            try v.field(2, "from", &from)
            try v.field(3, "to", &to)
            try v.field(4, "rule", &rule)
        }
    }

    /// An order that counts: placed and not cancelled.
    public struct Order: RecordMessage, Sendable, Hashable {
        /// The order.
        public internal(set) var orderID = OrderID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        /// The business day it was placed.
        public internal(set) var day = CalendarDay(daysSince1970: 0)!
        /// Its total in minor units of the rules' currency minus returns; 0 for orders in
        /// another currency (they count as orders, not as revenue).
        public internal(set) var netMinor = 0

        /// An empty order for the decoder.
        public init() {}

        init(orderID: OrderID, day: CalendarDay, netMinor: Int) {
            self.orderID = orderID
            self.day = day
            self.netMinor = netMinor
        }

        public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
            try v.field(1, "orderID", &orderID)
            try v.field(2, "day", &day)
            try v.field(3, "netMinor", &netMinor)
        }
    }

    /// One folded change of the customer, kept so that a late-recorded change (business time
    /// before one already folded) re-folds the customer's changes in business-time order.
    public struct JournalEntry: RecordMessage, Sendable, Hashable {
        /// Business time in microseconds since 1970.
        public internal(set) var micros: Int64 = 0
        /// 0 registered, 1 merged (``id`` the survivor), 2 order placed (``amount`` its net
        /// total), 3 order cancelled, 4 order returned (``amount``), 5 contract signed,
        /// 6 contract renewed, 7 contract terminated.
        public internal(set) var kind = 0
        /// The order, contract or survivor.
        public internal(set) var id = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        /// Minor units (order placed, returned).
        public internal(set) var amount = 0

        /// An empty entry for the decoder.
        public init() {}

        public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
            try v.field(1, "micros", &micros)
            try v.field(2, "kind", &kind)
            try v.field(3, "id", &id)
            try v.field(4, "amount", &amount)
        }
    }

    /// The day the customer was registered (or first seen).
    public internal(set) var registeredOn = CalendarDay(daysSince1970: 0)!
    /// The stage after the last folded event (pending inactivity not applied).
    public internal(set) var stage = LifecycleStage.prospect
    /// The business day of the last evaluation; transitions are never dated later.
    public internal(set) var evaluatedOn = CalendarDay(daysSince1970: 0)!
    /// Every transition, oldest first, days non-decreasing; the first is the registration.
    public internal(set) var transitions: [Transition] = []
    /// The orders that count (cancelled ones removed, returns subtracted).
    public internal(set) var orders: [Order] = []
    /// The contracts signed and not terminated.
    public internal(set) var activeContracts: [ContractID] = []
    /// The survivor, when this customer was merged into another as a duplicate.
    public internal(set) var mergedInto: CustomerID?
    /// The day of that merge.
    public internal(set) var mergedOn: CalendarDay?
    /// Every change folded, in business-time order (ties in log order).
    public internal(set) var journal: [JournalEntry] = []

    /// An empty record for the decoder.
    public init() {}

    /// A customer registered (or first seen) on `day`: a prospect.
    init(registeredOn day: CalendarDay) {
        registeredOn = day
        evaluatedOn = day
        stage = .prospect
        transitions = [Transition(day: day, from: nil, to: .prospect, rule: LifecycleModel.Rule.registered)]
    }

    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "registeredOn", &registeredOn)
        try v.field(2, "stage", &stage)
        try v.field(3, "evaluatedOn", &evaluatedOn)
        try v.repeated(4, "transitions", &transitions)
        try v.repeated(5, "orders", &orders)
        try v.repeated(6, "activeContracts", &activeContracts)
        try v.field(7, "mergedInto", &mergedInto)
        try v.field(8, "mergedOn", &mergedOn)
        try v.repeated(9, "journal", &journal)
    }

    /// The day of the last order that counts.
    public var lastOrderDay: CalendarDay? {
        guard var last = orders.first?.day.daysSince1970 else { return nil }
        for order in orders where order.day.daysSince1970 > last { last = order.day.daysSince1970 }
        return CalendarDay(daysSince1970: last)
    }
}

/// Which customer an order or a contract belongs to (tables 2 and 3 of ``LifecycleModel``; an
/// order or an opportunity in tables 3 and 4 of ``JourneyModel``), for the events that name only
/// the order, the contract or the opportunity.
public struct LifecycleOwner: RecordMessage, Sendable, Hashable {
    /// The customer.
    public internal(set) var customer = CustomerID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))

    /// An empty record for the decoder.
    public init() {}

    init(_ customer: CustomerID) { self.customer = customer }

    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "customer", &customer)
    }
}

/// The latest business day ``LifecycleModel`` has folded (table 4, one record): "now" for its
/// queries when no day is given.
public struct LifecycleClock: RecordMessage, Sendable, Hashable {
    /// The latest business day seen.
    public internal(set) var latestDay = CalendarDay(daysSince1970: 0)!

    /// An empty record for the decoder.
    public init() {}

    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "latestDay", &latestDay)
    }
}

// MARK: - The model

/// The seed-004 lifecycle stage of every customer, with the full history of its transitions.
///
/// ## Rules
/// The thresholds are ``CRMRules/lifecycle`` (``LifecycleRules``). Revenue is the total of the
/// orders in ``CRMRules/currency`` minus their returns; cancelled orders do not count at all;
/// orders in other currencies count as orders but add no revenue. "In the last 365 days" on
/// day *D* means placed on *D* − 364 … *D*. After each event of a customer, on the event's
/// business day:
///
/// | from | to | when | rule |
/// |---|---|---|---|
/// | — | prospect | registered | `registered` |
/// | prospect | new | orders ever ≥ `newCustomerMinOrders` | `first-order` |
/// | prospect, new | growing | orders (365 d) ≥ `growingMinOrders` and revenue (365 d) ≥ `growingMinRevenue` | `growing-threshold` |
/// | any ordering | star | orders (365 d) ≥ `starMinOrders` and revenue (365 d) ≥ `starMinRevenue` (and growing holds) | `star-threshold` |
/// | star | growing | star no longer holds | `below-star-threshold` |
/// | growing, star | new | growing no longer holds | `below-growing-threshold` |
/// | new, growing, star | prospect | cancellations left fewer than `newCustomerMinOrders` orders | `below-new-customer-threshold` |
/// | new, growing, star | lost | more than `lostAfterDaysWithoutOrder` (N) days since the last order | `no-order-for-N-days` |
/// | any but lost | lost | a contract terminated, none left active, `contractTerminationLoses` | `contract-terminated` |
/// | lost | new | an order placed | `reactivated` |
///
/// A jump over a stage (e.g. prospect → growing with one big order under loose rules) is one
/// transition named by its target. After `reactivated` the thresholds are evaluated at once, so a
/// customer lost through a contract termination but with recent orders may move on the same day.
///
/// ## Inactivity
/// The inactivity transition is dated exactly *last order day* + N + 1, the first day on which
/// more than N days have passed. It is materialised lazily: when the customer's next event
/// arrives on that day or later, before the event is folded; queries apply it for the day asked
/// about without changing the model. Between events nothing else is re-evaluated: a stage that
/// the 365-day window would lower (orders ageing out) is lowered, and dated, at the customer's
/// next event.
///
/// ## Order of events
/// Transitions are a function of the customer's events in business-time order (ties in log
/// order), so the live fold, a rebuild and a rebuild as of any day agree whatever order the
/// events were recorded in. Each record keeps a journal of its changes; an event earlier in
/// business time than one already folded (recorded late) re-folds the customer's journal in
/// order. Events in order cost one append to the journal.
///
/// ## Cancellations
/// A cancelled order stops counting on the cancellation's day: when that makes the inactivity
/// rule due at an earlier day, the loss is dated on the cancellation's day, since the order
/// counted until then (history and as-of agree).
///
/// ## Merged duplicates
/// After `CustomersMerged` the duplicate is marked merged and no longer listed: ``stage(of:on:)``
/// answers `nil` from the merge day on, and ``counts(asOf:)``, ``stages(asOf:)`` and
/// ``customersRegistered(through:)`` leave it out from then. Its orders stay with it (they are
/// not moved to the survivor, whose stage follows its own orders); its history stays readable.
///
/// ## Storage
/// Table 1: ``LifecycleRecord`` by customer; table 2: order → customer; table 3: contract →
/// customer; table 4: the ``LifecycleClock``.
public struct LifecycleModel: ReadModel, Hashable {
    public static let name = "lifecycle"
    public static let eventTypes = EventTypeFilter([
        CustomerRegistered.self, CustomersMerged.self, OrderPlaced.self, OrderCancelled.self, OrderReturned.self,
        ContractSigned.self, ContractRenewed.self, ContractTerminated.self,
    ])

    public let rules: CRMRules
    /// The customers (tag 1).
    var customers = RecordTable<CustomerID, LifecycleRecord>(tag: 1)
    /// Order → customer (tag 2).
    var orderOwners = RecordTable<OrderID, LifecycleOwner>(tag: 2)
    /// Contract → customer (tag 3).
    var contractOwners = RecordTable<ContractID, LifecycleOwner>(tag: 3)
    /// The latest business day folded (tag 4, key 0, the only record).
    var clock = RecordTable<Int, LifecycleClock>(tag: 4)
    /// ``latestDay`` in days since 1970 (`Int32.min` before the first event), so that the clock
    /// costs one comparison per event.
    var clockDay = Int32.min

    /// Turns change tracking of every table on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        customers.tracksChanges = on
        orderOwners.tracksChanges = on
        contractOwners.tracksChanges = on
        clock.tracksChanges = on
    }

    /// The names of the rules in ``StageTransition/rule``.
    public enum Rule {
        /// The customer was registered (a prospect).
        public static let registered = "registered"
        /// Orders reached `newCustomerMinOrders`.
        public static let firstOrder = "first-order"
        /// The growing thresholds were reached.
        public static let growingThreshold = "growing-threshold"
        /// The star thresholds were reached.
        public static let starThreshold = "star-threshold"
        /// A star customer fell below the star thresholds.
        public static let belowStarThreshold = "below-star-threshold"
        /// A growing or star customer fell below the growing thresholds.
        public static let belowGrowingThreshold = "below-growing-threshold"
        /// Cancellations left fewer than `newCustomerMinOrders` orders.
        public static let belowNewCustomerThreshold = "below-new-customer-threshold"
        /// The last contract was terminated.
        public static let contractTerminated = "contract-terminated"
        /// A lost customer ordered again.
        public static let reactivated = "reactivated"
        /// No order for more than `days` days, e.g. `no-order-for-365-days`.
        public static func noOrder(days: Int) -> String { "no-order-for-\(days)-days" }
    }

    /// One change of a customer's stage.
    public struct StageTransition: Sendable, Hashable, CustomStringConvertible {
        /// The business day it took effect.
        public let day: CalendarDay
        /// The stage before; `nil` for the registration.
        public let from: LifecycleStage?
        /// The stage after.
        public let to: LifecycleStage
        /// The rule that fired: `registered`, `first-order`, `growing-threshold`,
        /// `star-threshold`, `below-star-threshold`, `below-growing-threshold`,
        /// `below-new-customer-threshold`, `no-order-for-N-days`, `contract-terminated` or
        /// `reactivated` (see ``Rule``).
        public let rule: String

        /// Creates a transition.
        public init(day: CalendarDay, from: LifecycleStage?, to: LifecycleStage, rule: String) {
            self.day = day
            self.from = from
            self.to = to
            self.rule = rule
        }

        /// E.g. `2025-02-10 newCustomer → growingCustomer (growing-threshold)`.
        public var description: String { "\(day) \(from.map { "\($0)" } ?? "—") → \(to) (\(rule))" }
    }

    public init(rules: CRMRules) { self.rules = rules }

    public init(rules: CRMRules, entries: [ReadModelEntry]) throws {
        self.rules = rules
        try customers.restore(from: entries)
        try orderOwners.restore(from: entries)
        try contractOwners.restore(from: entries)
        try clock.restore(from: entries)
        clockDay = clock.records.first?.value.latestDay.daysSince1970 ?? .min
    }

    public mutating func takeChanges() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        customers.takeChanges(into: &entries)
        orderOwners.takeChanges(into: &entries)
        contractOwners.takeChanges(into: &entries)
        clock.takeChanges(into: &entries)
        return entries
    }

    public func entries() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        customers.entries(into: &entries)
        orderOwners.entries(into: &entries)
        contractOwners.entries(into: &entries)
        clock.entries(into: &entries)
        return entries
    }

    // MARK: Folding

    /// What an event does to one customer's record.
    enum Change {
        case registered
        case merged(into: CustomerID)
        case orderPlaced(OrderID, netMinor: Int)
        case orderCancelled(OrderID)
        case orderReturned(OrderID, minor: Int)
        case contractSigned(ContractID)
        case contractRenewed
        case contractTerminated(ContractID)
    }

    /// Folds one event. Every event handed to the model moves ``latestDay`` (the report day);
    /// folded as part of ``CRMReadModels`` that is every event of the log, folded alone only the
    /// types of ``eventTypes``. Events of other types change nothing else.
    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        let eventDay = info.day
        if eventDay.daysSince1970 > clockDay { advanceClock(to: eventDay) }
        let customer: CustomerID
        let change: Change
        var known: Int? = nil
        switch event {
        case .customerRegistered(let e):
            (customer, change) = (e.customerID, .registered)
        case .customersMerged(let e):
            (customer, change) = (e.duplicateID, .merged(into: e.survivorID))
        case .orderPlaced(let e):
            // The customer is looked up before the order is inserted: the two index reads are
            // independent, so their cache misses overlap.
            known = customers.position(of: e.customerID)
            orderOwners.update(e.orderID, orInsert: LifecycleOwner(e.customerID)) { $0.customer = e.customerID }
            let net = e.total.currency == rules.currency ? Int(e.total.minorUnits) : 0
            (customer, change) = (e.customerID, .orderPlaced(e.orderID, netMinor: net))
        case .orderCancelled(let e):
            guard let owner = orderOwners[e.orderID] else { return }
            (customer, change) = (owner.customer, .orderCancelled(e.orderID))
        case .orderReturned(let e):
            guard let owner = orderOwners[e.orderID] else { return }
            let minor = e.amount.currency == rules.currency ? Int(e.amount.minorUnits) : 0
            (customer, change) = (owner.customer, .orderReturned(e.orderID, minor: minor))
        case .contractSigned(let e):
            contractOwners.update(e.contractID, orInsert: LifecycleOwner(e.customerID)) { $0.customer = e.customerID }
            (customer, change) = (e.customerID, .contractSigned(e.contractID))
        case .contractRenewed(let e):
            guard let owner = contractOwners[e.contractID] else { return }
            (customer, change) = (owner.customer, .contractRenewed)
        case .contractTerminated(let e):
            guard let owner = contractOwners[e.contractID] else { return }
            (customer, change) = (owner.customer, .contractTerminated(e.contractID))
        default:
            return
        }
        fold(customer, change, on: eventDay, micros: info.occurredAtMicros, at: known)
    }

    /// Moves the clock to `day`, which is later than ``clockDay``.
    private mutating func advanceClock(to day: CalendarDay) {
        clockDay = day.daysSince1970
        clock.update(0, orInsert: LifecycleClock()) { $0.latestDay = day }
    }

    /// Folds a change into the customer's record and evaluates the rules. A customer seen
    /// before their registration (possible in a rebuild cut by business day) starts as a
    /// prospect on that day.
    /// `position` is the customer's position in `customers` when the caller found it already.
    private mutating func fold(_ customer: CustomerID, _ change: Change, on day: CalendarDay, micros: Int64, at position: Int?) {
        let rules = rules.lifecycle
        if let position {
            customers.modify(at: position) { record in record.fold(change, on: day, micros: micros, rules: rules) }
            return
        }
        customers.update(customer, orInsert: LifecycleRecord(registeredOn: day)) { record in
            record.fold(change, on: day, micros: micros, rules: rules)
        }
    }

    // MARK: Queries

    /// The latest business day the model has folded: "now" for the queries when no day is given.
    public var latestDay: CalendarDay? { clock.records.first?.value.latestDay }

    /// The number of customers known, merged duplicates included.
    public var customerCount: Int { customers.count }

    /// The customer's stored record.
    public func record(of customer: CustomerID) -> LifecycleRecord? { customers[customer] }

    /// A customer's stage on `day` (default: ``latestDay``), applying a pending inactivity
    /// transition due by then without changing the model.
    ///
    /// - Returns: `nil` for a customer unknown, not yet registered on that day, or merged into
    ///   another by then.
    public func stage(of customer: CustomerID, asOf day: CalendarDay? = nil) -> LifecycleStage? {
        guard let day = day ?? latestDay else { return nil }
        return stage(of: customer, on: day)
    }

    /// A customer's stage on a day, past or future, from the history: the target of the last
    /// transition on or before `day`, or, past the customer's last event, the lost stage when
    /// the inactivity rule is due by then. For period KPIs: churn and retention compare the
    /// stage on the period's first and last day.
    ///
    /// - Returns: `nil` for a customer unknown, not yet registered on that day, or merged into
    ///   another by then.
    public func stage(of customer: CustomerID, on day: CalendarDay) -> LifecycleStage? {
        customers[customer].flatMap { $0.stage(on: day, rules: rules.lifecycle) }
    }

    /// A customer's transitions, oldest first, up to `day` (default: ``latestDay``), with the
    /// pending inactivity transition when it is due by then; the last one's ``StageTransition/to``
    /// is ``stage(of:asOf:)``. A merged duplicate keeps its history.
    public func history(of customer: CustomerID, asOf day: CalendarDay? = nil) -> [StageTransition] {
        guard let record = customers[customer] else { return [] }
        let day = day ?? latestDay ?? record.evaluatedOn
        var result = record.transitions.prefix { $0.day <= day }
            .map { StageTransition(day: $0.day, from: $0.from, to: $0.to, rule: $0.rule) }
        if day > record.evaluatedOn, let lost = record.pendingLoss(rules.lifecycle), lost <= day {
            result.append(StageTransition(day: lost, from: record.stage, to: .lostCustomer,
                                          rule: Rule.noOrder(days: rules.lifecycle.lostAfterDaysWithoutOrder)))
        }
        return result
    }

    /// The stage of every listed customer on `day` (default: ``latestDay``): those registered
    /// by then and not merged into another.
    public func stages(asOf day: CalendarDay? = nil) -> [CustomerID: LifecycleStage] {
        guard let day = day ?? latestDay else { return [:] }
        var result: [CustomerID: LifecycleStage] = [:]
        result.reserveCapacity(customers.count)
        for (id, record) in customers.records {
            if let stage = record.stage(on: day, rules: rules.lifecycle) { result[id] = stage }
        }
        return result
    }

    /// How many listed customers are in each stage on `day` (default: ``latestDay``); every
    /// stage is a key, with 0 when empty.
    public func counts(asOf day: CalendarDay? = nil) -> [LifecycleStage: Int] {
        var result = Dictionary(uniqueKeysWithValues: LifecycleStage.allCases.map { ($0, 0) })
        guard let day = day ?? latestDay else { return result }
        for record in customers.records.values {
            if let stage = record.stage(on: day, rules: rules.lifecycle) { result[stage, default: 0] += 1 }
        }
        return result
    }

    /// The customers registered on or before `day` and not merged into another by then, sorted.
    public func customersRegistered(through day: CalendarDay) -> [CustomerID] {
        customers.records.compactMap { id, record in
            record.registeredOn <= day && !record.isMerged(on: day) ? id : nil
        }.sorted()
    }
}

// MARK: - Rule evaluation

extension LifecycleRecord {
    func isMerged(on day: CalendarDay) -> Bool { mergedOn.map { $0 <= day } ?? false }

    /// The day the inactivity rule makes an ordering customer lost, if it can; `lastOrder` is
    /// ``lastOrderDay`` when the caller knows it already.
    func pendingLoss(_ rules: LifecycleRules, lastOrder: CalendarDay?? = nil) -> CalendarDay? {
        guard stage.isOrdering, mergedInto == nil, let last = lastOrder ?? lastOrderDay else { return nil }
        return last.adding(days: rules.lostAfterDaysWithoutOrder + 1)
    }

    /// The stage on `day` (see ``LifecycleModel/stage(of:on:)``).
    func stage(on day: CalendarDay, rules: LifecycleRules) -> LifecycleStage? {
        guard registeredOn <= day, !isMerged(on: day) else { return nil }
        guard let last = transitions.last(where: { $0.day <= day }) else { return nil }
        if day > evaluatedOn, let lost = pendingLoss(rules), lost <= day { return .lostCustomer }
        return last.to
    }

    mutating func move(to stage: LifecycleStage, on day: CalendarDay, rule: String) {
        guard stage != self.stage else { return }
        transitions.append(Transition(day: day, from: self.stage, to: stage, rule: rule))
        self.stage = stage
    }

    /// Materialises the inactivity transition when it is due by `today`, dated exactly, or on
    /// `today` when an order was cancelled today (`orderRemoved`) or the last transition is
    /// later than that date: a cancelled order counted until its cancellation's day, so the
    /// loss it uncovers cannot be dated before it.
    mutating func applyInactivity(through today: CalendarDay, rules: LifecycleRules, lastOrder: CalendarDay?? = nil,
                                  orderRemoved: Bool = false) {
        // The last day is at least the latest order's; when even that one is recent enough, the
        // rule is not due and the orders need no scan.
        if lastOrder == nil, let latest = orders.last?.day, latest.adding(days: rules.lostAfterDaysWithoutOrder + 1) > today { return }
        guard let lost = pendingLoss(rules, lastOrder: lastOrder), lost <= today else { return }
        // Due on `lost`, unless a later transition shows the customer was still ordering then (a
        // cancellation removed the order that kept them): then lost on the day of this change.
        let day = !orderRemoved && lost >= (transitions.last?.day ?? lost) ? lost : today
        move(to: .lostCustomer, on: day, rule: LifecycleModel.Rule.noOrder(days: rules.lostAfterDaysWithoutOrder))
    }

    /// The stage the order thresholds give on `today` (for a customer not lost).
    func thresholdStage(on today: CalendarDay, rules: LifecycleRules) -> LifecycleStage {
        thresholdStageAndLastOrder(on: today, rules: rules).stage
    }

    /// ``thresholdStage(on:rules:)`` and, from the same pass over the orders, ``lastOrderDay``
    /// (`nil` when the orders were not scanned: fewer than `newCustomerMinOrders`).
    func thresholdStageAndLastOrder(on today: CalendarDay, rules: LifecycleRules) -> (stage: LifecycleStage, lastOrder: CalendarDay??) {
        guard orders.count >= rules.newCustomerMinOrders else { return (.prospect, nil) }
        let windowStart = today.daysSince1970 &- 364, windowEnd = today.daysSince1970
        var count = 0
        var revenue: Int64 = 0
        var last = Int32.min
        for order in orders {
            let day = order.day.daysSince1970
            if day > last { last = day }
            if day >= windowStart && day <= windowEnd {
                count += 1
                revenue &+= Int64(order.netMinor)
            }
        }
        let lastOrder: CalendarDay?? = .some(orders.isEmpty ? nil : CalendarDay(daysSince1970: last))
        guard count >= rules.growingMinOrders, revenue >= rules.growingMinRevenue else { return (.newCustomer, lastOrder) }
        guard count >= rules.starMinOrders, revenue >= rules.starMinRevenue else { return (.growingCustomer, lastOrder) }
        return (.starCustomer, lastOrder)
    }

    static func ruleName(from: LifecycleStage, to: LifecycleStage) -> String {
        typealias Rule = LifecycleModel.Rule
        switch to {
        case .prospect: return Rule.belowNewCustomerThreshold
        case .newCustomer: return from == .prospect ? Rule.firstOrder : Rule.belowGrowingThreshold
        case .growingCustomer: return from == .starCustomer ? Rule.belowStarThreshold : Rule.growingThreshold
        case .starCustomer: return Rule.starThreshold
        case .lostCustomer: return Rule.contractTerminated
        }
    }

    /// Folds one change at business time `micros` (on day `day`): journals it and evaluates the
    /// rules; a change earlier in business time than one already folded (recorded late)
    /// re-folds every journaled change in business-time order instead, so the history is the
    /// same whatever order the events were recorded in.
    mutating func fold(_ change: LifecycleModel.Change, on day: CalendarDay, micros: Int64, rules: LifecycleRules) {
        let entry = JournalEntry(change, micros: micros)
        if let last = journal.last, last.micros > micros {
            let index = journal.partitioningIndex { $0.micros > micros }
            journal.insert(entry, at: index)
            refold(rules: rules)
            return
        }
        journal.append(entry)
        fold(change, on: day, rules: rules)
    }

    /// Rebuilds the record from its journal, in order.
    mutating func refold(rules: LifecycleRules) {
        let entries = journal
        guard let first = entries.first else { return }
        var fresh = LifecycleRecord(registeredOn: CalendarDay.containing(micros: first.micros))
        for entry in entries {
            fresh.fold(entry.change, on: CalendarDay.containing(micros: entry.micros), rules: rules)
        }
        fresh.journal = entries
        self = fresh
    }

    /// Folds one change on business day `day` and evaluates the rules.
    mutating func fold(_ change: LifecycleModel.Change, on day: CalendarDay, rules: LifecycleRules) {
        let today = max(day, evaluatedOn)
        let evaluate = mergedInto == nil
        if evaluate { applyInactivity(through: today, rules: rules) }

        var placed = false
        var terminated = false
        var removed = false
        switch change {
        case .registered:
            break
        case .merged(let survivor):
            if mergedInto == nil {
                mergedInto = survivor
                mergedOn = today
            }
            evaluatedOn = today
            return
        case .orderPlaced(let id, let net):
            if let index = orders.firstIndex(where: { $0.orderID == id }) {
                orders[index].netMinor = net
            } else {
                orders.append(Order(orderID: id, day: day, netMinor: net))
                placed = true
            }
        case .orderCancelled(let id):
            let count = orders.count
            orders.removeAll { $0.orderID == id }
            removed = orders.count < count
        case .orderReturned(let id, let minor):
            if let index = orders.firstIndex(where: { $0.orderID == id }) { orders[index].netMinor -= minor }
        case .contractSigned(let id):
            if !activeContracts.contains(id) { activeContracts.append(id) }
        case .contractRenewed:
            break
        case .contractTerminated(let id):
            if let index = activeContracts.firstIndex(of: id) {
                activeContracts.remove(at: index)
                terminated = true
            }
        }
        guard evaluate else { return }
        defer { evaluatedOn = today }

        if terminated, rules.contractTerminationLoses, activeContracts.isEmpty, stage != .lostCustomer {
            move(to: .lostCustomer, on: today, rule: LifecycleModel.Rule.contractTerminated)
        }
        if stage == .lostCustomer {
            guard placed else { return }
            move(to: .newCustomer, on: today, rule: LifecycleModel.Rule.reactivated)
        }
        let (target, lastOrder) = thresholdStageAndLastOrder(on: today, rules: rules)
        move(to: target, on: today, rule: Self.ruleName(from: stage, to: target))
        applyInactivity(through: today, rules: rules, lastOrder: lastOrder, orderRemoved: removed)
    }
}

extension LifecycleRecord.JournalEntry {
    init(_ change: LifecycleModel.Change, micros: Int64) {
        self.micros = micros
        switch change {
        case .registered: kind = 0
        case .merged(let survivor): (kind, id) = (1, survivor.uuid)
        case .orderPlaced(let order, let net): (kind, id, amount) = (2, order.uuid, net)
        case .orderCancelled(let order): (kind, id) = (3, order.uuid)
        case .orderReturned(let order, let minor): (kind, id, amount) = (4, order.uuid, minor)
        case .contractSigned(let contract): (kind, id) = (5, contract.uuid)
        case .contractRenewed: kind = 6
        case .contractTerminated(let contract): (kind, id) = (7, contract.uuid)
        }
    }

    /// The change it journals.
    var change: LifecycleModel.Change {
        switch kind {
        case 1: return .merged(into: CustomerID(id))
        case 2: return .orderPlaced(OrderID(id), netMinor: amount)
        case 3: return .orderCancelled(OrderID(id))
        case 4: return .orderReturned(OrderID(id), minor: amount)
        case 5: return .contractSigned(ContractID(id))
        case 6: return .contractRenewed
        case 7: return .contractTerminated(ContractID(id))
        default: return .registered
        }
    }
}

// MARK: - Rule changes

/// Compares two lifecycle models — typically the served one and a rebuild under changed
/// ``LifecycleRules`` — customer by customer: what the rule-change report lists.
public enum LifecycleDifference {
    /// A customer whose stage differs between two models.
    public struct StageChange: Sendable, Hashable, CustomStringConvertible {
        /// The customer.
        public let customer: CustomerID
        /// The stage in the old model (`nil`: not listed there).
        public let old: LifecycleStage?
        /// The stage in the new model (`nil`: not listed there).
        public let new: LifecycleStage?

        /// Creates a change.
        public init(customer: CustomerID, old: LifecycleStage?, new: LifecycleStage?) {
            self.customer = customer
            self.old = old
            self.new = new
        }

        /// E.g. `0000…0007: newCustomer → growingCustomer`.
        public var description: String { "\(customer): \(old.map { "\($0)" } ?? "—") → \(new.map { "\($0)" } ?? "—")" }
    }

    /// Every customer whose stage on `asOf` (``LifecycleModel/stage(of:asOf:)``) differs between
    /// `old` and `new`, sorted by customer id.
    public static func differences(old: LifecycleModel, new: LifecycleModel, asOf day: CalendarDay) -> [StageChange] {
        let ids = Set(old.customers.records.keys).union(new.customers.records.keys)
        return ids.sorted().compactMap { id in
            let before = old.stage(of: id, asOf: day), after = new.stage(of: id, asOf: day)
            return before == after ? nil : StageChange(customer: id, old: before, new: after)
        }
    }
}
