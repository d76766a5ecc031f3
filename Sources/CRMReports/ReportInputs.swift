import CRMDomain
import CRMProjections
import Foundation

/// A report request that cannot be served, with a message a person can act on.
public enum ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `--as-of` is neither a day `YYYY-MM-DD` nor a log position.
    case badAsOf(String)
    /// A period is not `YYYY`, `YYYY-MM` or `YYYY-Qn`.
    case badPeriod(String)
    /// A customer id is not a UUID.
    case badCustomerID(String)
    /// No customer has this id (as of the report's day).
    case unknownCustomer(String)
    /// A position beyond the store's head.
    case positionBeyondHead(position: UInt64, head: UInt64)
    /// A rules file cannot be read or parsed.
    case badRules(path: String, reason: String)
    /// The store holds no events.
    case emptyStore

    /// One line naming what is wrong and what is expected.
    public var description: String {
        switch self {
        case .badAsOf(let text): return "bad --as-of '\(text)': expected a day YYYY-MM-DD or a log position (a positive number)"
        case .badPeriod(let text): return "bad period '\(text)': expected YYYY, YYYY-MM or YYYY-Qn (e.g. 2026-Q3)"
        case .badCustomerID(let text): return "bad customer id '\(text)': expected a UUID such as 0193c1a2-…, or customer-<uuid>"
        case .unknownCustomer(let id): return "unknown customer \(id)"
        case .positionBeyondHead(let position, let head): return "position \(position) is beyond the head of the log (\(head))"
        case .badRules(let path, let reason): return "cannot read rules from \(path): \(reason)"
        case .emptyStore: return "the store holds no events (run `crm demo` or `crm import` first)"
        }
    }
}

/// Parsing of the values reports are asked for on a command line.
public enum ReportInput {
    /// Parses `--as-of`: a business day `YYYY-MM-DD` (every event that occurred on or before
    /// it) or a log position `N` (events 1…N).
    public static func asOf(_ text: String) throws(ReportError) -> AsOf {
        if let day = CalendarDay(iso: text) { return .businessDay(day) }
        if let position = UInt64(text), position > 0 { return .position(position) }
        throw .badAsOf(text)
    }

    /// Parses a period: `2026` (a year), `2026-03` (a month) or `2026-Q3` (a quarter).
    public static func period(_ text: String) throws(ReportError) -> Period {
        let parts = text.uppercased().split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, first.count == 4, let year = Int(first), year >= 1, year <= 9999 else { throw .badPeriod(text) }
        if parts.count == 1 { return .year(year) }
        guard parts.count == 2 else { throw .badPeriod(text) }
        let second = parts[1]
        if second.count == 2, second.first == "Q", let quarter = Int(second.dropFirst()), (1...4).contains(quarter) {
            return .quarter(year: year, quarter: quarter)
        }
        if second.count == 2, let month = Int(second), (1...12).contains(month) { return .month(year: year, month: month) }
        throw .badPeriod(text)
    }

    /// Parses a customer id: a UUID, or a stream name `customer-<uuid>`.
    public static func customerID(_ text: String) throws(ReportError) -> CustomerID {
        let bare = text.hasPrefix("customer-") ? String(text.dropFirst("customer-".count)) : text
        guard let id = CustomerID(bare) else { throw .badCustomerID(text) }
        return id
    }

    /// Parses a data subject: `customer-<uuid>`, `contact-<uuid>`, `lead-<uuid>` or
    /// `employee-<uuid>` (a bare UUID is a customer).
    public static func subject(_ text: String) -> DataSubject? {
        let pieces = text.split(separator: "-", maxSplits: 1)
        if pieces.count == 2, let uuid = UUID(uuidString: String(pieces[1])) {
            switch pieces[0] {
            case "customer": return .customer(CustomerID(uuid))
            case "contact": return .contact(ContactID(uuid))
            case "lead": return .lead(LeadID(uuid))
            case "employee": return .employee(EmployeeID(uuid))
            default: return nil
            }
        }
        return UUID(uuidString: text).map { .customer(CustomerID($0)) }
    }

    /// Reads a rules file (the JSON of `CRMRules`).
    public static func rules(file path: String) throws(ReportError) -> CRMRules {
        guard let data = FileManager.default.contents(atPath: path) else { throw .badRules(path: path, reason: "no such readable file") }
        do {
            return try CRMRules(json: data)
        } catch {
            throw .badRules(path: path, reason: Self.oneLine(error))
        }
    }

    /// An error's description on one line.
    static func oneLine(_ error: any Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
