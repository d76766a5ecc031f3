import Crypto
import Foundation

/// The byte layout of one log record (format version 1); `docs/log-format.md` is the reference.
///
/// All integers are little-endian. The record ends with a SHA-256 over the previous record's
/// hash followed by every byte of this record before the hash.
package enum RecordFormat {
    package static let version: UInt8 = 1
    package static let headerSize = 100
    package static let hashSize = 32

    // Field offsets. Everything a reader needs to slice the record (the lengths) sits in the
    // first 16 bytes, so validating a record touches one cache line.
    static let versionOffset = 0
    static let flagsOffset = 1
    static let streamLengthOffset = 2
    static let typeLengthOffset = 4
    static let actorLengthOffset = 6
    static let payloadLengthOffset = 8
    static let schemaVersionOffset = 12
    static let positionOffset = 16
    static let streamVersionOffset = 24
    package static let recordedAtOffset = 32
    static let occurredAtOffset = 40
    static let idOffset = 48
    static let correlationOffset = 64
    static let causationOffset = 80
    static let reservedOffset = 96

    static let hasCorrelation: UInt8 = 1
    static let hasCausation: UInt8 = 2

    /// The genesis "previous hash": 32 zero bytes.
    package static let genesisHash = [UInt8](repeating: 0, count: hashSize)

    static func size(streamLength: Int, typeLength: Int, actorLength: Int, payloadLength: Int) -> Int {
        headerSize + streamLength + typeLength + actorLength + payloadLength + hashSize
    }

    /// The length of the record starting at the beginning of `bytes`, read from its header, or
    /// `nil` when `bytes` is shorter than a header: lets a reader split records laid end to end.
    package static func recordLength(startingAt bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= headerSize else { return nil }
        func field<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> Int {
            Int(T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self)))
        }
        return size(streamLength: field(streamLengthOffset, UInt16.self), typeLength: field(typeLengthOffset, UInt16.self),
                    actorLength: field(actorLengthOffset, UInt16.self), payloadLength: field(payloadLengthOffset, UInt32.self))
    }
}

/// The fields of one event as they will be encoded: UTF-8 views prepared once, before the
/// write transaction.
package struct EncodableEvent: Sendable {
    package let event: NewEvent
    package let stream: [UInt8]
    package let type: [UInt8]
    package let actor: [UInt8]
    package let occurredAtMicros: Int64

    package var encodedSize: Int {
        RecordFormat.size(streamLength: stream.count, typeLength: type.count, actorLength: actor.count, payloadLength: event.payload.count)
    }

    /// Writes the record body (everything before the hash) and then the hash into `buffer`.
    package func encode(
        into buffer: UnsafeMutableRawBufferPointer, position: UInt64, streamVersion: UInt64,
        recordedAtMicros: Int64, previousHash: UnsafeRawBufferPointer
    ) {
        buffer.storeBytes(of: RecordFormat.version, toByteOffset: RecordFormat.versionOffset, as: UInt8.self)
        var flags: UInt8 = 0
        if event.correlationID != nil { flags |= RecordFormat.hasCorrelation }
        if event.causationID != nil { flags |= RecordFormat.hasCausation }
        buffer.storeBytes(of: flags, toByteOffset: RecordFormat.flagsOffset, as: UInt8.self)
        buffer.storeBytes(of: event.schemaVersion.littleEndian, toByteOffset: RecordFormat.schemaVersionOffset, as: UInt32.self)
        buffer.storeBytes(of: position.littleEndian, toByteOffset: RecordFormat.positionOffset, as: UInt64.self)
        buffer.storeBytes(of: streamVersion.littleEndian, toByteOffset: RecordFormat.streamVersionOffset, as: UInt64.self)
        buffer.storeBytes(of: recordedAtMicros.littleEndian, toByteOffset: RecordFormat.recordedAtOffset, as: Int64.self)
        buffer.storeBytes(of: occurredAtMicros.littleEndian, toByteOffset: RecordFormat.occurredAtOffset, as: Int64.self)
        storeUUID(event.id, into: buffer, at: RecordFormat.idOffset)
        storeUUID(event.correlationID, into: buffer, at: RecordFormat.correlationOffset)
        storeUUID(event.causationID, into: buffer, at: RecordFormat.causationOffset)
        buffer.storeBytes(of: UInt16(stream.count).littleEndian, toByteOffset: RecordFormat.streamLengthOffset, as: UInt16.self)
        buffer.storeBytes(of: UInt16(type.count).littleEndian, toByteOffset: RecordFormat.typeLengthOffset, as: UInt16.self)
        buffer.storeBytes(of: UInt16(actor.count).littleEndian, toByteOffset: RecordFormat.actorLengthOffset, as: UInt16.self)
        buffer.storeBytes(of: UInt32(0), toByteOffset: RecordFormat.reservedOffset, as: UInt32.self)
        buffer.storeBytes(of: UInt32(event.payload.count).littleEndian, toByteOffset: RecordFormat.payloadLengthOffset, as: UInt32.self)
        var offset = RecordFormat.headerSize
        copy(stream, into: buffer, at: &offset)
        copy(type, into: buffer, at: &offset)
        copy(actor, into: buffer, at: &offset)
        copy(event.payload, into: buffer, at: &offset)
        let body = UnsafeRawBufferPointer(rebasing: buffer[..<offset])
        var hasher = SHA256()
        hasher.update(bufferPointer: previousHash)
        hasher.update(bufferPointer: body)
        let digest = hasher.finalize()
        digest.withUnsafeBytes { hash in
            UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]).copyMemory(from: hash)
        }
    }

    @inline(__always)
    private func copy(_ bytes: [UInt8], into buffer: UnsafeMutableRawBufferPointer, at offset: inout Int) {
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + source.count)]).copyMemory(from: source)
        }
        offset += bytes.count
    }

    @inline(__always)
    private func storeUUID(_ id: UUID?, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        var value = id?.uuid ?? (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeBytes(of: &value) { source in
            UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + 16)]).copyMemory(from: source)
        }
    }
}

/// Converts dates to and from the log's microseconds since 1970-01-01T00:00:00Z: the precision
/// and rounding every stored time goes through.
///
/// `Date` holds seconds since 2001 as a `Double`; the conversion works relative to 2001 so that
/// `from(date(m)) == m` holds exactly for every microsecond of the years 1930–2072 (outside
/// them a `Date` may be a microsecond off; the stored value is exact either way).
public enum Micros {
    /// 2001-01-01T00:00:00Z in microseconds since 1970.
    static let referenceOffset: Int64 = 978_307_200_000_000

    /// The stored form of `date`: microseconds since 1970, rounded to the nearest.
    @inline(__always)
    public static func from(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSinceReferenceDate * 1_000_000).rounded()) &+ referenceOffset
    }

    /// The date a stored time stands for.
    @inline(__always)
    public static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(micros &- referenceOffset) / 1_000_000)
    }

    package static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }
}

/// A zero-copy view of one stored record. Valid only while the bytes it views are (inside the
/// read transaction that produced them).
public struct RecordView {
    /// The record's bytes, hash included.
    public let bytes: UnsafeRawBufferPointer

    /// Checks that `bytes` is a well-formed version-1 record and wraps it.
    ///
    /// - Throws: ``EventLogError/corruptRecord(position:reason:)`` naming what is malformed.
    public init(validating bytes: UnsafeRawBufferPointer, at position: UInt64) throws(EventLogError) {
        guard bytes.count >= RecordFormat.headerSize + RecordFormat.hashSize else {
            throw .corruptRecord(position: position, reason: "record is \(bytes.count) bytes, shorter than the fixed header and hash")
        }
        guard bytes[0] == RecordFormat.version else {
            throw .corruptRecord(position: position, reason: "unknown record format version \(bytes[0])")
        }
        self.bytes = bytes
        let expected = RecordFormat.size(
            streamLength: Int(streamLength), typeLength: Int(typeLength), actorLength: Int(actorLength),
            payloadLength: Int(payloadLength))
        guard expected == bytes.count else {
            throw .corruptRecord(position: position, reason: "field lengths add up to \(expected) bytes but the record has \(bytes.count)")
        }
    }

    @inline(__always) private func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    private var streamLength: UInt16 { load(RecordFormat.streamLengthOffset, UInt16.self) }
    private var typeLength: UInt16 { load(RecordFormat.typeLengthOffset, UInt16.self) }
    private var actorLength: UInt16 { load(RecordFormat.actorLengthOffset, UInt16.self) }
    private var payloadLength: UInt32 { load(RecordFormat.payloadLengthOffset, UInt32.self) }
    private var flags: UInt8 { bytes[RecordFormat.flagsOffset] }

    /// The global position written inside the record.
    public var position: UInt64 { load(RecordFormat.positionOffset, UInt64.self) }
    /// The version inside the stream.
    public var streamVersion: UInt64 { load(RecordFormat.streamVersionOffset, UInt64.self) }
    /// The payload schema version.
    public var schemaVersion: UInt32 { load(RecordFormat.schemaVersionOffset, UInt32.self) }
    /// Recorded time in microseconds since 1970.
    public var recordedAtMicros: Int64 { load(RecordFormat.recordedAtOffset, Int64.self) }
    /// Business time in microseconds since 1970.
    public var occurredAtMicros: Int64 { load(RecordFormat.occurredAtOffset, Int64.self) }

    /// The stream name's UTF-8 bytes.
    public var streamBytes: UnsafeRawBufferPointer { slice(RecordFormat.headerSize, Int(streamLength)) }
    /// The event type's UTF-8 bytes.
    public var typeBytes: UnsafeRawBufferPointer { slice(RecordFormat.headerSize + Int(streamLength), Int(typeLength)) }
    /// The actor's UTF-8 bytes.
    public var actorBytes: UnsafeRawBufferPointer {
        slice(RecordFormat.headerSize + Int(streamLength) + Int(typeLength), Int(actorLength))
    }
    /// The payload bytes.
    public var payloadBytes: UnsafeRawBufferPointer {
        slice(RecordFormat.headerSize + Int(streamLength) + Int(typeLength) + Int(actorLength), Int(payloadLength))
    }
    /// Every byte the hash covers (the record without its trailing hash).
    public var body: UnsafeRawBufferPointer { slice(0, bytes.count - RecordFormat.hashSize) }
    /// The stored SHA-256 chain hash.
    public var hash: UnsafeRawBufferPointer { slice(bytes.count - RecordFormat.hashSize, RecordFormat.hashSize) }
    /// The event id's 16 bytes.
    public var idBytes: UnsafeRawBufferPointer { slice(RecordFormat.idOffset, 16) }

    @inline(__always) private func slice(_ start: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)])
    }

    private func uuid(at offset: Int) -> UUID {
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: slice(offset, 16)) }
        return UUID(uuid: value)
    }

    /// The event id.
    public var id: UUID { uuid(at: RecordFormat.idOffset) }
    /// The correlation id, when present.
    public var correlationID: UUID? { flags & RecordFormat.hasCorrelation != 0 ? uuid(at: RecordFormat.correlationOffset) : nil }
    /// The causation id, when present.
    public var causationID: UUID? { flags & RecordFormat.hasCausation != 0 ? uuid(at: RecordFormat.causationOffset) : nil }

    /// An owned copy of the record.
    public func decoded() -> RecordedEvent {
        RecordedEvent(
            position: position,
            stream: String(decoding: streamBytes, as: UTF8.self),
            streamVersion: streamVersion,
            id: id,
            type: String(decoding: typeBytes, as: UTF8.self),
            schemaVersion: schemaVersion,
            occurredAt: Micros.date(occurredAtMicros),
            recordedAt: Micros.date(recordedAtMicros),
            actor: String(decoding: actorBytes, as: UTF8.self),
            correlationID: correlationID,
            causationID: causationID,
            payload: Array(payloadBytes))
    }

    /// Whether this record holds the same content as `event` appended to `stream` (everything
    /// the caller chose; not what the log assigned).
    package func hasSameContent(as event: EncodableEvent) -> Bool {
        streamBytes.elementsEqual(event.stream)
            && typeBytes.elementsEqual(event.type)
            && actorBytes.elementsEqual(event.actor)
            && schemaVersion == event.event.schemaVersion
            && occurredAtMicros == event.occurredAtMicros
            && correlationID == event.event.correlationID
            && causationID == event.event.causationID
            && event.event.payload.withUnsafeBytes { payloadBytes.elementsEqual($0) }
    }
}
