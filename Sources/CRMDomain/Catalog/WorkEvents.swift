// Operative work that the closed loop (and people) create: tasks for employees, and the records
// that make automated reactions auditable (a policy's activation, a reaction suppressed for
// want of consent).

/// A task was created for an employee: call a customer at risk, follow up on a quote, hold a
/// business review. Recorded in the task's stream.
public struct TaskCreated: CatalogMessage {
    public static let eventType = "TaskCreated"
    public static let schemaVersion: UInt32 = 1
    /// The task.
    public internal(set) var taskID = TaskID.placeholder
    /// What to do.
    public internal(set) var kind = TaskKind.other
    /// A short title, e.g. `Call: churn risk high`.
    public internal(set) var title = ""
    /// The customer the task is about, if any.
    public internal(set) var customerID: CustomerID?
    /// The lead the task is about, if any.
    public internal(set) var leadID: LeadID?
    /// Who is to do it; `nil` leaves it to the team's queue.
    public internal(set) var assignee: EmployeeID?
    /// The business day it is due.
    public internal(set) var dueOn = CalendarDay.placeholder
    /// Why it exists, e.g. the analysis finding behind it.
    public internal(set) var reason = ""

    public var domainEvent: DomainEvent { .taskCreated(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "taskID", &taskID)
        try v.field(2, "kind", &kind)
        try v.field(3, "title", &title)
        try v.field(4, "customerID", &customerID)
        try v.field(5, "leadID", &leadID)
        try v.field(6, "assignee", &assignee)
        try v.field(7, "dueOn", &dueOn)
        try v.field(8, "reason", &reason)
    }
}

/// A task was done (or dropped, as its outcome says).
public struct TaskCompleted: CatalogMessage {
    public static let eventType = "TaskCompleted"
    public static let schemaVersion: UInt32 = 1
    /// The task.
    public internal(set) var taskID = TaskID.placeholder
    /// What came of it, e.g. `customer ordered again`.
    public internal(set) var outcome: String?

    public var domainEvent: DomainEvent { .taskCompleted(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "taskID", &taskID)
        try v.field(2, "outcome", &outcome)
    }
}

/// An automated marketing reaction was not carried out because the customer has not consented
/// to that purpose on that channel (or withdrew consent). Recorded in the customer's stream so
/// the suppression is auditable rather than silently dropped.
public struct ReactionSuppressed: CatalogMessage {
    public static let eventType = "ReactionSuppressed"
    public static let schemaVersion: UInt32 = 1
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The policy that wanted to react, e.g. `churn-retention`.
    public internal(set) var policy = ""
    /// The reaction it wanted, e.g. `retention-offer`.
    public internal(set) var reaction = ""
    /// The consent purpose the reaction needed.
    public internal(set) var purpose = ConsentPurpose.marketing
    /// The channel it would have used.
    public internal(set) var channel = Channel.email
    /// Why it was suppressed, e.g. `no consent for marketing by email`.
    public internal(set) var reason = ""

    public var domainEvent: DomainEvent { .reactionSuppressed(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "customerID", &customerID)
        try v.field(2, "policy", &policy)
        try v.field(3, "reaction", &reaction)
        try v.field(4, "purpose", &purpose)
        try v.field(5, "channel", &channel)
        try v.field(6, "reason", &reason)
    }
}

/// A set of closed-loop policies started watching the log. They react to events from
/// ``fromPosition`` on; older ones only on an explicit back-fill. Recorded once per policy set
/// in the stream `policy-<name>`.
public struct PolicyActivated: CatalogMessage {
    public static let eventType = "PolicyActivated"
    public static let schemaVersion: UInt32 = 1
    /// The policy set's name, e.g. `closed-loop`.
    public internal(set) var policy = ""
    /// The version of the policy rules it started with.
    public internal(set) var rulesVersion = ""
    /// The first log position the policies react to.
    public internal(set) var fromPosition = 1

    public var domainEvent: DomainEvent { .policyActivated(self) }

    /// The stream a policy set's activation is recorded in: `policy-<name>`.
    public static func stream(of name: String) -> String { "policy-" + name }

    /// Checks a policy set's name, which becomes part of a stream name: 1…64 lowercase ASCII
    /// letters, digits or `-`.
    ///
    /// - Throws: ``DomainRuleError/invalidName(field:value:)``.
    public static func checkName(_ name: String) throws(DomainRuleError) {
        guard (1...64).contains(name.utf8.count),
              name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D })
        else { throw .invalidName(field: "policy", value: name) }
    }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "policy", &policy)
        try v.field(2, "rulesVersion", &rulesVersion)
        try v.field(3, "fromPosition", &fromPosition)
    }
}
