// CRMDomain's binary event codec against Foundation's JSONEncoder/JSONDecoder, on one core.
//
//     cd Benchmarks && swift package benchmark --target CodecBenchmarks --no-progress
//
// Every iteration handles the whole mix of `CodecWorkload.eventCount` (100,000) catalog events
// (see Sources/CodecWorkload), one event after another on the calling thread, and reports
// `events/s` over the timed part next to the package's own metrics. The mix is built in setup
// and checked there: binary and JSON round trips give back exactly the events of the mix.
import Benchmark
import CodecWorkload
import CRMDomain
import Foundation

let eventsPerSecond = BenchmarkMetric.custom("events/s", polarity: .prefersLarger, useScalingFactor: false)
let bytesPerEvent = BenchmarkMetric.custom("bytes/event", polarity: .prefersSmaller, useScalingFactor: false)
/// Rates in plain counts, so the tables keep their digits.
nonisolated(unsafe) let countUnits: [BenchmarkMetric: BenchmarkUnits] = [eventsPerSecond: .count, bytesPerEvent: .count]

/// Times `body`, which handles `events` events, and records events/s for the iteration.
@inline(__always)
func measure(_ benchmark: Benchmark, events: Int, _ body: () throws -> Void) rethrows {
    benchmark.startMeasurement()
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    benchmark.stopMeasurement()
    benchmark.measurement(eventsPerSecond, rate(events, elapsed))
}

func rate(_ events: Int, _ elapsed: Duration) -> Int {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return seconds > 0 ? Int(Double(events) / seconds) : 0
}

/// The mix of this process (each benchmark runs in its own process).
nonisolated(unsafe) var mix: CodecMix!

let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [eventsPerSecond, .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident]
    let decodeConfiguration = Benchmark.Configuration(
        metrics: metrics, units: countUnits, warmupIterations: 2, maxDuration: .seconds(5), maxIterations: 40)
    let encodeConfiguration = Benchmark.Configuration(
        metrics: metrics + [bytesPerEvent], units: countUnits, warmupIterations: 2, maxDuration: .seconds(5), maxIterations: 40)
    let load: () throws -> Void = { mix = try CodecMix.load() }

    Benchmark("codec 1 binary encode: EventRegistry.encode", configuration: encodeConfiguration) { benchmark in
        let registry = EventRegistry()
        let events = mix.domainEvents
        var bytes = 0
        measure(benchmark, events: events.count) {
            for event in events {
                bytes &+= registry.encode(event).payload.count
            }
        }
        blackHole(bytes)
        benchmark.measurement(bytesPerEvent, bytes / events.count)
    } setup: {
        try load()
    }

    Benchmark("codec 2 binary decode: EventRegistry.decode", configuration: decodeConfiguration) { benchmark in
        let registry = EventRegistry()
        let eventTypes = mix.eventTypes, versions = mix.schemaVersions, offsets = mix.offsets
        let count = mix.count
        try mix.payloads.withUnsafeBytes { base in
            try measure(benchmark, events: count) {
                for i in 0..<count {
                    let payload = UnsafeRawBufferPointer(rebasing: base[offsets[i]..<offsets[i + 1]])
                    blackHole(try registry.decode(eventType: eventTypes[i], schemaVersion: versions[i], payload: payload))
                }
            }
        }
    } setup: {
        try load()
    }

    Benchmark("codec 3 JSON encode: JSONEncoder", configuration: encodeConfiguration) { benchmark in
        let encoder = JSONEncoder()
        let events = mix.events
        var bytes = 0
        try measure(benchmark, events: events.count) {
            for event in events {
                bytes &+= try encoder.encode(event).count
            }
        }
        blackHole(bytes)
        benchmark.measurement(bytesPerEvent, bytes / events.count)
    } setup: {
        try load()
    }

    Benchmark("codec 4 JSON decode: JSONDecoder", configuration: decodeConfiguration) { benchmark in
        let decoder = JSONDecoder()
        let types = mix.types, documents = mix.json
        try measure(benchmark, events: documents.count) {
            for i in 0..<documents.count {
                blackHole(try decodeCatalogEvent(types[i], from: documents[i], with: decoder))
            }
        }
    } setup: {
        try load()
    }
}
