import CRMEventLog

extension JSONLines {
    /// The events with every personal field still in the clear sealed for its data subject by
    /// `protector` (issue 18, point 11): an import into a store that seals must not store
    /// plaintext personal data, which no later `forget` could erase.
    ///
    /// Only catalog events that hold a plain ``PersonalText`` change: they are decoded (older
    /// schema versions upcast), sealed, and re-encoded in their current schema version. Sealed
    /// and erased values, extension and unknown events pass unchanged. The subjects' keys are
    /// created (durably, through ``PersonalDataProtector/prepareKeys(for:)``) before any value
    /// is sealed with them, so an event is never stored before the key its values need.
    ///
    /// - Parameters:
    ///   - events: validated events, as ``importFile(_:into:mode:startingAtLine:checkingDomainRules:registry:protector:progress:)`` appends them.
    ///   - protector: the target store's key management.
    ///   - registry: decodes the catalog events; the catalog by default.
    /// - Returns: the events to append, in the same order, with the same positions and ids.
    public static func sealingPersonalData(of events: [ImportedEvent], with protector: any PersonalDataProtector,
                                           registry: EventRegistry = EventRegistry()) async throws -> [ImportedEvent] {
        var plain: [Int: DomainEvent] = [:]
        for (index, event) in events.enumerated() where CatalogIndex.index(ofName: event.type) != nil {
            let decoded = try withBytes(event.payload) { bytes throws(CodecError) in
                try registry.decode(eventType: event.type, schemaVersion: event.schemaVersion, payload: bytes)
            }
            if decoded.subjectToSeal != nil { plain[index] = decoded }
        }
        guard !plain.isEmpty else { return events }
        try await protector.prepareKeys(for: Set(plain.values.compactMap(\.subjectToSeal)))
        var sealed = events
        for (index, decoded) in plain {
            let encoded = registry.encode(try decoded.sealingPersonalData(with: protector))
            sealed[index].schemaVersion = encoded.schemaVersion
            sealed[index].payload = encoded.payload
        }
        return sealed
    }
}
