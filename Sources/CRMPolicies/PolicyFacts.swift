import CRMDomain
import CRMProjections
import CRMEventLog
import Foundation

/// What the policies know: the four read models plus the facts a reaction needs to name its
/// cause — the log position of the event that started each episode — folded from the log in
/// one pass. Live and rebuilt alike: the runner folds every event once, in log order.
struct PolicyFacts: Sendable {
    /// A lifecycle transition and the position of the event that made the log know of it.
    struct Transition: Sendable, Hashable {
        let to: LifecycleStage
        let day: CalendarDay
        let cause: UInt64
    }

    /// A sent quote.
    struct Quote: Sendable, Hashable {
        var opportunity: OpportunityID
        var sentAtMicros: Int64?
        var sentPosition: UInt64?
        var answered = false
    }

    /// A task as the work lists show it.
    struct Task: Sendable, Hashable {
        let id: TaskID
        let kind: TaskKind
        let title: String
        let customer: CustomerID?
        let lead: LeadID?
        let assignee: EmployeeID?
        let dueOn: CalendarDay
        let reason: String
        var completed = false
    }

    /// A reaction of this policy set seen in the log.
    struct SeenReaction: Sendable, Hashable {
        let reaction: String
        let customer: CustomerID?
        let lead: LeadID?
        let day: CalendarDay
        let suppressed: Bool
    }

    var models: CRMReadModels
    /// The position folded last.
    var position: UInt64 = 0
    var employees: [EmployeeID: (role: String, active: Bool)] = [:]
    var registered: [CustomerID: UInt64] = [:]
    var lastOrder: [CustomerID: UInt64] = [:]
    var orderDays: [CustomerID: [CalendarDay]] = [:]
    var products: [CustomerID: Set<String>] = [:]
    var orderCustomer: [OrderID: CustomerID] = [:]
    var contractCustomer: [ContractID: CustomerID] = [:]
    var transitions: [CustomerID: [Transition]] = [:]
    var leadThreshold: [LeadID: (position: UInt64, score: Int)] = [:]
    var leadCampaign: [LeadID: CampaignID] = [:]
    var leadCustomer: [LeadID: CustomerID] = [:]
    var campaignCost: [CampaignID: Int64] = [:]
    var campaignNames: [CampaignID: String] = [:]
    var ticketOpened: [TicketID: (customer: CustomerID, position: UInt64)] = [:]
    var opportunities: [OpportunityID: (customer: CustomerID, owner: EmployeeID?)] = [:]
    var quotes: [QuoteID: Quote] = [:]
    var tasks: [TaskID: Task] = [:]
    var reactions: [SeenReaction] = []
    var handedOverByPeople: Set<LeadID> = []
    var activation: PolicyActivated?

    init(rules: CRMRules) {
        models = CRMReadModels(rules: rules)
        models.setTracksChanges(false)
    }

    /// Folds one event. `reaction` is the reaction name when the event was appended by this
    /// policy set (its actor is `policy:<name>/<reaction>`).
    mutating func apply(_ event: DomainEvent, _ info: EventInfo, reaction: String?, policyName: String) {
        let before = lifecycleCustomer(of: event).map { ($0, models.lifecycle.record(of: $0)?.transitions.count ?? 0) }
        models.apply(event, info)
        position = info.position
        let day = info.day
        switch event {
        case .customerRegistered(let e):
            registered[e.customerID] = info.position
        case .employeeJoined(let e):
            employees[e.employeeID] = (e.role, true)
        case .employeeLeft(let e):
            employees[e.employeeID]?.active = false
        case .orderPlaced(let e):
            lastOrder[e.customerID] = info.position
            orderDays[e.customerID, default: []].append(day)
            products[e.customerID, default: []].formUnion(e.lines.map(\.product))
            orderCustomer[e.orderID] = e.customerID
        case .contractSigned(let e):
            contractCustomer[e.contractID] = e.customerID
        case .leadCaptured(let e):
            if let campaign = e.campaignID { leadCampaign[e.leadID] = campaign }
            noteLeadScore(e.leadID, info)
        case .leadAttributesRecorded(let e):
            noteLeadScore(e.leadID, info)
        case .leadConverted(let e):
            leadCustomer[e.leadID] = e.customerID
        case .leadHandedOver(let e):
            if reaction == nil { handedOverByPeople.insert(e.leadID) }
        case .campaignPlanned(let e):
            campaignNames[e.campaignID] = e.name
        case .campaignCostBooked(let e):
            campaignCost[e.campaignID, default: 0] &+= e.amount.currency == models.rules.currency ? e.amount.minorUnits : 0
        case .ticketOpened(let e):
            ticketOpened[e.ticketID] = (e.customerID, info.position)
        case .opportunityOpened(let e):
            opportunities[e.opportunityID] = (e.customerID, e.ownerID as EmployeeID?)
        case .quoteDrafted(let e):
            quotes[e.quoteID] = Quote(opportunity: e.opportunityID)
        case .quoteSent(let e):
            quotes[e.quoteID]?.sentAtMicros = info.occurredAtMicros
            quotes[e.quoteID]?.sentPosition = info.position
        case .quoteAccepted(let e): quotes[e.quoteID]?.answered = true
        case .quoteRejected(let e): quotes[e.quoteID]?.answered = true
        case .quoteExpired(let e): quotes[e.quoteID]?.answered = true
        case .taskCreated(let e):
            tasks[e.taskID] = Task(id: e.taskID, kind: e.kind, title: e.title, customer: e.customerID, lead: e.leadID,
                                   assignee: e.assignee, dueOn: e.dueOn, reason: e.reason)
        case .taskCompleted(let e):
            tasks[e.taskID]?.completed = true
        case .policyActivated(let e) where e.policy == policyName:
            activation = e
        default:
            break
        }
        if let (customer, count) = before, let record = models.lifecycle.record(of: customer), record.transitions.count > count {
            for transition in record.transitions[count...] {
                transitions[customer, default: []].append(Transition(to: transition.to, day: transition.day, cause: info.position))
            }
        }
        if let reaction {
            switch event {
            case .reactionSuppressed(let e):
                reactions.append(SeenReaction(reaction: e.reaction, customer: e.customerID, lead: nil, day: day, suppressed: true))
            case .taskCreated(let e):
                reactions.append(SeenReaction(reaction: reaction, customer: e.customerID, lead: e.leadID, day: day, suppressed: false))
            case .interactionRecorded(let e):
                reactions.append(SeenReaction(reaction: reaction, customer: e.customerID, lead: nil, day: day, suppressed: false))
            case .leadHandedOver(let e):
                reactions.append(SeenReaction(reaction: reaction, customer: nil, lead: e.leadID, day: day, suppressed: false))
            case .ticketEscalated(let e):
                reactions.append(SeenReaction(reaction: reaction, customer: ticketOpened[e.ticketID]?.customer, lead: nil, day: day,
                                              suppressed: false))
            default:
                break
            }
        }
    }

    /// The customer whose lifecycle an event may move.
    private func lifecycleCustomer(of event: DomainEvent) -> CustomerID? {
        switch event {
        case .customerRegistered(let e): return e.customerID
        case .customersMerged(let e): return e.duplicateID
        case .orderPlaced(let e): return e.customerID
        case .orderCancelled(let e): return orderCustomer[e.orderID]
        case .orderReturned(let e): return orderCustomer[e.orderID]
        case .contractSigned(let e): return e.customerID
        case .contractRenewed(let e): return contractCustomer[e.contractID]
        case .contractTerminated(let e): return contractCustomer[e.contractID]
        default: return nil
        }
    }

    /// Remembers the first event at which a lead's score reached the threshold.
    private mutating func noteLeadScore(_ lead: LeadID, _ info: EventInfo) {
        guard leadThreshold[lead] == nil, let record = models.customer360.leads[lead] else { return }
        let rules = models.rules.leadScoring
        let score = CustomerAnalytics.leadScore(record, rules: rules, asOf: info.day)
        if score >= rules.threshold { leadThreshold[lead] = (info.position, score) }
    }

    /// Active employees of `role` (case-insensitive), by id.
    func employees(withRole role: String) -> [EmployeeID] {
        employees.filter { $0.value.active && $0.value.role.caseInsensitiveCompare(role) == .orderedSame }
            .map(\.key).sorted { $0.uuid.uuidString < $1.uuid.uuidString }
    }

    /// Whether `employee` exists and has not left.
    func isActive(_ employee: EmployeeID?) -> Bool {
        employee.flatMap { employees[$0]?.active } ?? false
    }
}
