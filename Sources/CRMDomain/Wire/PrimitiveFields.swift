import Foundation
import Synchronization

extension String: FieldValue {
    static var wireType: WireType { .bytes }
    static var placeholder: String { "" }

    func encodeValue(into writer: inout ByteWriter) {
        writer.lengthPrefixed(utf8)
    }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> String {
        guard case .bytes(let bytes) = value else { throw .wrongWire(value.wireType) }
        // `_tryFromUTF8` validates like `String(validating:as:)` but is not generic, so it runs
        // specialized (the generic one was a tenth of decode time).
        guard let text = bytes.withMemoryRebound(to: UInt8.self, { String._tryFromUTF8($0) }) else {
            throw .invalid("not valid UTF-8")
        }
        return text
    }

    var json: JSONValue { .string(self) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> String {
        guard case .string(let text) = json else { throw .wrongJSON(expected: "a string") }
        return text
    }
}

extension Bool: FieldValue {
    static var wireType: WireType { .varint }
    static var placeholder: Bool { false }

    func encodeValue(into writer: inout ByteWriter) { writer.varint(self ? 1 : 0) }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Bool {
        guard case .varint(let raw) = value else { throw .wrongWire(value.wireType) }
        guard raw <= 1 else { throw .invalid("a boolean must be 0 or 1, found \(raw)") }
        return raw == 1
    }

    var json: JSONValue { .bool(self) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Bool {
        guard case .bool(let value) = json else { throw .wrongJSON(expected: "true or false") }
        return value
    }
}

extension Int: FieldValue {
    static var wireType: WireType { .varint }
    static var placeholder: Int { 0 }

    func encodeValue(into writer: inout ByteWriter) { writer.varint(ZigZag.encode(Int64(self))) }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Int {
        guard case .varint(let raw) = value else { throw .wrongWire(value.wireType) }
        return Int(ZigZag.decode(raw))
    }

    var json: JSONValue { .integer(Int64(self)) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Int {
        guard case .integer(let value) = json else { throw .wrongJSON(expected: "an integer") }
        return Int(value)
    }
}

extension UUID: FieldValue {
    static var wireType: WireType { .bytes }
    static var placeholder: UUID { UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) }

    func encodeValue(into writer: inout ByteWriter) {
        writer.bytes.append(16)
        withUnsafeBytes(of: uuid) { writer.bytes.append(contentsOf: $0) }
    }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> UUID {
        guard case .bytes(let bytes) = value else { throw .wrongWire(value.wireType) }
        guard bytes.count == 16 else { throw .invalid("an id must be 16 bytes, found \(bytes.count)") }
        return UUID(uuid: bytes.loadUnaligned(as: uuid_t.self))
    }

    var json: JSONValue { .string(uuidString.lowercased()) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> UUID {
        guard case .string(let text) = json else { throw .wrongJSON(expected: "a UUID string") }
        guard let id = UUID(text: text) else { throw .invalid("'\(text)' is not a UUID") }
        return id
    }
}

/// A closed set of named cases stored as their varint number and written in JSON by name.
///
/// Case numbers are part of the format: a new case takes a new number, and a number is never
/// reused.
protocol CatalogEnum: FieldValue, RawRepresentable<UInt8>, CaseIterable, CaseNamed {}

extension CatalogEnum {
    static var wireType: WireType { .varint }
    static var placeholder: Self { allCases.first! }

    func encodeValue(into writer: inout ByteWriter) { writer.varint(UInt64(rawValue)) }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Self {
        guard case .varint(let raw) = value else { throw .wrongWire(value.wireType) }
        guard raw <= UInt64(UInt8.max), let result = Self(rawValue: UInt8(raw)) else {
            throw .invalid("\(raw) is not a known \(Self.self) case")
        }
        return result
    }

    var json: JSONValue { .string(Self.names.name[Int(rawValue)]) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Self {
        guard case .string(let name) = json else { throw .wrongJSON(expected: "a \(Self.self) name") }
        guard let raw = names.rawValue[name], let match = Self(rawValue: raw) else {
            throw .invalid("'\(name)' is not one of \(allCases.map(\.name).joined(separator: ", "))")
        }
        return match
    }

    /// The cases' names both ways, made once per type (`String(describing:)` is slow).
    static var names: CatalogEnumNames { CatalogEnumNames.of(Self.self) }
}

/// The names of a ``CatalogEnum``'s cases by raw value, and the raw values by name.
final class CatalogEnumNames: Sendable {
    let name: [String]
    let rawValue: [String: UInt8]

    private init<E: CatalogEnum>(_: E.Type) {
        var name = [String](repeating: "", count: 256)
        var rawValue: [String: UInt8] = [:]
        for value in E.allCases {
            name[Int(value.rawValue)] = value.name
            rawValue[value.name] = value.rawValue
        }
        self.name = name
        self.rawValue = rawValue
    }

    private static let tables = Mutex<[ObjectIdentifier: CatalogEnumNames]>([:])

    static func of<E: CatalogEnum>(_ type: E.Type) -> CatalogEnumNames {
        let key = ObjectIdentifier(type)
        if let table = tables.withLock({ $0[key] }) { return table }
        let table = CatalogEnumNames(type)
        return tables.withLock { tables in
            if let existing = tables[key] { return existing }
            tables[key] = table
            return table
        }
    }
}

/// An enum whose cases are written by name in JSON and reports.
public protocol CaseNamed {}

extension CaseNamed {
    /// The case name as written in JSON and reports, e.g. `whatsApp`.
    public var name: String { String(describing: self) }
}

extension Int64: FieldValue {
    static var wireType: WireType { .varint }
    static var placeholder: Int64 { 0 }

    func encodeValue(into writer: inout ByteWriter) { writer.varint(ZigZag.encode(self)) }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Int64 {
        guard case .varint(let raw) = value else { throw .wrongWire(value.wireType) }
        return ZigZag.decode(raw)
    }

    var json: JSONValue { .integer(self) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Int64 {
        guard case .integer(let value) = json else { throw .wrongJSON(expected: "an integer") }
        return value
    }
}

extension Double: FieldValue {
    static var wireType: WireType { .fixed64 }
    static var placeholder: Double { 0 }

    func encodeValue(into writer: inout ByteWriter) {
        withUnsafeBytes(of: bitPattern.littleEndian) { writer.bytes.append(contentsOf: $0) }
    }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Double {
        guard case .fixed64(let raw) = value else { throw .wrongWire(value.wireType) }
        return Double(bitPattern: raw)
    }

    var json: JSONValue { .double(self) }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Double {
        switch json {
        case .double(let value): return value
        case .integer(let value): return Double(value)
        default: throw .wrongJSON(expected: "a number")
        }
    }
}
