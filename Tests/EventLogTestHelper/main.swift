// A child process for the EventLog tests: crash trials, a reader in a second process, tamper
// trials and stale reader slots. Each command prints machine-readable lines on stdout.
import CRMDomain
import CRMPolicies
import CRMProjections
import CRMSimulation
import Crypto
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import CRMLMDB
import TestSupport


/// Writes one line to stdout at once (a pipe would otherwise buffer it until exit).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(code)
}

/// The payload every crash-trial event carries: derived from its id, so the parent can check it.
func crashPayload(for id: UUID) -> [UInt8] {
    var bytes: [UInt8] = []
    let raw = withUnsafeBytes(of: id.uuid) { Array($0) }
    for round in 0..<8 { bytes.append(contentsOf: raw.map { $0 &+ UInt8(round) }) }
    return bytes
}

/// SHA-256 over every key and value of every database of the store, in order.
func digest(of store: EventStore) throws -> String {
    var hasher = SHA256()
    for name in ["meta", "log", "streams", "event-ids"] {
        let db = try store.environment.openDatabase(named: name, create: false)
        try store.environment.read { txn in
            try txn.withCursor(on: db) { cursor in
                var entry = try cursor.first()
                while let e = entry {
                    hasher.update(data: withUnsafeBytes(of: UInt64(e.key.count)) { Array($0) })
                    hasher.update(bufferPointer: e.key)
                    hasher.update(data: withUnsafeBytes(of: UInt64(e.value.count)) { Array($0) })
                    hasher.update(bufferPointer: e.value)
                    entry = try cursor.next()
                }
            }
        }
    }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: EventLogTestHelper COMMAND DIR ...") }
let command = arguments[1]
let directory = arguments[2]

switch command {
case "append-until-killed":
    // Appends from several concurrent tasks until killed; prints `ack POSITION ID` per event.
    let writers = arguments.count > 3 ? Int(arguments[3])! : 4
    let store = try EventStore(path: directory)
    await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<writers {
            group.addTask {
                var n = 0
                while true {
                    n += 1
                    let count = (n % 3) + 1
                    let events = (0..<count).map { _ -> NewEvent in
                        let id = UUID()
                        return NewEvent(id: id, type: "Tick", occurredAt: Date(timeIntervalSince1970: 1_700_000_000),
                                        actor: "writer-\(writer)", payload: crashPayload(for: id))
                    }
                    let result = try await store.append(to: "writer-\(writer)", events: events)
                    var lines = ""
                    for event in result.events { lines += "ack \(event.position) \(event.id.uuidString)\n" }
                    FileHandle.standardOutput.write(Data(lines.utf8))
                }
            }
        }
    }

case "read-follow":
    // Opens read-only and follows the log until it has seen TARGET events.
    let target = UInt64(arguments[3])!
    let store = try EventStore.openReadOnly(path: directory)
    say("opened \(try store.head())")
    var seen: UInt64 = 0
    var last: UInt64 = 0
    var hasher = SHA256()
    for try await event in store.subscribe() {
        seen += 1
        guard event.position == last + 1 else { fail("skipped from \(last) to \(event.position)") }
        last = event.position
        hasher.update(data: event.payload)
        if seen == target { break }
    }
    say("read \(seen) \(last) \(hasher.finalize().map { String(format: "%02x", $0) }.joined())")
    store.close()

case "verify":
    // Opens the store read-only, verifies it (against an anchor when given) and prints a digest.
    let store: EventStore
    do {
        store = try EventStore.openReadOnly(path: directory)
    } catch {
        say("open-failed \(error)")
        exit(0)
    }
    var anchor: HeadAnchor?
    if arguments.count > 4 { anchor = HeadAnchor(position: UInt64(arguments[3])!, hash: bytes(fromHex: arguments[4])) }
    do {
        let report = try store.verifyNow(anchor: anchor)
        if let problem = report.problem {
            say("problem \(problem.position) \(problem.kind) \(problem.detail)")
        } else {
            say("intact \(report.head) \(hex(report.headHash))")
        }
    } catch {
        say("verify-failed \(error)")
    }
    do {
        say("digest \(try digest(of: store))")
    } catch {
        say("digest-failed \(error)")
    }
    store.close()

case "digest":
    let store = try EventStore.openReadOnly(path: directory)
    say("digest \(try digest(of: store))")
    store.close()

case "metrics":
    try await metricsProbe(directory: directory)

case "hold-reader":
    // Opens a read transaction and keeps it open until killed.
    let environment = try Environment(path: directory)
    try environment.read { _ in
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        while true { pause() }
    }

case "make-golden":
    // Writes the format-stability fixture: deterministic events, compacted into DIR/golden.
    let scratch = directory + "/scratch"
    let store = try EventStore(path: scratch)
    for n in 0..<120 {
        let id = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))!
        let occurredAt = Date(timeIntervalSince1970: 1_767_225_600 + Double(n) * 3_600.25)
        let event = NewEvent(
            id: id, type: n % 3 == 0 ? "OrderPlaced" : "InteractionLogged", schemaVersion: UInt32(1 + n % 2),
            occurredAt: occurredAt, actor: "golden", correlationID: n % 4 == 0 ? id : nil, causationID: n % 5 == 0 ? id : nil,
            payload: Array("{\"n\":\(n)}".utf8))
        try await store.append(to: "customer-\(n % 7)", expectedVersion: .any, events: [event])
    }
    let report = try store.backupNow(to: directory + "/golden")
    store.close()
    try FileManager.default.removeItem(atPath: scratch)
    try FileManager.default.removeItem(atPath: directory + "/golden/lock.mdb")
    try "\(HeadAnchor(position: report.head, hash: report.headHash))\n".write(toFile: directory + "/golden/anchor.txt", atomically: true, encoding: .utf8)
    say("golden \(report.head)")

case "project":
    // Folds the store into the persisted read models in small batches, printing each stored
    // checkpoint, until done or killed.
    let batch = arguments.count > 3 ? Int(arguments[3]) ?? 10 : 10
    let store = try EventStore(path: directory)
    let projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment))
    try projector.catchUp(batchSize: batch) { checkpoint in say("checkpoint \(checkpoint)") }
    say("done \(projector.checkpoint)")
    store.close()

case "follow":
    // Folds the store into the persisted read models and follows it live (batches of at most
    // ARG events), until killed.
    let batch = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
    let store = try EventStore(path: directory)
    let projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment))
    try projector.catchUp()
    say("ready \(projector.checkpoint)")
    try await projector.follow(batchSize: batch)

case "append-and-project":
    // Runs a simulated CRM history through the commands while a projector in the same process
    // follows the log live, printing each appended position, until killed.
    let seed = arguments.count > 3 ? UInt64(arguments[3]) ?? 1 : 1
    let store = try EventStore(path: directory)
    let handler = CommandHandler(store: store)
    let projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment))
    let follower = Task { try await projector.follow(batchSize: 4) }
    let (employees, staff) = SimulatedStaff.make(seed: seed, count: 4)
    for (command, context) in staff { try await handler.execute(command, context: context) }
    for customer in 0..<1_000 {
        var generator = HistoryGenerator(customer: customer, seed: seed, events: 30, employees: employees)
        while let (command, context) = generator.next() {
            let result = try await handler.execute(command, context: context)
            say("appended \(result.lastPosition)")
        }
    }
    follower.cancel()
    say("done")

case "run-policies":
    // Runs the closed-loop policies once at the ISO 8601 time ARG and prints
    // "executed E suppressed S already A".
    guard arguments.count > 3, let now = ISO8601DateFormatter().date(from: arguments[3]) else { fail("usage: run-policies DIR TIME") }
    let store = try EventStore(path: directory)
    let report = try await PolicyRunner(store: store).run(at: now)
    say("executed \(report.executed.count) suppressed \(report.suppressed.count) already \(report.alreadyDone)")
    store.close()

case "hold-open":
    // Keeps the environment open, without a transaction, until killed.
    let environment = try Environment(path: directory)
    say("ready")
    while true { pause() }
    _ = environment

default:
    fail("unknown command \(command)")
}
