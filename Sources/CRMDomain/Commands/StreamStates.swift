import CRMEventLog

// What a command needs to know about one stream, folded from its events. These are the
// write-side states; read models live in CRMProjections.

/// The business order of an opportunity's, quote's, ticket's, order's and contract's events.
/// Their figures follow their state machines (status, first response and resolution, delivery,
/// win or loss), which the commands check in recording order; so a **state transition** of one
/// of them (shipping, delivering, cancelling or returning an order; responding to, resolving,
/// reopening or closing a ticket; approving, sending, accepting, rejecting or expiring a quote;
/// winning or losing an opportunity; terminating a contract) may not be dated before the
/// entity's latest event (rule `<kind>.backdated`), and no event of one of them may be dated
/// before the event that created it (rule `<kind>.before-creation`). Other changes (an
/// opportunity's stage, amount, probability or close date) may be recorded late and count by
/// business time, as may every event of customers, leads, employees and the other entities.
enum BusinessOrder {
    static let categories: Set<Substring> = ["opportunity", "quote", "ticket", "order", "contract"]

    /// Whether `event` moves its entity's state.
    static func isTransition(_ event: DomainEvent) -> Bool {
        switch event {
        case .orderShipped, .orderDelivered, .orderCancelled, .orderReturned,
             .ticketFirstResponseGiven, .ticketResolved, .ticketReopened, .ticketClosed,
             .quoteApproved, .quoteSent, .quoteAccepted, .quoteRejected, .quoteExpired,
             .opportunityWon, .opportunityLost, .contractTerminated:
            true
        default:
            false
        }
    }

    /// Checks `event`, to be appended to `stream` at `micros`, against the business times of
    /// the stream's first and latest events (`nil` for a new stream).
    static func check(_ event: DomainEvent, to stream: String, at micros: Int64, first: Int64?, latest: Int64?) throws {
        guard let first, let latest, let dash = stream.firstIndex(of: "-"), categories.contains(stream[..<dash]) else { return }
        let kind = String(stream[..<dash]), id = String(stream[stream.index(after: dash)...])
        if micros < first { throw DomainRuleError.beforeCreation(kind: kind, id: id, created: Micros.date(first)) }
        if micros < latest, isTransition(event) { throw DomainRuleError.backdated(kind: kind, id: id, latest: Micros.date(latest)) }
    }
}

/// The business times of a stream's first and latest events, folded alongside its state.
struct StreamTimes: Sendable, Hashable {
    var first: Int64
    var latest: Int64

    init(_ micros: Int64) {
        first = micros
        latest = micros
    }

    mutating func add(_ micros: Int64) {
        first = min(first, micros)
        latest = max(latest, micros)
    }
}

extension Optional where Wrapped == StreamTimes {
    /// Adds an event's business time, starting the times with the first one.
    mutating func add(_ micros: Int64) {
        if self == nil { self = StreamTimes(micros) } else { self!.add(micros) }
    }
}

/// State folded from one entity's stream.
protocol StreamState: Sendable {
    init()
    /// Whether the stream's creating event has been seen.
    var exists: Bool { get }
    mutating func apply(_ event: DomainEvent)
}

struct CustomerState: StreamState {
    var exists = false
    var kind = CustomerKind.person
    var mergedInto: CustomerID?
    var contacts: Set<ContactID> = []
    var consents: Set<ConsentKey> = []

    struct ConsentKey: Hashable {
        let purpose: ConsentPurpose
        let channel: Channel
    }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .customerRegistered(let e):
            exists = true
            kind = e.kind
        case .customersMerged(let e): mergedInto = e.survivorID
        case .contactAdded(let e): contacts.insert(e.contactID)
        case .contactRemoved(let e): contacts.remove(e.contactID)
        case .consentGiven(let e): consents.insert(ConsentKey(purpose: e.purpose, channel: e.channel))
        case .consentWithdrawn(let e): consents.remove(ConsentKey(purpose: e.purpose, channel: e.channel))
        default: break
        }
    }
}

struct EmployeeState: StreamState {
    var exists = false
    var left = false

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .employeeJoined: exists = true
        case .employeeLeft: left = true
        default: break
        }
    }
}

struct CampaignState: StreamState {
    enum Status: String { case none, planned, launched, closed }
    var status = Status.none
    var currency = CurrencyCode.eur
    var exists: Bool { status != .none }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .campaignPlanned(let e):
            status = .planned
            currency = e.budget.currency
        case .campaignLaunched: status = .launched
        case .campaignClosed: status = .closed
        default: break
        }
    }
}

struct LeadState: StreamState {
    enum Status: String { case none, open, qualified, handedOver = "handed over", disqualified, converted }
    var status = Status.none
    var captured: LeadCaptured?
    var exists: Bool { status != .none }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .leadCaptured(let e):
            status = .open
            captured = e
        case .leadQualified: status = .qualified
        case .leadHandedOver: status = .handedOver
        case .leadDisqualified: status = .disqualified
        case .leadConverted: status = .converted
        default: break
        }
    }
}

struct OpportunityState: StreamState {
    enum Status: String { case none, open, won, lost }
    var status = Status.none
    var customerID = CustomerID.placeholder
    var stage = PipelineStage.prospecting
    var currency = CurrencyCode.eur
    var probability = 0
    var exists: Bool { status != .none }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .opportunityOpened(let e):
            status = .open
            customerID = e.customerID
            stage = e.stage
            currency = e.expectedRevenue.currency
            probability = e.probability
        case .opportunityStageChanged(let e): stage = e.to
        case .opportunityProbabilityChanged(let e): probability = e.probability
        case .opportunityWon: status = .won
        case .opportunityLost: status = .lost
        default: break
        }
    }
}

struct QuoteState: StreamState {
    enum Status: String { case none, drafted, approved, sent, accepted, rejected, expired }
    var status = Status.none
    var customerID = CustomerID.placeholder
    var exists: Bool { status != .none }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .quoteDrafted(let e):
            status = .drafted
            customerID = e.customerID
        case .quoteApproved: status = .approved
        case .quoteSent: status = .sent
        case .quoteAccepted: status = .accepted
        case .quoteRejected: status = .rejected
        case .quoteExpired: status = .expired
        default: break
        }
    }
}

struct ContractState: StreamState {
    enum Status: String { case none, active, terminated }
    var status = Status.none
    var endsOn = CalendarDay.placeholder
    var currency = CurrencyCode.eur
    var exists: Bool { status != .none }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .contractSigned(let e):
            status = .active
            endsOn = e.endsOn
            currency = e.value.currency
        case .contractRenewed(let e): endsOn = e.endsOn
        case .contractTerminated: status = .terminated
        default: break
        }
    }
}

struct OrderState: StreamState {
    enum Status: String { case none, placed, shipped, delivered, cancelled }
    var status = Status.none
    var total = Money.placeholder
    var returnedMinor: Int64 = 0
    var exists: Bool { status != .none }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .orderPlaced(let e):
            status = .placed
            total = e.total
        case .orderShipped: status = .shipped
        case .orderDelivered: status = .delivered
        case .orderCancelled: status = .cancelled
        case .orderReturned(let e): returnedMinor &+= e.amount.minorUnits
        default: break
        }
    }
}

struct InvoiceState: StreamState {
    var exists = false
    var amount = Money.placeholder
    var paidMinor: Int64 = 0
    var dueOn = CalendarDay.placeholder

    /// What is still to be paid (never below zero).
    var open: Money { Money(minorUnits: max(0, amount.minorUnits &- paidMinor), currency: amount.currency) }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .invoiceIssued(let e):
            exists = true
            amount = e.amount
            dueOn = e.dueOn
        case .paymentReceived(let e): paidMinor &+= e.amount.minorUnits
        default: break
        }
    }
}

struct TicketState: StreamState {
    enum Status: String { case none, open, resolved, closed }
    var status = Status.none
    var customerID = CustomerID.placeholder
    var responded = false
    var escalationLevel = 0
    var exists: Bool { status != .none }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .ticketOpened(let e):
            status = .open
            customerID = e.customerID
        case .ticketFirstResponseGiven: responded = true
        case .ticketEscalated(let e): escalationLevel = e.level
        case .ticketResolved: status = .resolved
        case .ticketReopened: status = .open
        case .ticketClosed: status = .closed
        default: break
        }
    }
}

struct TaskState: StreamState {
    enum Status: String { case none, open, completed }
    var status = Status.none
    var exists: Bool { status != .none }

    mutating func apply(_ event: DomainEvent) {
        switch event {
        case .taskCreated: status = .open
        case .taskCompleted: status = .completed
        default: break
        }
    }
}

struct PolicyStreamState: StreamState {
    var exists = false

    mutating func apply(_ event: DomainEvent) {
        if case .policyActivated = event { exists = true }
    }
}
