import Foundation

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
