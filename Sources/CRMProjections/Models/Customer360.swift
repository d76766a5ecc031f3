import CRMDomain
import Foundation

extension UUID: RecordKey {
    /// The UUID's 16 bytes.
    public var keyBytes: [UInt8] { withUnsafeBytes(of: uuid) { Array($0) } }

    /// Reads 16 bytes.
    public init?(keyBytes: some Collection<UInt8>) {
        guard let id = Identifier<CustomerKindTag>(keyBytes: keyBytes) else { return nil }
        self = id.uuid
    }

    /// The 16 bytes mixed (no SipHash).
    @inlinable
    public var recordTableHash: UInt64 { RecordTableHashing.hash(self) }
}

/// Customer 360: everything about one customer on one page — master data, contacts and roles,
/// account manager, the omnichannel timeline, orders with delivery status, invoices with open
/// and overdue balance, tickets with SLA state, opportunities, quotes and contracts, feedback and
/// the latest NPS, consents, revenue and cost per year — plus the leads.
///
/// Reading one customer is a dictionary lookup (``customer(_:)``), or one LMDB read of the
/// stored record from any process (``Customer360Model/stored(_:in:)``); neither scans the log.
/// Value, segment, churn risk, lifecycle stage and lead score are computed from these records
/// by ``CustomerAnalytics`` and ``LifecycleModel`` (see ``CRMReadModels/customer360(_:asOf:)``).
public struct Customer360Model: ReadModel {
    /// `customer360`.
    public static let name = "customer360"
    /// Every catalog type but the campaign and employee events.
    public static let eventTypes: EventTypeFilter = {
        let skipped: Set<String> = [CampaignPlanned.eventType, CampaignLaunched.eventType, CampaignCostBooked.eventType,
                                    CampaignClosed.eventType, EmployeeJoined.eventType, EmployeeLeft.eventType,
                                    TrainingCompleted.eventType, EmployeeSurveyAnswered.eventType]
        return EventTypeFilter(DomainEvent.catalogTypes.filter { !skipped.contains($0.eventType) })
    }()
    /// How many interactions the timeline keeps.
    public static let timelineLength = 25
    /// How many closed orders, invoices, tickets, deals and feedback entries a record keeps.
    public static let closedEntries = 10

    /// The rules.
    public let rules: CRMRules
    /// Customers by id.
    public internal(set) var customers = RecordTable<CustomerID, CustomerRecord>(tag: 1)
    /// The customer each order, invoice, ticket, opportunity, quote and contract belongs to.
    public internal(set) var owners = RecordTable<UUID, OwnerRecord>(tag: 2)
    /// Leads by id.
    public internal(set) var leads = RecordTable<LeadID, LeadRecord>(tag: 3)

    /// Turns change tracking of every table on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        customers.tracksChanges = on
        owners.tracksChanges = on
        leads.tracksChanges = on
    }

    /// An empty model.
    public init(rules: CRMRules) { self.rules = rules }

    /// Restores a stored model.
    public init(rules: CRMRules, entries: [ReadModelEntry]) throws {
        self.rules = rules
        try customers.restore(from: entries)
        try owners.restore(from: entries)
        try leads.restore(from: entries)
    }

    /// One customer's record.
    public func customer(_ id: CustomerID) -> CustomerRecord? { customers[id] }

    /// Reads one customer's stored record from the active generation, from any process.
    public static func stored(_ id: CustomerID, in state: PersistedState) throws -> CustomerRecord? {
        try state.value(for: [1] + id.keyBytes).map { try CustomerRecord(record: $0) }
    }

    public mutating func takeChanges() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        customers.takeChanges(into: &entries)
        owners.takeChanges(into: &entries)
        leads.takeChanges(into: &entries)
        return entries
    }

    public func entries() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        customers.entries(into: &entries)
        owners.entries(into: &entries)
        leads.entries(into: &entries)
        return entries
    }

    // MARK: Folding

    /// Records that `customer` owns the order, invoice, ticket, opportunity, quote or contract `id`.
    mutating func own(_ id: UUID, by customer: CustomerID) {
        owners.update(id, orInsert: OwnerRecord()) { $0.customer = customer }
    }

    /// Changes the record of the customer owning `entity`.
    mutating func withOwner(of entity: UUID, _ body: (inout CustomerRecord) -> Void) {
        guard let owner = owners[entity]?.customer else { return }
        customers.modify(owner, body)
    }

    /// The amount in minor units when it is in the rules' currency; nil otherwise.
    func inCurrency(_ money: Money) -> Int64? { money.currency == rules.currency ? money.minorUnits : nil }

    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        // Dispatches by event family; each family folds in its own file (Customer360<Family>.swift),
        // one `fold` per event type, inlined here so the fold stays one switch with no calls.
        switch event {
        // Parties
        case .customerRegistered(let e): fold(e, info)
        case .customerDetailsChanged(let e): fold(e, info)
        case .customersMerged(let e): fold(e, info)
        case .contactAdded(let e): fold(e, info)
        case .contactRoleChanged(let e): fold(e, info)
        case .contactRemoved(let e): fold(e, info)
        case .accountManagerAssigned(let e): fold(e, info)
        case .costToServeBooked(let e): fold(e, info)
        case .interactionRecorded(let e): fold(e, info)
        case .consentGiven(let e): fold(e, info)
        case .consentWithdrawn(let e): fold(e, info)
        case .erasureRequested(let e): fold(e, info)
        case .feedbackReceived(let e): fold(e, info)
        case .personalDataErased(let e): fold(e, info)
        case .npsAnswered(let e): fold(e, info)
        // Orders and money
        case .orderPlaced(let e): fold(e, info)
        case .orderShipped(let e): fold(e, info)
        case .orderDelivered(let e): fold(e, info)
        case .orderCancelled(let e): fold(e, info)
        case .orderReturned(let e): fold(e, info)
        case .invoiceIssued(let e): fold(e, info)
        case .paymentReceived(let e): fold(e, info)
        case .invoiceOverdue(let e): fold(e, info)
        // Service
        case .ticketOpened(let e): fold(e, info)
        case .ticketAssigned(let e): fold(e, info)
        case .ticketFirstResponseGiven(let e): fold(e, info)
        case .ticketEscalated(let e): fold(e, info)
        case .ticketResolved(let e): fold(e, info)
        case .ticketReopened(let e): fold(e, info)
        case .ticketClosed(let e): fold(e, info)
        case .ticketCustomerReplied: break
        // Sales
        case .opportunityOpened(let e): fold(e, info)
        case .opportunityStageChanged(let e): fold(e, info)
        case .opportunityAmountChanged(let e): fold(e, info)
        case .opportunityCloseDateChanged(let e): fold(e, info)
        case .opportunityProbabilityChanged(let e): fold(e, info)
        case .opportunityWon(let e): fold(e, info)
        case .opportunityLost(let e): fold(e, info)
        case .quoteDrafted(let e): fold(e, info)
        case .quoteApproved(let e): fold(e, info)
        case .quoteSent(let e): fold(e, info)
        case .quoteAccepted(let e): fold(e, info)
        case .quoteRejected(let e): fold(e, info)
        case .quoteExpired(let e): fold(e, info)
        case .contractSigned(let e): fold(e, info)
        case .contractRenewed(let e): fold(e, info)
        case .contractTerminated(let e): fold(e, info)
        // Marketing: leads
        case .leadCaptured(let e): fold(e, info)
        case .leadAttributesRecorded(let e): fold(e, info)
        case .leadQualified(let e): fold(e, info)
        case .leadDisqualified(let e): fold(e, info)
        case .leadHandedOver(let e): fold(e, info)
        case .leadConverted(let e): fold(e, info)
        default:
            break
        }
    }
}

extension CustomerRecord {
    /// Changes the totals of the year containing `day`.
    mutating func addToYear(_ day: CalendarDay, _ body: (inout YearTotal) -> Void) {
        let year = day.parts.year
        if let index = years.lastIndex(where: { $0.year == year }) {
            body(&years[index])
        } else {
            var total = YearTotal()
            total.year = year
            body(&total)
            years.appendGrowing(total)
            if years.count > 1, years[years.count - 2].year > year { years.sort { $0.year < $1.year } }
        }
    }
}

extension Array where Element == MonthCount {
    mutating func increment(_ key: Int) {
        // Events come in time order: the latest month is nearly always the last entry.
        if let last = self.last, last.month == key {
            self[count - 1].count += 1
        } else if let index = lastIndex(where: { $0.month == key }) {
            self[index].count += 1
        } else {
            var entry = MonthCount()
            entry.month = key
            entry.count = 1
            appendGrowing(entry)
            if count > 1, self[count - 2].month > key { sort { $0.month < $1.month } }
        }
    }
}

extension Array {
    /// Changes the last element matching `predicate`.
    mutating func modify(where predicate: (Element) -> Bool, _ body: (inout Element) -> Void) {
        if let index = lastIndex(where: predicate) { body(&self[index]) }
    }

    /// Appends, dropping the oldest elements beyond `limit` (before appending, so the array
    /// never holds more than `limit` and its capacity stops there).
    mutating func appendBounded(_ element: Element, _ limit: Int) {
        if count >= limit {
            removeFirst(count - limit + 1)
        } else if count == capacity {
            reserveCapacity(Swift.min(limit, Swift.max(2, count + count / 2)))
        }
        append(element)
    }

    /// Appends, growing a full array by half (from 2) rather than doubling it: records keep
    /// many small arrays, and doubling leaves a third of their memory unused on average.
    mutating func appendGrowing(_ element: Element) {
        if count == capacity { reserveCapacity(Swift.max(2, count + count / 2)) }
        append(element)
    }

    /// Drops the oldest closed elements beyond `keeping`, never an open one.
    mutating func trimClosed(keeping: Int, isClosed: (Element) -> Bool) {
        var closed = 0
        for element in self where isClosed(element) { closed += 1 }
        guard closed > keeping else { return }
        var toDrop = closed - keeping
        removeAll { element in
            guard toDrop > 0, isClosed(element) else { return false }
            toDrop -= 1
            return true
        }
    }
}
