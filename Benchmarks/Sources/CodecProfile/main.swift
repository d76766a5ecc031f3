// TEMPORARY profiling driver (removed after profiling).
import CRMDomain
import Foundation

let mix = try CodecMix.load()
let registry = EventRegistry()
let mode = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "decode"
let rounds = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2])! : 50
let n = mix.count

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

var sink = 0
mix.payloads.withUnsafeBytes { base in
    for round in 0..<rounds {
        let start = ContinuousClock.now
        switch mode {
        case "decode":
            for i in 0..<n {
                let p = UnsafeRawBufferPointer(rebasing: base[mix.offsets[i]..<mix.offsets[i + 1]])
                let e = try! registry.decode(eventType: mix.eventTypes[i], schemaVersion: mix.schemaVersions[i], payload: p)
                if case .interactionRecorded = e { sink &+= 1 }
            }
        case "encode":
            for e in mix.domainEvents { sink &+= registry.encode(e).payload.count }
        default: fatalError()
        }
        let t = seconds(ContinuousClock.now - start)
        if round % 10 == 0 { print(mode, Int(Double(n) / t), "events/s", String(format: "%.1f ns/event", t / Double(n) * 1e9)) }
    }
}
print(sink)
