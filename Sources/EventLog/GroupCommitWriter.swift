import Foundation

/// One append waiting for the writer thread.
struct PendingAppend: Sendable {
    let request: PreparedAppend
    let continuation: CheckedContinuation<AppendResult, any Error>
}

/// The single writer of a store: a dedicated thread that takes every append waiting when it
/// becomes free and commits them in one durable write transaction (group commit).
///
/// The thread blocks in `fsync`, so it is a real thread and not a task on the cooperative pool.
final class GroupCommitWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [PendingAppend] = []
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private let maxEventsPerTransaction: Int
    private let commit: @Sendable ([PendingAppend]) -> Void
    private var thread: Thread?

    init(maxEventsPerTransaction: Int, commit: @escaping @Sendable ([PendingAppend]) -> Void) {
        self.maxEventsPerTransaction = max(1, maxEventsPerTransaction)
        self.commit = commit
        let thread = Thread { [self] in run() }
        thread.name = "CRMKit.EventLog.writer"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Queues an append; returns `false` when the writer is stopping.
    func submit(_ pending: PendingAppend) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        queue.append(pending)
        condition.signal()
        return true
    }

    /// Lets the queued appends finish, then ends the thread and waits for it.
    func stop() {
        condition.lock()
        let wasStopping = stopping
        stopping = true
        condition.signal()
        condition.unlock()
        // The store may be released on the writer thread itself; it must not wait for itself.
        if !wasStopping && Thread.current !== thread { finished.wait() }
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                condition.unlock()
                break
            }
            var events = 0
            var take = 0
            while take < queue.count && (take == 0 || events + queue[take].request.eventCount <= maxEventsPerTransaction) {
                events += queue[take].request.eventCount
                take += 1
            }
            let batch = Array(queue.prefix(take))
            queue.removeFirst(take)
            condition.unlock()
            commit(batch)
        }
        finished.signal()
    }
}
