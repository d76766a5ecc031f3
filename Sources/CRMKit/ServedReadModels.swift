import CRMDomain
import CRMEventLog
import CRMProjections
import Logging

/// The served read models of a ``CRMStore``: customer 360, pipeline, lifecycle stage and
/// balanced scorecard, persisted with their checkpoint so every event is folded exactly once.
///
/// Reads see the models as of ``position``; ``catchUp(batchSize:)`` folds what was appended since, and
/// ``follow(batchSize:)`` keeps folding live until its task is cancelled.
public final class ServedReadModels: Sendable {
    /// The projector behind the served generation.
    public let projector: Projector<CRMReadModels>
    private let logger: Logger

    init(projector: Projector<CRMReadModels>, logger: Logger) {
        self.projector = projector
        self.logger = logger
    }

    /// The served generation (`r<rules version>` unless named otherwise).
    public var generation: String { projector.generation }

    /// The last log position folded in.
    public var position: UInt64 { projector.checkpoint }

    /// Folds what was appended since ``position``, in batches written with their checkpoint;
    /// stops between batches when the task is cancelled (what was stored stays stored).
    ///
    /// - Returns: the number of events read.
    @discardableResult
    public func catchUp(batchSize: Int = 50_000) async throws -> Int {
        let folded = try await projector.cancellableCatchUp(batchSize: batchSize)
        if folded > 0 { logger.debug("read models caught up", metadata: ["events": "\(folded)", "position": "\(position)"]) }
        return folded
    }

    /// Catches up, then folds new events as they are appended, until the task is cancelled or
    /// the log closes.
    public func follow(batchSize: Int = 1_000) async throws {
        try await catchUp()
        try await projector.follow(batchSize: batchSize)
    }

    /// Reads the in-memory models.
    public func read<R>(_ body: (CRMReadModels) throws -> R) rethrows -> R {
        try projector.read(body)
    }

    /// One customer on one page, as of ``position``; `nil` for an unknown customer.
    public func customer360(_ id: CustomerID) -> Customer360View? {
        projector.read { $0.customer360(id) }
    }

    /// The sales pipeline's summary as of ``position``.
    public func pipeline() -> PipelineSummary {
        projector.read { $0.pipeline.summary() }
    }
}
