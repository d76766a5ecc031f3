// Service: tickets (ticket-<uuid>). Employees (employee-<uuid>) for the scorecard's learning
// perspective.

/// A service ticket was opened, with its SLA targets.
public struct TicketOpened: CatalogMessage {
    public static let eventType = "TicketOpened"
    public static let schemaVersion: UInt32 = 1
    /// The ticket.
    public internal(set) var ticketID = TicketID.placeholder
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The channel the enquiry came over.
    public internal(set) var channel = Channel.email
    /// Priority.
    public internal(set) var priority = TicketPriority.normal
    /// Category, e.g. `delivery`, `billing`, `technical`.
    public internal(set) var category = ""
    /// Subject line (personal data: customers write names and details into it).
    public internal(set) var subject = PersonalText.placeholder
    /// The customer's description (personal data).
    public internal(set) var description: PersonalText?
    /// The SLA policy's name, e.g. `standard`.
    public internal(set) var slaPolicy = ""
    /// Minutes allowed until the first response.
    public internal(set) var firstResponseTargetMinutes = 0
    /// Minutes allowed until resolution.
    public internal(set) var resolutionTargetMinutes = 0

    public var dataSubject: DataSubject? { .customer(customerID) }
    public var domainEvent: DomainEvent { .ticketOpened(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
        try v.field(2, "customerID", &customerID)
        try v.field(3, "channel", &channel)
        try v.field(4, "priority", &priority)
        try v.field(5, "category", &category)
        try v.field(6, "subject", &subject)
        try v.field(7, "description", &description)
        try v.field(8, "slaPolicy", &slaPolicy)
        try v.field(9, "firstResponseTargetMinutes", &firstResponseTargetMinutes)
        try v.field(10, "resolutionTargetMinutes", &resolutionTargetMinutes)
    }
}

/// A ticket was assigned to an employee.
public struct TicketAssigned: CatalogMessage {
    public static let eventType = "TicketAssigned"
    public static let schemaVersion: UInt32 = 1
    /// The ticket.
    public internal(set) var ticketID = TicketID.placeholder
    /// The assignee.
    public internal(set) var employeeID = EmployeeID.placeholder

    public var domainEvent: DomainEvent { .ticketAssigned(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
        try v.field(2, "employeeID", &employeeID)
    }
}

/// The first response to the customer was given (its time against the SLA is the event's
/// occurredAt minus the opening's).
public struct TicketFirstResponseGiven: CatalogMessage {
    public static let eventType = "TicketFirstResponseGiven"
    public static let schemaVersion: UInt32 = 1
    /// The ticket.
    public internal(set) var ticketID = TicketID.placeholder
    /// Who responded.
    public internal(set) var employeeID = EmployeeID.placeholder
    /// Over which channel.
    public internal(set) var channel = Channel.email

    public var domainEvent: DomainEvent { .ticketFirstResponseGiven(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
        try v.field(2, "employeeID", &employeeID)
        try v.field(3, "channel", &channel)
    }
}

/// The customer replied on a ticket.
public struct TicketCustomerReplied: CatalogMessage {
    public static let eventType = "TicketCustomerReplied"
    public static let schemaVersion: UInt32 = 1
    /// The ticket.
    public internal(set) var ticketID = TicketID.placeholder
    /// The customer (the data subject of the text).
    public internal(set) var customerID = CustomerID.placeholder
    /// Over which channel.
    public internal(set) var channel = Channel.email
    /// The reply (personal data).
    public internal(set) var text: PersonalText?

    public var dataSubject: DataSubject? { .customer(customerID) }
    public var domainEvent: DomainEvent { .ticketCustomerReplied(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
        try v.field(2, "customerID", &customerID)
        try v.field(3, "channel", &channel)
        try v.field(4, "text", &text)
    }
}

/// A ticket was escalated.
public struct TicketEscalated: CatalogMessage {
    public static let eventType = "TicketEscalated"
    public static let schemaVersion: UInt32 = 1
    /// The ticket.
    public internal(set) var ticketID = TicketID.placeholder
    /// The escalation level reached (1 = team lead, 2 = management, …).
    public internal(set) var level = 1
    /// Why, e.g. `first response SLA breached`.
    public internal(set) var reason = ""

    public var domainEvent: DomainEvent { .ticketEscalated(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
        try v.field(2, "level", &level)
        try v.field(3, "reason", &reason)
    }
}

/// A ticket was resolved.
public struct TicketResolved: CatalogMessage {
    public static let eventType = "TicketResolved"
    public static let schemaVersion: UInt32 = 1
    /// The ticket.
    public internal(set) var ticketID = TicketID.placeholder
    /// The customer (the data subject of the text).
    public internal(set) var customerID = CustomerID.placeholder
    /// Whether it was resolved at the first contact.
    public internal(set) var firstContactResolution = false
    /// How it was resolved (personal data: may quote the customer).
    public internal(set) var resolution: PersonalText?

    public var dataSubject: DataSubject? { .customer(customerID) }
    public var domainEvent: DomainEvent { .ticketResolved(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
        try v.field(2, "customerID", &customerID)
        try v.field(3, "firstContactResolution", &firstContactResolution)
        try v.field(4, "resolution", &resolution)
    }
}

/// A resolved or closed ticket was reopened.
public struct TicketReopened: CatalogMessage {
    public static let eventType = "TicketReopened"
    public static let schemaVersion: UInt32 = 1
    /// The ticket.
    public internal(set) var ticketID = TicketID.placeholder
    /// Why.
    public internal(set) var reason = ""

    public var domainEvent: DomainEvent { .ticketReopened(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
        try v.field(2, "reason", &reason)
    }
}

/// A ticket was closed.
public struct TicketClosed: CatalogMessage {
    public static let eventType = "TicketClosed"
    public static let schemaVersion: UInt32 = 1
    /// The ticket.
    public internal(set) var ticketID = TicketID.placeholder

    public var domainEvent: DomainEvent { .ticketClosed(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "ticketID", &ticketID)
    }
}

/// An employee joined (the denominator of the training rate).
public struct EmployeeJoined: CatalogMessage {
    public static let eventType = "EmployeeJoined"
    public static let schemaVersion: UInt32 = 1
    /// The employee.
    public internal(set) var employeeID = EmployeeID.placeholder
    /// Name (personal data).
    public internal(set) var name = PersonalText.placeholder
    /// Role, e.g. `sales`, `service`, `marketing`.
    public internal(set) var role = ""
    /// Team, e.g. `service DACH`.
    public internal(set) var team: String?

    public var dataSubject: DataSubject? { .employee(employeeID) }
    public var domainEvent: DomainEvent { .employeeJoined(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "employeeID", &employeeID)
        try v.field(2, "name", &name)
        try v.field(3, "role", &role)
        try v.field(4, "team", &team)
    }
}

/// An employee left.
public struct EmployeeLeft: CatalogMessage {
    public static let eventType = "EmployeeLeft"
    public static let schemaVersion: UInt32 = 1
    /// The employee.
    public internal(set) var employeeID = EmployeeID.placeholder

    public var domainEvent: DomainEvent { .employeeLeft(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "employeeID", &employeeID)
    }
}

/// An employee completed a training.
public struct TrainingCompleted: CatalogMessage {
    public static let eventType = "TrainingCompleted"
    public static let schemaVersion: UInt32 = 1
    /// The employee.
    public internal(set) var employeeID = EmployeeID.placeholder
    /// The course.
    public internal(set) var course = ""
    /// Whether it is a CRM training (counts toward the CRM training rate).
    public internal(set) var crmTraining = false

    public var domainEvent: DomainEvent { .trainingCompleted(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "employeeID", &employeeID)
        try v.field(2, "course", &course)
        try v.field(3, "crmTraining", &crmTraining)
    }
}

/// An employee answered the employee survey.
public struct EmployeeSurveyAnswered: CatalogMessage {
    public static let eventType = "EmployeeSurveyAnswered"
    public static let schemaVersion: UInt32 = 1
    /// The employee.
    public internal(set) var employeeID = EmployeeID.placeholder
    /// Overall satisfaction, 1 (very unhappy) … 5 (very happy).
    public internal(set) var satisfaction = 3
    /// Satisfaction with the CRM system, 1 … 5, if asked.
    public internal(set) var crmSatisfaction: Int?

    public var domainEvent: DomainEvent { .employeeSurveyAnswered(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "employeeID", &employeeID)
        try v.field(2, "satisfaction", &satisfaction)
        try v.field(3, "crmSatisfaction", &crmSatisfaction)
    }
}
