import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// The cancellable forms of catch-up and rebuild: the same result as the blocking forms when
/// left alone, `CancellationError` once their task is cancelled, nothing half-stored.
@Suite struct CancellationTests {
    func filledStore() async throws -> ProjectionTestStore {
        let test = try ProjectionTestStore()
        for (command, context) in simulatedCommands(seed: 77, customers: 4, eventsPerCustomer: 30) {
            try await test.handler.execute(command, context: context)
        }
        return test
    }

    @Test func cancellableFormsEqualTheBlockingOnes() async throws {
        let test = try await filledStore()
        let blocking = try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store)
        let cancellable = try await ProjectionEngine.cancellableRebuild(CRMReadModels.self, store: test.store)
        #expect(fingerprint(blocking) == fingerprint(cancellable))
        let projector = try Projector<CRMReadModels>(store: test.store, state: StateStore(environment: test.store.environment))
        let folded = try await projector.cancellableCatchUp(batchSize: 7)
        #expect(folded == Int(try test.store.head()))
        #expect(projector.read { fingerprint($0) } == fingerprint(blocking))
    }

    @Test func aCancelledTaskStopsBetweenBatches() async throws {
        let test = try await filledStore()
        let store = test.store
        let rebuild = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await ProjectionEngine.cancellableRebuild(CRMReadModels.self, store: store)
        }
        await #expect(throws: CancellationError.self) { try await rebuild.value }

        let state = StateStore(environment: store.environment)
        let catchUp = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            let projector = try Projector<CRMReadModels>(store: store, state: state)
            return try await projector.cancellableCatchUp(batchSize: 7)
        }
        await #expect(throws: CancellationError.self) { try await catchUp.value }
        // Nothing was folded, and a later catch-up starts from the stored checkpoint.
        let projector = try Projector<CRMReadModels>(store: store, state: state)
        #expect(projector.checkpoint == 0)
        #expect(try projector.catchUp() == Int(try store.head()))
    }

    @Test func theParallelFoldChecksBetweenChunks() async throws {
        let test = try await filledStore()
        let store = test.store
        let head = try store.head()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var models = CRMReadModels(rules: .standard)
            try ProjectionEngine.rebuildInParallel(&models, store: store, through: head, cutoffMicros: nil, registry: EventRegistry(),
                                                   plan: ParallelRebuildPlan(workers: 2, chunkSize: 5, window: 2), checksCancellation: true)
            var pipeline = PipelineModel(rules: .standard)
            try ProjectionEngine.rebuildInParallel(&pipeline, store: store, through: head, cutoffMicros: nil, registry: EventRegistry(),
                                                   plan: ParallelRebuildPlan(workers: 2, chunkSize: 5, window: 2), checksCancellation: true)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
