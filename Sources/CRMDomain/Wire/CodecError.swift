/// Why bytes or JSON could not be turned into an event.
///
/// Decoding never traps: every malformed input, however it was damaged, ends in one of these.
public enum CodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A varint, a length or a value runs past the end of the payload.
    case truncated(offset: Int)
    /// A varint is longer than 10 bytes or does not fit 64 bits.
    case malformedVarint(offset: Int)
    /// A field key names a wire type this format does not define.
    case unknownWireType(UInt8, offset: Int)
    /// A field key carries field number 0 or one above 2²⁹.
    case invalidFieldNumber(UInt64, offset: Int)
    /// A field was stored with another wire type than its schema says.
    case wrongWireType(type: String, field: String, expected: WireType, found: WireType)
    /// A required field is absent.
    case missingField(type: String, field: String)
    /// A field's bytes do not make a valid value (bad UTF-8, a UUID that is not 16 bytes, an
    /// unknown enum case, an invalid currency code, a day outside years 1…9999, …).
    case invalidValue(type: String, field: String, reason: String)
    /// Nested values are deeper than the decoder allows.
    case nestingTooDeep(limit: Int)
    /// The text is not valid JSON.
    case invalidJSON(reason: String, offset: Int)
    /// A JSON object has a member the event type does not define.
    case unknownJSONField(type: String, field: String)
    /// A JSON value has the wrong kind for its field.
    case wrongJSONKind(type: String, field: String, expected: String)
    /// The event type is not in the catalog nor registered as an extension.
    case unknownEventType(String)
    /// An upcaster failed to turn an older schema version into the current one.
    case upcastFailed(type: String, fromVersion: UInt32, reason: String)
    /// The stored schema version has no upcaster chain to the current version.
    case unsupportedSchemaVersion(type: String, version: UInt32, current: UInt32)

    public var description: String {
        switch self {
        case .truncated(let offset):
            return "payload truncated: a value at byte \(offset) runs past the end"
        case .malformedVarint(let offset):
            return "malformed varint at byte \(offset): longer than 10 bytes or above 2^64-1"
        case .unknownWireType(let wire, let offset):
            return "unknown wire type \(wire) in the field key at byte \(offset)"
        case .invalidFieldNumber(let number, let offset):
            return "invalid field number \(number) at byte \(offset) (must be 1…536870911)"
        case .wrongWireType(let type, let field, let expected, let found):
            return "\(type).\(field) is stored as \(found) but its schema says \(expected)"
        case .missingField(let type, let field):
            return "\(type) is missing its required field '\(field)'"
        case .invalidValue(let type, let field, let reason):
            return "\(type).\(field) is invalid: \(reason)"
        case .nestingTooDeep(let limit):
            return "values are nested deeper than \(limit) levels"
        case .invalidJSON(let reason, let offset):
            return "invalid JSON at byte \(offset): \(reason)"
        case .unknownJSONField(let type, let field):
            return "\(type) has no field '\(field)'"
        case .wrongJSONKind(let type, let field, let expected):
            return "\(type).\(field) must be \(expected)"
        case .unknownEventType(let type):
            return "unknown event type '\(type)'"
        case .upcastFailed(let type, let version, let reason):
            return "upcasting \(type) from schema version \(version) failed: \(reason)"
        case .unsupportedSchemaVersion(let type, let version, let current):
            return "\(type) schema version \(version) cannot be read (current is \(current), and no upcaster starts there)"
        }
    }
}

/// How a field's value is laid out after its key; see `docs/event-format.md`.
public enum WireType: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// An unsigned LEB128 varint (integers, booleans, enum cases, days, signed values zigzagged).
    case varint = 0
    /// Eight bytes, little-endian (reserved for IEEE 754 doubles; skipped by readers that don't
    /// expect it).
    case fixed64 = 1
    /// A varint byte count, then that many bytes (UTF-8 text, ids, money, nested messages).
    case bytes = 2
    /// Like ``bytes``, but the bytes are a sealed (encrypted) personal-data value.
    case sealed = 3

    public var description: String {
        switch self {
        case .varint: return "varint"
        case .fixed64: return "fixed64"
        case .bytes: return "bytes"
        case .sealed: return "sealed"
        }
    }
}
