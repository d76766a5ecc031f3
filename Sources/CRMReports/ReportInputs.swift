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
        DataSubject(text) ?? UUID(uuidString: text).map { .customer(CustomerID($0)) }
    }

    /// Reads a rules file (the JSON of `CRMRules`, whole or partial) over `base` (the served
    /// rules): the fields the file names replace those of `base`, nested objects field by field,
    /// so `{"version": 2, "lifecycle": {"starMinOrders": 10}}` is a complete rule change. A field
    /// `base` does not have, or a value of the wrong kind, is an error that names the field.
    public static func rules(file path: String, over base: CRMRules = ReportSource.defaultRules) throws(ReportError) -> CRMRules {
        guard let data = FileManager.default.contents(atPath: path) else { throw .badRules(path: path, reason: "no such readable file") }
        guard let file = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .badRules(path: path, reason: "not a JSON object (see `crm rules` for the shape)")
        }
        do {
            let baseObject = try JSONSerialization.jsonObject(with: try base.json()) as? [String: Any] ?? [:]
            if let unknown = unknownField(file, in: baseObject) { throw ReportError.badRules(path: path, reason: "unknown field \(unknown)") }
            let merged = try JSONSerialization.data(withJSONObject: merge(file, over: baseObject))
            return try CRMRules(json: merged)
        } catch let error as ReportError {
            throw error
        } catch let error as DecodingError {
            throw .badRules(path: path, reason: describe(error))
        } catch {
            throw .badRules(path: path, reason: Self.oneLine(error))
        }
    }

    /// `top` over `base`: objects merged field by field, anything else replaced.
    static func merge(_ top: [String: Any], over base: [String: Any]) -> [String: Any] {
        var result = base
        for (key, value) in top {
            if let inner = value as? [String: Any], let under = base[key] as? [String: Any] {
                result[key] = merge(inner, over: under)
            } else {
                result[key] = value
            }
        }
        return result
    }

    /// The dotted path of the first field of `object` (sorted) that `base` does not have.
    static func unknownField(_ object: [String: Any], in base: [String: Any], prefix: String = "") -> String? {
        for key in object.keys.sorted() {
            guard let under = base[key] else { return prefix + key }
            if let inner = object[key] as? [String: Any], let innerBase = under as? [String: Any],
               let found = unknownField(inner, in: innerBase, prefix: prefix + key + ".") {
                return found
            }
        }
        return nil
    }

    /// A decoding error as a sentence that names the field.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(path(context, key))"
        case .typeMismatch(let type, let context): return "field \(path(context)): expected \(Self.kind(type))"
        case .valueNotFound(let type, let context): return "field \(path(context)): expected \(Self.kind(type)), found null"
        case .dataCorrupted(let context): return "field \(path(context)): \(context.debugDescription)"
        @unknown default: return Self.oneLine(error)
        }
    }

    /// `a number`, `text`, … for a decoded type.
    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is Double.Type, is UInt64.Type: "a number"
        case is String.Type: "text"
        case is Bool.Type: "true or false"
        default: "a value of type \(type)"
        }
    }

    /// An error's description on one line.
    static func oneLine(_ error: any Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
