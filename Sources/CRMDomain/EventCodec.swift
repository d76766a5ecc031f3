import CRMEventLog
import Foundation

/// An event type an embedding app defines beside the catalog's, e.g. a loyalty-points booking.
///
/// Extension events are `Codable`; their payload in the log is the JSON of the value (sorted
/// keys). Register the type with ``EventRegistry/register(_:)`` before appending or reading it.
public protocol ExtensionEvent: Codable, Sendable, Hashable {
    /// The type name stored in the log. Must not be a catalog type name.
    static var eventType: String { get }
    /// The payload's schema version (default 1).
    static var schemaVersion: UInt32 { get }
}

extension ExtensionEvent {
    /// Schema version 1.
    public static var schemaVersion: UInt32 { 1 }
}

/// A decoded extension event with its type name and stored JSON payload.
public struct ExtensionEventValue: Sendable, Hashable {
    /// The type name.
    public let eventType: String
    /// The stored schema version.
    public let schemaVersion: UInt32
    /// The decoded value.
    public let value: any ExtensionEvent
    /// The payload bytes as stored (UTF-8 JSON).
    public let payload: [UInt8]

    /// Wraps a value for appending.
    public init<E: ExtensionEvent>(_ value: E) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.init(eventType: E.eventType, schemaVersion: E.schemaVersion, value: value, payload: Array(try encoder.encode(value)))
    }

    init(eventType: String, schemaVersion: UInt32, value: any ExtensionEvent, payload: [UInt8]) {
        self.eventType = eventType
        self.schemaVersion = schemaVersion
        self.value = value
        self.payload = payload
    }

    /// The value as `type`, or `nil` when it is another type.
    public func `as`<E: ExtensionEvent>(_ type: E.Type) -> E? { value as? E }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.eventType == rhs.eventType && lhs.schemaVersion == rhs.schemaVersion && lhs.payload == rhs.payload
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(eventType)
        hasher.combine(payload)
    }
}

/// An event of a type this reader does not know, kept with its raw bytes.
public struct UnknownEvent: Sendable, Hashable {
    /// The stored type name.
    public let eventType: String
    /// The stored schema version.
    public let schemaVersion: UInt32
    /// The payload bytes as stored.
    public let payload: [UInt8]

    /// Creates an unknown event (e.g. to re-append it unchanged).
    public init(eventType: String, schemaVersion: UInt32, payload: [UInt8]) {
        self.eventType = eventType
        self.schemaVersion = schemaVersion
        self.payload = payload
    }
}

/// Why an event type could not be registered.
public enum RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The name is a catalog type's or already registered.
    case duplicateEventType(String)
    /// The name is empty or longer than the log allows (256 bytes).
    case invalidEventType(String)

    public var description: String {
        switch self {
        case .duplicateEventType(let name): return "event type '\(name)' is already defined (catalog or registered extension)"
        case .invalidEventType(let name): return "event type '\(name)' must be 1…256 bytes of UTF-8"
        }
    }
}

/// The event types a reader knows: the whole catalog, the catalog's upcasters, and the
/// extension types an app registered.
///
/// Decoding never traps: a known type decodes or throws a ``CodecError``; an unknown type comes
/// back as ``DomainEvent/unknown(_:)``.
public struct EventRegistry: Sendable {
    typealias ExtensionDecoder = @Sendable ([UInt8]) throws -> any ExtensionEvent
    private var extensions: [String: ExtensionDecoder] = [:]

    /// The catalog only.
    public init() {}

    /// Registers an extension event type.
    public mutating func register<E: ExtensionEvent>(_ type: E.Type) throws(RegistryError) {
        let name = E.eventType
        guard !name.isEmpty, name.utf8.count <= 256 else { throw .invalidEventType(name) }
        guard CatalogIndex.index(ofName: name) == nil, extensions[name] == nil else { throw .duplicateEventType(name) }
        extensions[name] = { bytes in try JSONDecoder().decode(E.self, from: Data(bytes)) }
    }

    /// Whether `eventType` is a catalog or registered extension type.
    public func knows(_ eventType: String) -> Bool {
        CatalogIndex.index(ofName: eventType) != nil || extensions[eventType] != nil
    }

    // MARK: Decoding

    typealias CatalogDecoder = @Sendable (UnsafeRawBufferPointer) throws -> DomainEvent

    private static func decoder<T: CatalogMessage>(for _: T.Type) -> CatalogDecoder {
        { bytes in wrap(try T.decode(payload: bytes)) }
    }

    /// Moves a decoded event into its ``DomainEvent`` case without copying it.
    @inline(__always)
    private static func wrap<T: CatalogMessage>(_ event: consuming T) -> DomainEvent { event.domainEvent }

    /// One decoder per catalog type, in catalog order. Written out type by type so each is
    /// specialized for its type (a loop over `CatalogTypes.all` would decode through the
    /// runtime's generic paths, about half as fast).
    static let specializedDecoders: [CatalogDecoder] = [
        decoder(for: CustomerRegistered.self),
        decoder(for: CustomerDetailsChanged.self),
        decoder(for: CustomersMerged.self),
        decoder(for: ContactAdded.self),
        decoder(for: ContactRoleChanged.self),
        decoder(for: ContactRemoved.self),
        decoder(for: AccountManagerAssigned.self),
        decoder(for: CostToServeBooked.self),
        decoder(for: InteractionRecorded.self),
        decoder(for: ConsentGiven.self),
        decoder(for: ConsentWithdrawn.self),
        decoder(for: ErasureRequested.self),
        decoder(for: FeedbackReceived.self),
        decoder(for: NPSAnswered.self),
        decoder(for: PersonalDataErased.self),
        decoder(for: CampaignPlanned.self),
        decoder(for: CampaignLaunched.self),
        decoder(for: CampaignCostBooked.self),
        decoder(for: CampaignClosed.self),
        decoder(for: LeadCaptured.self),
        decoder(for: LeadAttributesRecorded.self),
        decoder(for: LeadQualified.self),
        decoder(for: LeadDisqualified.self),
        decoder(for: LeadHandedOver.self),
        decoder(for: LeadConverted.self),
        decoder(for: OpportunityOpened.self),
        decoder(for: OpportunityStageChanged.self),
        decoder(for: OpportunityAmountChanged.self),
        decoder(for: OpportunityCloseDateChanged.self),
        decoder(for: OpportunityProbabilityChanged.self),
        decoder(for: OpportunityWon.self),
        decoder(for: OpportunityLost.self),
        decoder(for: QuoteDrafted.self),
        decoder(for: QuoteApproved.self),
        decoder(for: QuoteSent.self),
        decoder(for: QuoteAccepted.self),
        decoder(for: QuoteRejected.self),
        decoder(for: QuoteExpired.self),
        decoder(for: ContractSigned.self),
        decoder(for: ContractRenewed.self),
        decoder(for: ContractTerminated.self),
        decoder(for: OrderPlaced.self),
        decoder(for: OrderShipped.self),
        decoder(for: OrderDelivered.self),
        decoder(for: OrderCancelled.self),
        decoder(for: OrderReturned.self),
        decoder(for: InvoiceIssued.self),
        decoder(for: PaymentReceived.self),
        decoder(for: InvoiceOverdue.self),
        decoder(for: TicketOpened.self),
        decoder(for: TicketAssigned.self),
        decoder(for: TicketFirstResponseGiven.self),
        decoder(for: TicketCustomerReplied.self),
        decoder(for: TicketEscalated.self),
        decoder(for: TicketResolved.self),
        decoder(for: TicketReopened.self),
        decoder(for: TicketClosed.self),
        decoder(for: EmployeeJoined.self),
        decoder(for: EmployeeLeft.self),
        decoder(for: TrainingCompleted.self),
        decoder(for: EmployeeSurveyAnswered.self),
        decoder(for: TaskCreated.self),
        decoder(for: TaskCompleted.self),
        decoder(for: ReactionSuppressed.self),
        decoder(for: PolicyActivated.self),
    ]

    /// Runs a catalog decoder, whose only errors are ``CodecError``s.
    static func run(_ decoder: CatalogDecoder, _ bytes: UnsafeRawBufferPointer) throws(CodecError) -> DomainEvent {
        do {
            return try decoder(bytes)
        } catch let error as CodecError {
            throw error
        } catch {
            throw .invalidValue(type: "?", field: "?", reason: "\(error)")
        }
    }

    /// Decodes one stored event.
    public func decode(_ event: RecordedEvent) throws(CodecError) -> DomainEvent {
        try withBytes(event.payload) { bytes throws(CodecError) in
            try decode(eventType: event.type, schemaVersion: event.schemaVersion, payload: bytes)
        }
    }

    /// Decodes a payload of `eventType` stored with `schemaVersion`, upcasting older versions.
    public func decode(eventType: String, schemaVersion: UInt32, payload: UnsafeRawBufferPointer) throws(CodecError) -> DomainEvent {
        if let index = CatalogIndex.index(ofName: eventType) {
            let decoder = CatalogIndex.decoders[index]
            let current = CatalogIndex.versions[index]
            if schemaVersion >= current {
                // Newer versions only add fields, which this reader skips.
                return try Self.run(decoder, payload)
            }
            let upcast = try Upcasters.upcast(eventType: eventType, from: schemaVersion, to: current, payload: payload)
            return try withBytes(upcast) { bytes throws(CodecError) in try Self.run(decoder, bytes) }
        }
        if let decoder = extensions[eventType] {
            let bytes = Array(payload)
            do {
                let value = try decoder(bytes)
                return .extensionEvent(ExtensionEventValue(eventType: eventType, schemaVersion: schemaVersion, value: value, payload: bytes))
            } catch {
                throw .invalidValue(type: eventType, field: "(payload)", reason: "\(error)")
            }
        }
        return .unknown(UnknownEvent(eventType: eventType, schemaVersion: schemaVersion, payload: Array(payload)))
    }

    /// Decodes a stored record with its metadata.
    public func record(_ event: RecordedEvent) throws(CodecError) -> DomainRecord {
        DomainRecord(metadata: EventMetadata(event), event: try decode(event))
    }

    // MARK: Encoding

    /// The type name, schema version and payload bytes `event` is stored as.
    public func encode(_ event: DomainEvent) -> (eventType: String, schemaVersion: UInt32, payload: [UInt8]) {
        switch event {
        case .extensionEvent(let value): return (value.eventType, value.schemaVersion, value.payload)
        case .unknown(let value): return (value.eventType, value.schemaVersion, value.payload)
        default:
            let message = event.catalogMessage!
            return (type(of: message).eventType, type(of: message).schemaVersion, message.encodedPayload())
        }
    }
}

/// What the log recorded about an event besides its payload.
public struct EventMetadata: Sendable, Hashable {
    /// Global position (1, 2, 3, … without gaps).
    public let position: UInt64
    /// The stream, e.g. `customer-<uuid>`.
    public let stream: String
    /// The version inside the stream.
    public let streamVersion: UInt64
    /// The event id.
    public let id: UUID
    /// Business time.
    public let occurredAt: Date
    /// When the log stored it.
    public let recordedAt: Date
    /// Who caused it.
    public let actor: String
    /// The conversation it belongs to.
    public let correlationID: UUID?
    /// What caused it.
    public let causationID: UUID?

    /// The metadata of a stored event.
    public init(_ event: RecordedEvent) {
        position = event.position
        stream = event.stream
        streamVersion = event.streamVersion
        id = event.id
        occurredAt = event.occurredAt
        recordedAt = event.recordedAt
        actor = event.actor
        correlationID = event.correlationID
        causationID = event.causationID
    }
}

/// A decoded event with its metadata.
public struct DomainRecord: Sendable, Hashable {
    /// What the log recorded.
    public let metadata: EventMetadata
    /// The event.
    public let event: DomainEvent
}

/// `withUnsafeBytes` that keeps the body's error type.
func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CodecError) -> R) throws(CodecError) -> R {
    let result = bytes.withUnsafeBytes { pointer in
        Result { () throws(CodecError) -> R in try body(pointer) }
    }
    return try result.get()
}

// MARK: - Decoding straight from the log

/// A set of catalog event types, for readers that skip what they do not fold before decoding.
public struct EventTypeFilter: Sendable, Hashable {
    private var bits: (UInt64, UInt64) = (0, 0)

    /// The types given.
    public init(_ types: [any CatalogEvent.Type]) {
        for type in types {
            if let index = CatalogIndex.index(ofName: type.eventType) { insert(index) }
        }
    }

    /// Every catalog type.
    public static var all: EventTypeFilter {
        var filter = EventTypeFilter([])
        for index in CatalogTypes.all.indices { filter.insert(index) }
        return filter
    }

    private mutating func insert(_ index: Int) {
        if index < 64 { bits.0 |= 1 << UInt64(index) } else { bits.1 |= 1 << UInt64(index - 64) }
    }

    func contains(_ index: Int) -> Bool {
        index < 64 ? bits.0 & (1 << UInt64(index)) != 0 : bits.1 & (1 << UInt64(index - 64)) != 0
    }

    /// Whether a stored type name (UTF-8 bytes, e.g. `RecordView.typeBytes` of EventLog) is in the set.
    public func contains(typeBytes: UnsafeRawBufferPointer) -> Bool {
        CatalogIndex.index(of: typeBytes).map(contains) ?? false
    }

    /// Whether a type name is in the set.
    public func contains(eventType: String) -> Bool {
        CatalogIndex.index(ofName: eventType).map(contains) ?? false
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.bits == rhs.bits }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bits.0)
        hasher.combine(bits.1)
    }
}

/// Finds a catalog type by the bytes of its name without making a `String`.
enum CatalogIndex {
    static let names: [[UInt8]] = CatalogTypes.all.map { Array($0.eventType.utf8) }
    static let table = TypeNameTable(names)
    static let decoders: [EventRegistry.CatalogDecoder] = EventRegistry.specializedDecoders
    static let versions: [UInt32] = CatalogTypes.all.map { $0.schemaVersion }

    /// The catalog number of a type name.
    @inline(__always)
    static func index(ofName name: String) -> Int? {
        var name = name
        return name.withUTF8 { index(of: UnsafeRawBufferPointer($0)) }
    }

    /// The catalog number of a stored type name: every record of a rebuild asks this, so it is
    /// a few loads, one multiply and a `memcmp` (not a `String`, not a `Hasher`).
    @inline(__always)
    static func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        table.index(of: bytes)
    }
}

/// An open-addressing table from type-name bytes to their catalog number. Immutable after
/// creation; the names live in one allocation that is never freed (the table is a static).
struct TypeNameTable: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Int16>
    private let text: UnsafeMutableRawPointer
    private let offsets: [Int]
    private let lengths: [Int]
    private static let size = 1_024

    init(_ names: [[UInt8]]) {
        let total = names.reduce(0) { $0 + $1.count }
        let text = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 8)
        var offsets: [Int] = []
        var offset = 0
        for name in names {
            offsets.append(offset)
            name.withUnsafeBytes { (text + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            offset += name.count
        }
        self.text = text
        self.offsets = offsets
        lengths = names.map(\.count)
        let slots = UnsafeMutablePointer<Int16>.allocate(capacity: Self.size)
        slots.initialize(repeating: -1, count: Self.size)
        for (index, name) in names.enumerated() {
            var slot = name.withUnsafeBytes { Self.hash($0) }
            while slots[slot] >= 0 { slot = (slot + 1) & (Self.size - 1) }
            slots[slot] = Int16(index)
        }
        self.slots = slots
    }

    /// Mixes the length with the first and last eight bytes (byte by byte for shorter names).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        let count = bytes.count
        var mixed = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        if count >= 8 {
            mixed ^= bytes.loadUnaligned(as: UInt64.self) &* 0xFF51_AFD7_ED55_8CCD
            mixed ^= bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) &* 0xC4CE_B9FE_1A85_EC53
        } else {
            for byte in bytes { mixed = (mixed ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        return Int(truncatingIfNeeded: (mixed ^ (mixed >> 29)) >> 54) & (size - 1)
    }

    /// The number of the name equal to `bytes`, or `nil`.
    @inline(__always)
    func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        var slot = Self.hash(bytes)
        while true {
            let found = Int(slots[slot])
            guard found >= 0 else { return nil }
            if lengths[found] == bytes.count,
               bytes.count == 0 || memcmp(text + offsets[found], bytes.baseAddress!, bytes.count) == 0 {
                return found
            }
            slot = (slot + 1) & (Self.size - 1)
        }
    }
}

extension EventRegistry {
    /// Decodes a record as the log stores it (see EventLog's `RecordView`), without copying its payload
    /// or allocating its type name when it is a catalog type.
    public func decode(_ view: RecordView) throws(CodecError) -> DomainEvent {
        try decode(view, index: CatalogIndex.index(of: view.typeBytes))
    }

    /// Decodes a record only when its type is in `filter`; `nil` for any other type. One type
    /// lookup serves both the filter and the decoder (the fold's path).
    public func decode(_ view: RecordView, ifIn filter: EventTypeFilter) throws(CodecError) -> DomainEvent? {
        guard let number = catalogNumber(of: view, in: filter) else { return nil }
        return try decode(view, index: number)
    }

    /// The catalog number of the record's type when it is in `filter`, else `nil`: the cheap
    /// first half of ``decode(_:ifIn:)`` for callers that decode straight into their own storage.
    @inline(__always)
    package func catalogNumber(of view: RecordView, in filter: EventTypeFilter) -> Int? {
        guard let index = CatalogIndex.index(of: view.typeBytes), filter.contains(index) else { return nil }
        return index
    }

    /// Decodes a record whose type has catalog number `number` (from ``catalogNumber(of:in:)``).
    @inline(__always)
    package func decode(_ view: RecordView, catalogNumber number: Int) throws(CodecError) -> DomainEvent {
        try decode(view, index: number)
    }

    private func decode(_ view: RecordView, index: Int?) throws(CodecError) -> DomainEvent {
        if let index, view.schemaVersion >= CatalogIndex.versions[index] {
            return try Self.run(CatalogIndex.decoders[index], view.payloadBytes)
        }
        return try decode(eventType: String(decoding: view.typeBytes, as: UTF8.self), schemaVersion: view.schemaVersion,
                          payload: view.payloadBytes)
    }
}
