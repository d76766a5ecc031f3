import Foundation

/// Why one field value could not be read; the visitor that reads it adds the type and field.
@usableFromInline
enum FieldError: Error {
    case wrongWire(WireType)
    case wrongJSON(expected: String)
    case invalid(String)
    case codec(CodecError)
}

/// One stored field value as the wire format delivers it. Byte slices point into the payload
/// and are valid only during the decode call.
@usableFromInline
enum WireValue {
    case varint(UInt64)
    case fixed64(UInt64)
    case bytes(UnsafeRawBufferPointer)
    case sealed(UnsafeRawBufferPointer)

    @inlinable
    var wireType: WireType {
        switch self {
        case .varint: return .varint
        case .fixed64: return .fixed64
        case .bytes: return .bytes
        case .sealed: return .sealed
        }
    }
}

/// A value that can be a field of an event: it knows its binary and its JSON form.
///
/// Every catalog event lists its fields once, in ``FieldMessage/visitFields(_:)``; the binary
/// encoder and decoder, the JSON writer and reader, and the personal-data walkers are all
/// visitors over that one list, so the forms cannot drift apart.
protocol FieldValue: Sendable {
    /// The wire type the value is normally stored with.
    static var wireType: WireType { get }
    /// A value to start decoding from; never observable after a successful decode.
    static var placeholder: Self { get }
    /// Writes the value (without its key).
    func encodeValue(into writer: inout ByteWriter)
    /// Writes key and value. Only ``PersonalText`` picks a wire type per value.
    func encodeField(_ number: UInt32, into writer: inout ByteWriter)
    /// Reads a value from its wire form.
    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Self
    /// The value's JSON form.
    var json: JSONValue { get }
    /// Reads a value from its JSON form.
    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Self
}

extension FieldValue {
    func encodeField(_ number: UInt32, into writer: inout ByteWriter) {
        writer.key(number, Self.wireType)
        encodeValue(into: &writer)
    }
}

/// Something that walks the fields of a message in field-number order.
protocol FieldVisitor {
    /// A required field.
    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) throws
    /// An optional field: absent when `nil`.
    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) throws
    /// A repeated field: zero or more values in order.
    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) throws
}

/// A value made of numbered fields: every catalog event and nested record (order lines, lead
/// attributes).
protocol FieldMessage: FieldValue {
    /// The name used in error messages and JSON (the event type for events).
    static var messageName: String { get }
    /// An empty value whose fields the decoders fill in.
    init()
    /// Visits every field in ascending field-number order.
    mutating func visitFields<V: FieldVisitor>(_ visitor: inout V) throws
}

/// Nesting deeper than this is refused, so hostile bytes cannot exhaust the stack.
@usableFromInline
let maximumNestingDepth = 16

extension FieldMessage {
    static var wireType: WireType { .bytes }
    static var placeholder: Self { Self() }

    func encodeValue(into writer: inout ByteWriter) {
        writer.lengthDelimited { writer in self.encodeFields(into: &writer) }
    }

    /// Appends the message's fields (the payload form, without a length prefix).
    func encodeFields(into writer: inout ByteWriter) {
        var encoder = BinaryFieldEncoder(writer: writer)
        writer = ByteWriter()
        var copy = self
        // The binary encoder never throws; the visitor signature is shared with decoders.
        try? copy.visitFields(&encoder)
        writer = encoder.writer
    }

    /// The message as a payload: its fields in binary form.
    func encodedPayload() -> [UInt8] {
        var writer = ByteWriter()
        writer.reserve(64)
        encodeFields(into: &writer)
        return writer.bytes
    }

    /// Decodes a payload (the fields of one message).
    static func decode(payload: UnsafeRawBufferPointer, depth: Int = 0) throws(CodecError) -> Self {
        guard depth <= maximumNestingDepth else { throw .nestingTooDeep(limit: maximumNestingDepth) }
        var decoder = try BinaryFieldDecoder(payload, messageName: messageName, depth: depth)
        var value = Self()
        do {
            try value.visitFields(&decoder)
            try decoder.finish()
        } catch let error as CodecError {
            throw error
        } catch {
            throw .invalidValue(type: messageName, field: "?", reason: "\(error)")
        }
        return value
    }

    static func decodeValue(_ value: WireValue, depth: Int) throws(FieldError) -> Self {
        guard case .bytes(let bytes) = value else { throw .wrongWire(value.wireType) }
        do { return try decode(payload: bytes, depth: depth + 1) } catch { throw .codec(error) }
    }

    var json: JSONValue {
        var writer = JSONFieldWriter()
        var copy = self
        try? copy.visitFields(&writer)
        return .object(writer.members)
    }

    static func fromJSON(_ json: JSONValue) throws(FieldError) -> Self {
        do { return try decode(json: json) } catch { throw .codec(error) }
    }

    /// Reads the message from a JSON object, refusing unknown members.
    static func decode(json: JSONValue) throws(CodecError) -> Self {
        guard case .object(let members) = json else {
            throw .wrongJSONKind(type: messageName, field: "(value)", expected: "an object")
        }
        var reader = JSONFieldReader(members: members, messageName: messageName)
        var value = Self()
        do {
            try value.visitFields(&reader)
        } catch let error as CodecError {
            throw error
        } catch {
            throw .invalidValue(type: messageName, field: "?", reason: "\(error)")
        }
        try reader.finish()
        return value
    }
}

// MARK: - Binary

/// Writes fields in the binary form.
struct BinaryFieldEncoder: FieldVisitor {
    var writer: ByteWriter

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) {
        value.encodeField(number, into: &writer)
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) {
        if let value { value.encodeField(number, into: &writer) }
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) {
        for element in value { element.encodeField(number, into: &writer) }
    }
}

/// Reads fields from the binary form, merging the stored fields (ascending numbers) with the
/// schema's (ascending numbers): stored fields the schema does not name are skipped.
@usableFromInline
struct BinaryFieldDecoder: FieldVisitor {
    private let base: UnsafeRawBufferPointer
    private var offset = 0
    private let fixedName: String
    /// For records: the type error messages name, spelled only when an error needs it.
    private let namedType: Any.Type?
    @usableFromInline
    let depth: Int
    /// The next stored field's number, wire type and where its value starts; `nil` at the end.
    private var pendingNumber: UInt64 = 0
    private var pendingWire: WireType = .varint
    private var pendingValueOffset = 0
    private var atEnd = false

    init(_ bytes: UnsafeRawBufferPointer, messageName: String, depth: Int) throws(CodecError) {
        base = bytes
        fixedName = messageName
        namedType = nil
        self.depth = depth
        try readKey()
    }

    /// A decoder whose error messages name `type`; the name is spelled only for an error.
    @usableFromInline
    init(_ bytes: UnsafeRawBufferPointer, messageType type: Any.Type, depth: Int) throws(CodecError) {
        base = bytes
        fixedName = ""
        namedType = type
        self.depth = depth
        try readKey()
    }

    /// The message's name in error messages.
    @usableFromInline
    var messageName: String { namedType.map { "\($0)" } ?? fixedName }

    @usableFromInline
    mutating func readKey() throws(CodecError) {
        guard offset < base.count else {
            atEnd = true
            return
        }
        let start = offset
        let key = try WireReading.varint(base, &offset)
        let wire = UInt8(key & 7)
        guard let wireType = WireType(rawValue: wire) else { throw .unknownWireType(wire, offset: start) }
        let number = key >> 3
        guard number >= 1, number < (1 << 29) else { throw .invalidFieldNumber(number, offset: start) }
        pendingNumber = number
        pendingWire = wireType
        pendingValueOffset = offset
    }

    @usableFromInline
    mutating func readValue() throws(CodecError) -> WireValue {
        offset = pendingValueOffset
        switch pendingWire {
        case .varint:
            return .varint(try WireReading.varint(base, &offset))
        case .fixed64:
            guard base.count - offset >= 8 else { throw .truncated(offset: offset) }
            let value = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
            return .fixed64(value)
        case .bytes, .sealed:
            let slice = try WireReading.lengthDelimited(base, &offset)
            return pendingWire == .bytes ? .bytes(slice) : .sealed(slice)
        }
    }

    /// Skips stored fields numbered below `number`; tells whether the next one is `number`.
    @usableFromInline
    mutating func seek(_ number: UInt32) throws(CodecError) -> Bool {
        while !atEnd, pendingNumber < UInt64(number) {
            _ = try readValue()
            try readKey()
        }
        return !atEnd && pendingNumber == UInt64(number)
    }

    private mutating func take<T: FieldValue>(_ name: String) throws(CodecError) -> T {
        let wire = try readValue()
        let value: T
        do {
            value = try T.decodeValue(wire, depth: depth)
        } catch {
            throw Self.describe(error, type: messageName, field: name, expected: T.wireType)
        }
        try readKey()
        return value
    }

    @usableFromInline
    static func describe(_ error: FieldError, type: String, field: String, expected: WireType) -> CodecError {
        switch error {
        case .wrongWire(let found): return .wrongWireType(type: type, field: field, expected: expected, found: found)
        case .wrongJSON(let kind): return .wrongJSONKind(type: type, field: field, expected: kind)
        case .invalid(let reason): return .invalidValue(type: type, field: field, reason: reason)
        case .codec(let inner): return inner
        }
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) throws {
        guard try seek(number) else { throw CodecError.missingField(type: messageName, field: name) }
        value = try take(name)
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) throws {
        value = try seek(number) ? try take(name) as T : nil
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) throws {
        value.removeAll(keepingCapacity: true)
        while try seek(number) {
            value.append(try take(name))
        }
    }

    /// Walks the fields no schema field asked for, so damage after the last known field is
    /// still reported.
    @usableFromInline
    mutating func finish() throws(CodecError) {
        while !atEnd {
            _ = try readValue()
            try readKey()
        }
    }
}

/// Bounds-checked reads of the wire primitives.
enum WireReading {
    @inline(__always)
    static func varint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) throws(CodecError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw .truncated(offset: start) }
            let byte = bytes[offset]
            offset += 1
            if shift == 63, byte > 1 { throw .malformedVarint(offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            guard shift <= 63 else { throw .malformedVarint(offset: start) }
        }
    }

    static func lengthDelimited(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) throws(CodecError) -> UnsafeRawBufferPointer {
        let start = offset
        let length = try varint(bytes, &offset)
        guard length <= UInt64(bytes.count - offset) else { throw .truncated(offset: start) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))])
        offset += Int(length)
        return slice
    }
}

/// A growable byte buffer with the wire primitives.
@usableFromInline
struct ByteWriter: Sendable {
    @usableFromInline
    var bytes: [UInt8] = []

    @usableFromInline
    init() {}

    mutating func reserve(_ count: Int) { bytes.reserveCapacity(count) }

    @usableFromInline @inline(__always)
    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    @usableFromInline @inline(__always)
    mutating func key(_ number: UInt32, _ wire: WireType) {
        varint(UInt64(number) << 3 | UInt64(wire.rawValue))
    }

    mutating func lengthPrefixed<C: Collection>(_ content: C) where C.Element == UInt8 {
        varint(UInt64(content.count))
        bytes.append(contentsOf: content)
    }

    /// Writes `body`'s bytes preceded by their varint length.
    @usableFromInline
    mutating func lengthDelimited(_ body: (inout ByteWriter) -> Void) {
        let start = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - start - 1
        if length < 0x80 {
            bytes[start] = UInt8(length)
        } else {
            var prefix = ByteWriter()
            prefix.varint(UInt64(length))
            bytes.replaceSubrange(start..<(start + 1), with: prefix.bytes)
        }
    }
}

/// Zigzag maps signed to unsigned so small magnitudes stay short: 0, -1, 1, -2 → 0, 1, 2, 3.
enum ZigZag {
    @inline(__always) static func encode(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    @inline(__always) static func decode(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}

// MARK: - JSON

/// Writes fields as JSON object members; absent optionals are left out.
struct JSONFieldWriter: FieldVisitor {
    var members: [(String, JSONValue)] = []

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) {
        members.append((name, value.json))
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) {
        if let value { members.append((name, value.json)) }
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) {
        members.append((name, .array(value.map(\.json))))
    }
}

/// Reads fields from JSON object members; ``finish()`` refuses members no field consumed.
struct JSONFieldReader: FieldVisitor {
    let members: [(String, JSONValue)]
    let messageName: String
    private var consumed = 0
    private var consumedNames = Set<String>()

    init(members: [(String, JSONValue)], messageName: String) {
        self.members = members
        self.messageName = messageName
    }

    private mutating func member(_ name: String) -> JSONValue? {
        guard let match = members.first(where: { $0.0 == name }) else { return nil }
        consumed += 1
        consumedNames.insert(name)
        return match.1
    }

    private func read<T: FieldValue>(_ json: JSONValue, _ name: String) throws(CodecError) -> T {
        do {
            return try T.fromJSON(json)
        } catch {
            throw BinaryFieldDecoder.describe(error, type: messageName, field: name, expected: T.wireType)
        }
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) throws {
        guard let json = member(name), json != .null else { throw CodecError.missingField(type: messageName, field: name) }
        value = try read(json, name)
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) throws {
        guard let json = member(name), json != .null else {
            value = nil
            return
        }
        value = try read(json, name) as T
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) throws {
        guard let json = member(name), json != .null else {
            value = []
            return
        }
        guard case .array(let elements) = json else {
            throw CodecError.wrongJSONKind(type: messageName, field: name, expected: "an array")
        }
        value = []
        value.reserveCapacity(elements.count)
        for element in elements { value.append(try read(element, name)) }
    }

    /// Refuses members no field asked for (the JSON parser already refused duplicates).
    func finish() throws(CodecError) {
        guard consumed < members.count else { return }
        let unknown = members.first { !consumedNames.contains($0.0) }?.0 ?? "?"
        throw CodecError.unknownJSONField(type: messageName, field: unknown)
    }
}
