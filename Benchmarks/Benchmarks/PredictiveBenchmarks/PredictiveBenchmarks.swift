// Predictive analytics (issue 10): the RFM summary of 25,000 customers' purchase histories and
// the BG/NBD and Gamma-Gamma maximum-likelihood fits on it.
//
//     cd Benchmarks && swift package benchmark --no-progress --target PredictiveBenchmarks
//
// The histories are drawn by `CustomerBaseSimulation` with the CDNOW estimates (seeded, so every
// run fits the same data): first purchases over 12 weeks, 78 weeks observed, calibration end
// after 39 weeks, unit weeks. See docs/benchmarks.md, "Predictive analytics (issue 10)".
import Benchmark
import CRMDomain
import CRMPredictive

let customers = 25_000
let calibrationEnd = CalendarDay(year: 1997, month: 9, day: 30)!

/// Per-process state: each benchmark runs in its own process.
final class Fixture: @unchecked Sendable {
    var histories: [CustomerPurchases] = []
    var summary: RFMSummary?

    func prepare() throws {
        histories = CustomerBaseSimulation().histories(count: customers, seed: 2026)
        summary = try RFMSummary(histories: histories, calibrationEnd: calibrationEnd, unit: .week)
    }
}

let fixture = Fixture()

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
                                                timeUnits: .milliseconds, warmupIterations: 1,
                                                maxDuration: .seconds(20), maxIterations: 20)

    Benchmark("R1 RFM summary: 25k customers", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try RFMSummary(histories: fixture.histories, calibrationEnd: calibrationEnd, unit: .week))
        }
    } setup: {
        try fixture.prepare()
    }

    Benchmark("R2 BG/NBD fit: 25k customers", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try BGNBDModel.fit(fixture.summary!))
        }
    } setup: {
        try fixture.prepare()
    }

    Benchmark("R3 Gamma-Gamma fit: 25k customers' repeat buyers", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try GammaGammaModel.fit(fixture.summary!))
        }
    } setup: {
        try fixture.prepare()
    }

    Benchmark("R4 RFM summary + both fits: 25k customers", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            let summary = try RFMSummary(histories: fixture.histories, calibrationEnd: calibrationEnd, unit: .week)
            blackHole(try BGNBDModel.fit(summary))
            blackHole(try GammaGammaModel.fit(summary))
        }
    } setup: {
        try fixture.prepare()
    }
}
