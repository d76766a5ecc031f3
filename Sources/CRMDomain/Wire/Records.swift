import Foundation

/// A value that can be a field of a ``RecordMessage``: the catalog's value types (`Int`,
/// `Bool`, `String`, `UUID`, ``Identifier``, ``Money``, ``CalendarDay``, ``PersonalText``, the
/// catalog enums), ``RecordEnum``s and nested ``RecordMessage``s.
public protocol RecordValue: Sendable {}

/// An enum stored as its `UInt8` raw value.
public protocol RecordEnum: RecordValue, RawRepresentable<UInt8>, CaseIterable {}

extension RecordEnum {
    static func fromRaw(_ raw: UInt8) -> (any RecordEnum)? { Self(rawValue: raw) }
    static var firstCase: any RecordEnum { allCases.first! }
    var rawByte: UInt8 { rawValue }
}

/// A record in the catalog's binary form — numbered tag–length–value fields that old readers
/// skip — for read models and app data that want the events' compact, versionable encoding.
///
/// Like a catalog event, a record lists its fields once, in ascending field-number order:
///
/// ```swift
/// struct Visit: RecordMessage {
///     var customer = CustomerID(UUID())
///     var day = CalendarDay(daysSince1970: 0)!
///     var notes: [String] = []
///     mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
///         try v.field(1, "customer", &customer)
///         try v.field(2, "day", &day)
///         try v.repeated(3, "notes", &notes)
///     }
/// }
/// ```
public protocol RecordMessage: RecordValue {
    /// An empty record the decoder fills in.
    init()
    /// Visits every field in ascending field-number order.
    mutating func visit<V: RecordVisitor>(_ visitor: inout V) throws
}

/// Walks the fields of a ``RecordMessage``.
public protocol RecordVisitor {
    /// A required field.
    mutating func field<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout T) throws
    /// An optional field, absent when `nil`.
    mutating func field<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout T?) throws
    /// A repeated field.
    mutating func repeated<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout [T]) throws
}

extension RecordMessage {
    /// The record's bytes.
    ///
    /// Inlinable, with the encoder below it, for the same reason as ``init(record:)``: the
    /// module declaring the record compiles the encode for its concrete field types.
    @inlinable
    public func encodedRecord() -> [UInt8] {
        var encoder = BinaryRecordEncoder()
        var copy = self
        try? copy.visit(&encoder)
        return encoder.writer.bytes
    }

    /// Decodes a record; damaged bytes give a ``CodecError``, never a trap.
    ///
    /// Inlinable, with the decoder below it, so that the module declaring the record compiles
    /// the decode for its concrete field types (no runtime metadata or conformance lookups per
    /// field).
    @inlinable
    public init(record bytes: [UInt8]) throws(CodecError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(CodecError) -> Self in try Self.decodeRecord(raw, depth: 0) }
        }
        self = try result.get()
    }

    @inlinable
    static func decodeRecord(_ raw: UnsafeRawBufferPointer, depth: Int) throws(CodecError) -> Self {
        guard depth <= maximumNestingDepth else { throw .nestingTooDeep(limit: maximumNestingDepth) }
        var decoder = BinaryRecordDecoder(inner: try BinaryFieldDecoder(raw, messageType: Self.self, depth: depth))
        var value = Self()
        do {
            try value.visit(&decoder)
            try decoder.inner.finish()
        } catch let error as CodecError {
            throw error
        } catch {
            throw .invalidValue(type: "\(Self.self)", field: "?", reason: "\(error)")
        }
        return value
    }
}

extension String: RecordValue, RecordFieldDecoding {}
extension Int: RecordValue, RecordFieldDecoding {}
extension Int64: RecordValue, RecordFieldDecoding {}
extension Double: RecordValue, RecordFieldDecoding {}
extension Bool: RecordValue, RecordFieldDecoding {}
extension UUID: RecordValue, RecordFieldDecoding {}
extension Identifier: RecordValue, RecordFieldDecoding {}
extension Money: RecordValue, RecordFieldDecoding {}
extension CalendarDay: RecordValue, RecordFieldDecoding {}
extension PersonalText: RecordValue, RecordFieldDecoding {}
extension Channel: RecordValue, RecordFieldDecoding {}
extension Direction: RecordValue, RecordFieldDecoding {}
extension CustomerKind: RecordValue, RecordFieldDecoding {}
extension BuyingRole: RecordValue, RecordFieldDecoding {}
extension LeadSource: RecordValue, RecordFieldDecoding {}
extension PipelineStage: RecordValue, RecordFieldDecoding {}
extension TicketPriority: RecordValue, RecordFieldDecoding {}
extension FeedbackKind: RecordValue, RecordFieldDecoding {}
extension CostActivity: RecordValue, RecordFieldDecoding {}
extension ConsentPurpose: RecordValue, RecordFieldDecoding {}
extension PaymentMethod: RecordValue, RecordFieldDecoding {}

/// The field types of records (``FieldValue``s) as the inlinable record decoder sees them:
/// one entry point it can name, so that a specialized decode calls the type's own decoder
/// through a statically known witness instead of looking the conformance up at run time.
@usableFromInline
protocol RecordFieldDecoding {
    static func decodeRecordField(_ wire: WireValue, depth: Int) throws(FieldError) -> Self
    /// Writes key and value (the inlinable record encoder's entry point).
    func encodeRecordField(_ number: UInt32, into writer: inout ByteWriter)
}

extension RecordFieldDecoding where Self: FieldValue {
    @usableFromInline
    static func decodeRecordField(_ wire: WireValue, depth: Int) throws(FieldError) -> Self {
        try decodeValue(wire, depth: depth)
    }

    @usableFromInline
    func encodeRecordField(_ number: UInt32, into writer: inout ByteWriter) {
        encodeField(number, into: &writer)
    }
}

/// Carries a ``RecordValue`` through the internal field codec.
struct RecordBox<T: RecordValue>: FieldValue {
    var value: T

    static var wireType: WireType {
        if let field = T.self as? any FieldValue.Type { return field.wireType }
        return T.self is any RecordEnum.Type ? .varint : .bytes
    }

    static var placeholder: RecordBox<T> {
        if let field = T.self as? any FieldValue.Type { return RecordBox(value: field.placeholder as! T) }
        if let record = T.self as? any RecordMessage.Type { return RecordBox(value: record.init() as! T) }
        return RecordBox(value: (T.self as! any RecordEnum.Type).firstCase as! T)
    }

    func encodeValue(into writer: inout ByteWriter) {
        switch value {
        case let field as any FieldValue: field.encodeValue(into: &writer)
        case let record as any RecordMessage:
            writer.lengthDelimited { writer in
                var adapter = RecordAdapter(inner: BinaryFieldEncoder(writer: writer))
                var copy = record
                try? copy.visit(&adapter)
                writer = adapter.inner.writer
            }
        case let enumValue as any RecordEnum: writer.varint(UInt64(enumValue.rawByte))
        default: break
        }
    }

    func encodeField(_ number: UInt32, into writer: inout ByteWriter) {
        if let field = value as? any FieldValue {
            field.encodeField(number, into: &writer)
        } else {
            writer.key(number, Self.wireType)
            encodeValue(into: &writer)
        }
    }

    static func decodeValue(_ wire: WireValue, depth: Int) throws(FieldError) -> RecordBox<T> {
        if let field = T.self as? any FieldValue.Type {
            return RecordBox(value: try field.decodeValue(wire, depth: depth) as! T)
        }
        if let record = T.self as? any RecordMessage.Type {
            guard case .bytes(let bytes) = wire else { throw .wrongWire(wire.wireType) }
            do { return RecordBox(value: try record.decodeRecord(bytes, depth: depth + 1) as! T) } catch { throw .codec(error) }
        }
        guard case .varint(let raw) = wire else { throw .wrongWire(wire.wireType) }
        guard raw <= UInt64(UInt8.max), let value = (T.self as! any RecordEnum.Type).fromRaw(UInt8(raw)) else {
            throw .invalid("\(raw) is not a known \(T.self) case")
        }
        return RecordBox(value: value as! T)
    }

    var json: JSONValue { .null }
    static func fromJSON(_ json: JSONValue) throws(FieldError) -> RecordBox<T> { throw .wrongJSON(expected: "binary records only") }
}

/// Lets a field-codec visitor walk a ``RecordMessage``.
struct RecordAdapter<Inner: FieldVisitor>: RecordVisitor {
    var inner: Inner

    mutating func field<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout T) throws {
        var box = RecordBox(value: value)
        try inner.field(number, name, &box)
        value = box.value
    }

    mutating func field<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout T?) throws {
        var box = value.map { RecordBox(value: $0) }
        try inner.field(number, name, &box)
        value = box?.value
    }

    mutating func repeated<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout [T]) throws {
        var boxes = value.map { RecordBox(value: $0) }
        try inner.repeated(number, name, &boxes)
        value = boxes.map(\.value)
    }
}

/// Reads a ``RecordMessage``'s fields straight from the binary form, each value as its own
/// type. Decoding through ``RecordAdapter`` and ``RecordBox`` instead made the runtime
/// instantiate `RecordBox<T>`, `Optional<RecordBox<T>>` and `[RecordBox<T>]` metadata and cast
/// every value back to `T`, for every field of every record: about half the time of reading a
/// customer-360 record (see docs/benchmarks.md, "Projections (issue 4)").
@usableFromInline
struct BinaryRecordDecoder: RecordVisitor {
    @usableFromInline
    var inner: BinaryFieldDecoder

    @inlinable
    init(inner: BinaryFieldDecoder) { self.inner = inner }

    @inlinable
    mutating func field<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout T) throws {
        guard try inner.seek(number) else { throw CodecError.missingField(type: inner.messageName, field: name) }
        value = try inner.takeRecordValue(name)
    }

    @inlinable
    mutating func field<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout T?) throws {
        value = try inner.seek(number) ? try inner.takeRecordValue(name) as T : nil
    }

    @inlinable
    mutating func repeated<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout [T]) throws {
        value.removeAll(keepingCapacity: true)
        while try inner.seek(number) {
            value.append(try inner.takeRecordValue(name))
        }
    }
}

extension BinaryFieldDecoder {
    /// Reads the pending field's value as a `T` and moves to the next field; errors read as
    /// those of the ``RecordBox`` path.
    @inlinable
    mutating func takeRecordValue<T: RecordValue>(_ name: String) throws(CodecError) -> T {
        let wire = try readValue()
        let value: T
        do {
            value = try RecordValueDecoding.decode(T.self, wire, depth: depth)
        } catch {
            throw Self.describe(error, type: messageName, field: name, expected: RecordValueDecoding.wireType(of: T.self))
        }
        try readKey()
        return value
    }
}

/// Decodes one ``RecordValue`` the way ``RecordBox/decodeValue(_:depth:)`` does, without the box.
///
/// Inlinable: specialized for a concrete `T`, the casts below fold away and each branch calls
/// the value's own decoder directly.
@usableFromInline
enum RecordValueDecoding {
    @inlinable
    static func decode<T: RecordValue>(_: T.Type, _ wire: WireValue, depth: Int) throws(FieldError) -> T {
        if let field = T.self as? any RecordFieldDecoding.Type { return try decodeField(field, as: T.self, wire, depth: depth) }
        if let record = T.self as? any RecordMessage.Type {
            guard case .bytes(let bytes) = wire else { throw .wrongWire(wire.wireType) }
            do { return try decodeRecord(record, as: T.self, bytes, depth: depth + 1) } catch { throw .codec(error) }
        }
        guard case .varint(let raw) = wire else { throw .wrongWire(wire.wireType) }
        guard let enumType = T.self as? any RecordEnum.Type else { throw .invalid("\(T.self) is not a record value") }
        guard raw <= UInt64(UInt8.max), let value = decodeEnum(enumType, as: T.self, UInt8(raw)) else {
            throw .invalid("\(raw) is not a known \(T.self) case")
        }
        return value
    }

    /// The wire type a `type` value is stored with (for error messages).
    @usableFromInline
    static func wireType(of type: Any.Type) -> WireType {
        if let field = type as? any FieldValue.Type { return field.wireType }
        return type is any RecordEnum.Type ? .varint : .bytes
    }

    // `F`, `R` and `E` are `T` itself (the casts above succeeded on `T.self`), so each
    // `unsafeBitCast` is an identity.
    @inlinable
    static func decodeField<F: RecordFieldDecoding, T>(_: F.Type, as _: T.Type, _ wire: WireValue, depth: Int) throws(FieldError) -> T {
        unsafeBitCast(try F.decodeRecordField(wire, depth: depth), to: T.self)
    }

    @inlinable
    static func decodeRecord<R: RecordMessage, T>(_: R.Type, as _: T.Type, _ bytes: UnsafeRawBufferPointer,
                                                  depth: Int) throws(CodecError) -> T {
        unsafeBitCast(try R.decodeRecord(bytes, depth: depth), to: T.self)
    }

    @inlinable
    static func decodeEnum<E: RecordEnum, T>(_: E.Type, as _: T.Type, _ raw: UInt8) -> T? {
        E(rawValue: raw).map { unsafeBitCast($0, to: T.self) }
    }
}

/// Writes a ``RecordMessage``'s fields in the binary form, each value as its own type: the same
/// bytes as ``RecordAdapter`` over ``BinaryFieldEncoder``, without boxing every value in a
/// ``RecordBox``, copying every repeated field twice and casting at run time (the live path's
/// state writes spent most of their time there; docs/benchmarks.md, "Live path").
@usableFromInline
struct BinaryRecordEncoder: RecordVisitor {
    @usableFromInline
    var writer = ByteWriter()

    @inlinable
    init() {}

    @inlinable
    mutating func field<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout T) {
        RecordValueEncoding.encode(value, number, into: &writer)
    }

    @inlinable
    mutating func field<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout T?) {
        if let value { RecordValueEncoding.encode(value, number, into: &writer) }
    }

    @inlinable
    mutating func repeated<T: RecordValue>(_ number: UInt32, _ name: String, _ value: inout [T]) {
        for element in value { RecordValueEncoding.encode(element, number, into: &writer) }
    }
}

/// Encodes one ``RecordValue`` (key and value) the way ``RecordBox/encodeField(_:into:)`` does,
/// without the box. Inlinable: specialized for a concrete `T`, the casts fold away.
@usableFromInline
enum RecordValueEncoding {
    @inlinable
    static func encode<T: RecordValue>(_ value: T, _ number: UInt32, into writer: inout ByteWriter) {
        if let field = T.self as? any RecordFieldDecoding.Type {
            encodeField(field, value, number, into: &writer)
        } else if let record = T.self as? any RecordMessage.Type {
            encodeRecord(record, value, number, into: &writer)
        } else if let enumType = T.self as? any RecordEnum.Type {
            encodeEnum(enumType, value, number, into: &writer)
        }
    }

    // `F`, `R` and `E` are `T` itself (the casts above succeeded on `T.self`), so each
    // `unsafeBitCast` is an identity.
    @inlinable
    static func encodeField<F: RecordFieldDecoding, T>(_: F.Type, _ value: T, _ number: UInt32, into writer: inout ByteWriter) {
        unsafeBitCast(value, to: F.self).encodeRecordField(number, into: &writer)
    }

    @inlinable
    static func encodeRecord<R: RecordMessage, T>(_: R.Type, _ value: T, _ number: UInt32, into writer: inout ByteWriter) {
        var record = unsafeBitCast(value, to: R.self)
        writer.key(number, .bytes)
        writer.lengthDelimited { outer in
            // Moves the buffer in and out (no copy of what was written before).
            var encoder = BinaryRecordEncoder()
            swap(&encoder.writer, &outer)
            try? record.visit(&encoder)
            swap(&encoder.writer, &outer)
        }
    }

    @inlinable
    static func encodeEnum<E: RecordEnum, T>(_: E.Type, _ value: T, _ number: UInt32, into writer: inout ByteWriter) {
        writer.key(number, .varint)
        writer.varint(UInt64(unsafeBitCast(value, to: E.self).rawValue))
    }
}
