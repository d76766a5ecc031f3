import Foundation

// The closed value sets of the catalog. Case numbers are stored in the log: never renumber a
// case, never reuse a number; add new cases with new numbers.

/// A contact channel (seeds 000, 003, 004).
public enum Channel: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// Telephone.
    case phone = 1
    /// E-mail.
    case email = 2
    /// Web chat.
    case chat = 3
    /// WhatsApp.
    case whatsApp = 4
    /// Social media.
    case socialMedia = 5
    /// The customer portal (self-service).
    case portal = 6
    /// A visit at the customer's site.
    case visit = 7
    /// A meeting.
    case meeting = 8
    /// An event or trade fair.
    case event = 9
    /// A webinar.
    case webinar = 10
    /// A newsletter.
    case newsletter = 11
    /// A web form or web shop.
    case web = 12
    /// A letter.
    case letter = 13

    /// Whether the channel is digital (for the digital-channel usage KPI).
    public var isDigital: Bool {
        switch self {
        case .email, .chat, .whatsApp, .socialMedia, .portal, .webinar, .newsletter, .web: return true
        case .phone, .visit, .meeting, .event, .letter: return false
        }
    }
}

/// Who started an interaction.
public enum Direction: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// The customer contacted us.
    case inbound = 1
    /// We contacted the customer.
    case outbound = 2
}

/// A private person or a company.
public enum CustomerKind: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// B2C: a private person.
    case person = 1
    /// B2B: a company account with contacts.
    case account = 2
}

/// A contact's role in the buying decision of a B2B account (buying centre).
public enum BuyingRole: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// Makes the decision.
    case decisionMaker = 1
    /// Controls the budget.
    case economicBuyer = 2
    /// Judges technical fit.
    case technicalBuyer = 3
    /// Influences the decision.
    case influencer = 4
    /// Uses the product.
    case user = 5
    /// Controls access to the others.
    case gatekeeper = 6
    /// Argues for us inside the account.
    case champion = 7
}

/// Where a lead came from (seed 003, lead capture).
public enum LeadSource: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// Newsletter sign-up.
    case newsletter = 1
    /// Trade fair.
    case tradeFair = 2
    /// Web form.
    case webForm = 3
    /// Recommendation by a customer or partner.
    case referral = 4
    /// Event.
    case event = 5
    /// Webinar.
    case webinar = 6
    /// Cold call.
    case coldCall = 7
    /// Social media.
    case socialMedia = 8
    /// Anything else.
    case other = 9
}

/// The sales stage of an open opportunity.
public enum PipelineStage: UInt8, Sendable, Hashable, Codable, CaseIterable, Comparable, CatalogEnum {
    /// First contact, need not yet confirmed.
    case prospecting = 1
    /// Need, budget and authority checked.
    case qualification = 2
    /// Requirements worked out with the customer.
    case needsAnalysis = 3
    /// A quote is out.
    case proposal = 4
    /// Terms are being negotiated.
    case negotiation = 5

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How urgent a ticket is.
public enum TicketPriority: UInt8, Sendable, Hashable, Codable, CaseIterable, Comparable, CatalogEnum {
    /// Low.
    case low = 1
    /// Normal.
    case normal = 2
    /// High.
    case high = 3
    /// Urgent: the customer cannot work.
    case urgent = 4

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a task asks an employee to do.
public enum TaskKind: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// Call the customer or lead.
    case call = 1
    /// Follow up on something sent (a quote, a first order).
    case followUp = 2
    /// Visit or meet the customer.
    case visit = 3
    /// A business review with a key customer.
    case businessReview = 4
    /// Suggest a product or service to the customer.
    case crossSelling = 5
    /// Anything else.
    case other = 6
}

/// The kind of a piece of feedback (seed 003, feedback management).
public enum FeedbackKind: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// A complaint.
    case complaint = 1
    /// Praise.
    case praise = 2
    /// A suggestion.
    case suggestion = 3
}

/// An activity a customer causes cost for (activity-based costing, seed 004).
public enum CostActivity: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// Service and support work.
    case service = 1
    /// A visit by field staff.
    case visit = 2
    /// Delivery and logistics.
    case delivery = 3
    /// A discount granted.
    case discount = 4
    /// Marketing spent on the customer.
    case marketing = 5
    /// Sales effort.
    case sales = 6
    /// Anything else.
    case other = 7
}

/// What a consent covers (GDPR: consent is per purpose).
public enum ConsentPurpose: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// Marketing contact.
    case marketing = 1
    /// The newsletter.
    case newsletter = 2
    /// Profiling and scoring.
    case profiling = 3
    /// Passing data to partners.
    case dataSharing = 4
    /// Satisfaction surveys.
    case surveys = 5
}

/// How a payment was made.
public enum PaymentMethod: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// Bank transfer.
    case bankTransfer = 1
    /// Direct debit.
    case directDebit = 2
    /// Card.
    case card = 3
    /// Cash.
    case cash = 4
    /// Anything else.
    case other = 5
}

/// The kind of a ``DataSubject``.
public enum SubjectKind: UInt8, Sendable, Hashable, Codable, CaseIterable, CatalogEnum {
    /// A customer.
    case customer = 1
    /// A contact person.
    case contact = 2
    /// A lead.
    case lead = 3
    /// An employee.
    case employee = 4

    /// The subject of this kind with `id`.
    public func subject(_ id: UUID) -> DataSubject {
        switch self {
        case .customer: return .customer(CustomerID(id))
        case .contact: return .contact(ContactID(id))
        case .lead: return .lead(LeadID(id))
        case .employee: return .employee(EmployeeID(id))
        }
    }
}
