import CRMDomain
import Foundation

extension UUID {
    /// All zero bits: the placeholder of records' id fields before decoding fills them.
    static let zero = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}

// The records of the customer-360 read model. Every list is bounded (the latest entries plus
// what is still open), so a customer's record stays small however long the history; the whole
// history stays in the log (the customer's streams).

/// An order as the customer 360 shows it.
public enum OrderStatus: UInt8, RecordEnum, Sendable, Hashable {
    /// Placed, not yet shipped.
    case placed = 1
    /// Shipped, not yet delivered.
    case shipped = 2
    /// Delivered.
    case delivered = 3
    /// Cancelled before shipping.
    case cancelled = 4
}

/// A ticket's state.
public enum TicketStatus: UInt8, RecordEnum, Sendable, Hashable {
    /// Open (also after reopening).
    case open = 1
    /// Resolved, not yet closed.
    case resolved = 2
    /// Closed.
    case closed = 3
}

/// An opportunity's, quote's or contract's state as the customer 360 shows it.
public enum DealStatus: UInt8, RecordEnum, Sendable, Hashable {
    /// Open opportunity, or a drafted quote.
    case open = 1
    /// Won opportunity, or an accepted quote.
    case won = 2
    /// Lost opportunity, or a rejected quote.
    case lost = 3
    /// Approved quote.
    case approved = 4
    /// Sent quote.
    case sent = 5
    /// Expired quote.
    case expired = 6
    /// Active contract.
    case active = 7
    /// Terminated contract.
    case terminated = 8
}

/// A lead's state.
public enum LeadStatus: UInt8, RecordEnum, Sendable, Hashable {
    /// Captured.
    case open = 1
    /// Qualified.
    case qualified = 2
    /// Handed over to sales.
    case handedOver = 3
    /// Disqualified.
    case disqualified = 4
    /// Converted into a customer.
    case converted = 5
}

/// A contact person of an account.
public struct ContactEntry: RecordMessage, Hashable {
    /// The contact.
    public var contactID = ContactID(UUID.zero)
    /// Name.
    public var name = PersonalText("")
    /// E-mail address.
    public var email: PersonalText?
    /// Phone number.
    public var phone: PersonalText?
    /// Job title.
    public var jobTitle: String?
    /// Role in the buying decision.
    public var role = BuyingRole.user

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "contactID", &contactID)
        try v.field(2, "name", &name)
        try v.field(3, "email", &email)
        try v.field(4, "phone", &phone)
        try v.field(5, "jobTitle", &jobTitle)
        try v.field(6, "role", &role)
    }
}

/// One interaction in the timeline.
public struct InteractionEntry: RecordMessage, Hashable {
    /// Business day.
    public var day = CalendarDay.earliest
    /// Channel.
    public var channel = Channel.phone
    /// Who started it.
    public var direction = Direction.inbound
    /// The employee, if any.
    public var employee: EmployeeID?
    /// Subject.
    public var subject: String?
    /// Duration in seconds.
    public var durationSeconds = 0

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "day", &day)
        try v.field(2, "channel", &channel)
        try v.field(3, "direction", &direction)
        try v.field(4, "employee", &employee)
        try v.field(5, "subject", &subject)
        try v.field(6, "durationSeconds", &durationSeconds)
    }
}

/// A count for one month (`month` = year × 12 + month − 1).
public struct MonthCount: RecordMessage, Hashable {
    /// The month index.
    public var month = 0
    /// The count.
    public var count = 0

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "month", &month)
        try v.field(2, "count", &count)
    }
}

/// An order with its delivery status.
public struct OrderEntry: RecordMessage, Hashable {
    /// The order.
    public var orderID = OrderID(UUID.zero)
    /// Order total.
    public var total = Money.zero(.eur)
    /// Value returned so far.
    public var returned: Money?
    /// Business day it was placed.
    public var placedOn = CalendarDay.earliest
    /// Day shipped.
    public var shippedOn: CalendarDay?
    /// Day delivered.
    public var deliveredOn: CalendarDay?
    /// Status.
    public var status = OrderStatus.placed

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "orderID", &orderID)
        try v.field(2, "placedOn", &placedOn)
        try v.field(3, "total", &total)
        try v.field(4, "status", &status)
        try v.field(5, "shippedOn", &shippedOn)
        try v.field(6, "deliveredOn", &deliveredOn)
        try v.field(7, "returned", &returned)
    }
}

/// An invoice with its payments.
public struct InvoiceEntry: RecordMessage, Hashable {
    /// The invoice.
    public var invoiceID = InvoiceID(UUID.zero)
    /// Amount due.
    public var amount = Money.zero(.eur)
    /// Paid so far (minor units of the invoice's currency).
    public var paid: Int64 = 0
    /// Business day issued.
    public var issuedOn = CalendarDay.earliest
    /// Due date.
    public var dueOn = CalendarDay.earliest
    /// Day the last payment settled it.
    public var settledOn: CalendarDay?
    /// Whether it was marked overdue.
    public var markedOverdue = false

    /// An empty entry.
    public init() {}

    /// What is still open (never below zero).
    public var open: Money { Money(minorUnits: max(0, amount.minorUnits &- paid), currency: amount.currency) }

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "invoiceID", &invoiceID)
        try v.field(2, "issuedOn", &issuedOn)
        try v.field(3, "dueOn", &dueOn)
        try v.field(4, "amount", &amount)
        try v.field(5, "paid", &paid)
        try v.field(6, "markedOverdue", &markedOverdue)
        try v.field(7, "settledOn", &settledOn)
    }
}

/// A service ticket with what its SLA state is computed from.
public struct TicketEntry: RecordMessage, Hashable {
    /// The ticket.
    public var ticketID = TicketID(UUID.zero)
    /// Opened, microseconds since 1970 (business time).
    public var openedAtMicros: Int64 = 0
    /// Category.
    public var category = ""
    /// Minutes allowed until the first response.
    public var firstResponseTargetMinutes = 0
    /// Minutes allowed until resolution.
    public var resolutionTargetMinutes = 0
    /// Escalation level reached (0: none).
    public var escalationLevel = 0
    /// First response, microseconds since 1970.
    public var firstResponseAtMicros: Int64?
    /// First resolution, microseconds since 1970 (a reopened ticket keeps it: the resolution
    /// SLA is measured at the first resolution, as in the scorecard).
    public var resolvedAtMicros: Int64?
    /// The assignee.
    public var assignee: EmployeeID?
    /// Channel.
    public var channel = Channel.email
    /// Priority.
    public var priority = TicketPriority.normal
    /// Status.
    public var status = TicketStatus.open
    /// Whether the last resolution was at the first contact.
    public var firstContactResolution: Bool?

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
        try v.field(2, "openedAtMicros", &openedAtMicros)
        try v.field(3, "channel", &channel)
        try v.field(4, "priority", &priority)
        try v.field(5, "category", &category)
        try v.field(6, "status", &status)
        try v.field(7, "firstResponseAtMicros", &firstResponseAtMicros)
        try v.field(8, "resolvedAtMicros", &resolvedAtMicros)
        try v.field(9, "firstResponseTargetMinutes", &firstResponseTargetMinutes)
        try v.field(10, "resolutionTargetMinutes", &resolutionTargetMinutes)
        try v.field(11, "escalationLevel", &escalationLevel)
        try v.field(12, "firstContactResolution", &firstContactResolution)
        try v.field(13, "assignee", &assignee)
    }
}

/// An opportunity, quote or contract of the customer.
public struct DealEntry: RecordMessage, Hashable {
    /// The opportunity's, quote's or contract's UUID.
    public var id = UUID.zero
    /// Title (opportunities) or the opportunity's id (quotes, as text).
    public var title = ""
    /// Expected revenue, quote total or contract value.
    public var amount = Money.zero(.eur)
    /// Probability in percent (opportunities).
    public var probability: Int?
    /// Expected close date, validity or contract end.
    public var until: CalendarDay?
    /// Status.
    public var status = DealStatus.open
    /// Sales stage (opportunities).
    public var stage: PipelineStage?
    /// The business times of the latest change of ``amount``, ``stage``, ``until`` and
    /// ``probability`` (opportunities; absent in records folded before they were kept): a change
    /// recorded late does not replace a newer value.
    public var amountAtMicros: Int64?
    /// See ``amountAtMicros``.
    public var stageAtMicros: Int64?
    /// See ``amountAtMicros``.
    public var untilAtMicros: Int64?
    /// See ``amountAtMicros``.
    public var probabilityAtMicros: Int64?

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "id", &id)
        try v.field(2, "title", &title)
        try v.field(3, "amount", &amount)
        try v.field(4, "status", &status)
        try v.field(5, "stage", &stage)
        try v.field(6, "until", &until)
        try v.field(7, "probability", &probability)
        try v.field(8, "amountAtMicros", &amountAtMicros)
        try v.field(9, "stageAtMicros", &stageAtMicros)
        try v.field(10, "untilAtMicros", &untilAtMicros)
        try v.field(11, "probabilityAtMicros", &probabilityAtMicros)
    }
}

/// Feedback received.
public struct FeedbackEntry: RecordMessage, Hashable {
    /// Business day.
    public var day = CalendarDay.earliest
    /// Complaint, praise or suggestion.
    public var kind = FeedbackKind.suggestion
    /// Channel.
    public var channel = Channel.email
    /// Text.
    public var text = PersonalText("")

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "day", &day)
        try v.field(2, "kind", &kind)
        try v.field(3, "channel", &channel)
        try v.field(4, "text", &text)
    }
}

/// A consent in force.
public struct ConsentEntry: RecordMessage, Hashable {
    /// Purpose.
    public var purpose = ConsentPurpose.marketing
    /// Channel.
    public var channel = Channel.email
    /// Business day given.
    public var givenOn = CalendarDay.earliest

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "purpose", &purpose)
        try v.field(2, "channel", &channel)
        try v.field(3, "givenOn", &givenOn)
    }
}

/// Revenue and cost to serve of one calendar year, in the rules' currency (minor units).
public struct YearTotal: RecordMessage, Hashable {
    /// The year.
    public var year = 0
    /// Net revenue: orders placed minus cancellations and returns.
    public var revenue: Int64 = 0
    /// Cost to serve booked.
    public var cost: Int64 = 0
    /// Orders placed (minus cancellations).
    public var orders = 0

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "year", &year)
        try v.field(2, "revenue", &revenue)
        try v.field(3, "cost", &cost)
        try v.field(4, "orders", &orders)
    }
}

/// Everything the customer 360 keeps about one customer.
public struct CustomerRecord: RecordMessage, Hashable {
    /// Person or account.
    public var kind = CustomerKind.person
    /// Name.
    public var name = PersonalText("")
    /// E-mail address.
    public var email: PersonalText?
    /// Phone number.
    public var phone: PersonalText?
    /// Postal address.
    public var address: PersonalText?
    /// Industry.
    public var industry: String?
    /// Employees of an account.
    public var employeeCount: Int?
    /// Country code.
    public var country: String?
    /// Business day of registration.
    public var registeredOn = CalendarDay.earliest
    /// The surviving record, when this one was merged away.
    public var mergedInto: CustomerID?
    /// Whether the customer asked to be erased.
    public var erasureRequested = false
    /// The account manager.
    public var accountManager: EmployeeID?
    /// Contacts of an account.
    public var contacts: [ContactEntry] = []
    /// The latest interactions, newest last (at most ``Customer360Model/timelineLength``).
    public var timeline: [InteractionEntry] = []
    /// Interactions per month, for frequency trends.
    public var interactionMonths: [MonthCount] = []
    /// Interactions over each channel, by channel.
    public var interactionsByChannel: [MonthCount] = []
    /// Orders: every open one and the latest others.
    public var orders: [OrderEntry] = []
    /// Orders placed and not cancelled.
    public var orderCount = 0
    /// Business day of the latest order.
    public var lastOrderOn: CalendarDay?
    /// Sum of the days between consecutive orders (the cadence is this / (orderCount − 1)).
    public var orderGapDays = 0
    /// Invoices: every open one and the latest others.
    public var invoices: [InvoiceEntry] = []
    /// Business days invoices were marked overdue (the latest ones).
    public var overdueDays: [CalendarDay] = []
    /// Tickets: every open one and the latest others.
    public var tickets: [TicketEntry] = []
    /// Opportunities: every open one and the latest others.
    public var opportunities: [DealEntry] = []
    /// Quotes: every open one and the latest others.
    public var quotes: [DealEntry] = []
    /// Contracts.
    public var contracts: [DealEntry] = []
    /// The latest feedback.
    public var feedback: [FeedbackEntry] = []
    /// Business days of the latest complaints.
    public var complaintDays: [CalendarDay] = []
    /// The latest NPS answer.
    public var nps: Int?
    /// When it was given.
    public var npsOn: CalendarDay?
    /// Consents in force.
    public var consents: [ConsentEntry] = []
    /// Revenue and cost per year.
    public var years: [YearTotal] = []
    /// The lead the customer was converted from.
    public var convertedFromLead: LeadID?
    /// Business day of the latest interaction.
    public var lastInteractionOn: CalendarDay?
    /// Business days of the orders (not cancelled) placed within 365 days before the latest one.
    public var recentOrderDays: [CalendarDay] = []
    /// Whether the customer's personal data was erased (its key destroyed).
    public var personalDataErased = false
    /// Business time of the latest NPS answer (the answer with the latest business time is
    /// ``nps``, whatever order the answers were recorded in).
    public var npsAtMicros: Int64?
    /// Business days of every order not cancelled, sorted: the cadence, the last order and the
    /// orders in a window are computed from them for any day.
    public var orderDays: [CalendarDay] = []
    /// Net revenue and cost to serve per month (year × 12 + month − 1), sorted by month: the
    /// margin up to the end of any month.
    public var months: [MonthMargin] = []
    /// The business day since which each master-data field has been set (the earliest event
    /// that set it): e-mail, phone, address, country, industry. Fields are never unset.
    public var emailSince: CalendarDay?
    /// See ``emailSince``.
    public var phoneSince: CalendarDay?
    /// See ``emailSince``.
    public var addressSince: CalendarDay?
    /// See ``emailSince``.
    public var countrySince: CalendarDay?
    /// See ``emailSince``.
    public var industrySince: CalendarDay?

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "kind", &kind)
        try v.field(2, "name", &name)
        try v.field(3, "email", &email)
        try v.field(4, "phone", &phone)
        try v.field(5, "address", &address)
        try v.field(6, "industry", &industry)
        try v.field(7, "employeeCount", &employeeCount)
        try v.field(8, "country", &country)
        try v.field(9, "registeredOn", &registeredOn)
        try v.field(10, "mergedInto", &mergedInto)
        try v.field(11, "erasureRequested", &erasureRequested)
        try v.field(12, "accountManager", &accountManager)
        try v.repeated(13, "contacts", &contacts)
        try v.repeated(14, "timeline", &timeline)
        try v.repeated(15, "interactionMonths", &interactionMonths)
        try v.repeated(16, "interactionsByChannel", &interactionsByChannel)
        try v.repeated(17, "orders", &orders)
        try v.field(18, "orderCount", &orderCount)
        try v.field(19, "lastOrderOn", &lastOrderOn)
        try v.field(20, "orderGapDays", &orderGapDays)
        try v.repeated(21, "invoices", &invoices)
        try v.repeated(22, "overdueDays", &overdueDays)
        try v.repeated(23, "tickets", &tickets)
        try v.repeated(24, "opportunities", &opportunities)
        try v.repeated(25, "quotes", &quotes)
        try v.repeated(26, "contracts", &contracts)
        try v.repeated(27, "feedback", &feedback)
        try v.repeated(28, "complaintDays", &complaintDays)
        try v.field(29, "nps", &nps)
        try v.field(30, "npsOn", &npsOn)
        try v.repeated(31, "consents", &consents)
        try v.repeated(32, "years", &years)
        try v.field(33, "convertedFromLead", &convertedFromLead)
        try v.field(34, "lastInteractionOn", &lastInteractionOn)
        try v.repeated(35, "recentOrderDays", &recentOrderDays)
        try v.field(36, "personalDataErased", &personalDataErased)
        try v.field(37, "npsAtMicros", &npsAtMicros)
        try v.repeated(38, "orderDays", &orderDays)
        try v.repeated(39, "months", &months)
        try v.field(40, "emailSince", &emailSince)
        try v.field(41, "phoneSince", &phoneSince)
        try v.field(42, "addressSince", &addressSince)
        try v.field(43, "countrySince", &countrySince)
        try v.field(44, "industrySince", &industrySince)
    }
}

extension CustomerRecord {
    /// Whether the master data was complete on `day`: e-mail, phone, address and country set
    /// by events on or before `day` (accounts also industry) — `dataCompleteness` of a period
    /// reads it at the period's end.
    public func isComplete(on day: CalendarDay) -> Bool {
        func set(_ since: CalendarDay?) -> Bool { since.map { $0 <= day } ?? false }
        return set(emailSince) && set(phoneSince) && set(addressSince) && set(countrySince)
            && (kind == .person || set(industrySince))
    }

    /// Notes that master-data fields were set on `day`.
    mutating func noteMasterData(on day: CalendarDay, email: Bool, phone: Bool, address: Bool, country: Bool, industry: Bool) {
        func note(_ since: inout CalendarDay?, _ isSet: Bool) {
            if isSet, since.map({ $0 > day }) ?? true { since = day }
        }
        note(&emailSince, email)
        note(&phoneSince, phone)
        note(&addressSince, address)
        note(&countrySince, country)
        note(&industrySince, industry)
    }

    /// Adds to the net revenue and cost to serve of `day`'s month.
    mutating func addToMonth(_ day: CalendarDay, revenue: Int64 = 0, cost: Int64 = 0) {
        let (year, month, _) = day.parts
        let key = year * 12 + month - 1
        if let index = months.lastIndex(where: { $0.month == key }) {
            months[index].revenue &+= revenue
            months[index].cost &+= cost
            return
        }
        var entry = MonthMargin()
        entry.month = key
        entry.revenue = revenue
        entry.cost = cost
        let index = months.partitioningIndex { $0.month > key }
        months.insert(entry, at: index)
    }

    /// Net revenue − cost to serve of the months up to and including `day`'s month.
    public func margin(throughMonthOf day: CalendarDay) -> Int64 {
        let (year, month, _) = day.parts
        let key = year * 12 + month - 1
        var total: Int64 = 0
        for entry in months where entry.month <= key { total = total &+ entry.revenue &- entry.cost }
        return total
    }

    /// Inserts an order day, keeping ``orderDays`` sorted, and updates the order summary.
    mutating func addOrderDay(_ day: CalendarDay) {
        orderDays.insert(day, at: orderDays.partitioningIndex { $0 > day })
        summariseOrderDays()
    }

    /// Removes one order day (a cancelled order) and updates the order summary.
    mutating func removeOrderDay(_ day: CalendarDay) {
        if let index = orderDays.lastIndex(of: day) { orderDays.remove(at: index) }
        summariseOrderDays()
    }

    /// ``orderCount``, ``lastOrderOn`` and ``orderGapDays`` (last − first order day) from
    /// ``orderDays``: cancelled orders count nowhere.
    private mutating func summariseOrderDays() {
        orderCount = orderDays.count
        lastOrderOn = orderDays.last
        orderGapDays = orderDays.count < 2 ? 0 : Int(orderDays[orderDays.count - 1].daysSince1970) - Int(orderDays[0].daysSince1970)
    }
}

/// Net revenue and cost to serve of one month of a customer.
public struct MonthMargin: RecordMessage, Hashable {
    /// Year × 12 + month − 1.
    public var month = 0
    /// Net revenue (orders − cancellations − returns) in minor units of the rules' currency.
    public var revenue: Int64 = 0
    /// Cost to serve in minor units of the rules' currency.
    public var cost: Int64 = 0

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "month", &month)
        try v.field(2, "revenue", &revenue)
        try v.field(3, "cost", &cost)
    }
}

/// A lead, for lead scoring and the prioritised list.
public struct LeadRecord: RecordMessage, Hashable {
    /// Where it came from.
    public var source = LeadSource.other
    /// The campaign it responded to.
    public var campaign: CampaignID?
    /// Name.
    public var name = PersonalText("")
    /// Company.
    public var company: String?
    /// Business day captured.
    public var capturedOn = CalendarDay.earliest
    /// Status.
    public var status = LeadStatus.open
    /// Attributes with the day each was recorded (of two values of one name, the one latest in
    /// business time; of two at the same instant, the later recorded).
    public var attributes: [LeadAttributeEntry] = []
    /// Business days of recorded engagement (attribute batches): the latest 20, in day order.
    public var engagementDays: [CalendarDay] = []
    /// The sales employee it was handed to.
    public var handedTo: EmployeeID?
    /// The customer it became.
    public var customer: CustomerID?

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "source", &source)
        try v.field(2, "campaign", &campaign)
        try v.field(3, "name", &name)
        try v.field(4, "company", &company)
        try v.field(5, "capturedOn", &capturedOn)
        try v.field(6, "status", &status)
        try v.repeated(7, "attributes", &attributes)
        try v.repeated(8, "engagementDays", &engagementDays)
        try v.field(9, "handedTo", &handedTo)
        try v.field(10, "customer", &customer)
    }
}

/// One lead attribute with the day it was recorded.
public struct LeadAttributeEntry: RecordMessage, Hashable {
    /// Name.
    public var name = ""
    /// Value.
    public var value = ""
    /// Business day recorded.
    public var recordedOn = CalendarDay.earliest
    /// Business time recorded (microseconds since 1970; absent in records folded before it was
    /// kept): of two values of one attribute, the one latest in business time wins.
    public var recordedAtMicros: Int64?

    /// An empty entry.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "name", &name)
        try v.field(2, "value", &value)
        try v.field(3, "recordedOn", &recordedOn)
        try v.field(4, "recordedAtMicros", &recordedAtMicros)
    }
}

/// Which customer an order, invoice, ticket, opportunity, quote or contract belongs to.
public struct OwnerRecord: RecordMessage, Hashable {
    /// The customer.
    public var customer = CustomerID(UUID.zero)

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "customer", &customer)
    }
}
