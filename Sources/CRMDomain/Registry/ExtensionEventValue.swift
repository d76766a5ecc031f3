import Foundation

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
