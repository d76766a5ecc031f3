// A child process for the EventLog tests: crash trials, a reader in a second process, tamper
// trials and stale reader slots. Each command prints machine-readable lines on stdout.
@_spi(CRMKitTesting) import CRMAudit
import CRMDomain
import CRMPolicies
import CRMProjections
import CRMSimulation
import Crypto
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Synchronization
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

case "pg-write":
    // pg-write URL SEED CUSTOMERS TASKS EVENTS: see postgresWrite.
    try await postgresWrite(url: directory, seed: UInt64(arguments[3])!, customers: Int(arguments[4])!, tasks: Int(arguments[5])!,
                            eventsPerCustomer: Int(arguments[6])!)

case "pg-project":
    // pg-project URL STATE-DIR TARGET-FILE: see postgresProject.
    try await postgresProject(url: directory, stateDirectory: arguments[3], targetFile: arguments[4])

case "pg-rebuild":
    // pg-rebuild URL STATE-DIR: see postgresRebuild.
    try await postgresRebuild(url: directory, stateDirectory: arguments[3])

case "run-policies":
    // Runs the closed-loop policies once at the ISO 8601 time ARG and prints
    // "executed E suppressed S already A".
    guard arguments.count > 3, let now = ISO8601DateFormatter().date(from: arguments[3]) else { fail("usage: run-policies DIR TIME") }
    let store = try EventStore(path: directory)
    let report = try await PolicyRunner(store: store).run(at: now)
    say("executed \(report.executed.count) suppressed \(report.suppressed.count) already \(report.alreadyDone)")
    store.close()

case "keys-init", "keys-create", "keys-forget", "keys-check", "keys-legacy":
    // Key-store trials (CRMAuditTests.KeyStoreTrials). DIR holds `store` and `master.key`;
    // subjects are customers numbered n (UUID ...-%012d). CRMKIT_CRASH_AT=<point> kills this
    // process with SIGKILL at that crash point of the key store.
    // `point@k` kills at the k-th time the point is reached (default: the first).
    if let spec = ProcessInfo.processInfo.environment["CRMKIT_CRASH_AT"] {
        let parts = spec.split(separator: "@")
        let point = String(parts[0])
        let hits = Mutex(parts.count > 1 ? Int(parts[1])! : 1)
        KeyStoreFaults.hook.withLock {
            $0 = { name in
                guard name == point else { return }
                if hits.withLock({ $0 -= 1; return $0 == 0 }) { kill(getpid(), SIGKILL) }
            }
        }
    }
    func customer(_ n: Int) -> CustomerID { CustomerID(UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!) }
    let store = try EventStore(path: directory + "/store")
    defer { store.close() }
    let numbers = arguments.dropFirst(3).map { Int($0)! }
    if command == "keys-legacy" {
        // A store as an older version made it: keys in the LMDB database `subject-keys`, each
        // wrapped with the master key, values sealed with them (format 1).
        let master = SymmetricKey(size: .bits256)
        FileManager.default.createFile(atPath: directory + "/master.key", contents: master.withUnsafeBytes { Data($0) })
        final class Legacy: PersonalDataProtector, @unchecked Sendable {
            let environment: Environment, master: SymmetricKey
            var keys: [DataSubject: SymmetricKey] = [:]
            init(_ environment: Environment, _ master: SymmetricKey) { self.environment = environment; self.master = master }
            func seal(_ text: String, for subject: DataSubject) throws -> [UInt8] {
                let name = Array(subject.description.utf8)
                let key = keys[subject] ?? SymmetricKey(size: .bits256)
                if keys[subject] == nil {
                    keys[subject] = key
                    let db = try environment.openDatabase(named: "subject-keys", create: true)
                    let wrapped = Array(try AES.GCM.seal(key.withUnsafeBytes { Array($0) }, using: master, authenticating: name).combined!)
                    try environment.write { txn in try txn.put(in: db, key: name, value: wrapped) }
                }
                return [1] + Array(try AES.GCM.seal(Array(text.utf8), using: key, authenticating: name).combined!)
            }
            func open(_ sealed: [UInt8], for subject: DataSubject) throws -> String? { nil }
        }
        let handler = CommandHandler(store: store, protector: Legacy(store.environment, master))
        for n in numbers {
            _ = try await handler.execute(.registerCustomer(customer(n), kind: .person, name: PersonalText("name-\(n)")), context: CommandContext(actor: "trial"))
        }
        say("ok")
        exit(0)
    }
    let vault = try KeyVault(state: StateStore(environment: store.environment), masterKeys: FileMasterKeyStore(path: directory + "/master.key"))
    let handler = CommandHandler(store: store, protector: vault)
    switch command {
    case "keys-init", "keys-create":
        // Registers customers with a sealed name; `ack n` once each is durable.
        for n in numbers {
            _ = try await handler.execute(.registerCustomer(customer(n), kind: .person, name: PersonalText("name-\(n)")), context: CommandContext(actor: "trial"))
            say("ack \(n)")
        }
    case "keys-forget":
        // Forgets customers; `forgot n`, `unknown n` or `already n` for each.
        for n in numbers {
            do {
                try await DataProtection.forget(.customer(customer(n)), vault: vault, handler: handler)
                say("forgot \(n)")
            } catch KeyVaultError.unknownSubject {
                say("unknown \(n)")
            } catch KeyVaultError.alreadyForgotten {
                say("already \(n)")
            }
        }
    default:
        // keys-check: completes erasures a killed forget recorded, then for every registered
        // customer prints `subject n erased:<0|1> opens:<0|1>` (erased: the log holds its
        // erasure event; opens: its sealed name opens to `name-n`).
        try vault.completeErasures(recordedIn: store)
        let reopened = try KeyVault(state: StateStore(environment: store.environment), masterKeys: FileMasterKeyStore(path: directory + "/master.key"))
        let registry = EventRegistry()
        for event in try store.events(.category("customer")) where event.type == "CustomerRegistered" {
            guard case .customerRegistered(let registered) = try registry.decode(event) else { continue }
            let n = Int(registered.customerID.uuid.uuidString.suffix(12))!
            let erased = try store.events(.stream(event.stream)).contains { $0.type == "PersonalDataErased" }
            var opens = "0"
            for protector in [vault, reopened] {
                do {
                    guard case .customerRegistered(let opened) = try registry.decode(event).openingPersonalData(with: protector) else { continue }
                    if opened.name == PersonalText("name-\(n)") { opens = "1" } else if opened.name != .erased { opens = "wrong" }
                } catch {
                    opens = "error:\(error)".replacingOccurrences(of: " ", with: "_")
                }
            }
            say("subject \(n) erased:\(erased ? 1 : 0) opens:\(opens)")
        }
        say("done")
    }

case "hold-open":
    // Keeps the environment open, without a transaction, until killed.
    let environment = try Environment(path: directory)
    say("ready")
    while true { pause() }
    _ = environment

default:
    fail("unknown command \(command)")
}
