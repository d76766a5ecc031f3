import Foundation

/// One append waiting for the writer.
struct PendingAppend: Sendable {
    let request: PreparedAppend
    let continuation: CheckedContinuation<AppendResult, any Error>
}

/// The single writer of a store: a dedicated thread that takes every append waiting when it
/// becomes free and commits them in one durable write transaction (group commit).
///
/// Two refinements keep both ends fast:
/// - **Linger.** After a batch of *n* appends, the writer waits up to `linger` for *n* appends to
///   be queued again before it commits: the appenders it just resumed are still on their way
///   back, and one sync for all of them is cheaper than two.
/// - **Inline commit.** When only one appender is active (the last batch held one append and the
///   writer is idle), its append commits on the caller's thread, saving two thread hand-offs.
///
/// The thread blocks in `fsync`, so it is a real thread and not a task on the cooperative pool.
final class GroupCommitWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [PendingAppend] = []
    private var stopping = false
    /// A commit is running, on the writer thread or inline on a caller's thread.
    private var busy = false
    /// How many appends the last commit held.
    private var lastBatchSize = 0
    private let finished = DispatchSemaphore(value: 0)
    private let maxEventsPerTransaction: Int
    private let linger: TimeInterval
    private let commit: @Sendable ([PendingAppend]) -> Void
    private var thread: Thread?

    init(maxEventsPerTransaction: Int, linger: Duration, commit: @escaping @Sendable ([PendingAppend]) -> Void) {
        self.maxEventsPerTransaction = max(1, maxEventsPerTransaction)
        let parts = linger.components
        self.linger = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
        self.commit = commit
        let thread = Thread { [self] in run() }
        thread.name = "CRMKit.EventLog.writer"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Commits or queues an append; returns `false` when the writer is stopping.
    func submit(_ pending: PendingAppend) -> Bool {
        condition.lock()
        guard !stopping else {
            condition.unlock()
            return false
        }
        if !busy && queue.isEmpty && lastBatchSize <= 1 {
            busy = true
            condition.unlock()
            commit([pending])
            condition.lock()
            busy = false
            lastBatchSize = 1
            if !queue.isEmpty { condition.broadcast() }
            condition.unlock()
            return true
        }
        queue.append(pending)
        condition.broadcast()
        condition.unlock()
        return true
    }

    /// Lets the queued appends finish, then ends the thread and waits for it.
    func stop() {
        condition.lock()
        let wasStopping = stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        // The store may be released on the writer thread itself; it must not wait for itself.
        if !wasStopping && Thread.current !== thread { finished.wait() }
    }

    private func run() {
        condition.lock()
        while true {
            while (queue.isEmpty || busy) && !stopping { condition.wait() }
            if queue.isEmpty && stopping { break }
            if stopping && busy {
                condition.wait()
                continue
            }
            if lastBatchSize > 1 && queue.count < lastBatchSize && !stopping {
                let deadline = Date(timeIntervalSinceNow: linger)
                while queue.count < lastBatchSize && !stopping {
                    if !condition.wait(until: deadline) { break }
                }
                if busy { continue }
            }
            var events = 0
            var take = 0
            while take < queue.count && (take == 0 || events + queue[take].request.eventCount <= maxEventsPerTransaction) {
                events += queue[take].request.eventCount
                take += 1
            }
            let batch = Array(queue.prefix(take))
            queue.removeFirst(take)
            busy = true
            condition.unlock()
            commit(batch)
            condition.lock()
            busy = false
            lastBatchSize = batch.count
            condition.broadcast()
        }
        condition.unlock()
        finished.signal()
    }
}
