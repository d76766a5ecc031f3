import CRMEventLog
import Foundation

// MARK: - Typed ids

/// What an ``Identifier`` identifies; each kind names its stream category.
public protocol EntityKind: Sendable {
    /// The stream category of the entity, e.g. `customer` for streams `customer-<uuid>`.
    static var category: String { get }
}

/// A typed id: a `CustomerID` cannot be passed where an `OpportunityID` is expected.
///
/// Ids are UUIDs; ``new()`` makes a time-ordered one.
public struct Identifier<Kind: EntityKind>: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The id's UUID.
    public let uuid: UUID

    /// Wraps an existing UUID.
    public init(_ uuid: UUID) { self.uuid = uuid }

    /// Parses a UUID string; `nil` when it is not one.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.uuid = uuid
    }

    /// A new time-ordered id (UUID version 7).
    public static func new() -> Self { Self(NewEvent.makeID()) }

    /// The entity's stream, `<category>-<uuid>` with the UUID in lower case.
    public var stream: String { Kind.category + "-" + uuid.uuidString.lowercased() }

    /// The UUID in lower case.
    public var description: String { uuid.uuidString.lowercased() }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        withUnsafeBytes(of: lhs.uuid.uuid) { a in
            withUnsafeBytes(of: rhs.uuid.uuid) { b in a.lexicographicallyPrecedes(b) }
        }
    }
}

extension Identifier: FieldValue {
    static var wireType: WireType { .bytes }
    static var placeholder: Self { Self(UUID.placeholder) }
    func encodeValue(into writer: inout ByteWriter) { uuid.encodeValue(into: &writer) }
    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Self {
        Self(try UUID.decodeValue(value, depth: depth))
    }
    var json: JSONValue { uuid.json }
    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Self { Self(try UUID.fromJSON(json)) }
}

/// Customers: B2C persons and B2B accounts (stream category `customer`).
public enum CustomerKindTag: EntityKind { public static let category = "customer" }
/// People at a B2B account (they live in the account's stream).
public enum ContactKindTag: EntityKind { public static let category = "contact" }
/// Employees (stream category `employee`).
public enum EmployeeKindTag: EntityKind { public static let category = "employee" }
/// Marketing campaigns (stream category `campaign`).
public enum CampaignKindTag: EntityKind { public static let category = "campaign" }
/// Leads (stream category `lead`).
public enum LeadKindTag: EntityKind { public static let category = "lead" }
/// Sales opportunities (stream category `opportunity`).
public enum OpportunityKindTag: EntityKind { public static let category = "opportunity" }
/// Quotes (stream category `quote`).
public enum QuoteKindTag: EntityKind { public static let category = "quote" }
/// Contracts (stream category `contract`).
public enum ContractKindTag: EntityKind { public static let category = "contract" }
/// Orders (stream category `order`).
public enum OrderKindTag: EntityKind { public static let category = "order" }
/// Invoices (stream category `invoice`).
public enum InvoiceKindTag: EntityKind { public static let category = "invoice" }
/// Service tickets (stream category `ticket`).
public enum TicketKindTag: EntityKind { public static let category = "ticket" }
/// Interactions (recorded in the customer's stream).
public enum InteractionKindTag: EntityKind { public static let category = "interaction" }
/// Work items for employees: calls, follow-ups, reviews (stream category `task`).
public enum TaskKindTag: EntityKind { public static let category = "task" }

/// Identifies a customer.
public typealias CustomerID = Identifier<CustomerKindTag>
/// Identifies a contact person of a B2B account.
public typealias ContactID = Identifier<ContactKindTag>
/// Identifies an employee.
public typealias EmployeeID = Identifier<EmployeeKindTag>
/// Identifies a campaign.
public typealias CampaignID = Identifier<CampaignKindTag>
/// Identifies a lead.
public typealias LeadID = Identifier<LeadKindTag>
/// Identifies an opportunity.
public typealias OpportunityID = Identifier<OpportunityKindTag>
/// Identifies a quote.
public typealias QuoteID = Identifier<QuoteKindTag>
/// Identifies a contract.
public typealias ContractID = Identifier<ContractKindTag>
/// Identifies an order.
public typealias OrderID = Identifier<OrderKindTag>
/// Identifies an invoice.
public typealias InvoiceID = Identifier<InvoiceKindTag>
/// Identifies a service ticket.
public typealias TicketID = Identifier<TicketKindTag>
/// Identifies an interaction.
public typealias InteractionID = Identifier<InteractionKindTag>
/// Identifies a task.
public typealias TaskID = Identifier<TaskKindTag>

// MARK: - Money

/// An ISO 4217 currency code: three upper-case ASCII letters.
public struct CurrencyCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The code, e.g. `EUR`.
    public let code: String

    /// Validates `code`; `nil` unless it is three upper-case ASCII letters.
    public init?(_ code: String) {
        guard Self.isValid(code.utf8) else { return nil }
        self.code = code
    }

    private init(unchecked code: String) { self.code = code }

    static func isValid<C: Collection<UInt8>>(_ bytes: C) -> Bool {
        bytes.count == 3 && bytes.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
    }

    /// Euro.
    public static let eur = CurrencyCode(unchecked: "EUR")
    /// US dollar.
    public static let usd = CurrencyCode(unchecked: "USD")
    /// Swiss franc.
    public static let chf = CurrencyCode(unchecked: "CHF")
    /// Pound sterling.
    public static let gbp = CurrencyCode(unchecked: "GBP")

    /// The constant for a common code's bytes, without making a new string.
    static func common(_ bytes: UnsafeRawBufferPointer) -> CurrencyCode? {
        guard bytes.count == 3 else { return nil }
        switch (bytes[0], bytes[1], bytes[2]) {
        case (0x45, 0x55, 0x52): return .eur
        case (0x55, 0x53, 0x44): return .usd
        case (0x43, 0x48, 0x46): return .chf
        case (0x47, 0x42, 0x50): return .gbp
        default: return nil
        }
    }

    public var description: String { code }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.code < rhs.code }
}

/// An amount of money in integer minor units (cents for EUR) with its currency. Never a
/// floating-point number.
public struct Money: Sendable, Hashable, CustomStringConvertible {
    /// The amount in minor units; negative for credits.
    public var minorUnits: Int64
    /// The currency.
    public var currency: CurrencyCode

    /// Creates an amount.
    public init(minorUnits: Int64, currency: CurrencyCode) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Zero in `currency`.
    public static func zero(_ currency: CurrencyCode) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Whether the amount is below zero.
    public var isNegative: Bool { minorUnits < 0 }

    /// `12345 EUR` prints as `123.45 EUR` (two decimals; the minor-unit count per currency is
    /// not modelled).
    public var description: String {
        let sign = minorUnits < 0 ? "-" : ""
        let magnitude = minorUnits.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction) \(currency.code)"
    }
}

extension Money: FieldValue {
    static var wireType: WireType { .bytes }
    static var placeholder: Money { Money(minorUnits: 0, currency: .eur) }

    func encodeValue(into writer: inout ByteWriter) {
        var body = ByteWriter()
        body.bytes.append(contentsOf: currency.code.utf8)
        body.varint(ZigZag.encode(minorUnits))
        writer.lengthPrefixed(body.bytes)
    }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Money {
        guard case .bytes(let bytes) = value else { throw .wrongWire(value.wireType) }
        guard bytes.count >= 4 else { throw .invalid("money needs a currency code and an amount") }
        let code = UnsafeRawBufferPointer(rebasing: bytes[0..<3])
        guard CurrencyCode.isValid(code) else { throw .invalid("currency code is not three letters A–Z") }
        var offset = 3
        let raw: UInt64
        do { raw = try WireReading.varint(bytes, &offset) } catch { throw .codec(error) }
        guard offset == bytes.count else { throw .invalid("money has \(bytes.count - offset) trailing bytes") }
        return Money(minorUnits: ZigZag.decode(raw), currency: CurrencyCode.common(code) ?? CurrencyCode(String(decoding: code, as: UTF8.self))!)
    }

    var json: JSONValue { .object([("amount", .integer(minorUnits)), ("currency", .string(currency.code))]) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Money {
        guard case .object(let members) = json, members.count == 2,
              case .integer(let amount)? = json["amount"], case .string(let code)? = json["currency"]
        else { throw .wrongJSON(expected: "{\"amount\": <integer minor units>, \"currency\": \"<ISO 4217>\"}") }
        guard let currency = CurrencyCode(code) else { throw .invalid("'\(code)' is not an ISO 4217 code") }
        return Money(minorUnits: amount, currency: currency)
    }
}

// MARK: - Calendar days

/// A calendar day (proleptic Gregorian, no time zone), e.g. an expected close date or a due date.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let daysSince1970: Int32

    /// The first day this type accepts: 0001-01-01.
    public static let earliest = CalendarDay(uncheckedDays: -719_162)
    /// The last day this type accepts: 9999-12-31.
    public static let latest = CalendarDay(uncheckedDays: 2_932_896)

    private init(uncheckedDays: Int32) { daysSince1970 = uncheckedDays }

    /// A day by its number since 1970-01-01; `nil` outside years 1…9999.
    public init?(daysSince1970: Int32) {
        guard (Self.earliest.daysSince1970...Self.latest.daysSince1970).contains(daysSince1970) else { return nil }
        self.daysSince1970 = daysSince1970
    }

    /// A day from its date parts; `nil` when they do not name a real day in years 1…9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= Self.daysInMonth(year: year, month: month) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        daysSince1970 = Int32(era * 146_097 + dayOfEra - 719_468)
    }

    /// The UTC day containing `date`.
    public init(containing date: Date) {
        let days = Int32((date.timeIntervalSince1970 / 86_400).rounded(.down))
        daysSince1970 = min(max(days, Self.earliest.daysSince1970), Self.latest.daysSince1970)
    }

    /// The UTC day containing a time given in microseconds since 1970 (the log's form),
    /// clamped to the supported range.
    public static func containing(micros: Int64) -> CalendarDay {
        let days = micros >= 0 ? micros / 86_400_000_000 : (micros + 1) / 86_400_000_000 - 1
        return CalendarDay(daysSince1970: Int32(clamping: days)) ?? (days < 0 ? .earliest : .latest)
    }

    /// Year, month (1…12) and day of month.
    public var parts: (year: Int, month: Int, day: Int) {
        let z = Int(daysSince1970) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Midnight UTC at the start of the day.
    public var startDate: Date { Date(timeIntervalSince1970: Double(daysSince1970) * 86_400) }

    /// The day `count` days later (earlier when negative), clamped to the supported range.
    public func adding(days count: Int) -> CalendarDay {
        let target = Int(daysSince1970) + count
        return CalendarDay(uncheckedDays: Int32(min(max(target, Int(Self.earliest.daysSince1970)), Int(Self.latest.daysSince1970))))
    }

    /// The number of days of `month` (1…12) in `year` (proleptic Gregorian).
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// ISO 8601, `YYYY-MM-DD`.
    public var description: String {
        let (year, month, day) = parts
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.daysSince1970 < rhs.daysSince1970 }
}

extension CalendarDay: FieldValue {
    static var wireType: WireType { .varint }
    static var placeholder: CalendarDay { CalendarDay(uncheckedDays: 0) }

    func encodeValue(into writer: inout ByteWriter) { writer.varint(ZigZag.encode(Int64(daysSince1970))) }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> CalendarDay {
        guard case .varint(let raw) = value else { throw .wrongWire(value.wireType) }
        let days = ZigZag.decode(raw)
        guard let day = Int32(exactly: days).flatMap({ CalendarDay(daysSince1970: $0) }) else {
            throw .invalid("day \(days) is outside years 1…9999")
        }
        return day
    }

    var json: JSONValue { .string(description) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> CalendarDay {
        guard case .string(let text) = json else { throw .wrongJSON(expected: "a YYYY-MM-DD string") }
        guard let day = CalendarDay(iso: text) else { throw .invalid("'\(text)' is not a day YYYY-MM-DD in years 1…9999") }
        return day
    }
}

// MARK: - Personal data

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

/// A field holding personal data (a name, an e-mail address, a phone number, an address, free
/// text): either the text itself or, once the store seals personal data, the sealed bytes.
///
/// A sealed value is stored with wire type `sealed` in place of the text, so sealing needs no new
/// event type; a reader without the subject's key sees ``sealed(_:)`` and shows it as erased.
public enum PersonalText: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The text in the clear.
    case plain(String)
    /// The sealed (encrypted) bytes; their layout belongs to the sealing component.
    case sealed([UInt8])

    /// Wraps text.
    public init(_ text: String) { self = .plain(text) }
    /// Wraps a literal.
    public init(stringLiteral value: String) { self = .plain(value) }
    /// Wraps an interpolated literal.
    public init(stringInterpolation: DefaultStringInterpolation) { self = .plain(String(stringInterpolation: stringInterpolation)) }

    /// The text, or `nil` while sealed.
    public var text: String? {
        if case .plain(let text) = self { return text }
        return nil
    }

    /// A value whose subject was forgotten: sealed, with nothing left to open.
    public static let erased = PersonalText.sealed([])

    /// Whether the value is ``erased``.
    public var isErased: Bool { self == .erased }

    /// The text, `‹sealed›` while sealed, `‹erased›` once erased.
    public var description: String { text ?? (isErased ? "‹erased›" : "‹sealed›") }
}

extension PersonalText: FieldValue {
    static var wireType: WireType { .bytes }
    static var placeholder: PersonalText { .plain("") }

    func encodeValue(into writer: inout ByteWriter) {
        switch self {
        case .plain(let text): text.encodeValue(into: &writer)
        case .sealed(let bytes): writer.lengthPrefixed(bytes)
        }
    }

    func encodeField(_ number: UInt32, into writer: inout ByteWriter) {
        switch self {
        case .plain: writer.key(number, .bytes)
        case .sealed: writer.key(number, .sealed)
        }
        encodeValue(into: &writer)
    }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> PersonalText {
        switch value {
        case .bytes: return .plain(try String.decodeValue(value, depth: depth))
        case .sealed(let bytes): return .sealed(Array(bytes))
        default: throw .wrongWire(value.wireType)
        }
    }

    var json: JSONValue {
        switch self {
        case .plain(let text): return .string(text)
        case .sealed(let bytes): return .object([("sealed", .string(Data(bytes).base64EncodedString()))])
        }
    }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> PersonalText {
        switch json {
        case .string(let text): return .plain(text)
        case .object(let members):
            guard members.count == 1, case .string(let base64)? = json["sealed"] else {
                throw .wrongJSON(expected: "a string or {\"sealed\": \"<base64>\"}")
            }
            guard let data = Data(base64Encoded: base64) else { throw .invalid("sealed value is not base64") }
            return .sealed(Array(data))
        default:
            throw .wrongJSON(expected: "a string or {\"sealed\": \"<base64>\"}")
        }
    }
}

// MARK: - Codable

// Catalog events are also `Codable` (for apps that pass them through their own APIs); the
// forms match the JSON Lines `data` forms.

extension Identifier: Codable {
    /// Decodes a UUID string.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(UUID.self))
    }

    /// Encodes the UUID string in lower case.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension CurrencyCode: Codable {
    /// Decodes and validates a three-letter code.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let code = try container.decode(String.self)
        guard let value = CurrencyCode(code) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(code)' is not an ISO 4217 code")
        }
        self = value
    }

    /// Encodes the code.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}

extension Money: Codable {
    private enum CodingKeys: String, CodingKey { case amount, currency }

    /// Decodes `{"amount": <minor units>, "currency": "EUR"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(minorUnits: try container.decode(Int64.self, forKey: .amount),
                  currency: try container.decode(CurrencyCode.self, forKey: .currency))
    }

    /// Encodes `{"amount": <minor units>, "currency": "EUR"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(minorUnits, forKey: .amount)
        try container.encode(currency, forKey: .currency)
    }
}

extension CalendarDay: Codable {
    /// Decodes `YYYY-MM-DD`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let day = CalendarDay(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a day YYYY-MM-DD")
        }
        self = day
    }

    /// Encodes `YYYY-MM-DD`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension PersonalText: Codable {
    private enum CodingKeys: String, CodingKey { case sealed }

    /// Decodes a string, or `{"sealed": "<base64>"}`.
    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self = .plain(text)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let base64 = try container.decode(String.self, forKey: .sealed)
        guard let data = Data(base64Encoded: base64) else {
            throw DecodingError.dataCorruptedError(forKey: .sealed, in: container, debugDescription: "not base64")
        }
        self = .sealed(Array(data))
    }

    /// Encodes a string, or `{"sealed": "<base64>"}`.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .plain(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .sealed(let bytes):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Data(bytes).base64EncodedString(), forKey: .sealed)
        }
    }
}
