// Append and replay on PostgreSQL beside LMDB, in one run on one machine (not in CI):
//
//     cd Benchmarks && CRMKIT_POSTGRES_URL=postgres://… swift run -c release BackendRun [--events N] [--seconds S]
//
// For each backend: durable appends in batches of 10,000 events per append (one transaction
// each), 32 concurrent writers appending one event per call for S seconds (group commit on
// both backends), and a full replay (scan of every record, zero-copy RecordView, summing payload
// bytes) and a full replay with decoding every record (RecordedEvent). Prints Markdown rows for
// docs/benchmarks.md. The PostgreSQL run uses a fresh schema and drops it afterwards.
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import Foundation

var events = 200_000
var seconds = 10
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--events": events = Int(arguments.popFirst() ?? "") ?? events
    case "--seconds": seconds = Int(arguments.popFirst() ?? "") ?? seconds
    default:
        FileHandle.standardError.write(Data("usage: BackendRun [--events N] [--seconds S]\n".utf8))
        exit(2)
    }
}
guard let url = ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"] else {
    FileHandle.standardError.write(Data("BackendRun needs CRMKIT_POSTGRES_URL (e.g. bash ../.ci/with-postgres.sh swift run -c release BackendRun)\n".utf8))
    exit(2)
}

let payloads: [[UInt8]] = (0..<256).map { n in Array("{\"amount\":\(n * 137 % 100_000),\"currency\":\"EUR\",\"channel\":\"web\"}".utf8) }
let epoch = Date(timeIntervalSince1970: 1_700_000_000)

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func elapsed(since start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func rate(_ count: Int, _ seconds: Double) -> String {
    let value = Double(count) / seconds
    return value >= 1_000_000 ? String(format: "%.2f M/s", value / 1_000_000) : String(format: "%.1f k/s", value / 1_000)
}

func batch(_ index: Int, size: Int) -> [StreamAppend] {
    // 100 streams per batch, as orders of 100 customers.
    let perStream = size / 100
    return (0..<100).map { stream in
        StreamAppend(stream: "customer-\(index * 100 + stream)", events: (0..<perStream).map { n in
            NewEvent(type: "OrderPlaced", occurredAt: epoch.addingTimeInterval(Double(index * size + n)), actor: "bench",
                     payload: payloads[(index + n) & 255])
        })
    }
}

func measure(_ name: String, _ store: any EventLogStore, events: Int, seconds: Int) async throws -> [String] {
    var rows: [String] = []
    // Batched appends: one append (one transaction) per 10,000 events.
    let batches = events / 10_000
    var start = ContinuousClock.now
    for index in 0..<batches { try await store.append(batch(index, size: 10_000)) }
    let appendSeconds = elapsed(since: start)
    rows.append("| \(name) | append, 10,000 events per transaction, durable | \(batches * 10_000) events | \(String(format: "%.2f s", appendSeconds)) | \(rate(batches * 10_000, appendSeconds)) |")

    // 32 concurrent writers, one event per append.
    let deadline = ContinuousClock.now + .seconds(seconds)
    start = ContinuousClock.now
    let written = try await withThrowingTaskGroup(of: Int.self) { group in
        for writer in 0..<32 {
            group.addTask {
                var count = 0
                while ContinuousClock.now < deadline {
                    try await store.append(to: "ticket-\(writer)-\(count % 50)", events: [
                        NewEvent(type: "TicketUpdated", occurredAt: epoch, actor: "bench", payload: payloads[count & 255]),
                    ])
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    let concurrentSeconds = elapsed(since: start)
    rows.append("| \(name) | append, 32 concurrent writers, 1 event per append, durable | \(written) events | \(String(format: "%.2f s", concurrentSeconds)) | \(rate(written, concurrentSeconds)) |")

    // Full replay, zero-copy and decoded.
    let head = try store.head()
    start = ContinuousClock.now
    var bytes = 0
    try store.scan(.all, from: nil, direction: .forward, limit: nil, through: head) { view in bytes &+= view.payloadBytes.count }
    let scanSeconds = elapsed(since: start)
    rows.append("| \(name) | replay: scan every record (RecordView) | \(head) events | \(String(format: "%.2f s", scanSeconds)) | \(rate(Int(head), scanSeconds)) |")
    start = ContinuousClock.now
    var decoded = 0
    try store.scan(.all, from: nil, direction: .forward, limit: nil, through: head) { view in decoded &+= view.decoded().payload.count }
    let decodeSeconds = elapsed(since: start)
    rows.append("| \(name) | replay: scan and decode every record (RecordedEvent) | \(head) events | \(String(format: "%.2f s", decodeSeconds)) | \(rate(Int(head), decodeSeconds)) |")
    precondition(bytes == decoded)
    return rows
}

let directory = NSTemporaryDirectory() + "crmkit-backendrun-\(UUID().uuidString)"
defer { try? FileManager.default.removeItem(atPath: directory) }
let lmdb = try EventStore(path: directory)
let lmdbRows = try await measure("CRMLMDB", lmdb, events: events, seconds: seconds)
lmdb.close()

let schema = "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
let postgres = try await PostgresEventStore.connect(url: url + (url.contains("?") ? "&" : "?") + "schema=\(schema)")
let postgresRows = try await measure("PostgreSQL", postgres, events: events, seconds: seconds)
try await postgres.dropSchema()

say("| backend | what | size | time | rate |")
say("|---|---|---|---|---|")
for row in lmdbRows + postgresRows { say(row) }
