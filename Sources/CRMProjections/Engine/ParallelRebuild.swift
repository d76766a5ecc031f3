import CRMDomain
import CRMEventLog
import Foundation

// The in-memory rebuild on several threads. Reading and decoding the log is a third of a
// rebuild of all four models and nearly all of a rebuild of one (docs/benchmarks.md,
// "Projections (issue 4)"), and LMDB readers scale across cores, so worker threads read and
// decode the log in chunks of positions, each chunk in its own read transactions, and the
// chunks are folded strictly in log order. ``CRMReadModels`` additionally folds customer 360 on
// a thread of its own from the same decoded chunks. Each model sees exactly the events, in
// exactly the order, the one-thread fold gives it: the result is the same value (the
// live-versus-rebuild and parallel-versus-sequential tests check it).

/// The decoded events of one chunk, in log order, in a buffer of their own. A fold borrows each
/// event by moving it out of the buffer and back (a copy of its bytes, no retain or release of
/// its payload — reading it in place through a pointer makes Swift copy the whole enum with its
/// strings and arrays); after the last fold a decoding worker releases the events
/// (``ParallelDecoder/retire(_:)``). One thread at a time: a batch is handed on through a
/// channel after its fold.
final class EventBatch: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<(DomainEvent, EventInfo)>
    private let capacity: Int
    /// The events held.
    private(set) var count = 0

    /// An empty batch for at most `capacity` events.
    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// Appends an event.
    func append(_ event: consuming DomainEvent, _ info: EventInfo) {
        precondition(count < capacity, "an event batch holds at most \(capacity) events")
        (storage + count).initialize(to: (event, info))
        count += 1
    }

    /// Calls `body` with each event in order; the batch keeps them.
    @inline(__always)
    func forEach(_ body: (DomainEvent, EventInfo) -> Void) {
        for index in 0..<count {
            let element = (storage + index).move()
            body(element.0, element.1)
            (storage + index).initialize(to: element)
        }
    }
}

/// Reads and decodes positions `1...through` on worker threads, in chunks, and hands the chunks
/// to one consumer in log order. At most `window` chunks are decoded ahead of the consumer, so
/// memory stays bounded however fast the workers are.
final class ParallelDecoder: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var ready: [Int: Result<EventBatch, any Error>] = [:]
    private var claimed = 0
    private var taken = 0
    private var stopped = false
    private var running = 0
    /// Folded batches whose events a worker releases (freeing memory is work the folding
    /// threads, the slower ones, need not do).
    private var retired: [EventBatch] = []

    private let store: any ConcurrentlyScannable
    private let through: UInt64
    private let chunkSize: UInt64
    private let chunkCount: Int
    private let window: Int
    private let filter: EventTypeFilter
    private let decoding: RecordDecoding

    init(store: any ConcurrentlyScannable, through: UInt64, filter: EventTypeFilter, cutoffMicros: Int64?, registry: EventRegistry,
         chunkSize: Int, window: Int) {
        self.store = store
        self.through = through
        self.chunkSize = UInt64(max(chunkSize, 1))
        chunkCount = Int((through + self.chunkSize - 1) / self.chunkSize)
        self.window = max(window, 1)
        self.filter = filter
        decoding = RecordDecoding(registry: registry, cutoffMicros: cutoffMicros)
    }

    /// Starts `workers` threads.
    func start(workers: Int) {
        condition.lock()
        running = max(workers, 1)
        condition.unlock()
        for number in 0..<max(workers, 1) {
            let thread = Thread { [self] in work() }
            thread.name = "crmkit.rebuild.decode.\(number)"
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while !stopped, claimed < chunkCount, claimed >= taken + window { condition.wait() }
            guard !stopped, claimed < chunkCount else {
                running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let chunk = claimed
            claimed += 1
            var released = retired
            retired = []
            condition.unlock()
            released.removeAll()  // the events of folded batches are freed here

            let result = Result { try decode(chunk: chunk) }
            condition.lock()
            ready[chunk] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    private func decode(chunk: Int) throws -> EventBatch {
        let first = UInt64(chunk) * chunkSize + 1
        let last = min(through, first + chunkSize - 1)
        let batch = EventBatch(capacity: Int(last - first + 1))
        let filter = filter, decoding = decoding
        try store.scan(.all, from: first, through: last) { view in
            try decoding.decode(view, as: filter) { batch.append($0, $1) }
        }
        return batch
    }

    /// The next chunk in log order, `nil` after the last; rethrows a chunk's read or decoding
    /// error (the first one in log order).
    func next() throws -> EventBatch? {
        condition.lock()
        guard taken < chunkCount else {
            condition.unlock()
            return nil
        }
        while ready[taken] == nil { condition.wait() }
        let result = ready.removeValue(forKey: taken)!
        taken += 1
        condition.broadcast()
        condition.unlock()
        return try result.get()
    }

    /// Hands a folded batch back; a worker releases its events.
    func retire(_ batch: EventBatch) {
        condition.lock()
        retired.append(batch)
        condition.unlock()
    }

    /// Stops the workers and waits until every one has returned (after an error, or at the end).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        ready.removeAll()
        retired.removeAll()
        condition.unlock()
    }

    /// Folds every chunk in order with `body` on the calling thread; the workers are stopped
    /// before this returns or throws.
    func forEachBatch(_ body: (EventBatch) throws -> Void) throws {
        defer { stop() }
        while let batch = try next() { try body(batch) }
    }
}

/// Hands batches of decoded events from one thread to a folding thread. At most `depth`
/// batches wait, so the producer cannot run far ahead of the fold and memory stays bounded.
final class EventBatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [EventBatch] = []
    private var closed = false
    private let depth: Int

    init(depth: Int) { self.depth = depth }

    /// Queues a batch, waiting while `depth` batches are queued.
    func send(_ batch: EventBatch) {
        condition.lock()
        while pending.count >= depth, !closed { condition.wait() }
        pending.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// No more batches will come.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; `nil` once the channel is closed and drained.
    func receive() -> EventBatch? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty, !closed { condition.wait() }
        guard !pending.isEmpty else { return nil }
        let batch = pending.removeFirst()
        condition.broadcast()
        return batch
    }
}

/// A model folded on a thread of its own from a channel's batches.
final class FoldingThread<Model: ReadModel>: @unchecked Sendable {
    // Touched by the folding thread only until `finished` is signalled, then by the joiner.
    private var model: Model
    private let channel: EventBatchChannel
    private let retire: @Sendable (EventBatch) -> Void
    private let finished = DispatchSemaphore(value: 0)

    /// A folding thread that hands each folded batch to `retire`.
    init(_ model: Model, channel: EventBatchChannel, retire: @escaping @Sendable (EventBatch) -> Void) {
        self.model = model
        self.channel = channel
        self.retire = retire
    }

    func start() {
        let thread = Thread { [self] in
            // The last fold of each batch; the events are freed elsewhere.
            while let batch = channel.receive() {
                batch.forEach { model.apply($0, $1) }
                retire(batch)
            }
            finished.signal()
        }
        thread.name = "crmkit.rebuild.\(Model.name)"
        thread.start()
    }

    /// Waits until the channel is drained and returns the model.
    func join() -> Model {
        finished.wait()
        return model
    }
}

/// How the parallel rebuild cuts the log.
struct ParallelRebuildPlan: Sendable {
    /// Decoding threads.
    var workers: Int
    /// Positions per chunk.
    var chunkSize: Int
    /// Chunks decoded ahead of the fold, at most.
    var window: Int

    /// One decoding thread per core (at most four), chunks of 8,192 positions, two chunks
    /// ahead per worker.
    static var standard: ParallelRebuildPlan {
        let workers = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4)
        return ParallelRebuildPlan(workers: workers, chunkSize: 8_192, window: 2 * workers)
    }

    /// Logs shorter than this are folded on the calling thread: threads cost more than they save.
    static let minimumEvents: UInt64 = 100_000
}

/// What a parallel in-memory rebuild works from: a log that may be scanned from several threads
/// at once (`ConcurrentlyScannable`), how far to fold, and how to cut the log into chunks.
/// ``ProjectionEngine/rebuild(_:store:rules:asOf:registry:)`` hands it to the model's
/// ``ReadModel/rebuildInParallel(_:_:)``.
public struct ParallelRebuild: Sendable {
    let store: any ConcurrentlyScannable
    let through: UInt64
    let cutoffMicros: Int64?
    let registry: EventRegistry
    let plan: ParallelRebuildPlan
    /// Whether the fold throws `CancellationError` between chunks once its task is cancelled.
    let checksCancellation: Bool

    /// The last log position folded.
    public var lastPosition: UInt64 { through }

    /// Throws `CancellationError` when the rebuild is cancellable and its task was cancelled;
    /// a model's own ``ReadModel/rebuildInParallel(_:_:)`` calls it between decoded chunks.
    public func checkCancellation() throws {
        if checksCancellation { try Task.checkCancellation() }
    }

    /// Decodes the log on worker threads and folds the decoded events into `model`, in log
    /// order, on the calling thread: the default of ``ReadModel/rebuildInParallel(_:_:)``.
    public func fold<Model: ReadModel>(into model: inout Model) throws {
        let decoder = ParallelDecoder(store: store, through: through, filter: Model.eventTypes, cutoffMicros: cutoffMicros,
                                      registry: registry, chunkSize: plan.chunkSize, window: plan.window)
        decoder.start(workers: plan.workers)
        try decoder.forEachBatch { batch in
            try checkCancellation()
            batch.forEach { model.apply($0, $1) }
            decoder.retire(batch)
        }
    }
}

extension CRMReadModels {
    /// Folds customer 360 on a thread of its own and the other three models on the calling
    /// thread, from the same decoded chunks.
    public static func rebuildInParallel(_ models: inout CRMReadModels, _ rebuild: ParallelRebuild) throws {
        models = try rebuildInParallel(store: rebuild.store, rules: models.rules, through: rebuild.through,
                                       cutoffMicros: rebuild.cutoffMicros, registry: rebuild.registry, plan: rebuild.plan,
                                       checkCancellation: rebuild.checkCancellation)
    }

    /// ``ProjectionEngine/rebuild(_:store:rules:asOf:registry:)`` of all four models: the log
    /// decoded on `plan.workers` threads, customer 360 folded on a thread of its own, the other
    /// three on the calling thread. Change tracking is off in the result's tables until the
    /// caller turns it on.
    static func rebuildInParallel(store: any ConcurrentlyScannable, rules: CRMRules, through: UInt64, cutoffMicros: Int64?,
                                  registry: EventRegistry, plan: ParallelRebuildPlan,
                                  checkCancellation: () throws -> Void = {}) throws -> CRMReadModels {
        var models = CRMReadModels(rules: rules)
        models.setTracksChanges(false)
        let decoder = ParallelDecoder(store: store, through: through, filter: eventTypes, cutoffMicros: cutoffMicros,
                                      registry: registry, chunkSize: plan.chunkSize, window: plan.window)
        let channel = EventBatchChannel(depth: 2)
        let folder = FoldingThread(models.customer360, channel: channel, retire: { decoder.retire($0) })
        models.customer360 = Customer360Model(rules: rules)
        folder.start()
        decoder.start(workers: plan.workers)
        do {
            try decoder.forEachBatch { batch in
                try checkCancellation()
                batch.forEach { event, info in
                    models.pipeline.apply(event, info)
                    models.lifecycle.apply(event, info)
                    models.scorecard.apply(event, info)
                    models.journey.apply(event, info)
                }
                // Handed on after this thread's fold: one thread at a time touches a batch.
                channel.send(batch)
            }
        } catch {
            channel.close()
            _ = folder.join()
            throw error
        }
        channel.close()
        models.customer360 = folder.join()
        return models
    }
}
