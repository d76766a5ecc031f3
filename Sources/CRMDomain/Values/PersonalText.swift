import Foundation

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
