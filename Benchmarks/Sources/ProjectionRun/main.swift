// The projection benchmarks' companion (not in CI): prepares the cached 10 M-event dataset,
// times the sub-steps of a rebuild (the profile behind docs/benchmarks.md) and measures a
// rebuild's peak memory in a fresh process.
//
//     cd Benchmarks && swift run -c release ProjectionRun prepare [--writers 384]
//     cd Benchmarks && swift run -c release ProjectionRun profile [--repeat 3] [--no-sqlite] [--by-type]
//     cd Benchmarks && swift run -c release ProjectionRun memory crm|customer360|pipeline|lifecycle|scorecard [--sqlite | --one-thread]
//     cd Benchmarks && swift run -c release ProjectionRun read [--samples 200000]
import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import ProjectionData

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return Int(arguments[index + 1]) ?? fallback
}
func flag(_ name: String) -> Bool { arguments.contains(name) }
func mib(_ kib: Int) -> String { "\(kib / 1_024) MiB" }
func rate(_ events: Int, _ elapsed: Duration) -> String {
    let s = seconds(elapsed)
    return String(format: "%.2f M events/s (%.0f ns/event, %.2f s)", Double(events) / s / 1e6, s * 1e9 / Double(events), s)
}

/// Runs `body` `count` times; prints the best and the median.
func timed(_ label: String, events: Int, count: Int, _ body: () throws -> Void) rethrows {
    var times: [Duration] = []
    for _ in 0..<count {
        let start = ContinuousClock.now
        try body()
        times.append(ContinuousClock.now - start)
    }
    times.sort()
    say("| \(label) | \(rate(events, times[times.count / 2])) | best \(rate(events, times[0])) |")
}

let command = arguments.first ?? "help"
switch command {
case "prepare":
    let marker = try await Dataset.ensure(writers: option("--writers", 384))
    say("dataset: \(Dataset.directory)")
    say(String(decoding: try JSONEncoder().encode(marker), as: UTF8.self))

case "profile":
    guard let marker = Dataset.readMarker() else { say("no dataset: run `ProjectionRun prepare` first"); exit(1) }
    let n = option("--repeat", 3)
    let events = Int(marker.events)
    let store = try EventStore.openReadOnly(path: Dataset.storePath)
    defer { store.close() }
    let registry = EventRegistry()
    say("| step (CRMKit, \(events) events) | median | best |")
    say("|---|---|---|")
    try timed("scan only (touch record bytes)", events: events, count: n) {
        var bytes = 0
        try store.scan(.all) { view in bytes &+= view.bytes.count }
        precondition(bytes > 0)
    }
    try timed("scan + catalog type lookup", events: events, count: n) {
        var hits = 0
        let all = EventTypeFilter.all
        try store.scan(.all) { view in if all.contains(typeBytes: view.typeBytes) { hits += 1 } }
        precondition(hits == events)
    }
    try timed("scan + decode every event", events: events, count: n) {
        var hits = 0
        try store.scan(.all) { view in
            let event = try registry.decode(view)
            if case .unknown = event {} else { hits += 1 }
        }
        precondition(hits == events)
    }
    for model in [ModelChoice.pipeline, .lifecycle, .scorecard, .customer360, .crm] {
        var folded = 0
        let filter = model.eventTypes
        try store.scan(.all) { view in if filter.contains(typeBytes: view.typeBytes) { folded += 1 } }
        try timed("scan + decode + fold: \(model.rawValue) (folds \(folded * 100 / events) % of events)", events: events, count: n) {
            let size = try model.rebuild(store)
            precondition(size > 0)
        }
    }
    if flag("--by-type") {
        // Decode cost per event type (clock read around each decode: ~20–40 ns of overhead each).
        var perType: [String: (count: Int, nanos: Int, bytes: Int)] = [:]
        let clock = ContinuousClock()
        try store.scan(.all) { view in
            let start = clock.now
            let event = try registry.decode(view)
            let elapsed = clock.now - start
            withExtendedLifetime(event) {}
            let name = String(decoding: view.typeBytes, as: UTF8.self)
            let nanos = Int(elapsed.components.attoseconds / 1_000_000_000) + Int(elapsed.components.seconds) * 1_000_000_000
            perType[name, default: (0, 0, 0)].count += 1
            perType[name, default: (0, 0, 0)].nanos += nanos
            perType[name, default: (0, 0, 0)].bytes += view.payloadBytes.count
        }
        say("\n| type | events | share | payload bytes (mean) | decode ns/event | share of decode time |")
        say("|---|---:|---:|---:|---:|---:|")
        let total = perType.values.reduce(0) { $0 + $1.nanos }
        for (name, figures) in perType.sorted(by: { $0.value.nanos > $1.value.nanos }) {
            say("| \(name) | \(figures.count) | \(figures.count * 100 / events) % | \(figures.bytes / figures.count) | \(figures.nanos / figures.count) | \(figures.nanos * 100 / max(total, 1)) % |")
        }
    }
    if !flag("--no-sqlite") {
        let queue = try SQLitePeerRead.open()
        say("\n| step (GRDB/SQLite + JSONDecoder, \(events) rows) | median | best |")
        say("|---|---|---|")
        try timed("SELECT rows only (type string, touch payload)", events: events, count: n) {
            let rows = try SQLitePeerRead.scan(queue).rows
            precondition(rows == events)
        }
        try timed("SELECT + JSONDecoder every payload", events: events, count: 1) {
            let rows = try SQLitePeerRead.read(queue, filter: .all, nil)
            precondition(rows == events)
        }
        try timed("SELECT + JSONDecoder + fold: crm", events: events, count: 1) {
            let (model, count) = try SQLitePeerRead.rebuild(CRMReadModels.self, queue)
            precondition(count == events && model.customer360.customers.count > 0)
        }
    }

case "memory":
    guard Dataset.readMarker() != nil else { say("no dataset: run `ProjectionRun prepare` first"); exit(1) }
    guard arguments.count > 1, let model = ModelChoice(rawValue: arguments[1]) else { say("usage: memory crm|customer360|pipeline|lifecycle|scorecard [--sqlite]"); exit(2) }
    let before = ProcessMemory.now()
    let sampler = MemorySampler()
    let start = ContinuousClock.now
    var size = 0
    if flag("--sqlite") {
        guard model == .crm else { say("--sqlite: only crm"); exit(2) }
        let queue = try SQLitePeerRead.open()
        let (result, _) = try SQLitePeerRead.rebuild(CRMReadModels.self, queue)
        size = result.customer360.customers.count
        let peak = sampler.stop()
        let after = ProcessMemory.now()
        say("sqlite rebuild crm: \(String(format: "%.1f", seconds(ContinuousClock.now - start))) s; VmHWM \(mib(after.hwm)); peak anon \(mib(peak.anon)); peak file-backed \(mib(peak.file)); anon at end (model alive) \(mib(after.anon)); before \(mib(before.rss)); \(size)")
        withExtendedLifetime(result) {}
    } else {
        let store = try EventStore.openReadOnly(path: Dataset.storePath)
        if flag("--one-thread") {
            guard model == .crm else { say("--one-thread: only crm"); exit(2) }
            size = try ModelChoice.rebuildAllOnOneThread(store)
        } else {
            size = try model.rebuild(store)
        }
        let elapsed = ContinuousClock.now - start
        let peak = sampler.stop()
        let after = ProcessMemory.now()
        say("rebuild \(model.rawValue): \(String(format: "%.1f", seconds(elapsed))) s; VmHWM \(mib(after.hwm)) (peak RSS incl. mapped log pages); peak anon (heap) \(mib(peak.anon)) at \(String(format: "%.1f", sampler.anonPeakSeconds)) s; peak file-backed \(mib(peak.file)); at end: anon \(mib(after.anon)), file \(mib(after.file)); before: rss \(mib(before.rss)); size \(size)")
        store.close()
    }

case "read":
    guard Dataset.readMarker() != nil else { say("no dataset: run `ProjectionRun prepare` first"); exit(1) }
    let samples = option("--samples", 200_000)
    let store = try EventStore.openReadOnly(path: Dataset.storePath)
    let state = try PersistedState(state: StateStore(environment: store.environment), model: CRMReadModels.name)
    let keys = Dataset.customerIDs().map { [0, 1] + $0.keyBytes }
    var random = SystemRandomNumberGenerator()
    var nanos: [Int] = []
    nanos.reserveCapacity(samples)
    var found = 0
    var bytes = 0
    for _ in 0..<samples {
        let key = keys[Int.random(in: 0..<keys.count, using: &random)]
        let start = ContinuousClock.now
        let stored = try state.value(for: key)
        let record = try stored.map { try CustomerRecord(record: $0) }
        let elapsed = ContinuousClock.now - start
        if record != nil { found += 1 }
        bytes += stored?.count ?? 0
        nanos.append(Int(elapsed.components.attoseconds / 1_000_000_000))
    }
    nanos.sort()
    func p(_ q: Double) -> String { String(format: "%.1f µs", Double(nanos[min(nanos.count - 1, Int(Double(nanos.count) * q))]) / 1_000) }
    say("customer-360 stored read (get + decode CustomerRecord), \(samples) random customers, \(found) found, \(bytes / max(found, 1)) bytes per record: p50 \(p(0.5)) p90 \(p(0.9)) p99 \(p(0.99)) p99.9 \(p(0.999)) max \(p(1.0))")
    store.close()

default:
    say("usage: ProjectionRun prepare|profile|memory MODEL|read (see the comment at the top of main.swift)")
}
