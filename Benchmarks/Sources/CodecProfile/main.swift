// Encodes or decodes the codec benchmarks' mix in a loop, for profiling (not in CI):
//
//     swift build -c release --product CodecProfile
//     .build/release/CodecProfile decode 200                      # prints best and median ns/event
//     perf record -D 4500 -g .build/release/CodecProfile decode 200  # -D skips the ~4 s of setup
//
// Modes: `decode` (EventRegistry.decode of every payload, as codec benchmark 2) and `encode`
// (EventRegistry.encode of every event, as codec benchmark 1).
import CodecWorkload
import CRMDomain
import Foundation

/// Keeps a value alive without the optimiser seeing through it.
@inline(never)
func consume<T>(_ value: T) { withExtendedLifetime(value) {} }

let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "decode"
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 50 : 50
guard mode == "decode" || mode == "encode", rounds > 0 else {
    print("usage: CodecProfile [decode|encode] [rounds]")
    exit(2)
}

let mix = try CodecMix.load()
let registry = EventRegistry()
let count = mix.count
var nanosecondsPerEvent: [Double] = []

try mix.payloads.withUnsafeBytes { base in
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        if mode == "decode" {
            for i in 0..<count {
                let payload = UnsafeRawBufferPointer(rebasing: base[mix.offsets[i]..<mix.offsets[i + 1]])
                consume(try registry.decode(eventType: mix.eventTypes[i], schemaVersion: mix.schemaVersions[i], payload: payload))
            }
        } else {
            for event in mix.domainEvents { consume(registry.encode(event)) }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        nanosecondsPerEvent.append(seconds / Double(count) * 1e9)
    }
}
nanosecondsPerEvent.sort()
let best = nanosecondsPerEvent[0], median = nanosecondsPerEvent[nanosecondsPerEvent.count / 2]
print(mode, String(format: "%d events × %d rounds: best %.0f ns/event (%.2f M/s), median %.0f ns/event (%.2f M/s)",
                   count, rounds, best, 1e3 / best, median, 1e3 / median))
