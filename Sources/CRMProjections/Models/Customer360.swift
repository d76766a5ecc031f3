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
    public private(set) var customers = RecordTable<CustomerID, CustomerRecord>(tag: 1)
    /// The customer each order, invoice, ticket, opportunity, quote and contract belongs to.
    public private(set) var owners = RecordTable<UUID, OwnerRecord>(tag: 2)
    /// Leads by id.
    public private(set) var leads = RecordTable<LeadID, LeadRecord>(tag: 3)

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

    private mutating func own(_ id: UUID, by customer: CustomerID) {
        owners.update(id, orInsert: OwnerRecord()) { $0.customer = customer }
    }

    /// Changes the record of the customer owning `entity`.
    private mutating func withOwner(of entity: UUID, _ body: (inout CustomerRecord) -> Void) {
        guard let owner = owners[entity]?.customer else { return }
        customers.modify(owner, body)
    }

    private func inCurrency(_ money: Money) -> Int64? { money.currency == rules.currency ? money.minorUnits : nil }

    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        let day = info.day
        switch event {
        case .customerRegistered(let e):
            customers.update(e.customerID, orInsert: CustomerRecord()) { record in
                record.kind = e.kind
                record.name = e.name
                record.email = e.email
                record.phone = e.phone
                record.address = e.address
                record.industry = e.industry
                record.employeeCount = e.employeeCount
                record.country = e.country
                record.registeredOn = day
                record.convertedFromLead = e.convertedFromLead
            }
        case .customerDetailsChanged(let e):
            customers.modify(e.customerID) { record in
                if let name = e.name { record.name = name }
                if let email = e.email { record.email = email }
                if let phone = e.phone { record.phone = phone }
                if let address = e.address { record.address = address }
                if let industry = e.industry { record.industry = industry }
                if let count = e.employeeCount { record.employeeCount = count }
                if let country = e.country { record.country = country }
            }
        case .customersMerged(let e):
            customers.modify(e.duplicateID) { $0.mergedInto = e.survivorID }
        case .contactAdded(let e):
            customers.modify(e.customerID) { record in
                var contact = ContactEntry()
                contact.contactID = e.contactID
                contact.name = e.name
                contact.email = e.email
                contact.phone = e.phone
                contact.jobTitle = e.jobTitle
                contact.role = e.role
                record.contacts.appendGrowing(contact)
            }
        case .contactRoleChanged(let e):
            customers.modify(e.customerID) { record in
                if let index = record.contacts.firstIndex(where: { $0.contactID == e.contactID }) { record.contacts[index].role = e.role }
            }
        case .contactRemoved(let e):
            customers.modify(e.customerID) { $0.contacts.removeAll { $0.contactID == e.contactID } }
        case .accountManagerAssigned(let e):
            customers.modify(e.customerID) { $0.accountManager = e.employeeID }
        case .costToServeBooked(let e):
            guard let amount = inCurrency(e.amount) else { return }
            customers.modify(e.customerID) { $0.addToYear(day) { $0.cost &+= amount } }
        case .interactionRecorded(let e):
            customers.modify(e.customerID) { record in
                var entry = InteractionEntry()
                entry.day = day
                entry.channel = e.channel
                entry.direction = e.direction
                entry.employee = e.employeeID
                entry.subject = e.subject
                entry.durationSeconds = e.durationSeconds
                record.timeline.appendBounded(entry, Self.timelineLength)
                let (year, month, _) = day.parts
                record.interactionMonths.increment(year * 12 + month - 1)
                record.interactionsByChannel.increment(Int(e.channel.rawValue))
                if record.lastInteractionOn.map({ $0 < day }) ?? true { record.lastInteractionOn = day }
            }
        case .consentGiven(let e):
            customers.modify(e.customerID) { record in
                guard !record.consents.contains(where: { $0.purpose == e.purpose && $0.channel == e.channel }) else { return }
                var consent = ConsentEntry()
                consent.purpose = e.purpose
                consent.channel = e.channel
                consent.givenOn = day
                record.consents.appendGrowing(consent)
            }
        case .consentWithdrawn(let e):
            customers.modify(e.customerID) { $0.consents.removeAll { $0.purpose == e.purpose && $0.channel == e.channel } }
        case .erasureRequested(let e):
            customers.modify(e.customerID) { $0.erasureRequested = true }
        case .feedbackReceived(let e):
            customers.modify(e.customerID) { record in
                var entry = FeedbackEntry()
                entry.day = day
                entry.kind = e.kind
                entry.channel = e.channel
                entry.text = e.text
                record.feedback.appendBounded(entry, Self.closedEntries)
                if e.kind == .complaint { record.complaintDays.appendBounded(day, Self.closedEntries) }
            }
        case .personalDataErased(let e):
            switch e.subject {
            case .customer(let id):
                customers.modify(id) { record in
                    record.personalDataErased = true
                    record.name = .erased
                    if record.email != nil { record.email = .erased }
                    if record.phone != nil { record.phone = .erased }
                    if record.address != nil { record.address = .erased }
                    for index in record.feedback.indices { record.feedback[index].text = .erased }
                }
            case .contact(let id):
                let holders = customers.records.filter { $0.value.contacts.contains(where: { $0.contactID == id }) }.map(\.key)
                for customer in holders {
                    customers.modify(customer) { record in
                        for index in record.contacts.indices where record.contacts[index].contactID == id {
                            record.contacts[index].name = .erased
                            if record.contacts[index].email != nil { record.contacts[index].email = .erased }
                            if record.contacts[index].phone != nil { record.contacts[index].phone = .erased }
                        }
                    }
                }
            case .lead(let id):
                leads.modify(id) { $0.name = .erased }
            case .employee:
                break
            }
        case .npsAnswered(let e):
            customers.modify(e.customerID) { record in
                record.nps = e.score
                record.npsOn = day
            }

        // Orders and money
        case .orderPlaced(let e):
            own(e.orderID.uuid, by: e.customerID)
            let amount = inCurrency(e.total)
            customers.modify(e.customerID) { record in
                var entry = OrderEntry()
                entry.orderID = e.orderID
                entry.placedOn = day
                entry.total = e.total
                record.orders.appendGrowing(entry)
                record.orders.trimClosed(keeping: Self.closedEntries) { $0.status == .delivered || $0.status == .cancelled }
                record.orderCount += 1
                if let last = record.lastOrderOn {
                    record.orderGapDays += abs(Int(day.daysSince1970) - Int(last.daysSince1970))
                    if day > last { record.lastOrderOn = day }
                } else {
                    record.lastOrderOn = day
                }
                if let amount { record.addToYear(day) { $0.revenue &+= amount; $0.orders += 1 } }
                record.recentOrderDays.appendGrowing(day)
                let latest = record.lastOrderOn ?? day
                record.recentOrderDays.removeAll { Int(latest.daysSince1970) - Int($0.daysSince1970) > 365 }
            }
        case .orderShipped(let e):
            withOwner(of: e.orderID.uuid) { $0.orders.modify(where: { $0.orderID == e.orderID }) { $0.status = .shipped; $0.shippedOn = day } }
        case .orderDelivered(let e):
            withOwner(of: e.orderID.uuid) { record in
                record.orders.modify(where: { $0.orderID == e.orderID }) { $0.status = .delivered; $0.deliveredOn = day }
                record.orders.trimClosed(keeping: Self.closedEntries) { $0.status == .delivered || $0.status == .cancelled }
            }
        case .orderCancelled(let e):
            let currency = rules.currency
            withOwner(of: e.orderID.uuid) { record in
                guard let order = record.orders.first(where: { $0.orderID == e.orderID }) else { return }
                record.orders.modify(where: { $0.orderID == e.orderID }) { $0.status = .cancelled }
                record.orderCount -= 1
                if let index = record.recentOrderDays.lastIndex(of: order.placedOn) { record.recentOrderDays.remove(at: index) }
                if order.total.currency == currency {
                    record.addToYear(order.placedOn) { $0.revenue &-= order.total.minorUnits; $0.orders -= 1 }
                }
                record.orders.trimClosed(keeping: Self.closedEntries) { $0.status == .delivered || $0.status == .cancelled }
            }
        case .orderReturned(let e):
            let amount = inCurrency(e.amount)
            withOwner(of: e.orderID.uuid) { record in
                record.orders.modify(where: { $0.orderID == e.orderID }) { order in
                    order.returned = Money(minorUnits: (order.returned?.minorUnits ?? 0) &+ e.amount.minorUnits, currency: e.amount.currency)
                }
                if let amount { record.addToYear(day) { $0.revenue &-= amount } }
            }
        case .invoiceIssued(let e):
            own(e.invoiceID.uuid, by: e.customerID)
            customers.modify(e.customerID) { record in
                var entry = InvoiceEntry()
                entry.invoiceID = e.invoiceID
                entry.issuedOn = day
                entry.dueOn = e.dueOn
                entry.amount = e.amount
                record.invoices.appendGrowing(entry)
                record.invoices.trimClosed(keeping: Self.closedEntries) { $0.open.minorUnits == 0 }
            }
        case .paymentReceived(let e):
            withOwner(of: e.invoiceID.uuid) { record in
                record.invoices.modify(where: { $0.invoiceID == e.invoiceID }) { invoice in
                    invoice.paid &+= e.amount.minorUnits
                    if invoice.open.minorUnits == 0, invoice.settledOn == nil { invoice.settledOn = day }
                }
                record.invoices.trimClosed(keeping: Self.closedEntries) { $0.open.minorUnits == 0 }
            }
        case .invoiceOverdue(let e):
            withOwner(of: e.invoiceID.uuid) { record in
                record.invoices.modify(where: { $0.invoiceID == e.invoiceID }) { $0.markedOverdue = true }
                record.overdueDays.appendBounded(day, Self.closedEntries)
            }

        // Service
        case .ticketOpened(let e):
            own(e.ticketID.uuid, by: e.customerID)
            customers.modify(e.customerID) { record in
                var entry = TicketEntry()
                entry.ticketID = e.ticketID
                entry.openedAtMicros = info.occurredAtMicros
                entry.channel = e.channel
                entry.priority = e.priority
                entry.category = e.category
                entry.firstResponseTargetMinutes = e.firstResponseTargetMinutes
                entry.resolutionTargetMinutes = e.resolutionTargetMinutes
                record.tickets.appendGrowing(entry)
                record.tickets.trimClosed(keeping: Self.closedEntries) { $0.status == .closed }
            }
        case .ticketAssigned(let e):
            withOwner(of: e.ticketID.uuid) { $0.tickets.modify(where: { $0.ticketID == e.ticketID }) { $0.assignee = e.employeeID } }
        case .ticketFirstResponseGiven(let e):
            withOwner(of: e.ticketID.uuid) { record in
                record.tickets.modify(where: { $0.ticketID == e.ticketID }) { ticket in
                    if ticket.firstResponseAtMicros == nil { ticket.firstResponseAtMicros = info.occurredAtMicros }
                }
            }
        case .ticketEscalated(let e):
            withOwner(of: e.ticketID.uuid) { $0.tickets.modify(where: { $0.ticketID == e.ticketID }) { $0.escalationLevel = e.level } }
        case .ticketResolved(let e):
            withOwner(of: e.ticketID.uuid) { record in
                record.tickets.modify(where: { $0.ticketID == e.ticketID }) { ticket in
                    ticket.status = .resolved
                    ticket.resolvedAtMicros = info.occurredAtMicros
                    ticket.firstContactResolution = e.firstContactResolution
                }
            }
        case .ticketReopened(let e):
            withOwner(of: e.ticketID.uuid) { $0.tickets.modify(where: { $0.ticketID == e.ticketID }) { $0.status = .open } }
        case .ticketClosed(let e):
            withOwner(of: e.ticketID.uuid) { record in
                record.tickets.modify(where: { $0.ticketID == e.ticketID }) { $0.status = .closed }
                record.tickets.trimClosed(keeping: Self.closedEntries) { $0.status == .closed }
            }
        case .ticketCustomerReplied:
            break

        // Sales
        case .opportunityOpened(let e):
            own(e.opportunityID.uuid, by: e.customerID)
            customers.modify(e.customerID) { record in
                var entry = DealEntry()
                entry.id = e.opportunityID.uuid
                entry.title = e.title
                entry.amount = e.expectedRevenue
                entry.stage = e.stage
                entry.until = e.expectedCloseOn
                entry.probability = e.probability
                record.opportunities.appendGrowing(entry)
                record.opportunities.trimClosed(keeping: Self.closedEntries) { $0.status != .open }
            }
        case .opportunityStageChanged(let e):
            withOwner(of: e.opportunityID.uuid) { $0.opportunities.modify(where: { $0.id == e.opportunityID.uuid }) { $0.stage = e.to } }
        case .opportunityAmountChanged(let e):
            withOwner(of: e.opportunityID.uuid) { record in
                record.opportunities.modify(where: { $0.id == e.opportunityID.uuid }) { $0.amount = e.expectedRevenue }
            }
        case .opportunityCloseDateChanged(let e):
            withOwner(of: e.opportunityID.uuid) { record in
                record.opportunities.modify(where: { $0.id == e.opportunityID.uuid }) { $0.until = e.expectedCloseOn }
            }
        case .opportunityProbabilityChanged(let e):
            withOwner(of: e.opportunityID.uuid) { record in
                record.opportunities.modify(where: { $0.id == e.opportunityID.uuid }) { $0.probability = e.probability }
            }
        case .opportunityWon(let e):
            withOwner(of: e.opportunityID.uuid) { record in
                record.opportunities.modify(where: { $0.id == e.opportunityID.uuid }) { $0.status = .won; $0.amount = e.amount }
                record.opportunities.trimClosed(keeping: Self.closedEntries) { $0.status != .open }
            }
        case .opportunityLost(let e):
            withOwner(of: e.opportunityID.uuid) { record in
                record.opportunities.modify(where: { $0.id == e.opportunityID.uuid }) { $0.status = .lost }
                record.opportunities.trimClosed(keeping: Self.closedEntries) { $0.status != .open }
            }
        case .quoteDrafted(let e):
            own(e.quoteID.uuid, by: e.customerID)
            customers.modify(e.customerID) { record in
                var entry = DealEntry()
                entry.id = e.quoteID.uuid
                entry.title = e.opportunityID.description
                entry.amount = e.total
                entry.until = e.validUntil
                record.quotes.appendGrowing(entry)
                record.quotes.trimClosed(keeping: Self.closedEntries) { [.won, .lost, .expired].contains($0.status) }
            }
        case .quoteApproved(let e): setQuote(e.quoteID, .approved)
        case .quoteSent(let e): setQuote(e.quoteID, .sent)
        case .quoteAccepted(let e): setQuote(e.quoteID, .won)
        case .quoteRejected(let e): setQuote(e.quoteID, .lost)
        case .quoteExpired(let e): setQuote(e.quoteID, .expired)
        case .contractSigned(let e):
            own(e.contractID.uuid, by: e.customerID)
            customers.modify(e.customerID) { record in
                var entry = DealEntry()
                entry.id = e.contractID.uuid
                entry.title = e.quoteID?.description ?? ""
                entry.amount = e.value
                entry.status = .active
                entry.until = e.endsOn
                record.contracts.appendGrowing(entry)
            }
        case .contractRenewed(let e):
            withOwner(of: e.contractID.uuid) { record in
                record.contracts.modify(where: { $0.id == e.contractID.uuid }) { contract in
                    contract.until = e.endsOn
                    if let value = e.value { contract.amount = value }
                }
            }
        case .contractTerminated(let e):
            withOwner(of: e.contractID.uuid) { record in
                record.contracts.modify(where: { $0.id == e.contractID.uuid }) { $0.status = .terminated; $0.until = e.effectiveOn }
            }

        // Leads
        case .leadCaptured(let e):
            leads.update(e.leadID, orInsert: LeadRecord()) { lead in
                lead.source = e.source
                lead.campaign = e.campaignID
                lead.name = e.name
                lead.company = e.company
                lead.capturedOn = day
            }
        case .leadAttributesRecorded(let e):
            leads.modify(e.leadID) { lead in
                for attribute in e.attributes {
                    lead.attributes.removeAll { $0.name == attribute.name }
                    var entry = LeadAttributeEntry()
                    entry.name = attribute.name
                    entry.value = attribute.value
                    entry.recordedOn = day
                    lead.attributes.append(entry)
                }
                lead.engagementDays.appendBounded(day, 20)
            }
        case .leadQualified(let e): leads.modify(e.leadID) { $0.status = .qualified }
        case .leadDisqualified(let e): leads.modify(e.leadID) { $0.status = .disqualified }
        case .leadHandedOver(let e):
            leads.modify(e.leadID) { lead in
                lead.status = .handedOver
                lead.handedTo = e.employeeID
            }
        case .leadConverted(let e):
            leads.modify(e.leadID) { lead in
                lead.status = .converted
                lead.customer = e.customerID
            }
        default:
            break
        }
    }

    private mutating func setQuote(_ id: QuoteID, _ status: DealStatus) {
        withOwner(of: id.uuid) { record in
            record.quotes.modify(where: { $0.id == id.uuid }) { $0.status = status }
            record.quotes.trimClosed(keeping: Self.closedEntries) { [.won, .lost, .expired].contains($0.status) }
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
