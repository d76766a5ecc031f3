// The scale run (not in CI): appends up to 100 M generated events in durable batches of 10,000
// and, at 1 M, 10 M and 100 M, records the append cost of the last stretch, the full replay cost
// (scan without decoding, and with decoding every record), the data file size and peak memory.
//
//     cd Benchmarks && swift run -c release ScaleRun [--events N] [--dir PATH] [--keep] [--verify]
//
// `--verify` also runs `verify` over the whole log at the end (at 100 M events the store is larger
// than this machine's memory and the index look-ups make that a long, disk-bound run).
//
// The results are printed as Markdown rows for docs/benchmarks.md.
import CRMEventLog
import CRMEventLogLMDB
import Foundation

var events = 100_000_000
var directory = NSTemporaryDirectory() + "crmkit-scale"
var keep = false
var verifyAtEnd = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--events": events = Int(arguments.popFirst() ?? "") ?? events
    case "--dir": directory = arguments.popFirst() ?? directory
    case "--keep": keep = true
    case "--verify": verifyAtEnd = true
    default:
        FileHandle.standardError.write(Data("usage: ScaleRun [--events N] [--dir PATH] [--keep] [--verify]\n".utf8))
        exit(2)
    }
}

let batch = 10_000
let streamsPerBatch = 1_000
let customers = 100_000
let checkpoints = Array(Set([1_000_000, 10_000_000, 100_000_000].filter { $0 < events } + [events])).sorted()
let payloads: [[UInt8]] = (0..<256).map { n in Array("{\"amount\":\(n * 137 % 100_000),\"currency\":\"EUR\",\"channel\":\"web\"}".utf8) }
let epoch = Date(timeIntervalSince1970: 1_700_000_000)

/// Prints a line at once, also when stdout is a file.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func peakResidentMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        // "VmHWM:\t 1234 kB" — the number is right-aligned, so split on any whitespace.
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) / 1_024
    }
    return 0
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

try? FileManager.default.removeItem(atPath: directory)
let store = try EventStore(path: directory, configuration: .init(initialMapSize: 1 << 30))
let clock = ContinuousClock()
var appended = 0
var windowStart = clock.now
var windowEvents = 0
say("| events | append ns/event (last stretch) | append events/s | scan ns/event | replay+decode ns/event | data file | bytes/event | peak RSS (includes mapped file pages) |")
say("|---|---|---|---|---|---|---|---|")
for checkpoint in checkpoints {
    while appended < checkpoint {
        let count = min(batch, checkpoint - appended)
        let perStream = max(1, count / streamsPerBatch)
        var appends: [StreamAppend] = []
        var made = 0
        var stream = 0
        while made < count {
            let n = min(perStream, count - made)
            let customer = (appended / perStream + stream) % customers
            appends.append(StreamAppend(stream: "customer-\(customer)", events: (0..<n).map { i in
                let sequence = appended + made + i
                return NewEvent(type: "OrderPlaced", occurredAt: epoch.addingTimeInterval(Double(sequence)), actor: "scale",
                                payload: payloads[sequence & 255])
            }))
            made += n
            stream += 1
        }
        try await store.append(appends)
        appended += count
        windowEvents += count
    }
    let appendSeconds = seconds(clock.now - windowStart)

    let scanStart = clock.now
    var bytes = 0
    try store.scan { view in bytes &+= view.payloadBytes.count }
    let scanSeconds = seconds(clock.now - scanStart)

    let replayStart = clock.now
    var amountDigits = 0
    try store.scan { view in amountDigits &+= view.decoded().payload.count }
    let replaySeconds = seconds(clock.now - replayStart)

    let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/data.mdb")[.size] as? Int) ?? 0
    let ns = { (s: Double, n: Int) in String(format: "%.0f", s * 1e9 / Double(n)) }
    say("| \(appended) | \(ns(appendSeconds, windowEvents)) | \(Int(Double(windowEvents) / appendSeconds)) | \(ns(scanSeconds, appended)) | \(ns(replaySeconds, appended)) | \(size / 1_048_576) MiB | \(size / appended) | \(peakResidentMiB()) MiB |")
    precondition(bytes > 0 && amountDigits == bytes, "scan and replay disagree")
    windowStart = clock.now
    windowEvents = 0
}
if verifyAtEnd {
    let report = try store.verifyNow()
    say("\nverify: \(report.isIntact ? "intact" : "PROBLEM \(report.problem!)"), head \(report.head)")
}
store.close()
if !keep { try? FileManager.default.removeItem(atPath: directory) }
