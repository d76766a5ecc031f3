import Foundation

/// Whose personal data an event carries: the person who may ask for it to be erased.
public enum DataSubject: Sendable, Hashable, LosslessStringConvertible {
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

    /// The subject a ``description`` names (`customer-<uuid>`, `contact-<uuid>`, `lead-<uuid>`,
    /// `employee-<uuid>`); `nil` for any other text.
    public init?(_ description: String) {
        let pieces = description.split(separator: "-", maxSplits: 1)
        guard pieces.count == 2, let uuid = UUID(text: String(pieces[1])) else { return nil }
        switch pieces[0] {
        case "customer": self = .customer(CustomerID(uuid))
        case "contact": self = .contact(ContactID(uuid))
        case "lead": self = .lead(LeadID(uuid))
        case "employee": self = .employee(EmployeeID(uuid))
        default: return nil
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
