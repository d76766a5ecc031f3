import Foundation

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
