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

/// Where a chunked read stands between chunks, kept the same way by every backend: the next key
/// to look at (a position, or a stream version for a ``EventFilter/stream(_:)`` read), the last
/// position returned, how many events are still wanted, and whether the read is over.
package struct ReadBounds: Sendable {
    package let direction: ReadDirection
    /// The next log position (or stream version, for a stream read) to look at.
    package var next: UInt64
    /// Positions beyond this are not returned (forward reads stop there).
    package var limitPosition: UInt64
    /// Events still wanted.
    package var remaining: Int
    /// Whether the read is over.
    package var exhausted = false

    package init(filter: EventFilter, direction: ReadDirection, from: UInt64?, through: UInt64, limit: Int?) {
        self.direction = direction
        limitPosition = through
        remaining = limit ?? Int.max
        switch direction {
        case .forward: next = max(from ?? 1, 1)
        case .backward:
            next = from ?? UInt64.max
            // A log read starts at the bound instead of stepping over newer records each chunk.
            if case .stream = filter {} else { next = min(next, through) }
        }
        if remaining <= 0 { exhausted = true }
        // A name containing '-' is no category: it matches nothing.
        if case .category(let name) = filter, name.contains("-") { exhausted = true }
    }
}

