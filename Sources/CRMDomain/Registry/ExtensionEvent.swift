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
