import Foundation

/// An append checked and converted to bytes before it reaches the writer, so the write
/// transaction does no validation that could have been done earlier.
struct PreparedAppend: Sendable {
    struct Stream: Sendable {
        let name: String
        let nameBytes: [UInt8]
        let expectedVersion: ExpectedVersion
        let events: [EncodableEvent]
    }

    let streams: [Stream]
    let eventCount: Int

    static let maxStreamNameLength = 400
    static let maxTypeLength = 256
    static let maxActorLength = 1024
    static let maxPayloadLength = 1 << 30

    init(_ appends: [StreamAppend]) throws(EventLogError) {
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
                let type = Array(event.type.utf8)
                guard !type.isEmpty else { throw .invalidEventType(event.type, reason: "it is empty") }
                guard type.count <= Self.maxTypeLength else {
                    throw .fieldTooLong(field: "event type", length: type.count, limit: Self.maxTypeLength)
                }
                let actor = Array(event.actor.utf8)
                guard actor.count <= Self.maxActorLength else {
                    throw .fieldTooLong(field: "actor", length: actor.count, limit: Self.maxActorLength)
                }
                guard event.payload.count <= Self.maxPayloadLength else {
                    throw .fieldTooLong(field: "payload", length: event.payload.count, limit: Self.maxPayloadLength)
                }
                events.append(EncodableEvent(
                    event: event, stream: nameBytes, type: type, actor: actor,
                    occurredAtMicros: Micros.from(event.occurredAt)))
            }
            count += events.count
            streams.append(Stream(name: append.stream, nameBytes: nameBytes, expectedVersion: append.expectedVersion, events: events))
        }
        guard count > 0 else { throw .emptyAppend }
        self.streams = streams
        self.eventCount = count
    }

    static func validateStreamName(_ name: String, bytes: [UInt8]) throws(EventLogError) {
        guard !bytes.isEmpty else { throw .invalidStreamName(name, reason: "it is empty") }
        guard bytes.count <= maxStreamNameLength else {
            throw .fieldTooLong(field: "stream name", length: bytes.count, limit: maxStreamNameLength)
        }
        guard !bytes.contains(0) else { throw .invalidStreamName(name, reason: "it contains a NUL character") }
    }
}
