import CRMEventLog
import Foundation

/// One append waiting for the writer.
struct PendingAppend: Sendable {
    let request: PreparedAppend
    let continuation: CheckedContinuation<AppendResult, any Error>
}

/// One import waiting for the writer; it returns the new head position.
struct PendingImport: Sendable {
    let request: PreparedImport
    let continuation: CheckedContinuation<UInt64, any Error>
}

/// Anything waiting for the writer.
enum PendingWrite: Sendable {
    case append(PendingAppend)
    case importEvents(PendingImport)
}

/// What the writer commits in one write transaction: appends grouped together, or one import
/// alone (an import is rejected as a whole by aborting its transaction, so it shares it with nobody).
enum WriteBatch: Sendable {
    case appends([PendingAppend])
    case importEvents(PendingImport)

    /// Fails every request of the batch with `error`.
    func fail(with error: any Error) {
        switch self {
        case .appends(let appends): appends.forEach { $0.continuation.resume(throwing: error) }
        case .importEvents(let pending): pending.continuation.resume(throwing: error)
        }
    }
}

/// The single writer of a store: a dedicated thread that takes every append waiting when it
/// becomes free and commits them in one durable write transaction (group commit). An import
/// waiting at the front of the queue is committed alone, in its own transaction.
///
/// **Linger.** After a batch of *n* appends, the writer waits up to `linger` for *n* appends to be
/// queued again before it commits: the appenders it just resumed are still on their way back, and
/// one sync for all of them is cheaper than two. After a batch of one there is no wait.
///
/// (Committing a lone append inline on the caller's thread was tried and dropped: on a saturated
/// cooperative pool every append then went inline, one sync each, and group commit collapsed.)
///
/// The thread blocks in `fsync`, so it is a real thread and not a task on the cooperative pool.
final class GroupCommitWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [PendingWrite] = []
    private var stopping = false
    /// How many requests the last commit held.
    private var lastBatchSize = 0
    private let finished = DispatchSemaphore(value: 0)
    private let maxEventsPerTransaction: Int
    private let linger: TimeInterval
    private let commit: @Sendable (WriteBatch) -> Void
    private var thread: Thread?

    init(maxEventsPerTransaction: Int, linger: Duration, commit: @escaping @Sendable (WriteBatch) -> Void) {
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

    /// Queues an append or an import; returns `false` when the writer is stopping.
    func submit(_ pending: PendingWrite) -> Bool {
        condition.lock()
        guard !stopping else {
            condition.unlock()
            return false
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
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping { break }
            if lastBatchSize > 1 && queue.count < lastBatchSize && !stopping {
                let deadline = Date(timeIntervalSinceNow: linger)
                while queue.count < lastBatchSize && !stopping {
                    if !condition.wait(until: deadline) { break }
                }
            }
            let batch: WriteBatch
            let take: Int
            if case .importEvents(let pending) = queue[0] {
                batch = .importEvents(pending)
                take = 1
            } else {
                // Appends up to the next import, within the transaction's event budget.
                var events = 0
                var appends: [PendingAppend] = []
                while appends.count < queue.count, case .append(let pending) = queue[appends.count],
                      appends.isEmpty || events + pending.request.eventCount <= maxEventsPerTransaction {
                    events += pending.request.eventCount
                    appends.append(pending)
                }
                batch = .appends(appends)
                take = appends.count
            }
            queue.removeFirst(take)
            condition.unlock()
            commit(batch)
            condition.lock()
            lastBatchSize = take
        }
        condition.unlock()
        finished.signal()
    }
}
