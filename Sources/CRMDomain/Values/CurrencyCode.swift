import Foundation

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
