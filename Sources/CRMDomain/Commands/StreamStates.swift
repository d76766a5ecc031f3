// What a command needs to know about one stream, folded from its events. These are the
// write-side states; read models live in CRMProjections.

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
