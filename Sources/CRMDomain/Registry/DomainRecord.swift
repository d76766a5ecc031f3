import Foundation

/// A decoded event with its metadata.
public struct DomainRecord: Sendable, Hashable {
    /// What the log recorded.
    public let metadata: EventMetadata
    /// The event.
    public let event: DomainEvent
}
