import Foundation

/// Whose personal data an event carries: the person who may ask for it to be erased.
public enum DataSubject: Sendable, Hashable, CustomStringConvertible {
    /// A customer (a B2C person, or a B2B account's own data).
    case customer(CustomerID)
    /// A contact person at a B2B account.
    case contact(ContactID)
    /// A lead.
    case lead(LeadID)
    /// An employee.
    case employee(EmployeeID)

    /// The subject's kind.
    public var kind: SubjectKind {
        switch self {
        case .customer: return .customer
        case .contact: return .contact
        case .lead: return .lead
        case .employee: return .employee
        }
    }

    /// The subject's UUID.
    public var uuid: UUID {
        switch self {
        case .customer(let id): return id.uuid
        case .contact(let id): return id.uuid
        case .lead(let id): return id.uuid
        case .employee(let id): return id.uuid
        }
    }

    /// `customer-<uuid>`, `contact-<uuid>`, …: also the stream of its erasure.
    public var description: String {
        switch self {
        case .customer(let id): return id.stream
        case .contact(let id): return id.stream
        case .lead(let id): return id.stream
        case .employee(let id): return id.stream
        }
    }
}
