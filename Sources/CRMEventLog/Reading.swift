import Foundation

/// Which events a read or subscription returns.
public enum EventFilter: Sendable, Hashable {
    /// Every event.
    case all
    /// The events of one stream; `from` and `after` positions of such a read are stream versions.
    case stream(String)
    /// The events of every stream whose name up to the first `-` is the category (see
    /// ``EventFilter/category(of:)``). A name containing `-` is no category and matches nothing.
    case category(String)
    /// The events of these types.
    case eventTypes(Set<String>)

    /// The stream's category: the part before the first `-`, or the whole name without one.
    public static func category(of stream: String) -> String {
        if let dash = stream.firstIndex(of: "-") { return String(stream[..<dash]) }
        return stream
    }
}

/// The order of a read.
public enum ReadDirection: Sendable, Hashable {
    /// Oldest first.
    case forward
    /// Newest first.
    case backward
}

