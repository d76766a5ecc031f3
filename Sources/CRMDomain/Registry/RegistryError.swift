import Foundation

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
