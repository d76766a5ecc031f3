import Synchronization

/// The undecodable events a fold skipped instead of failing: the way out for a store that
/// already holds an event no reader can decode (written before imports decoded every known
/// type; docs/cli.md, `crm rebuild --skip-undecodable`).
///
/// Set it as ``EventRegistry/skippingUndecodable`` on the registry a rebuild folds with; the
/// rebuild then leaves such events out of every read model and records their positions here,
/// so the caller can report them. The log keeps them (it is append-only).
public final class UndecodableEvents: Sendable {
    private let found = Mutex<[UInt64: String]>([:])

    /// Creates an empty record.
    public init() {}

    /// Records that the event at `position` was skipped because of `reason`.
    public func record(position: UInt64, reason: String) {
        found.withLock { $0[position] = reason }
    }

    /// The skipped events by position, in log order.
    public var skipped: [(position: UInt64, reason: String)] {
        found.withLock { $0.sorted { $0.key < $1.key }.map { (position: $0.key, reason: $0.value) } }
    }
}

extension EventRegistry {
    /// When set, folds skip an event they cannot decode and record it there instead of
    /// failing; `nil` (the default): an undecodable event fails the fold.
    public var skippingUndecodable: UndecodableEvents? {
        get { undecodable }
        set { undecodable = newValue }
    }
}
