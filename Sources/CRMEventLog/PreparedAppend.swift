import Foundation

/// An append checked and converted to bytes before it reaches the writer, so the write
/// transaction does no validation that could have been done earlier.
package struct PreparedAppend: Sendable {
    package struct Stream: Sendable {
        package let name: String
        package let nameBytes: [UInt8]
        package let expectedVersion: ExpectedVersion
        package let events: [EncodableEvent]
    }

    package let streams: [Stream]
    package let eventCount: Int

    static let maxStreamNameLength = 400
    static let maxTypeLength = 256
    static let maxActorLength = 1024
    static let maxPayloadLength = 1 << 30

    package init(_ appends: [StreamAppend]) throws(EventLogError) {
        var streams: [Stream] = []
        streams.reserveCapacity(appends.count)
        var seenStreams = Set<String>()
        var seenIDs = Set<UUID>(minimumCapacity: appends.reduce(0) { $0 + $1.events.count })
        var count = 0
        for append in appends {
            guard seenStreams.insert(append.stream).inserted else { throw .duplicateStreamInAppend(append.stream) }
            let nameBytes = Array(append.stream.utf8)
            try Self.validateStreamName(append.stream, bytes: nameBytes)
            var events: [EncodableEvent] = []
            events.reserveCapacity(append.events.count)
            for event in append.events {
                guard seenIDs.insert(event.id).inserted else { throw .duplicateEventIDInAppend(event.id) }
                events.append(try Self.encodable(event, stream: nameBytes))
            }
            count += events.count
            streams.append(Stream(name: append.stream, nameBytes: nameBytes, expectedVersion: append.expectedVersion, events: events))
        }
        guard count > 0 else { throw .emptyAppend }
        self.streams = streams
        self.eventCount = count
    }

    /// Checks an event's type, actor and payload against the limits and prepares its bytes for
    /// `stream` (whose name the caller has validated).
    static func encodable(_ event: NewEvent, stream nameBytes: [UInt8]) throws(EventLogError) -> EncodableEvent {
        let type = Array(event.type.utf8)
        guard !type.isEmpty else { throw .invalidEventType(event.type, reason: "it is empty") }
        guard type.count <= maxTypeLength else {
            throw .fieldTooLong(field: "event type", length: type.count, limit: maxTypeLength)
        }
        let actor = Array(event.actor.utf8)
        guard actor.count <= maxActorLength else {
            throw .fieldTooLong(field: "actor", length: actor.count, limit: maxActorLength)
        }
        guard event.payload.count <= maxPayloadLength else {
            throw .fieldTooLong(field: "payload", length: event.payload.count, limit: maxPayloadLength)
        }
        return EncodableEvent(
            event: event, stream: nameBytes, type: type, actor: actor,
            occurredAtMicros: try micros(event.occurredAt, field: "occurredAt"))
    }

    /// The stored form of a time, refusing one that does not fit (or is not a number).
    static func micros(_ date: Date, field: String) throws(EventLogError) -> Int64 {
        let seconds = date.timeIntervalSinceReferenceDate
        guard seconds.isFinite, abs(seconds) < 9.0e12 else {
            throw .invalidTime(field: field, secondsSince1970: date.timeIntervalSince1970)
        }
        return Micros.from(date)
    }

    static func validateStreamName(_ name: String, bytes: [UInt8]) throws(EventLogError) {
        guard !bytes.isEmpty else { throw .invalidStreamName(name, reason: "it is empty") }
        guard bytes.count <= maxStreamNameLength else {
            throw .fieldTooLong(field: "stream name", length: bytes.count, limit: maxStreamNameLength)
        }
        guard !bytes.contains(0) else { throw .invalidStreamName(name, reason: "it contains a NUL character") }
    }
}

/// An import checked and converted to bytes before it reaches the writer: the same limits as an
/// append, a non-empty batch, unique ids and contiguous positions. What depends on the store (the
/// head, stream versions, stored ids, the last recorded time) the writer checks.
package struct PreparedImport: Sendable {
    package struct Event: Sendable {
        package let stream: String
        package let encodable: EncodableEvent
        package let position: UInt64
        package let streamVersion: UInt64
        package let recordedAtMicros: Int64

        /// The order rule every backend checks while importing: the event continues its stream
        /// (`currentVersion` + 1) and is not recorded before the event stored before it.
        package func orderViolation(currentVersion: UInt64, lastRecordedAt: Int64) -> EventLogError? {
            guard streamVersion == currentVersion + 1 else {
                return .importStreamVersionMismatch(stream: stream, expected: currentVersion + 1, found: streamVersion)
            }
            guard recordedAtMicros >= lastRecordedAt else {
                return .importRecordedAtDecreasing(
                    position: position, recordedAt: Micros.date(recordedAtMicros), previous: Micros.date(lastRecordedAt))
            }
            return nil
        }
    }

    package let events: [Event]

    package init(_ imported: [ImportedEvent]) throws(EventLogError) {
        guard let first = imported.first else { throw .emptyAppend }
        var events: [Event] = []
        events.reserveCapacity(imported.count)
        var seenIDs = Set<UUID>(minimumCapacity: imported.count)
        var streamNames: [String: [UInt8]] = [:]
        var expectedPosition = first.position
        for event in imported {
            guard event.position == expectedPosition else {
                throw .importPositionMismatch(expected: expectedPosition, found: event.position)
            }
            expectedPosition &+= 1
            guard seenIDs.insert(event.id).inserted else { throw .duplicateEventIDInAppend(event.id) }
            let nameBytes: [UInt8]
            if let known = streamNames[event.stream] {
                nameBytes = known
            } else {
                nameBytes = Array(event.stream.utf8)
                try PreparedAppend.validateStreamName(event.stream, bytes: nameBytes)
                streamNames[event.stream] = nameBytes
            }
            let content = NewEvent(
                id: event.id, type: event.type, schemaVersion: event.schemaVersion, occurredAt: event.occurredAt,
                actor: event.actor, correlationID: event.correlationID, causationID: event.causationID,
                payload: event.payload)
            events.append(Event(
                stream: event.stream, encodable: try PreparedAppend.encodable(content, stream: nameBytes),
                position: event.position, streamVersion: event.streamVersion,
                recordedAtMicros: try PreparedAppend.micros(event.recordedAt, field: "recordedAt")))
        }
        self.events = events
    }
}

extension PreparedAppend {
    /// The outcome of an append some of whose ids are already stored, decided the same way on
    /// every backend: the original positions when every event is stored with the same content,
    /// the first conflict in append order, or a partial retry.
    ///
    /// - Parameters:
    ///   - head: the head, for the error when no id turns out to be stored.
    ///   - noneStored: why that is damage, in the backend's words.
    ///   - lookUp: the backend's look-up of one event: `nil` when its id is not stored, else the
    ///     stored position and, when the stored record has the same content (see
    ///     ``RecordView/hasSameContent(as:)``), its stream version.
    package func retryOutcome(
        head: UInt64, noneStored: String,
        lookUp: (EncodableEvent) throws -> (position: UInt64, streamVersion: UInt64?)?
    ) throws -> Result<AppendResult, EventLogError> {
        var existing: [AppendedEvent] = []
        var firstStored: (UUID, UInt64)?
        for stream in streams {
            for event in stream.events {
                guard let (position, version) = try lookUp(event) else { continue }
                guard let version else { return .failure(.eventIDConflict(id: event.event.id, storedAt: position)) }
                existing.append(AppendedEvent(id: event.event.id, stream: stream.name, position: position, streamVersion: version))
                if firstStored == nil { firstStored = (event.event.id, position) }
            }
        }
        guard let firstStored else {
            throw EventLogError.corruptRecord(position: head, reason: noneStored)
        }
        guard existing.count == eventCount else {
            return .failure(.partialRetry(storedID: firstStored.0, storedAt: firstStored.1))
        }
        return .success(AppendResult(events: existing, wasAlreadyStored: true))
    }
}
