import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// Projection state lives where the embedder puts it: in the LMDB store's own environment, or
/// in a directory of its own beside any log.
@Suite struct StateStoreTests {
    @Test func aSeparateStateDirectoryHoldsTheProjectionOfAnLMDBLog() async throws {
        let test = try ProjectionTestStore()
        for (command, context) in simulatedCommands(seed: 5, customers: 3, eventsPerCustomer: 20) {
            try await test.handler.execute(command, context: context)
        }
        let head = try test.store.head()
        let path = test.directory.sub("state")
        do {
            let state = try StateStore(path: path)
            defer { state.close() }
            #expect(!state.isReadOnly)
            let projector = try Projector<CRMReadModels>(store: test.store, state: state)
            #expect(try projector.catchUp() == Int(head))
            try projector.activate()
            #expect(try StoredGeneration.active(CRMReadModels.self, in: state)?.checkpoint == head)
        }
        // The store's own environment holds no projection: the state went to the directory.
        #expect(try StoredGeneration.active(CRMReadModels.self, in: StateStore(environment: test.store.environment)) == nil)

        let reopened = try StateStore(path: path, readOnly: true)
        defer { reopened.close() }
        #expect(reopened.isReadOnly)
        let persisted = try PersistedState(state: reopened, model: CRMReadModels.name)
        #expect(try persisted.checkpoint() == head)
        #expect(throws: ProjectionError.self) { try Projector<CRMReadModels>(store: test.store, state: reopened) }
    }

    @Test func noStateStoreMeansNoStoredGeneration() throws {
        #expect {
            try StoredGeneration.active(CRMReadModels.self, in: nil)
        } throws: { error in
            guard case .noLocalState? = error as? ProjectionError else { return false }
            return true
        }
        #expect(ProjectionError.noLocalState.description.contains("--state"))
    }

    @Test func aStateDirectoryThatCannotBeCreatedIsAFileSystemError() throws {
        let dir = TemporaryDirectory("state-file")
        let file = dir.sub("a-file")
        FileManager.default.createFile(atPath: file, contents: Data())
        #expect {
            try StateStore(path: file + "/state")
        } throws: { error in
            guard case .fileSystem(let path, let reason)? = error as? EventLogError else { return false }
            return path == file + "/state" && reason.contains("cannot create the local state directory")
        }
        #expect {
            try StateStore(path: dir.sub("absent"), readOnly: true)
        } throws: { error in
            guard case .storage(let failure)? = error as? EventLogError else { return false }
            return failure.kind == .noSuchFile && failure.message.contains("LMDB error")
        }
    }
}
