// Child processes of the multi-process PostgreSQL test (issue 21): writers that run CRM
// commands against one shared PostgreSQL log, and projectors that follow it live into a local
// state directory of their own, as separate service instances on separate machines would.
import CRMDomain
import CRMEventLog
import CRMEventLogPostgres
import CRMLMDB
import CRMProjections
import CRMSimulation
import Crypto
import Foundation

/// Runs the histories of `customers` simulated customers (history `seed`) through the command
/// handler from `tasks` concurrent tasks, on a connection pool of its own. After each command's
/// append returns, prints `ack POSITION ID` for each of its events (unbuffered, so what the
/// parent read was acknowledged before a kill), then `done`.
func postgresWrite(url: String, seed: UInt64, customers: Int, tasks: Int, eventsPerCustomer: Int) async throws {
    let store = try await PostgresEventStore.connect(url: url, configuration: .init(connections: tasks))
    defer { store.close() }
    let handler = CommandHandler(store: store)
    func acknowledge(_ result: AppendResult) {
        var lines = ""
        for event in result.events { lines += "ack \(event.position) \(event.id.uuidString)\n" }
        FileHandle.standardOutput.write(Data(lines.utf8))
    }
    let (employees, staff) = SimulatedStaff.make(seed: seed, count: 3)
    for (command, context) in staff { acknowledge(try await handler.execute(command, context: context)) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            group.addTask {
                for customer in stride(from: task, to: customers, by: tasks) {
                    var generator = HistoryGenerator(customer: customer, seed: seed, events: eventsPerCustomer, employees: employees)
                    while let (command, context) = generator.next() {
                        acknowledge(try await handler.execute(command, context: context))
                    }
                }
            }
        }
        try await group.waitForAll()
    }
    say("done")
}

/// SHA-256 over every stored entry (key and value, in key order) of `model`'s generation
/// `generation` in `state`, and its checkpoint: equal digests are byte-identical read models.
func stateDigest(_ state: StateStore, generation: String) throws -> String {
    var hasher = SHA256()
    let database = try state.environment.openDatabase(named: "\(CRMReadModels.name).\(generation)", create: false)
    try state.environment.read { txn in
        for entry in try txn.entries(in: database) {
            hasher.update(data: withUnsafeBytes(of: UInt64(entry.key.count)) { Array($0) })
            hasher.update(data: entry.key)
            hasher.update(data: withUnsafeBytes(of: UInt64(entry.value.count)) { Array($0) })
            hasher.update(data: entry.value)
        }
    }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

/// Follows the log live into the read models of generation `live` in the local state
/// directory `stateDirectory` (resuming from its checkpoint after a restart) until the file
/// `targetFile` names a position the checkpoint has reached; prints `ready CHECKPOINT` once
/// caught up, then `done CHECKPOINT DIGEST`. A skipped position stops it with an error
/// (`ProjectionError.gap`).
func postgresProject(url: String, stateDirectory: String, targetFile: String) async throws {
    let store = try await PostgresEventStore.connect(url: url, configuration: .init(connections: 1, pollInterval: .milliseconds(5)))
    defer { store.close() }
    let state = try StateStore(path: stateDirectory)
    defer { state.close() }
    let projector = try Projector<CRMReadModels>(store: store, state: state, generation: "live")
    try projector.catchUp()
    say("ready \(projector.checkpoint)")
    let follower = Task { try await projector.follow(batchSize: 64) }
    while true {
        if let text = try? String(contentsOfFile: targetFile, encoding: .utf8),
           let target = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), projector.checkpoint >= target {
            break
        }
        try await Task.sleep(for: .milliseconds(20))
        if follower.isCancelled { break }
    }
    follower.cancel()
    do {
        try await follower.value
    } catch is CancellationError {
        // Ended by us.
    }
    say("done \(projector.checkpoint) \(try stateDigest(state, generation: "live"))")
}

/// Rebuilds the read models from the whole log into a new local state directory and prints
/// `rebuilt HEAD DIGEST`.
func postgresRebuild(url: String, stateDirectory: String) async throws {
    let store = try await PostgresEventStore.connect(url: url)
    defer { store.close() }
    let state = try StateStore(path: stateDirectory)
    defer { state.close() }
    let projector = try Projector<CRMReadModels>.rebuild(store: store, state: state, rules: .standard, generation: "live")
    say("rebuilt \(projector.checkpoint) \(try stateDigest(state, generation: "live"))")
}
