/// An event type of the CRM catalog.
///
/// Catalog events are facts: they are produced by ``CRMCommand``s after validation, decoded from
/// the log as ``DomainEvent`` cases, and read by projections. Their fields are read-only outside
/// this module. Each type lists its fields once, with stable field numbers; see
/// `docs/event-format.md` for the table of every type and field.
public protocol CatalogEvent: Sendable, Hashable, Codable {
    /// The type name stored in the log record, e.g. `OpportunityWon`.
    static var eventType: String { get }
    /// The current schema version of the payload; older versions are upcast on read.
    static var schemaVersion: UInt32 { get }
    /// Whose personal data the event carries, if any: the subject whose key seals its
    /// ``PersonalText`` fields.
    var dataSubject: DataSubject? { get }
    /// The event as a ``DomainEvent`` case.
    var domainEvent: DomainEvent { get }
}

extension CatalogEvent {
    /// Events carry no personal data unless they say so.
    public var dataSubject: DataSubject? { nil }
}

/// The codec side of a catalog event.
protocol CatalogMessage: CatalogEvent, FieldMessage {}

extension CatalogMessage {
    static var messageName: String { eventType }
}

/// One line of an order or a quote.
public struct OrderLine: Sendable, Hashable, Codable, FieldMessage {
    static let messageName = "OrderLine"
    /// Product or service code (SKU).
    public internal(set) var product = ""
    /// Quantity ordered (≥ 1).
    public internal(set) var quantity = 1
    /// Price of one unit.
    public internal(set) var unitPrice = Money.placeholder
    /// Discount granted on the line, if any.
    public internal(set) var discount: Money?

    /// Creates a line.
    public init(product: String, quantity: Int, unitPrice: Money, discount: Money? = nil) {
        self.product = product
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.discount = discount
    }

    init() {}

    /// quantity × unit price − discount, or `nil` on overflow.
    public var netAmount: Int64? {
        let (gross, overflow) = Int64(quantity).multipliedReportingOverflow(by: unitPrice.minorUnits)
        guard !overflow else { return nil }
        let (net, overflow2) = gross.subtractingReportingOverflow(discount?.minorUnits ?? 0)
        return overflow2 ? nil : net
    }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "product", &product)
        try v.field(2, "quantity", &quantity)
        try v.field(3, "unitPrice", &unitPrice)
        try v.field(4, "discount", &discount)
    }
}

/// One attribute recorded about a lead (company size, web visits, newsletter subscription, …),
/// the input of lead scoring.
public struct LeadAttribute: Sendable, Hashable, Codable, FieldMessage {
    static let messageName = "LeadAttribute"
    /// The attribute name, e.g. `companySize`.
    public internal(set) var name = ""
    /// The value as text, e.g. `250`.
    public internal(set) var value = ""

    /// Creates an attribute.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    init() {}

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "name", &name)
        try v.field(2, "value", &value)
    }
}

extension DomainEvent {
    /// Every catalog event type, in catalog order.
    public static var catalogTypes: [any CatalogEvent.Type] { CatalogTypes.all }

    /// The event's fields for people: `name: value` pairs without the entity ids, money as
    /// `123.45 EUR`, sealed personal data as `‹sealed›`; e.g. `score: 9, comment: sehr gut`.
    public var summary: String {
        switch self {
        case .extensionEvent(let value): return String(decoding: value.payload, as: UTF8.self)
        case .unknown(let value): return "\(value.payload.count) bytes of an unknown type"
        default:
            var writer = SummaryWriter()
            var message = catalogMessage!
            try? message.visitFields(&writer)
            return writer.parts.joined(separator: ", ")
        }
    }
}

/// Writes fields as `name: value` for ``DomainEvent/summary``.
private struct SummaryWriter: FieldVisitor {
    var parts: [String] = []

    static func text<T: FieldValue>(_ value: T) -> String {
        switch value {
        case let money as Money: return money.description
        case let personal as PersonalText: return personal.description
        case let text as String: return text
        case let message as any FieldMessage:
            var writer = SummaryWriter()
            var copy = message
            try? copy.visitFields(&writer)
            return "(" + writer.parts.joined(separator: ", ") + ")"
        default:
            if case .string(let text) = value.json { return text }
            return value.json.text
        }
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) {
        if !name.hasSuffix("ID") { parts.append("\(name): \(Self.text(value))") }
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) {
        if let value, !name.hasSuffix("ID") { parts.append("\(name): \(Self.text(value))") }
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) {
        parts.append("\(name): [" + value.map { Self.text($0) }.joined(separator: "; ") + "]")
    }
}
