import CRMDomain
import EventLog
import Foundation

// The in-memory rebuild of ``CRMReadModels`` on two threads. Folding is most of a rebuild
// (docs/benchmarks.md, "Projections (issue 4)"), and customer 360 is most of the folding, so
// the scanning thread decodes every event once and folds pipeline, lifecycle and scorecard,
// while a second thread folds customer 360 from batches of the same decoded events, in log
// order. Each model sees exactly the events, in exactly the order, the one-thread fold gives it:
// the result is the same value (the live-versus-rebuild tests check it).

/// Hands batches of decoded events from the scanning thread to the folding thread. At most
/// `depth` batches wait, so the scan cannot run far ahead of the fold and memory stays bounded.
final class EventBatchChannel: @unchecked Sendable {
    typealias Batch = [(DomainEvent, EventInfo)]
    private let condition = NSCondition()
    private var pending: [Batch] = []
    private var closed = false
    private let depth: Int

    init(depth: Int) { self.depth = depth }

    /// Queues a batch, waiting while `depth` batches are queued.
    func send(_ batch: Batch) {
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
    func receive() -> Batch? {
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
    private let finished = DispatchSemaphore(value: 0)

    init(_ model: Model, channel: EventBatchChannel) {
        self.model = model
        self.channel = channel
    }

    func start() {
        let thread = Thread { [self] in
            while let batch = channel.receive() {
                // Borrowed in place: no copy (retain and release) of each event's payload.
                batch.withUnsafeBufferPointer { events in
                    for index in events.indices { model.apply(events[index].0, events[index].1) }
                }
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

extension CRMReadModels {
    /// Events per batch handed to the customer-360 thread.
    static let rebuildBatchSize = 2_048

    /// ``ProjectionEngine/rebuild(_:store:rules:asOf:registry:)`` of all four models, with
    /// customer 360 folded on a second thread. Change tracking is off in the result's tables
    /// until the caller turns it on.
    static func rebuildOnTwoThreads(store: any EventLogStore, rules: CRMRules, through: UInt64, cutoffMicros: Int64?,
                                    registry: EventRegistry) throws -> CRMReadModels {
        var models = CRMReadModels(rules: rules)
        models.setTracksChanges(false)
        let channel = EventBatchChannel(depth: 4)
        let folder = FoldingThread(models.customer360, channel: channel)
        models.customer360 = Customer360Model(rules: rules)
        folder.start()
        var batch: EventBatchChannel.Batch = []
        batch.reserveCapacity(rebuildBatchSize)
        do {
            try store.scan(.all, through: through) { view in
                let occurred = view.occurredAtMicros
                if let cutoffMicros, occurred >= cutoffMicros { return }
                let decoded: DomainEvent?
                do throws(CodecError) {
                    decoded = try registry.decode(view, ifIn: eventTypes)
                } catch {
                    throw ProjectionError.undecodable(position: view.position, error: error)
                }
                guard let event = decoded else { return }
                let info = EventInfo(position: view.position, occurredAtMicros: occurred)
                models.pipeline.apply(event, info)
                models.lifecycle.apply(event, info)
                models.scorecard.apply(event, info)
                batch.append((event, info))
                if batch.count == rebuildBatchSize {
                    channel.send(batch)
                    batch = []
                    batch.reserveCapacity(rebuildBatchSize)
                }
            }
        } catch {
            channel.close()
            _ = folder.join()
            throw error
        }
        if !batch.isEmpty { channel.send(batch) }
        channel.close()
        models.customer360 = folder.join()
        return models
    }
}
