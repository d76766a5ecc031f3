import Synchronization

/// Wakes subscribers when the log's head moves past the position they have read.
package final class HeadWatch: Sendable {
    private struct Waiter {
        let beyond: UInt64
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var head: UInt64 = 0
        var nextID = 0
        var waiters: [Int: Waiter] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    package init(head: UInt64) {
        state.withLock { $0.head = head }
    }

    /// Records a new head and resumes every waiter it satisfies.
    package func publish(head: UInt64) {
        let ready: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard head > state.head else { return [] }
            state.head = head
            let due = state.waiters.filter { $0.value.beyond < head }
            for id in due.keys { state.waiters[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Resumes every waiter; later waits return at once.
    package func close() {
        let all: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.closed = true
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in all { continuation.resume() }
    }

    /// Returns once the head is beyond `position`, the watch is closed, the task is cancelled,
    /// or `interval` passed (so that a poll finds appends this watch is not told of).
    package func wait(beyond position: UInt64, atMost interval: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(beyond: position) }
            group.addTask { try? await Task.sleep(for: interval) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns once the head is beyond `position`, the watch is closed, or the task is cancelled.
    package func wait(beyond position: UInt64) async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.head > position || state.closed || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(beyond: position, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in state.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }
}
