import CRMEventLog
import Foundation

extension EventStore {
    /// Follows the log: first every stored event after `after`, then each new event as it is
    /// committed, in order, each exactly once.
    ///
    /// The sequence ends when the iterating task is cancelled or the store is closed. For a
    /// `EventFilter/stream(_:)` subscription `after` is a stream version.
    public func subscribe(_ filter: EventFilter = .all, after: UInt64 = 0) -> EventSubscription {
        EventSubscription(store: self, filter: filter, after: after)
    }

    /// Returns once the head is beyond `position`, or the store closes, or the task is
    /// cancelled — or after ``Configuration/readOnlyPollInterval``, so that appends by another
    /// process (which this process is not told of) are found by the next read.
    func waitForHead(beyond position: UInt64) async {
        if isReadOnly {
            try? await Task.sleep(for: configuration.readOnlyPollInterval)
            return
        }
        await headWatch.wait(beyond: position, atMost: configuration.readOnlyPollInterval)
    }
}

/// A catch-up-then-live subscription; see ``EventStore/subscribe(_:after:)``.
public struct EventSubscription: AsyncSequence, Sendable {
    /// Each element is an owned copy of a stored event.
    public typealias Element = RecordedEvent

    let store: EventStore
    let filter: EventFilter
    let after: UInt64

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(store: store, follower: CatchUpThenLive(cursor: ReadCursor(
            filter: filter, direction: .forward, from: after == .max ? .max : after + 1, through: 0, limit: nil)))
    }

    /// Reads chunks while there are stored events, then waits for the next commit.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: EventStore
        var follower: CatchUpThenLive<ReadCursor>

        /// The next event; `nil` once the task is cancelled or the store is closed.
        public mutating func next() async throws -> RecordedEvent? {
            let store = store
            return try await follower.next(
                isClosed: { store.isClosed.load(ordering: .acquiring) },
                readHead: { try store.head() },
                readChunks: { cursor, head, buffer in
                    cursor.bounds.limitPosition = head
                    cursor.bounds.exhausted = false
                    while buffer.isEmpty, !cursor.bounds.exhausted {
                        try store.readChunk(&cursor, into: &buffer)
                    }
                },
                waitBeyond: { await store.waitForHead(beyond: $0) })
        }
    }
}
