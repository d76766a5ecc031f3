/// The catch-up-then-live loop every backend's subscription runs: hand out the buffered events;
/// when they are gone, read the head, read chunks of stored events up to it, and when there are
/// none, wait for the head to move. The sequence ends (`nil`) when the task is cancelled or the
/// store closes — also when a read fails because of either. Each backend supplies only its
/// storage access: the head, the chunk reads through its cursor, the wait.
package struct CatchUpThenLive<Cursor: Sendable>: Sendable {
    /// Where the reads stand.
    package var cursor: Cursor
    private var buffer: [RecordedEvent] = []
    private var index = 0

    package init(cursor: Cursor) {
        self.cursor = cursor
    }

    /// The next event, or `nil` at the end.
    ///
    /// - Parameters:
    ///   - isClosed: whether the store is closed.
    ///   - readHead: the current head position.
    ///   - readChunks: reads stored events up to the head into the buffer — at least one chunk,
    ///     and more while the buffer stays empty and the cursor has more to read.
    ///   - waitBeyond: returns once the head may have moved beyond the position (or after a
    ///     backend's poll interval, or when the store closes or the task is cancelled).
    package mutating func next(
        isClosed: () -> Bool,
        readHead: () async throws -> UInt64,
        readChunks: (_ cursor: inout Cursor, _ head: UInt64, _ buffer: inout [RecordedEvent]) async throws -> Void,
        waitBeyond: (UInt64) async -> Void
    ) async throws -> RecordedEvent? {
        while true {
            if index < buffer.count {
                defer { index += 1 }
                return buffer[index]
            }
            if Task.isCancelled || isClosed() { return nil }
            buffer.removeAll(keepingCapacity: true)
            index = 0
            let head: UInt64
            do {
                head = try await readHead()
                try await readChunks(&cursor, head, &buffer)
            } catch {
                // The store closed (or the task was cancelled) during the read: the sequence ends.
                if isClosed() || Task.isCancelled { return nil }
                throw error
            }
            if buffer.isEmpty { await waitBeyond(head) }
        }
    }
}
