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
        AsyncIterator(store: store, cursor: ReadCursor(filter: filter, direction: .forward, from: after == .max ? .max : after + 1, through: 0, limit: nil))
    }

    /// Reads chunks while there are stored events, then waits for the next commit.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: EventStore
        var cursor: ReadCursor
        var buffer: [RecordedEvent] = []
        var index = 0

        init(store: EventStore, cursor: ReadCursor) {
            self.store = store
            self.cursor = cursor
        }

        /// The next event; `nil` once the task is cancelled or the store is closed.
        public mutating func next() async throws -> RecordedEvent? {
            while true {
                if index < buffer.count {
                    defer { index += 1 }
                    return buffer[index]
                }
                if Task.isCancelled || store.isClosed.load(ordering: .acquiring) { return nil }
                buffer.removeAll(keepingCapacity: true)
                index = 0
                let head: UInt64
                do {
                    head = try store.head()
                } catch {
                    // The store closed between the check above and this read: the sequence ends.
                    if store.isClosed.load(ordering: .acquiring) { return nil }
                    throw error
                }
                cursor.limitPosition = head
                cursor.exhausted = false
                do {
                    while buffer.isEmpty, !cursor.exhausted {
                        try store.readChunk(&cursor, into: &buffer)
                    }
                } catch {
                    if store.isClosed.load(ordering: .acquiring) { return nil }
                    throw error
                }
                if buffer.isEmpty {
                    await store.waitForHead(beyond: head)
                }
            }
        }
    }
}
