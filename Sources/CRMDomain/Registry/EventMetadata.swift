import CRMEventLog
import Foundation

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
