/// A payload as its raw fields, for upcasters to rewrite before the current type decodes it.
struct PayloadFields {
    struct Field {
        var number: UInt32
        var wire: WireType
        /// For varint fields the varint value; otherwise unused.
        var varint: UInt64
        /// For bytes, sealed and fixed64 fields the value bytes (without a length prefix).
        var bytes: [UInt8]
    }

    var fields: [Field]

    init(_ payload: UnsafeRawBufferPointer) throws(CodecError) {
        fields = []
        var offset = 0
        while offset < payload.count {
            let start = offset
            let key = try WireReading.varint(payload, &offset)
            guard let wire = WireType(rawValue: UInt8(key & 7)) else { throw .unknownWireType(UInt8(key & 7), offset: start) }
            let number = key >> 3
            guard number >= 1, number < (1 << 29) else { throw .invalidFieldNumber(number, offset: start) }
            switch wire {
            case .varint:
                fields.append(Field(number: UInt32(number), wire: wire, varint: try WireReading.varint(payload, &offset), bytes: []))
            case .fixed64:
                guard payload.count - offset >= 8 else { throw .truncated(offset: offset) }
                fields.append(Field(number: UInt32(number), wire: wire, varint: 0, bytes: Array(payload[offset..<(offset + 8)])))
                offset += 8
            case .bytes, .sealed:
                let slice = try WireReading.lengthDelimited(payload, &offset)
                fields.append(Field(number: UInt32(number), wire: wire, varint: 0, bytes: Array(slice)))
            }
        }
    }

    /// The first field numbered `number`.
    func first(_ number: UInt32) -> Field? { fields.first { $0.number == number } }

    mutating func remove(_ number: UInt32) { fields.removeAll { $0.number == number } }

    /// Replaces every field numbered `number` with `field`, keeping ascending order.
    mutating func set(_ field: Field) {
        remove(field.number)
        let index = fields.firstIndex { $0.number > field.number } ?? fields.count
        fields.insert(field, at: index)
    }

    /// The payload bytes, fields in their current order.
    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        for field in fields {
            writer.key(field.number, field.wire)
            switch field.wire {
            case .varint: writer.varint(field.varint)
            case .fixed64: writer.bytes.append(contentsOf: field.bytes)
            case .bytes, .sealed: writer.lengthPrefixed(field.bytes)
            }
        }
        return writer.bytes
    }
}

/// One step from a schema version to the next.
struct Upcaster: Sendable {
    let eventType: String
    let fromVersion: UInt32
    let transform: @Sendable (inout PayloadFields) throws(CodecError) -> Void
}

/// The catalog's upcasters: every schema change of a catalog type adds a step here, and a
/// golden-bytes test keeps a payload of the old version.
enum Upcasters {
    static let steps: [Upcaster] = [
        // CustomerRegistered v1 → v2: `isCompany` (2, varint 0/1) became `kind` (2, varint:
        // 1 person, 2 account).
        Upcaster(eventType: CustomerRegistered.eventType, fromVersion: 1) { fields throws(CodecError) in
            guard let flag = fields.first(2), flag.wire == .varint, flag.varint <= 1 else {
                throw .upcastFailed(type: CustomerRegistered.eventType, fromVersion: 1, reason: "isCompany (field 2) is missing or not 0/1")
            }
            let kind: CustomerKind = flag.varint == 1 ? .account : .person
            fields.set(.init(number: 2, wire: .varint, varint: UInt64(kind.rawValue), bytes: []))
        },
        // OpportunityOpened v1 → v2: `expectedRevenueMinor` (4, zigzag varint) and `currency`
        // (5, text) became one Money in field 4.
        Upcaster(eventType: OpportunityOpened.eventType, fromVersion: 1) { fields throws(CodecError) in
            guard let amount = fields.first(4), amount.wire == .varint,
                  let currency = fields.first(5), currency.wire == .bytes, CurrencyCode.isValid(currency.bytes)
            else {
                throw .upcastFailed(type: OpportunityOpened.eventType, fromVersion: 1,
                                    reason: "expectedRevenueMinor (4) or currency (5) is missing or invalid")
            }
            var money = ByteWriter()
            money.bytes.append(contentsOf: currency.bytes)
            money.varint(amount.varint)
            fields.remove(5)
            fields.set(.init(number: 4, wire: .bytes, varint: 0, bytes: money.bytes))
        },
    ]

    /// Rewrites `payload` of `eventType` from schema version `from` up to `to`.
    static func upcast(eventType: String, from: UInt32, to: UInt32, payload: UnsafeRawBufferPointer) throws(CodecError) -> [UInt8] {
        var fields = try PayloadFields(payload)
        var version = from
        while version < to {
            guard let step = steps.first(where: { $0.eventType == eventType && $0.fromVersion == version }) else {
                throw .unsupportedSchemaVersion(type: eventType, version: from, current: to)
            }
            try step.transform(&fields)
            version += 1
        }
        return fields.encoded()
    }
}
