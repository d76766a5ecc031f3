import CRMEventLog

/// The domain rules an import checks for each event (`crm import` by default; docs/cli.md):
/// the rules of the commands that are about the entity an event's stream holds, checked on the
/// entity's state folded from the store and the file's earlier lines.
///
/// - An event that creates an entity (`OrderPlaced`, `CustomerRegistered`, …) needs a stream
///   whose entity does not exist yet: rule `<kind>.exists`.
/// - Every other event of an entity's stream (`OrderShipped`, `TicketResolved`, …) needs the
///   entity to exist: rule `<kind>.unknown`.
/// - An event that creates an entity needs the entities it refers to as its command does: the
///   customer of an order, invoice, ticket, opportunity or contract (rules `customer.unknown`,
///   `customer.merged`), the order of an invoice, the open opportunity of a quote.
/// - An event that moves an entity's state (shipping, resolving, winning, …) needs the state
///   its command requires: rule `<kind>.<action>.not-allowed` (`opportunity.closed` and
///   `quote.not-approved` as for the commands); see `ImportRules+Transitions.swift`.
///
/// - An event of an opportunity, quote, ticket, order or contract may not be dated before the
///   event that created it, and a state transition of one of them not before its latest event
///   (rules `<kind>.before-creation`, `<kind>.backdated`; `BusinessOrder`).
///
/// Streams of other categories (interactions, extension and unknown types) are checked for
/// their format only.
struct ImportRuleCheck {
    let store: any EventLogStore
    let registry: EventRegistry
    private var states: [String: any StreamState] = [:]
    /// The business times of each checked stream's first and latest events (``BusinessOrder``).
    private var times: [String: StreamTimes] = [:]

    init(store: any EventLogStore, registry: EventRegistry) {
        self.store = store
        self.registry = registry
    }

    /// The write-side state of a stream category.
    private static func stateType(of category: Substring) -> (any StreamState.Type)? {
        switch category {
        case "customer": CustomerState.self
        case "employee": EmployeeState.self
        case "campaign": CampaignState.self
        case "lead": LeadState.self
        case "opportunity": OpportunityState.self
        case "quote": QuoteState.self
        case "contract": ContractState.self
        case "order": OrderState.self
        case "invoice": InvoiceState.self
        case "ticket": TicketState.self
        case "task": TaskState.self
        case "policy": PolicyStreamState.self
        default: nil
        }
    }

    /// The event type that creates an entity of a stream category.
    private static let creatingType: [Substring: String] = [
        "customer": "CustomerRegistered", "employee": "EmployeeJoined", "campaign": "CampaignPlanned",
        "lead": "LeadCaptured", "opportunity": "OpportunityOpened", "quote": "QuoteDrafted", "contract": "ContractSigned",
        "order": "OrderPlaced", "invoice": "InvoiceIssued", "ticket": "TicketOpened", "task": "TaskCreated",
        "policy": "PolicyActivated",
    ]

    /// Checks `event` and folds it into its stream's state.
    mutating func check(_ event: ImportedEvent) throws {
        guard let dash = event.stream.firstIndex(of: "-") else { return }
        let category = event.stream[..<dash]
        guard let type = Self.stateType(of: category), let creating = Self.creatingType[category] else { return }
        let decoded = try withBytes(event.payload) { pointer throws(CodecError) in
            try registry.decode(eventType: event.type, schemaVersion: event.schemaVersion, payload: pointer)
        }
        if case .unknown = decoded { return }
        if case .extensionEvent = decoded { return }
        var state = try states[event.stream] ?? load(event.stream, as: type)
        let id = String(event.stream[event.stream.index(after: dash)...])
        let kind = String(category)
        if event.type == creating {
            if state.exists { throw DomainRuleError.alreadyExists(kind: kind, id: id) }
            try checkReferences(decoded)
        } else {
            if !state.exists { throw DomainRuleError.unknownEntity(kind: kind, id: id) }
            try Self.checkTransition(decoded, on: state, kind: kind, id: id)
        }
        let micros = Micros.from(event.occurredAt)
        let known = times[event.stream]
        try BusinessOrder.check(decoded, to: event.stream, at: micros, first: known?.first, latest: known?.latest)
        state.apply(decoded)
        states[event.stream] = state
        times[event.stream].add(micros)
    }

    /// The entities a creating event refers to must exist, as its command requires: the
    /// customer (not merged away) of an order, invoice, ticket, opportunity or contract, the
    /// order of an invoice, the open opportunity of a quote.
    private mutating func checkReferences(_ event: DomainEvent) throws {
        switch event {
        case .orderPlaced(let e): try customer(e.customerID)
        case .invoiceIssued(let e):
            try customer(e.customerID)
            if let order = e.orderID { _ = try existing(order, as: OrderState.self) }
        case .ticketOpened(let e): try customer(e.customerID)
        case .opportunityOpened(let e): try customer(e.customerID)
        case .contractSigned(let e): try customer(e.customerID)
        case .quoteDrafted(let e):
            let opportunity = try existing(e.opportunityID, as: OpportunityState.self)
            guard opportunity.status == .open else {
                throw DomainRuleError.opportunityClosed(e.opportunityID, outcome: opportunity.status.rawValue)
            }
        default: return
        }
    }

    /// A referenced entity's state, which must exist.
    private mutating func existing<S: StreamState, K>(_ id: Identifier<K>, as _: S.Type) throws -> S {
        let state: S
        if let known = states[id.stream] as? S {
            state = known
        } else {
            guard let loaded = try load(id.stream, as: S.self) as? S else { throw DomainRuleError.unknownEntity(kind: K.category, id: id.description) }
            states[id.stream] = loaded
            state = loaded
        }
        guard state.exists else { throw DomainRuleError.unknownEntity(kind: K.category, id: id.description) }
        return state
    }

    /// A referenced customer: it exists and was not merged away.
    private mutating func customer(_ id: CustomerID) throws {
        let state = try existing(id, as: CustomerState.self)
        if let survivor = state.mergedInto { throw DomainRuleError.customerMerged(id, survivor: survivor) }
    }

    /// A stream's state folded from the store (and the business time of its latest event).
    private mutating func load(_ stream: String, as type: any StreamState.Type) throws -> any StreamState {
        var state = type.init()
        var found: StreamTimes?
        let registry = registry
        try store.scan(.stream(stream), from: 1) { view in
            state.apply(try registry.decode(view))
            found.add(view.occurredAtMicros)
        }
        if let found { times[stream] = found }
        return state
    }
}
