import CRMEventLog

/// The domain rules an import checks for each event (`crm import` by default; docs/cli.md):
/// the rules of the commands that are about the entity an event's stream holds, checked on the
/// entity's state folded from the store and the file's earlier lines.
///
/// - An event that creates an entity (`OrderPlaced`, `CustomerRegistered`, …) needs a stream
///   whose entity does not exist yet: rule `<kind>.exists`.
/// - Every other event of an entity's stream (`OrderShipped`, `TicketResolved`, …) needs the
///   entity to exist: rule `<kind>.unknown`.
/// - An event that moves an entity's state (shipping, resolving, winning, …) needs the state
///   its command requires: rule `<kind>.<action>.not-allowed` (`opportunity.closed` and
///   `quote.not-approved` as for the commands); see `ImportRules+Transitions.swift`.
///
/// Streams of other categories (interactions, extension and unknown types) are checked for
/// their format only.
struct ImportRuleCheck {
    let store: any EventLogStore
    let registry: EventRegistry
    private var states: [String: any StreamState] = [:]

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
        } else {
            if !state.exists { throw DomainRuleError.unknownEntity(kind: kind, id: id) }
            try Self.checkTransition(decoded, on: state, kind: kind, id: id)
        }
        state.apply(decoded)
        states[event.stream] = state
    }

    /// A stream's state folded from the store.
    private func load(_ stream: String, as type: any StreamState.Type) throws -> any StreamState {
        var state = type.init()
        let registry = registry
        try store.scan(.stream(stream), from: 1) { view in state.apply(try registry.decode(view)) }
        return state
    }
}
