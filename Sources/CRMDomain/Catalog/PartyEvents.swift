import Foundation

// Parties: customers (B2C persons and B2B accounts), their contacts and account managers.
// Stream: customer-<uuid>.

/// A customer was registered: a private person (B2C) or a company account (B2B).
///
/// Schema version 2; version 1 stored `isCompany` (a boolean) where version 2 stores ``kind``.
public struct CustomerRegistered: CatalogMessage {
    public static let eventType = "CustomerRegistered"
    public static let schemaVersion: UInt32 = 2
    /// The new customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// Person or account.
    public internal(set) var kind = CustomerKind.person
    /// The person's or the company's name (personal data).
    public internal(set) var name = PersonalText.placeholder
    /// E-mail address (personal data).
    public internal(set) var email: PersonalText?
    /// Phone number (personal data).
    public internal(set) var phone: PersonalText?
    /// Postal address in one line (personal data).
    public internal(set) var address: PersonalText?
    /// Industry of an account, e.g. `mechanical engineering`.
    public internal(set) var industry: String?
    /// Number of employees of an account.
    public internal(set) var employeeCount: Int?
    /// ISO 3166 country code.
    public internal(set) var country: String?
    /// The lead this customer was converted from.
    public internal(set) var convertedFromLead: LeadID?

    public var dataSubject: DataSubject? { .customer(customerID) }
    public var domainEvent: DomainEvent { .customerRegistered(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "kind", &kind)
        try v.field(3, "name", &name)
        try v.field(4, "email", &email)
        try v.field(5, "phone", &phone)
        try v.field(6, "address", &address)
        try v.field(7, "industry", &industry)
        try v.field(8, "employeeCount", &employeeCount)
        try v.field(9, "country", &country)
        try v.field(10, "convertedFromLead", &convertedFromLead)
    }
}

/// Master data of a customer changed; only the changed fields are present.
public struct CustomerDetailsChanged: CatalogMessage {
    public static let eventType = "CustomerDetailsChanged"
    public static let schemaVersion: UInt32 = 1
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// New name (personal data).
    public internal(set) var name: PersonalText?
    /// New e-mail address (personal data).
    public internal(set) var email: PersonalText?
    /// New phone number (personal data).
    public internal(set) var phone: PersonalText?
    /// New postal address (personal data).
    public internal(set) var address: PersonalText?
    /// New industry.
    public internal(set) var industry: String?
    /// New employee count.
    public internal(set) var employeeCount: Int?
    /// New country code.
    public internal(set) var country: String?

    public var dataSubject: DataSubject? { .customer(customerID) }
    public var domainEvent: DomainEvent { .customerDetailsChanged(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "name", &name)
        try v.field(3, "email", &email)
        try v.field(4, "phone", &phone)
        try v.field(5, "address", &address)
        try v.field(6, "industry", &industry)
        try v.field(7, "employeeCount", &employeeCount)
        try v.field(8, "country", &country)
    }
}

/// A duplicate customer record was merged into the surviving one (duplicate management).
/// Recorded in the duplicate's stream; the duplicate takes no further events.
public struct CustomersMerged: CatalogMessage {
    public static let eventType = "CustomersMerged"
    public static let schemaVersion: UInt32 = 1
    /// The duplicate that is merged away.
    public internal(set) var duplicateID = CustomerID.placeholder
    /// The customer that survives.
    public internal(set) var survivorID = CustomerID.placeholder

    public var domainEvent: DomainEvent { .customersMerged(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "duplicateID", &duplicateID)
        try v.field(2, "survivorID", &survivorID)
    }
}

/// A contact person was added to a B2B account, with their role in the buying decision.
public struct ContactAdded: CatalogMessage {
    public static let eventType = "ContactAdded"
    public static let schemaVersion: UInt32 = 1
    /// The account.
    public internal(set) var customerID = CustomerID.placeholder
    /// The new contact.
    public internal(set) var contactID = ContactID.placeholder
    /// The contact's name (personal data).
    public internal(set) var name = PersonalText.placeholder
    /// E-mail address (personal data).
    public internal(set) var email: PersonalText?
    /// Phone number (personal data).
    public internal(set) var phone: PersonalText?
    /// Job title, e.g. `Head of Purchasing`.
    public internal(set) var jobTitle: String?
    /// Role in the buying decision.
    public internal(set) var role = BuyingRole.user

    public var dataSubject: DataSubject? { .contact(contactID) }
    public var domainEvent: DomainEvent { .contactAdded(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "contactID", &contactID)
        try v.field(3, "name", &name)
        try v.field(4, "email", &email)
        try v.field(5, "phone", &phone)
        try v.field(6, "jobTitle", &jobTitle)
        try v.field(7, "role", &role)
    }
}

/// A contact's role in the buying decision changed.
public struct ContactRoleChanged: CatalogMessage {
    public static let eventType = "ContactRoleChanged"
    public static let schemaVersion: UInt32 = 1
    /// The account.
    public internal(set) var customerID = CustomerID.placeholder
    /// The contact.
    public internal(set) var contactID = ContactID.placeholder
    /// The new role.
    public internal(set) var role = BuyingRole.user

    public var domainEvent: DomainEvent { .contactRoleChanged(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "contactID", &contactID)
        try v.field(3, "role", &role)
    }
}

/// A contact left the account.
public struct ContactRemoved: CatalogMessage {
    public static let eventType = "ContactRemoved"
    public static let schemaVersion: UInt32 = 1
    /// The account.
    public internal(set) var customerID = CustomerID.placeholder
    /// The contact.
    public internal(set) var contactID = ContactID.placeholder

    public var domainEvent: DomainEvent { .contactRemoved(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "contactID", &contactID)
    }
}

/// An employee became the customer's account manager.
public struct AccountManagerAssigned: CatalogMessage {
    public static let eventType = "AccountManagerAssigned"
    public static let schemaVersion: UInt32 = 1
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The account manager.
    public internal(set) var employeeID = EmployeeID.placeholder

    public var domainEvent: DomainEvent { .accountManagerAssigned(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "employeeID", &employeeID)
    }
}

/// Activity-based costing: a cost the customer caused (service, visit, delivery, discount, …).
/// Recorded in the customer's stream.
public struct CostToServeBooked: CatalogMessage {
    public static let eventType = "CostToServeBooked"
    public static let schemaVersion: UInt32 = 1
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The activity that caused the cost.
    public internal(set) var activity = CostActivity.service
    /// The cost (non-negative).
    public internal(set) var amount = Money.placeholder
    /// What the cost was for.
    public internal(set) var note: String?

    public var domainEvent: DomainEvent { .costToServeBooked(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "activity", &activity)
        try v.field(3, "amount", &amount)
        try v.field(4, "note", &note)
    }
}

/// A contact over any channel: call, mail, chat, WhatsApp, social media, portal, visit, meeting,
/// event, webinar, newsletter. Recorded in the customer's stream.
public struct InteractionRecorded: CatalogMessage {
    public static let eventType = "InteractionRecorded"
    public static let schemaVersion: UInt32 = 1
    /// The interaction.
    public internal(set) var interactionID = InteractionID.placeholder
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The channel.
    public internal(set) var channel = Channel.phone
    /// Who started it.
    public internal(set) var direction = Direction.inbound
    /// The employee involved, if any (self-service has none).
    public internal(set) var employeeID: EmployeeID?
    /// The contact person at an account, if any.
    public internal(set) var contactID: ContactID?
    /// Duration in seconds (0 for mails and messages).
    public internal(set) var durationSeconds = 0
    /// Subject line or topic.
    public internal(set) var subject: String?
    /// Notes or message text (personal data).
    public internal(set) var text: PersonalText?

    public var dataSubject: DataSubject? { .customer(customerID) }
    public var domainEvent: DomainEvent { .interactionRecorded(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "interactionID", &interactionID)
        try v.field(2, "customerID", &customerID)
        try v.field(3, "channel", &channel)
        try v.field(4, "direction", &direction)
        try v.field(5, "employeeID", &employeeID)
        try v.field(6, "contactID", &contactID)
        try v.field(7, "durationSeconds", &durationSeconds)
        try v.field(8, "subject", &subject)
        try v.field(9, "text", &text)
    }
}

/// The customer consented to a purpose over a channel. Recorded in the customer's stream.
public struct ConsentGiven: CatalogMessage {
    public static let eventType = "ConsentGiven"
    public static let schemaVersion: UInt32 = 1
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The purpose.
    public internal(set) var purpose = ConsentPurpose.marketing
    /// The channel the consent covers.
    public internal(set) var channel = Channel.email
    /// Where the consent was collected, e.g. `web form double opt-in`.
    public internal(set) var source: String?

    public var domainEvent: DomainEvent { .consentGiven(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "purpose", &purpose)
        try v.field(3, "channel", &channel)
        try v.field(4, "source", &source)
    }
}

/// The customer withdrew a consent. Recorded in the customer's stream.
public struct ConsentWithdrawn: CatalogMessage {
    public static let eventType = "ConsentWithdrawn"
    public static let schemaVersion: UInt32 = 1
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The purpose.
    public internal(set) var purpose = ConsentPurpose.marketing
    /// The channel.
    public internal(set) var channel = Channel.email

    public var domainEvent: DomainEvent { .consentWithdrawn(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "purpose", &purpose)
        try v.field(3, "channel", &channel)
    }
}

/// A data subject asked for erasure (GDPR Art. 17). Carries no personal data; the audit
/// component destroys the subject's key.
public struct ErasureRequested: CatalogMessage {
    public static let eventType = "ErasureRequested"
    public static let schemaVersion: UInt32 = 1
    /// The customer whose data is to be erased.
    public internal(set) var customerID = CustomerID.placeholder
    /// The channel the request arrived over.
    public internal(set) var channel = Channel.email

    public var domainEvent: DomainEvent { .erasureRequested(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "channel", &channel)
    }
}

/// Feedback: a complaint, praise or a suggestion, with its text. Recorded in the customer's
/// stream.
public struct FeedbackReceived: CatalogMessage {
    public static let eventType = "FeedbackReceived"
    public static let schemaVersion: UInt32 = 1
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// Complaint, praise or suggestion.
    public internal(set) var kind = FeedbackKind.suggestion
    /// The channel it came in over.
    public internal(set) var channel = Channel.email
    /// The text (personal data).
    public internal(set) var text = PersonalText.placeholder
    /// The ticket it refers to, if any.
    public internal(set) var ticketID: TicketID?

    public var dataSubject: DataSubject? { .customer(customerID) }
    public var domainEvent: DomainEvent { .feedbackReceived(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "kind", &kind)
        try v.field(3, "channel", &channel)
        try v.field(4, "text", &text)
        try v.field(5, "ticketID", &ticketID)
    }
}

/// An answer to the Net Promoter question (0 = would not recommend … 10 = certainly would).
/// Recorded in the customer's stream.
public struct NPSAnswered: CatalogMessage {
    public static let eventType = "NPSAnswered"
    public static let schemaVersion: UInt32 = 1
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The score, 0…10.
    public internal(set) var score = 0
    /// The free-text comment (personal data).
    public internal(set) var comment: PersonalText?

    public var dataSubject: DataSubject? { .customer(customerID) }
    public var domainEvent: DomainEvent { .npsAnswered(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "score", &score)
        try v.field(3, "comment", &comment)
    }
}

/// A data subject's personal data was made unreadable: its key was destroyed (crypto-shredding).
/// Carries no personal data. Recorded in the subject's stream.
public struct PersonalDataErased: CatalogMessage {
    public static let eventType = "PersonalDataErased"
    public static let schemaVersion: UInt32 = 1
    /// Whose data: customer, contact, lead or employee.
    public internal(set) var subjectKind = SubjectKind.customer
    /// The subject's id.
    public internal(set) var subjectID = UUID.placeholder

    /// The subject.
    public var subject: DataSubject { subjectKind.subject(subjectID) }

    public var domainEvent: DomainEvent { .personalDataErased(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "subjectKind", &subjectKind)
        try v.field(2, "subjectID", &subjectID)
    }
}
