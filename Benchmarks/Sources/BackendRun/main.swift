// Append and replay on LMDB, PostgreSQL and the SQLite peer, in one run on one machine (not in CI):
//
//     cd Benchmarks && swift build -c release --product BackendRun
//     CRMKIT_POSTGRES_PORT=54341 bash ../.ci/with-postgres.sh .build/release/BackendRun [--events N] [--seconds S]
//
// The workload is the event-log benchmarks' own (`Workload.swift`, the same file as in
// Benchmarks/EventLogBenchmarks, linked here rather than copied): batches of 10,000 events over
// 1,000 customer streams with ~150-byte JSON payloads, and the SQLite peer (GRDB, WAL,
// `synchronous = FULL`, unique (stream, version) and event id) of the shared `SQLitePeer` target.
//
// For each backend: durable appends of N events in batches of 10,000 (one transaction each);
// 32 concurrent writers appending one event per call for S seconds; a full replay (every record
// once: CRMKit's zero-copy `RecordView`, SQLite's row cursor); a full replay decoding every
// event (CRMKit's `RecordedEvent`; the peer's row into an owned struct); and the parallel replay
// of a rebuild (threads decoding ranges of 8,192 positions, each range one scan, as
// `ProjectionEngine.rebuild` reads a `ConcurrentlyScannable` log). Each row gives wall-clock
// time, the CPU time of this process and — for PostgreSQL — of the server's processes. Prints
// Markdown rows for docs/benchmarks.md. The PostgreSQL run uses a fresh schema and drops it.
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import Foundation
import GRDB
import SQLitePeer

var events = 1_000_000
var seconds = 10
var arguments = CommandLine.arguments.dropFirst()
var only: Set<String> = ["lmdb", "postgres", "sqlite"]
var repeats = 2
var keepSchema = false
while let argument = arguments.popFirst() {
    switch argument {
    case "--events": events = Int(arguments.popFirst() ?? "") ?? events
    case "--seconds": seconds = Int(arguments.popFirst() ?? "") ?? seconds
    case "--keep-schema": keepSchema = true
    case "--repeat": repeats = max(Int(arguments.popFirst() ?? "") ?? repeats, 1)
    case "--only": only = Set((arguments.popFirst() ?? "").split(separator: ",").map(String.init))
    default:
        FileHandle.standardError.write(Data("usage: BackendRun [--events N] [--seconds S] [--repeat R] [--only lmdb,postgres,sqlite] [--keep-schema]\n".utf8))
        exit(2)
    }
}
let postgresURL = ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"]
if only.contains("postgres"), postgresURL == nil {
    FileHandle.standardError.write(Data("BackendRun needs CRMKIT_POSTGRES_URL (e.g. bash ../.ci/with-postgres.sh .build/release/BackendRun)\n".utf8))
    exit(2)
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Wall-clock time, this process's CPU time and the server's, over one measured step.
struct Cost {
    var wall: Double
    var client: Double
    var server: Double?

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func measureSync(server: ServerCPU?, _ body: () throws -> Void) rethrows -> Cost {
        let serverBefore = server?.seconds()
        let cpuBefore = cpuSeconds()
        let start = ContinuousClock.now
        try body()
        let duration = ContinuousClock.now - start
        let wall = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        let serverSeconds = serverBefore.flatMap { before in server?.seconds().map { $0 - before } }
        return Cost(wall: wall, client: cpuSeconds() - cpuBefore, server: serverSeconds)
    }

    static func measure(server: ServerCPU?, _ body: () async throws -> Void) async rethrows -> Cost {
        let serverBefore = server?.seconds()
        let cpuBefore = cpuSeconds()
        let start = ContinuousClock.now
        try await body()
        let duration = ContinuousClock.now - start
        let wall = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        let serverSeconds = serverBefore.flatMap { before in server?.seconds().map { $0 - before } }
        return Cost(wall: wall, client: cpuSeconds() - cpuBefore, server: serverSeconds)
    }
}

/// The CPU time of a PostgreSQL server on this machine: its postmaster with every child it
/// reaped, plus its live children (found through /proc).
struct ServerCPU {
    let postmaster: Int32
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// The server's CPU time: its backends (also those that ended) and its background
    /// processes (autovacuum, checkpointer, WAL writer …).
    func seconds() -> Double? {
        guard let own = Self.stat(postmaster) else { return nil }
        var total = own.self_ + own.children
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != postmaster, let child = Self.stat(pid), child.parent == postmaster else { continue }
            total += child.self_
        }
        return Double(total) / ticks
    }

    static func stat(_ pid: Int32) -> (parent: Int32, self_: Int, children: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
        guard fields.count > 14, let parent = Int32(fields[1]), let user = Int(fields[11]), let system = Int(fields[12]),
              let childUser = Int(fields[13]), let childSystem = Int(fields[14]) else { return nil }
        return (parent, user + system, childUser + childSystem)
    }

    /// The postmaster started with `-p port` on this machine (as `.ci/with-postgres.sh` starts it).
    static func find(port: Int) -> ServerCPU? {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let program = arguments.first, program.hasSuffix("postgres"),
                  let flag = arguments.firstIndex(of: "-p"), flag + 1 < arguments.count, arguments[flag + 1] == String(port)
            else { continue }
            return ServerCPU(postmaster: pid)
        }
        return nil
    }
}

func rate(_ count: Int, _ seconds: Double) -> String {
    let value = Double(count) / seconds
    return value >= 1_000_000 ? String(format: "%.2f M/s", value / 1_000_000) : String(format: "%.1f k/s", value / 1_000)
}

func row(_ backend: String, _ what: String, _ count: Int, _ cost: Cost) -> String {
    let server = cost.server.map { String(format: "%.2f s", $0) } ?? "–"
    return "| \(backend) | \(what) | \(count.formatted()) | \(String(format: "%.2f s", cost.wall)) | \(rate(count, cost.wall)) | \(String(format: "%.2f s", cost.client)) | \(server) |"
}

/// Ranges of `chunk` positions of `1...last`, claimed by `threads` threads in turn, each
/// decoded by `work`; returns the events decoded.
func inParallel(last: UInt64, chunk: UInt64 = 8_192, threads: Int, _ work: @escaping @Sendable (UInt64, UInt64) throws -> Int) throws -> Int {
    final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var next: UInt64 = 1
        var total = 0
        var failure: (any Error)?
    }
    let shared = Shared()
    let group = DispatchGroup()
    for _ in 0..<threads {
        group.enter()
        Thread {
            defer { group.leave() }
            while true {
                shared.lock.lock()
                let first = shared.next
                shared.next += chunk
                let failed = shared.failure != nil
                shared.lock.unlock()
                if first > last || failed { return }
                do {
                    let count = try work(first, min(first + chunk - 1, last))
                    shared.lock.lock()
                    shared.total += count
                    shared.lock.unlock()
                } catch {
                    shared.lock.lock()
                    shared.failure = error
                    shared.lock.unlock()
                    return
                }
            }
        }.start()
    }
    group.wait()
    if let failure = shared.failure { throw failure }
    return shared.total
}

let threads = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4)

/// The rows of one CRMKit log (LMDB or PostgreSQL).
func measure(_ name: String, _ store: any EventLogStore & ConcurrentlyScannable, server: ServerCPU?, events: Int, seconds: Int, repeats: Int) async throws -> [String] {
    var rows: [String] = []
    let batches = events / Workload.batchSize
    var cost = try await Cost.measure(server: server) {
        for index in 0..<batches { try await store.append(Workload.crmBatch(first: index * Workload.batchSize)) }
    }
    rows.append(row(name, "append, 10,000 events per transaction, durable", batches * Workload.batchSize, cost))

    var written = 0
    cost = try await Cost.measure(server: server) {
        written = try await concurrentWriters(seconds: seconds) { writer, count in
            _ = try await store.append(to: "ticket-\(writer)-\(count % 50)", events: [Workload.newEvent(count)])
        }
    }
    rows.append(row(name, "append, 32 concurrent writers, 1 event per append, durable", written, cost))

    let head = try store.head()
    for round in 1...repeats {
    let pass = repeats == 1 ? "" : " (pass \(round))"
    var bytes = 0, decoded = 0
    cost = try Cost.measureSync(server: server) {
        try store.scan(.all, from: nil, direction: .forward, limit: nil, through: head) { view in bytes &+= view.payloadBytes.count }
    }
    rows.append(row(name, "replay: scan every record (RecordView)" + pass, Int(head), cost))
    cost = try Cost.measureSync(server: server) {
        try store.scan(.all, from: nil, direction: .forward, limit: nil, through: head) { view in decoded &+= view.decoded().payload.count }
    }
    rows.append(row(name, "replay: scan and decode every record (RecordedEvent)" + pass, Int(head), cost))
    precondition(bytes == decoded, "scan and decode disagree: \(bytes) and \(decoded) payload bytes")

    var parallel = 0
    cost = try Cost.measureSync(server: server) {
        parallel = try inParallel(last: head, threads: threads) { first, last in
            var batch: [RecordedEvent] = []
            batch.reserveCapacity(Int(last - first + 1))
            try store.scan(.all, from: first, direction: .forward, limit: nil, through: last) { batch.append($0.decoded()) }
            return batch.count
        }
    }
    precondition(parallel == Int(head), "the parallel replay decoded \(parallel) of \(head) events")
    rows.append(row(name, "replay in parallel: \(threads) threads decode ranges of 8,192 positions (a rebuild's read)" + pass, parallel, cost))
    }
    return rows
}

/// One event of the SQLite peer read back into owned values (the peer's `RecordedEvent`).
struct PeerRow {
    var position: Int64
    var stream: String
    var version: Int64
    var id: Data
    var type: String
    var occurredAt: Int64
    var recordedAt: Int64
    var actor: String
    var payload: String

    init(_ row: Row) {
        position = row[0]
        stream = row[1]
        version = row[2]
        id = row[3]
        type = row[4]
        occurredAt = row[5]
        recordedAt = row[6]
        actor = row[7]
        payload = row[8]
    }

    static let columns = "position, stream, version, event_id, type, occurred_at, recorded_at, actor, payload"
}

/// The rows of the SQLite peer.
func measurePeer(events: Int, seconds: Int, repeats: Int) async throws -> [String] {
    let name = "SQLite (GRDB)"
    let peer = try SQLitePeer(label: "backendrun")
    defer { peer.close() }
    var rows: [String] = []
    let batches = events / Workload.batchSize
    var cost = try Cost.measureSync(server: nil) {
        for index in 0..<batches {
            let batch = Workload.peerBatch(first: index * Workload.batchSize)
            try peer.pool.write { db in try SQLitePeer.append(db, batch) }
        }
    }
    rows.append(row(name, "append, 10,000 events per transaction, durable", batches * Workload.batchSize, cost))

    var written = 0
    cost = try await Cost.measure(server: nil) {
        written = try await concurrentWriters(seconds: seconds) { writer, count in
            let event = PeerEvent(count), stream = "ticket-\(writer)-\(count % 50)"
            try await peer.pool.write { db in try SQLitePeer.append(db, [(stream, [event])]) }
        }
    }
    rows.append(row(name, "append, 32 concurrent writers, 1 event per append, durable", written, cost))

    let head = try await peer.pool.read { db in try Int.fetchOne(db, sql: "SELECT max(position) FROM events") ?? 0 }
    for round in 1...repeats {
    let pass = repeats == 1 ? "" : " (pass \(round))"
    var count = 0, bytes = 0
    cost = try Cost.measureSync(server: nil) {
        try peer.pool.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT position, stream, version, type, payload FROM events ORDER BY position")
            while let row = try cursor.next() {
                count += 1
                bytes &+= try row.withUnsafeData(atIndex: 4) { $0?.count ?? 0 }
            }
        }
    }
    precondition(count == head, "scanned \(count) of \(head) rows")
    rows.append(row(name, "replay: scan every row (row cursor)" + pass, count, cost))
    var decoded = 0
    count = 0
    cost = try Cost.measureSync(server: nil) {
        try peer.pool.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(PeerRow.columns) FROM events ORDER BY position")
            while let row = try cursor.next() {
                decoded &+= PeerRow(row).payload.utf8.count
                count += 1
            }
        }
    }
    precondition(count == head && decoded == bytes, "decoded \(count) rows, \(decoded) payload bytes")
    rows.append(row(name, "replay: scan and decode every row (owned struct)" + pass, count, cost))

    var parallel = 0
    cost = try Cost.measureSync(server: nil) {
        parallel = try inParallel(last: UInt64(head), threads: threads) { first, last in
            try peer.pool.read { db in
                var batch: [PeerRow] = []
                batch.reserveCapacity(Int(last - first + 1))
                let cursor = try Row.fetchCursor(db, sql: "SELECT \(PeerRow.columns) FROM events WHERE position BETWEEN ? AND ? ORDER BY position",
                                                 arguments: [Int64(first), Int64(last)])
                while let row = try cursor.next() { batch.append(PeerRow(row)) }
                return batch.count
            }
        }
    }
    precondition(parallel == head, "the parallel replay decoded \(parallel) of \(head) rows")
    rows.append(row(name, "replay in parallel: \(threads) threads decode ranges of 8,192 positions" + pass, parallel, cost))
    }
    return rows
}

var allRows: [String] = []
if only.contains("lmdb") {
    let directory = try makeTemporaryDirectory("backendrun-lmdb")
    let lmdb = try EventStore(path: directory)
    allRows += try await measure("LMDB", lmdb, server: nil, events: events, seconds: seconds, repeats: repeats)
    lmdb.close()
    removeDirectory(directory)
}
if only.contains("postgres"), let postgresURL {
    let schema = "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    let postgres = try await PostgresEventStore.connect(url: postgresURL + (postgresURL.contains("?") ? "&" : "?") + "schema=\(schema)")
    let port = (try? PostgresLocation(url: postgresURL))?.port ?? 5432
    let server = ServerCPU.find(port: port)
    if server == nil { FileHandle.standardError.write(Data("no PostgreSQL server on port \(port) on this machine: server CPU not measured\n".utf8)) }
    allRows += try await measure("PostgreSQL", postgres, server: server, events: events, seconds: seconds, repeats: repeats)
    if keepSchema {
        FileHandle.standardError.write(Data("kept schema \(schema)\n".utf8))
        postgres.close()
    } else {
        try await postgres.dropSchema()
    }
}
if only.contains("sqlite") {
    allRows += try await measurePeer(events: events, seconds: seconds, repeats: repeats)
}

say("| backend | what | events | time | rate | client CPU | server CPU |")
say("|---|---|---:|---:|---:|---:|---:|")
for line in allRows { say(line) }

/// 32 tasks, each calling `append(writer, count)` with its own count until `seconds` are up;
/// the appends made.
func concurrentWriters(seconds: Int, _ append: @escaping @Sendable (_ writer: Int, _ count: Int) async throws -> Void) async throws -> Int {
    let deadline = ContinuousClock.now + .seconds(seconds)
    return try await withThrowingTaskGroup(of: Int.self) { group in
        for writer in 0..<32 {
            group.addTask {
                var count = 0
                while ContinuousClock.now < deadline {
                    try await append(writer, count)
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
}
