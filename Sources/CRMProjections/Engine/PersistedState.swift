import CRMLMDB
import Foundation

/// A read model's stored state as any process sees it: the active generation's entries.
public struct PersistedState: Sendable {
    /// The state store the model's state is read from.
    public let state: StateStore
    /// The model's name.
    public let model: String
    /// The generation read.
    public let generation: String
    private let database: Database

    /// The active generation of `model` in `state` (or `generation` when given).
    public init(state: StateStore, model: String, generation: String? = nil) throws {
        self.state = state
        self.model = model
        guard let chosen = try generation ?? ProjectionStorage.activeGeneration(state, model: model) else {
            throw ProjectionError.corruptState(model: model, generation: "-", reason: "no generation is active")
        }
        self.generation = chosen
        database = try state.environment.openDatabase(named: ProjectionStorage.databaseName(model, chosen), create: false)
    }

    /// The stored value for `key`.
    public func value(for key: [UInt8]) throws -> [UInt8]? {
        let database = database
        return try state.environment.read { txn in try txn.value(in: database, key: key) }
    }

    /// The checkpoint of the stored state.
    public func checkpoint() throws -> UInt64 {
        let meta = try ProjectionStorage.meta(state)
        let key = ProjectionStorage.checkpointKey(model, generation)
        return ProjectionStorage.uint64(try state.environment.read { txn in try txn.value(in: meta, key: key) })
    }
}
