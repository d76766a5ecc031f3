import CRMEventLog
import Foundation

/// The event types a reader knows: the whole catalog, the catalog's upcasters, and the
/// extension types an app registered.
///
/// Decoding never traps: a known type decodes or throws a ``CodecError``; an unknown type comes
/// back as ``DomainEvent/unknown(_:)``.
public struct EventRegistry: Sendable {
    typealias ExtensionDecoder = @Sendable ([UInt8]) throws -> any ExtensionEvent
    private var extensions: [String: ExtensionDecoder] = [:]
    /// Where folds record the undecodable events they skip (``skippingUndecodable``).
    var undecodable: UndecodableEvents?

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

/// `withUnsafeBytes` that keeps the body's error type.
func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CodecError) -> R) throws(CodecError) -> R {
    let result = bytes.withUnsafeBytes { pointer in
        Result { () throws(CodecError) -> R in try body(pointer) }
    }
    return try result.get()
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
