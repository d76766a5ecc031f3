import CRMDomain
import Foundation

/// The customer journey (seed: *Customer Journey*): every person's, account's and lead's
/// touchpoints in business-time order, from which the phases, the touchpoint counts and the
/// attribution paths are read.
///
/// ## What is kept
/// The fold keeps, per customer and per lead, the journey events (``JourneyTouch``) in
/// business-time order (ties in log order): registration; a lead's capture (source, campaign),
/// engagement (attributes recorded), qualification, hand-over and disqualification;
/// interactions (channel, direction); opportunities opened (campaign) and won (amount); orders
/// (total, channel, and the cancellation's time); tickets (channel); feedback (channel); NPS
/// answers (score); contracts signed. A lead is linked to its customer by `LeadConverted` or by
/// `CustomerRegistered.convertedFromLead`, from that event's business time on. Campaigns keep
/// their name, channel and booked costs for attribution and ROI.
///
/// ## Phases
/// Phases are not stored: ``JourneyPhases`` computes them when asked, for any day, from the
/// events up to that day, so that a late-recorded event, a rebuild, a rebuild as of a day and
/// the live fold all give the same phases, and a change of ``JourneyRules`` applies to the whole
/// past without a rebuild. The rules are in docs/projections.md ("Customer journey").
///
/// ## Storage
/// Table 1: ``JourneyRecord`` by customer; table 2: ``JourneyRecord`` by lead; table 3:
/// order → customer; table 4: opportunity → customer; table 5: ``JourneyCampaign`` by campaign;
/// table 6: the ``JourneyFormat`` mark.
public struct JourneyModel: ReadModel, Hashable {
    /// `journey`.
    public static let name = "journey"
    /// The event types the journey reads.
    public static let eventTypes = EventTypeFilter([
        CustomerRegistered.self, CustomersMerged.self, InteractionRecorded.self, FeedbackReceived.self, NPSAnswered.self,
        CampaignPlanned.self, CampaignCostBooked.self, LeadCaptured.self, LeadAttributesRecorded.self, LeadQualified.self,
        LeadDisqualified.self, LeadHandedOver.self, LeadConverted.self, OpportunityOpened.self, OpportunityWon.self,
        OrderPlaced.self, OrderCancelled.self, TicketOpened.self, ContractSigned.self,
    ])

    /// The rules.
    public let rules: CRMRules
    /// Customers (tag 1).
    var customers = RecordTable<CustomerID, JourneyRecord>(tag: 1)
    /// Leads (tag 2).
    var leads = RecordTable<LeadID, JourneyRecord>(tag: 2)
    /// Order → customer (tag 3).
    var orderOwners = RecordTable<OrderID, LifecycleOwner>(tag: 3)
    /// Opportunity → customer (tag 4).
    var opportunityOwners = RecordTable<OpportunityID, LifecycleOwner>(tag: 4)
    /// Campaigns (tag 5).
    var campaigns = RecordTable<CampaignID, JourneyCampaign>(tag: 5)
    /// The format mark (tag 6, key 0).
    var format = RecordTable<Int, JourneyFormat>(tag: 6)

    /// An empty model.
    public init(rules: CRMRules) {
        self.rules = rules
        format.tracksChanges = false
        format.update(0, orInsert: JourneyFormat()) { _ in }
    }

    /// Restores a stored model.
    public init(rules: CRMRules, entries: [ReadModelEntry]) throws {
        self.rules = rules
        try customers.restore(from: entries)
        try leads.restore(from: entries)
        try orderOwners.restore(from: entries)
        try opportunityOwners.restore(from: entries)
        try campaigns.restore(from: entries)
        format.tracksChanges = false
        format.update(0, orInsert: JourneyFormat()) { _ in }
    }

    /// Turns change tracking of every table on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        customers.tracksChanges = on
        leads.tracksChanges = on
        orderOwners.tracksChanges = on
        opportunityOwners.tracksChanges = on
        campaigns.tracksChanges = on
    }

    /// The changed entries; with any change, the format mark too (a stored state always has it,
    /// whichever batch wrote first).
    public mutating func takeChanges() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        customers.takeChanges(into: &entries)
        leads.takeChanges(into: &entries)
        orderOwners.takeChanges(into: &entries)
        opportunityOwners.takeChanges(into: &entries)
        campaigns.takeChanges(into: &entries)
        if !entries.isEmpty { format.entries(into: &entries) }
        return entries
    }

    /// The format mark alone, for a stored state the other models of ``CRMReadModels`` write to
    /// when the journey has not changed.
    public func formatEntries() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        format.entries(into: &entries)
        return entries
    }

    public func entries() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        customers.entries(into: &entries)
        leads.entries(into: &entries)
        orderOwners.entries(into: &entries)
        opportunityOwners.entries(into: &entries)
        campaigns.entries(into: &entries)
        format.entries(into: &entries)
        return entries
    }

    // MARK: Folding

    /// Folds one event.
    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        var touch = JourneyTouch()
        touch.micros = info.occurredAtMicros
        touch.position = Int(truncatingIfNeeded: info.position)
        switch event {
        case .customerRegistered(let e):
            touch.kind = .registered
            customers.update(e.customerID, orInsert: JourneyRecord()) { record in
                record.customerKind = e.kind
                record.insert(touch)
            }
            if let lead = e.convertedFromLead { link(lead, to: e.customerID, at: info.occurredAtMicros) }
        case .customersMerged(let e):
            customers.update(e.duplicateID, orInsert: JourneyRecord()) { $0.mergedAtMicros = info.occurredAtMicros }
        case .interactionRecorded(let e):
            touch.kind = .interaction
            touch.channel = e.channel
            touch.direction = e.direction
            addToCustomer(e.customerID, touch)
        case .feedbackReceived(let e):
            touch.kind = .feedback
            touch.channel = e.channel
            touch.direction = .inbound
            addToCustomer(e.customerID, touch)
        case .npsAnswered(let e):
            touch.kind = .nps
            touch.score = e.score
            addToCustomer(e.customerID, touch)
        case .ticketOpened(let e):
            touch.kind = .ticketOpened
            touch.channel = e.channel
            touch.direction = .inbound
            addToCustomer(e.customerID, touch)
        case .contractSigned(let e):
            touch.kind = .contractSigned
            addToCustomer(e.customerID, touch)
        default:
            applyMarketing(event, touch)
        }
    }

    /// Campaigns, leads, opportunities and orders.
    private mutating func applyMarketing(_ event: DomainEvent, _ base: JourneyTouch) {
        var touch = base
        switch event {
        case .campaignPlanned(let e):
            campaigns.update(e.campaignID, orInsert: JourneyCampaign()) { campaign in
                campaign.name = e.name
                campaign.channel = e.channel
            }
        case .campaignCostBooked(let e):
            guard e.amount.currency == rules.currency else { return }
            var cost = JourneyCampaign.Cost()
            cost.micros = base.micros
            cost.amount = e.amount.minorUnits
            campaigns.update(e.campaignID, orInsert: JourneyCampaign()) { $0.costs.append(cost) }
        case .leadCaptured(let e):
            touch.kind = .leadCaptured
            touch.leadSource = e.source
            touch.campaign = e.campaignID
            touch.direction = e.source == .coldCall ? .outbound : .inbound
            addToLead(e.leadID, touch)
        case .leadAttributesRecorded(let e):
            touch.kind = .leadEngaged
            addToLead(e.leadID, touch)
        case .leadQualified(let e):
            touch.kind = .leadQualified
            addToLead(e.leadID, touch)
        case .leadHandedOver(let e):
            touch.kind = .leadHandedOver
            addToLead(e.leadID, touch)
        case .leadDisqualified(let e):
            touch.kind = .leadDisqualified
            addToLead(e.leadID, touch)
        case .leadConverted(let e):
            link(e.leadID, to: e.customerID, at: base.micros)
        default:
            applySales(event, touch)
        }
    }

    /// Opportunities and orders.
    private mutating func applySales(_ event: DomainEvent, _ base: JourneyTouch) {
        var touch = base
        switch event {
        case .opportunityOpened(let e):
            touch.kind = .opportunityOpened
            touch.campaign = e.campaignID
            touch.id = e.opportunityID.uuid
            opportunityOwners.update(e.opportunityID, orInsert: LifecycleOwner(e.customerID)) { _ in }
            addToCustomer(e.customerID, touch)
        case .opportunityWon(let e):
            guard let owner = opportunityOwners[e.opportunityID] else { return }
            touch.kind = .opportunityWon
            touch.id = e.opportunityID.uuid
            setAmount(e.amount, of: &touch)
            addToCustomer(owner.customer, touch)
        case .orderPlaced(let e):
            touch.kind = .orderPlaced
            touch.channel = e.channel
            touch.id = e.orderID.uuid
            setAmount(e.total, of: &touch)
            orderOwners.update(e.orderID, orInsert: LifecycleOwner(e.customerID)) { _ in }
            addToCustomer(e.customerID, touch)
        case .orderCancelled(let e):
            guard let owner = orderOwners[e.orderID] else { return }
            customers.modify(owner.customer) { record in
                guard let index = record.touches.lastIndex(where: { $0.kind == .orderPlaced && $0.id == e.orderID.uuid }) else { return }
                record.touches[index].cancelledAtMicros = base.micros
            }
        default:
            return
        }
    }

    private func setAmount(_ money: Money, of touch: inout JourneyTouch) {
        touch.inCurrency = money.currency == rules.currency
        touch.amount = touch.inCurrency ? money.minorUnits : 0
    }

    private mutating func addToCustomer(_ customer: CustomerID, _ touch: JourneyTouch) {
        customers.update(customer, orInsert: JourneyRecord()) { $0.insert(touch) }
    }

    private mutating func addToLead(_ lead: LeadID, _ touch: JourneyTouch) {
        leads.update(lead, orInsert: JourneyRecord()) { $0.insert(touch) }
    }

    /// Links a lead to the customer it became (the earliest link wins when both
    /// `CustomerRegistered.convertedFromLead` and `LeadConverted` name it).
    private mutating func link(_ lead: LeadID, to customer: CustomerID, at micros: Int64) {
        let linked = leads.update(lead, orInsert: JourneyRecord()) { record -> Bool in
            if let at = record.linkedAtMicros, at <= micros, record.customer != nil { return false }
            record.customer = customer
            record.linkedAtMicros = micros
            return true
        }
        guard linked else { return }
        customers.update(customer, orInsert: JourneyRecord()) { record in
            if !record.leads.contains(lead) { record.leads.append(lead) }
        }
    }

    // MARK: Reading

    /// The customer's record.
    public func customer(_ id: CustomerID) -> JourneyRecord? { customers[id] }

    /// The lead's record.
    public func lead(_ id: LeadID) -> JourneyRecord? { leads[id] }

    /// The campaign's record.
    public func campaign(_ id: CampaignID) -> JourneyCampaign? { campaigns[id] }

    /// Every customer with a journey record.
    public var customerIDs: [CustomerID] { Array(customers.records.keys) }

    /// Every lead with a journey record.
    public var leadIDs: [LeadID] { Array(leads.records.keys) }

    /// Every campaign with a record.
    public var campaignIDs: [CampaignID] { Array(campaigns.records.keys) }
}
