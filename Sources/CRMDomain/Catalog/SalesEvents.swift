// Sales: opportunities (opportunity-<uuid>), quotes (quote-<uuid>), contracts (contract-<uuid>).

/// An opportunity was opened.
///
/// Schema version 2; version 1 stored the expected revenue as two fields, `expectedRevenueMinor`
/// (4, zigzag varint) and `currency` (5, text), where version 2 stores one ``Money`` in field 4.
public struct OpportunityOpened: CatalogMessage {
    public static let eventType = "OpportunityOpened"
    public static let schemaVersion: UInt32 = 2
    /// The opportunity.
    public internal(set) var opportunityID = OpportunityID.placeholder
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// A short title.
    public internal(set) var title = ""
    /// Expected revenue.
    public internal(set) var expectedRevenue = Money.placeholder
    /// Expected close date.
    public internal(set) var expectedCloseOn = CalendarDay.placeholder
    /// Probability of closing, in percent (0…100).
    public internal(set) var probability = 0
    /// The product or service in question.
    public internal(set) var product = ""
    /// The owning sales employee.
    public internal(set) var ownerID = EmployeeID.placeholder
    /// The starting stage.
    public internal(set) var stage = PipelineStage.prospecting
    /// The lead it came from, if any.
    public internal(set) var leadID: LeadID?
    /// The campaign it is attributed to, if any.
    public internal(set) var campaignID: CampaignID?

    public var domainEvent: DomainEvent { .opportunityOpened(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "opportunityID", &opportunityID)
        try v.field(2, "customerID", &customerID)
        try v.field(3, "title", &title)
        try v.field(4, "expectedRevenue", &expectedRevenue)
        try v.field(6, "expectedCloseOn", &expectedCloseOn)
        try v.field(7, "probability", &probability)
        try v.field(8, "product", &product)
        try v.field(9, "ownerID", &ownerID)
        try v.field(10, "stage", &stage)
        try v.field(11, "leadID", &leadID)
        try v.field(12, "campaignID", &campaignID)
    }
}

/// An open opportunity moved to another stage.
public struct OpportunityStageChanged: CatalogMessage {
    public static let eventType = "OpportunityStageChanged"
    public static let schemaVersion: UInt32 = 1
    /// The opportunity.
    public internal(set) var opportunityID = OpportunityID.placeholder
    /// The stage it left.
    public internal(set) var from = PipelineStage.prospecting
    /// The stage it entered.
    public internal(set) var to = PipelineStage.prospecting

    public var domainEvent: DomainEvent { .opportunityStageChanged(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "opportunityID", &opportunityID)
        try v.field(2, "from", &from)
        try v.field(3, "to", &to)
    }
}

/// The expected revenue of an open opportunity changed.
public struct OpportunityAmountChanged: CatalogMessage {
    public static let eventType = "OpportunityAmountChanged"
    public static let schemaVersion: UInt32 = 1
    /// The opportunity.
    public internal(set) var opportunityID = OpportunityID.placeholder
    /// The new expected revenue.
    public internal(set) var expectedRevenue = Money.placeholder

    public var domainEvent: DomainEvent { .opportunityAmountChanged(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "opportunityID", &opportunityID)
        try v.field(2, "expectedRevenue", &expectedRevenue)
    }
}

/// The expected close date of an open opportunity changed.
public struct OpportunityCloseDateChanged: CatalogMessage {
    public static let eventType = "OpportunityCloseDateChanged"
    public static let schemaVersion: UInt32 = 1
    /// The opportunity.
    public internal(set) var opportunityID = OpportunityID.placeholder
    /// The new expected close date.
    public internal(set) var expectedCloseOn = CalendarDay.placeholder

    public var domainEvent: DomainEvent { .opportunityCloseDateChanged(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "opportunityID", &opportunityID)
        try v.field(2, "expectedCloseOn", &expectedCloseOn)
    }
}

/// The probability of an open opportunity changed.
public struct OpportunityProbabilityChanged: CatalogMessage {
    public static let eventType = "OpportunityProbabilityChanged"
    public static let schemaVersion: UInt32 = 1
    /// The opportunity.
    public internal(set) var opportunityID = OpportunityID.placeholder
    /// The new probability in percent (0…100).
    public internal(set) var probability = 0

    public var domainEvent: DomainEvent { .opportunityProbabilityChanged(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "opportunityID", &opportunityID)
        try v.field(2, "probability", &probability)
    }
}

/// An opportunity was won.
public struct OpportunityWon: CatalogMessage {
    public static let eventType = "OpportunityWon"
    public static let schemaVersion: UInt32 = 1
    /// The opportunity.
    public internal(set) var opportunityID = OpportunityID.placeholder
    /// The revenue won.
    public internal(set) var amount = Money.placeholder

    public var domainEvent: DomainEvent { .opportunityWon(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "opportunityID", &opportunityID)
        try v.field(2, "amount", &amount)
    }
}

/// An opportunity was lost, with the reason and the competitor who won.
public struct OpportunityLost: CatalogMessage {
    public static let eventType = "OpportunityLost"
    public static let schemaVersion: UInt32 = 1
    /// The opportunity.
    public internal(set) var opportunityID = OpportunityID.placeholder
    /// Why, e.g. `price`.
    public internal(set) var reason = ""
    /// The competitor who won, if known.
    public internal(set) var competitor: String?

    public var domainEvent: DomainEvent { .opportunityLost(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "opportunityID", &opportunityID)
        try v.field(2, "reason", &reason)
        try v.field(3, "competitor", &competitor)
    }
}

/// A quote was drafted for an opportunity.
public struct QuoteDrafted: CatalogMessage {
    public static let eventType = "QuoteDrafted"
    public static let schemaVersion: UInt32 = 1
    /// The quote.
    public internal(set) var quoteID = QuoteID.placeholder
    /// The opportunity.
    public internal(set) var opportunityID = OpportunityID.placeholder
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The quoted lines.
    public internal(set) var lines: [OrderLine] = []
    /// The total (sum of the lines' net amounts).
    public internal(set) var total = Money.placeholder
    /// Last day the quote is valid.
    public internal(set) var validUntil = CalendarDay.placeholder

    public var domainEvent: DomainEvent { .quoteDrafted(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "quoteID", &quoteID)
        try v.field(2, "opportunityID", &opportunityID)
        try v.field(3, "customerID", &customerID)
        try v.repeated(4, "lines", &lines)
        try v.field(5, "total", &total)
        try v.field(6, "validUntil", &validUntil)
    }
}

/// A quote was approved internally (required before it is sent).
public struct QuoteApproved: CatalogMessage {
    public static let eventType = "QuoteApproved"
    public static let schemaVersion: UInt32 = 1
    /// The quote.
    public internal(set) var quoteID = QuoteID.placeholder
    /// Who approved it.
    public internal(set) var approvedBy = EmployeeID.placeholder

    public var domainEvent: DomainEvent { .quoteApproved(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "quoteID", &quoteID)
        try v.field(2, "approvedBy", &approvedBy)
    }
}

/// An approved quote was sent to the customer.
public struct QuoteSent: CatalogMessage {
    public static let eventType = "QuoteSent"
    public static let schemaVersion: UInt32 = 1
    /// The quote.
    public internal(set) var quoteID = QuoteID.placeholder
    /// How it was sent.
    public internal(set) var channel = Channel.email

    public var domainEvent: DomainEvent { .quoteSent(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "quoteID", &quoteID)
        try v.field(2, "channel", &channel)
    }
}

/// The customer accepted a sent quote.
public struct QuoteAccepted: CatalogMessage {
    public static let eventType = "QuoteAccepted"
    public static let schemaVersion: UInt32 = 1
    /// The quote.
    public internal(set) var quoteID = QuoteID.placeholder

    public var domainEvent: DomainEvent { .quoteAccepted(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "quoteID", &quoteID)
    }
}

/// The customer rejected a sent quote, with the reason and the competitor chosen instead.
public struct QuoteRejected: CatalogMessage {
    public static let eventType = "QuoteRejected"
    public static let schemaVersion: UInt32 = 1
    /// The quote.
    public internal(set) var quoteID = QuoteID.placeholder
    /// Why, e.g. `price`.
    public internal(set) var reason = ""
    /// The competitor chosen instead, if known.
    public internal(set) var competitor: String?

    public var domainEvent: DomainEvent { .quoteRejected(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "quoteID", &quoteID)
        try v.field(2, "reason", &reason)
        try v.field(3, "competitor", &competitor)
    }
}

/// A quote passed its validity without an answer.
public struct QuoteExpired: CatalogMessage {
    public static let eventType = "QuoteExpired"
    public static let schemaVersion: UInt32 = 1
    /// The quote.
    public internal(set) var quoteID = QuoteID.placeholder

    public var domainEvent: DomainEvent { .quoteExpired(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "quoteID", &quoteID)
    }
}

/// A contract was signed.
public struct ContractSigned: CatalogMessage {
    public static let eventType = "ContractSigned"
    public static let schemaVersion: UInt32 = 1
    /// The contract.
    public internal(set) var contractID = ContractID.placeholder
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The accepted quote it is based on, if any.
    public internal(set) var quoteID: QuoteID?
    /// The contract value.
    public internal(set) var value = Money.placeholder
    /// First day.
    public internal(set) var startsOn = CalendarDay.placeholder
    /// Last day.
    public internal(set) var endsOn = CalendarDay.placeholder

    public var domainEvent: DomainEvent { .contractSigned(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "contractID", &contractID)
        try v.field(2, "customerID", &customerID)
        try v.field(3, "quoteID", &quoteID)
        try v.field(4, "value", &value)
        try v.field(5, "startsOn", &startsOn)
        try v.field(6, "endsOn", &endsOn)
    }
}

/// A contract was renewed until a new end date.
public struct ContractRenewed: CatalogMessage {
    public static let eventType = "ContractRenewed"
    public static let schemaVersion: UInt32 = 1
    /// The contract.
    public internal(set) var contractID = ContractID.placeholder
    /// The new last day.
    public internal(set) var endsOn = CalendarDay.placeholder
    /// The value of the renewal period, if priced.
    public internal(set) var value: Money?

    public var domainEvent: DomainEvent { .contractRenewed(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "contractID", &contractID)
        try v.field(2, "endsOn", &endsOn)
        try v.field(3, "value", &value)
    }
}

/// A contract was terminated.
public struct ContractTerminated: CatalogMessage {
    public static let eventType = "ContractTerminated"
    public static let schemaVersion: UInt32 = 1
    /// The contract.
    public internal(set) var contractID = ContractID.placeholder
    /// Why.
    public internal(set) var reason = ""
    /// The day the termination takes effect.
    public internal(set) var effectiveOn = CalendarDay.placeholder

    public var domainEvent: DomainEvent { .contractTerminated(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "contractID", &contractID)
        try v.field(2, "reason", &reason)
        try v.field(3, "effectiveOn", &effectiveOn)
    }
}
