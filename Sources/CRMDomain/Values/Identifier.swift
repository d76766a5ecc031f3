import CRMEventLog
import Foundation

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
        guard let uuid = UUID(text: text) else { return nil }
        self.uuid = uuid
    }

    /// A new time-ordered id (UUID version 7).
    public static func new() -> Self { Self(NewEvent.makeID()) }

    /// The entity's stream, `<category>-<uuid>` with the UUID in lower case.
    public var stream: String { Kind.category + "-" + uuid.lowercasedText }

    /// The UUID in lower case.
    public var description: String { uuid.lowercasedText }

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

extension UUID {
    /// Parses the 36-character text form (`8-4-4-4-12` hex digits, either case) without
    /// Foundation's `sscanf`-based parser, which dominates a JSON Lines import; what the fast
    /// path does not take goes to Foundation's parser, so both accept the same texts.
    init?(text: String) {
        var text = text
        if let uuid = text.withUTF8({ UUID(textBytes: $0) }) {
            self = uuid
        } else if let uuid = UUID(uuidString: text) {
            self = uuid
        } else {
            return nil
        }
    }

    private init?(textBytes bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 36, bytes[8] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: "-"),
              bytes[18] == UInt8(ascii: "-"), bytes[23] == UInt8(ascii: "-") else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
            default: nil
            }
        }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &value) { raw -> Bool in
            var offset = 0
            for index in 0..<16 {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 { offset += 1 }
                guard let high = nibble(bytes[offset]), let low = nibble(bytes[offset + 1]) else { return false }
                raw[index] = high << 4 | low
                offset += 2
            }
            return true
        }
        guard parsed else { return nil }
        self.init(uuid: value)
    }
}

extension UUID {
    /// The 36-character text form in lowercase, written without Foundation's formatter.
    package var lowercasedText: String {
        let hex = lowercaseHexDigits
        return withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var offset = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[offset] = UInt8(ascii: "-")
                        offset += 1
                    }
                    buffer[offset] = hex[Int(raw[index] >> 4)]
                    buffer[offset + 1] = hex[Int(raw[index] & 0x0F)]
                    offset += 2
                }
                return 36
            }
        }
    }
}

private let lowercaseHexDigits: [UInt8] = Array("0123456789abcdef".utf8)
