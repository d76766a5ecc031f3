// Marketing: campaigns (stream campaign-<uuid>) and leads (stream lead-<uuid>).

/// A campaign was planned: goal, target segment, channel, budget and time frame.
public struct CampaignPlanned: CatalogMessage {
    public static let eventType = "CampaignPlanned"
    public static let schemaVersion: UInt32 = 1
    /// The campaign.
    public internal(set) var campaignID = CampaignID.placeholder
    /// Its name.
    public internal(set) var name = ""
    /// Its goal, e.g. `200 qualified leads`.
    public internal(set) var goal = ""
    /// The target segment, e.g. `machine builders DACH`.
    public internal(set) var segment = ""
    /// The channel.
    public internal(set) var channel = Channel.email
    /// The budget.
    public internal(set) var budget = Money.placeholder
    /// First day.
    public internal(set) var startsOn = CalendarDay.placeholder
    /// Last day.
    public internal(set) var endsOn = CalendarDay.placeholder

    public var domainEvent: DomainEvent { .campaignPlanned(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "campaignID", &campaignID)
        try v.field(2, "name", &name)
        try v.field(3, "goal", &goal)
        try v.field(4, "segment", &segment)
        try v.field(5, "channel", &channel)
        try v.field(6, "budget", &budget)
        try v.field(7, "startsOn", &startsOn)
        try v.field(8, "endsOn", &endsOn)
    }
}

/// A planned campaign went live.
public struct CampaignLaunched: CatalogMessage {
    public static let eventType = "CampaignLaunched"
    public static let schemaVersion: UInt32 = 1
    /// The campaign.
    public internal(set) var campaignID = CampaignID.placeholder

    public var domainEvent: DomainEvent { .campaignLaunched(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "campaignID", &campaignID)
    }
}

/// A cost was booked against a campaign (for customer acquisition cost).
public struct CampaignCostBooked: CatalogMessage {
    public static let eventType = "CampaignCostBooked"
    public static let schemaVersion: UInt32 = 1
    /// The campaign.
    public internal(set) var campaignID = CampaignID.placeholder
    /// The cost (non-negative, in the budget's currency).
    public internal(set) var amount = Money.placeholder
    /// What it was for.
    public internal(set) var note: String?

    public var domainEvent: DomainEvent { .campaignCostBooked(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "campaignID", &campaignID)
        try v.field(2, "amount", &amount)
        try v.field(3, "note", &note)
    }
}

/// A campaign ended; its result is analysed from the leads and revenue attributed to it.
public struct CampaignClosed: CatalogMessage {
    public static let eventType = "CampaignClosed"
    public static let schemaVersion: UInt32 = 1
    /// The campaign.
    public internal(set) var campaignID = CampaignID.placeholder
    /// A summary of the outcome.
    public internal(set) var summary: String?

    public var domainEvent: DomainEvent { .campaignClosed(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "campaignID", &campaignID)
        try v.field(2, "summary", &summary)
    }
}

/// A lead was captured (newsletter sign-up, trade fair, web form, …).
public struct LeadCaptured: CatalogMessage {
    public static let eventType = "LeadCaptured"
    public static let schemaVersion: UInt32 = 1
    /// The lead.
    public internal(set) var leadID = LeadID.placeholder
    /// Where it came from.
    public internal(set) var source = LeadSource.webForm
    /// The campaign it responded to, if any.
    public internal(set) var campaignID: CampaignID?
    /// The person's name (personal data).
    public internal(set) var name = PersonalText.placeholder
    /// E-mail address (personal data).
    public internal(set) var email: PersonalText?
    /// Phone number (personal data).
    public internal(set) var phone: PersonalText?
    /// The company, for B2B leads.
    public internal(set) var company: String?

    public var dataSubject: DataSubject? { .lead(leadID) }
    public var domainEvent: DomainEvent { .leadCaptured(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "leadID", &leadID)
        try v.field(2, "source", &source)
        try v.field(3, "campaignID", &campaignID)
        try v.field(4, "name", &name)
        try v.field(5, "email", &email)
        try v.field(6, "phone", &phone)
        try v.field(7, "company", &company)
    }
}

/// Attributes were recorded about a lead (from events, webinars, surveys, web visits): the
/// input of lead scoring.
public struct LeadAttributesRecorded: CatalogMessage {
    public static let eventType = "LeadAttributesRecorded"
    public static let schemaVersion: UInt32 = 1
    /// The lead.
    public internal(set) var leadID = LeadID.placeholder
    /// The attributes, in the order recorded; a later value of a name replaces an earlier one.
    public internal(set) var attributes: [LeadAttribute] = []

    public var domainEvent: DomainEvent { .leadAttributesRecorded(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "leadID", &leadID)
        try v.repeated(2, "attributes", &attributes)
    }
}

/// A lead was qualified (marketing-qualified).
public struct LeadQualified: CatalogMessage {
    public static let eventType = "LeadQualified"
    public static let schemaVersion: UInt32 = 1
    /// The lead.
    public internal(set) var leadID = LeadID.placeholder
    /// The lead score at qualification, if scored.
    public internal(set) var score: Int?

    public var domainEvent: DomainEvent { .leadQualified(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "leadID", &leadID)
        try v.field(2, "score", &score)
    }
}

/// A lead was disqualified.
public struct LeadDisqualified: CatalogMessage {
    public static let eventType = "LeadDisqualified"
    public static let schemaVersion: UInt32 = 1
    /// The lead.
    public internal(set) var leadID = LeadID.placeholder
    /// Why, e.g. `no budget`.
    public internal(set) var reason = ""

    public var domainEvent: DomainEvent { .leadDisqualified(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "leadID", &leadID)
        try v.field(2, "reason", &reason)
    }
}

/// A qualified lead was handed over to sales.
public struct LeadHandedOver: CatalogMessage {
    public static let eventType = "LeadHandedOver"
    public static let schemaVersion: UInt32 = 1
    /// The lead.
    public internal(set) var leadID = LeadID.placeholder
    /// The sales employee who takes it.
    public internal(set) var employeeID = EmployeeID.placeholder
    /// The lead score at hand-over, if scored.
    public internal(set) var score: Int?

    public var domainEvent: DomainEvent { .leadHandedOver(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "leadID", &leadID)
        try v.field(2, "employeeID", &employeeID)
        try v.field(3, "score", &score)
    }
}

/// A lead became a customer. Recorded in the lead's stream, together with
/// ``CustomerRegistered`` in the new customer's stream, in one append.
public struct LeadConverted: CatalogMessage {
    public static let eventType = "LeadConverted"
    public static let schemaVersion: UInt32 = 1
    /// The lead.
    public internal(set) var leadID = LeadID.placeholder
    /// The new customer.
    public internal(set) var customerID = CustomerID.placeholder

    public var domainEvent: DomainEvent { .leadConverted(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "leadID", &leadID)
        try v.field(2, "customerID", &customerID)
    }
}
