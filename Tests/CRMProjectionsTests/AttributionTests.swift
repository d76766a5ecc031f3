import CRMDomain
@testable import CRMProjections
import Foundation
import Testing
import TestSupport

/// The attribution engine of issue 22: every model on hand-computed paths, the data-driven model
/// against a hand-computed chain and an independent implementation, and exact sums on random paths.
///
/// Time-decay weights (half-life 7) used below, w(d) = round(2^20 · 2^(−d/7)) for a touch d days
/// before the conversion: w(0) = 1,048,576, w(1) = 949,720, w(2) = 860,184, w(3) = 779,089,
/// w(5) = 639,114, w(10) = 389,544, w(30) = 53,761.
@Suite("Attribution models")
struct AttributionTests {
    /// Every path converts on this day; touches are given as days relative to it.
    static let conversionDay = day("2025-03-31")

    func touch(_ key: String, _ offset: Int) -> AttributionTouch {
        AttributionTouch(key: key, day: Self.conversionDay.adding(days: offset))
    }

    func converting(_ touches: [AttributionTouch], _ value: Int64) -> AttributionPath {
        AttributionPath(touches: touches, conversionDay: Self.conversionDay, value: value)
    }

    /// The credits as "key=amount", in the result's order.
    func split(_ result: AttributionResult) -> [String] {
        result.credits.map { "\($0.key)=\($0.amount)" }
    }

    /// Checks every model's split of `paths` against `expected` (which must name every model).
    func expectSplits(_ paths: [AttributionPath], settings: AttributionSettings = .init(), _ expected: [AttributionModel: [String]],
                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Set(expected.keys) == Set(AttributionModel.allCases), sourceLocation: sourceLocation)
        for model in AttributionModel.allCases {
            let result = Attribution.attribute(paths, model: model, settings: settings)
            #expect(split(result) == expected[model], "\(model)", sourceLocation: sourceLocation)
            #expect(result.credits.reduce(0) { $0 + $1.amount } == result.attributed, "\(model)", sourceLocation: sourceLocation)
            let credited = result.credits.reduce(0.0) { $0 + $1.conversions }
            #expect(abs(credited - Double(result.conversions)) < 1e-9, "\(model)", sourceLocation: sourceLocation)
        }
    }

    @Test("(a) a single touch takes the whole value under every model")
    func singleTouch() {
        let paths = [converting([touch("A", -3)], 1_000)]
        expectSplits(paths, [.firstTouch: ["A=1000"], .lastTouch: ["A=1000"], .linear: ["A=1000"], .timeDecay: ["A=1000"],
                             .positionBased: ["A=1000"], .dataDriven: ["A=1000"]])
        let result = Attribution.attribute(paths, model: .linear)
        #expect(result.attributed == 1_000 && result.unattributed == 0 && result.conversions == 1)
        #expect(result.credits == [AttributionCredit(key: "A", amount: 1_000, conversions: 1)])
        #expect(result.removalEffects.isEmpty)
        // One path start → A → conversion: removing A leaves P = 0, so RE_A = 1.
        #expect(Attribution.attribute(paths, model: .dataDriven).removalEffects == ["A": 1])
    }

    @Test("(b) two touches on the same day keep the order given: per-path ties go to the first on the path")
    func sameDayTies() {
        // B then A, both 2 days before, value 101. first: B; last: A. linear, time-decay (equal
        // weights 860,184 each) and position-based (n = 2: 50/50) give ⌊101/2⌋ = 50 each with
        // remainder 1 each: the unit goes to B, touched first. Data-driven: start → B → A →
        // conversion, RE_A = RE_B = 1, weights 2^29 each; its ties go by key ascending: A.
        let paths = [converting([touch("B", -2), touch("A", -2)], 101)]
        expectSplits(paths, [.firstTouch: ["B=101", "A=0"], .lastTouch: ["A=101", "B=0"], .linear: ["B=51", "A=50"],
                             .timeDecay: ["B=51", "A=50"], .positionBased: ["B=51", "A=50"], .dataDriven: ["A=51", "B=50"]])
    }

    @Test("(c) touches before the window and after the conversion day are dropped; both window ends count")
    func windowEdges() {
        // Window 30: X 31 days before and Y the day after are dropped; A on the window's first day
        // and B on the conversion day stay. Time-decay: w(30) = 53,761, w(0) = 1,048,576,
        // W = 1,102,337: A ⌊1000·53761/W⌋ = 48 r 848,824, B 951 r 253,513; the unit left goes
        // to A (larger remainder): 49 / 951.
        let paths = [converting([touch("X", -31), touch("A", -30), touch("B", 0), touch("Y", 1)], 1_000)]
        let settings = AttributionSettings(windowDays: 30, halfLifeDays: 7)
        expectSplits(paths, settings: settings, [.firstTouch: ["A=1000", "B=0"], .lastTouch: ["B=1000", "A=0"],
                                                 .linear: ["A=500", "B=500"], .timeDecay: ["B=951", "A=49"],
                                                 .positionBased: ["A=500", "B=500"], .dataDriven: ["A=500", "B=500"]])
        // The default window of 90 days keeps X but still drops Y, after the conversion; the unit
        // left goes to X, touched first.
        #expect(split(Attribution.attribute(paths, model: .linear)) == ["X=334", "A=333", "B=333"])
    }

    @Test("(d) a key touched several times sums its weights on the path")
    func repeatedKey() {
        // A(−10) B(−5) A(−3) C(−1) A(0), value 1000.
        // linear: A 3/5 = 600, B 200, C 200.
        // position-based n = 5: weights 6,1,1,1,6 → A 13, B 1, C 1 of 15: A 866 r 10, B 66 r 10,
        //   C 66 r 10; two units left, all remainders tie: A and B, touched first → 867 / 67 / 66.
        // time-decay: A = w(10)+w(3)+w(0) = 2,217,209, B = w(5) = 639,114, C = w(1) = 949,720,
        //   W = 3,806,043: A 582 r 2,091,974, B 167 r 3,504,819, C 249 r 2,015,293 → B, A get a
        //   unit: 583 / 168 / 249.
        // data-driven: start→A, A→B, B→A, A→C, C→A, A→conversion, so from A: 1/3 each to B, C,
        //   conversion; B→A and C→A certain. x_A = 1/3 + 2/3·x_A → P = 1. Without A: P = 0,
        //   RE_A = 1. Without B: x_A = 1/3 + 1/3·x_A = 1/2, RE_B = 1/2; likewise RE_C = 1/2.
        //   Shares 1/2, 1/4, 1/4 → weights 2^29, 2^28, 2^28 → 500 / 250 / 250.
        let paths = [converting([touch("A", -10), touch("B", -5), touch("A", -3), touch("C", -1), touch("A", 0)], 1_000)]
        expectSplits(paths, [.firstTouch: ["A=1000", "B=0", "C=0"], .lastTouch: ["A=1000", "B=0", "C=0"],
                             .linear: ["A=600", "B=200", "C=200"], .timeDecay: ["A=583", "C=249", "B=168"],
                             .positionBased: ["A=867", "B=67", "C=66"], .dataDriven: ["A=500", "B=250", "C=250"]])
        let effects = Attribution.attribute(paths, model: .dataDriven).removalEffects
        #expect(abs(effects["A"]! - 1) < 1e-12 && abs(effects["B"]! - 0.5) < 1e-12 && abs(effects["C"]! - 0.5) < 1e-12)
        let linear = Attribution.attribute(paths, model: .linear)
        #expect(linear.credits.map(\.conversions) == [0.6, 0.2, 0.2])
    }

    @Test("(e) a value that does not divide evenly: largest remainder, ties to the earlier touch")
    func unevenValue() {
        // A(−2) B(−1) C(0), value 100. linear: 33 r 1 each, one unit left → A: 34 / 33 / 33.
        // position-based n = 3: weights 2,1,2 → 40 / 20 / 40. time-decay: 860,184, 949,720,
        // 1,048,576 (W = 2,858,480): 30 r 264,000, 33 r 642,160, 36 r 1,952,320 → C: 30/33/37.
        // data-driven: RE = 1 each, weights round(2^30/3) = 357,913,941 each, ties by key: A.
        let paths = [converting([touch("A", -2), touch("B", -1), touch("C", 0)], 100)]
        expectSplits(paths, [.firstTouch: ["A=100", "B=0", "C=0"], .lastTouch: ["C=100", "A=0", "B=0"],
                             .linear: ["A=34", "B=33", "C=33"], .timeDecay: ["C=37", "B=33", "A=30"],
                             .positionBased: ["A=40", "C=40", "B=20"], .dataDriven: ["A=34", "B=33", "C=33"]])
        // Position-based n = 4: weights 4,1,1,4 of 10 over 101: 40 r 4, 10 r 1, 10 r 1, 40 r 4;
        // the unit goes to A (remainder 4, touched before D).
        let four = [converting([touch("A", -3), touch("B", -2), touch("C", -1), touch("D", 0)], 101)]
        #expect(split(Attribution.attribute(four, model: .positionBased)) == ["A=41", "D=40", "B=10", "C=10"])
        // A negative value (a refund) is split as its magnitude, then negated.
        #expect(split(Attribution.attribute([converting([touch("A", -2), touch("B", -1), touch("C", 0)], -100)], model: .linear))
            == ["B=-33", "C=-33", "A=-34"])
    }

    @Test("(f) a converting path without a touch in the window is unattributed; non-converting paths earn nothing")
    func noTouchInWindow() {
        let paths = [converting([touch("A", -3)], 1_000), converting([touch("B", -91)], 500), converting([], 70),
                     AttributionPath(touches: [touch("Z", -1)])]
        for model in AttributionModel.allCases {
            let result = Attribution.attribute(paths, model: model)
            #expect(result.attributed == 1_000 && result.unattributed == 570 && result.conversions == 1, "\(model)")
            // The data-driven chain holds Z (start → Z → null), which earns nothing: RE_Z = 0.
            #expect(split(result) == (model == .dataDriven ? ["A=1000", "Z=0"] : ["A=1000"]), "\(model)")
        }
        let none = Attribution.attribute([converting([touch("B", -91)], 500)], model: .dataDriven)
        #expect(none.credits.isEmpty && none.attributed == 0 && none.unattributed == 500 && none.removalEffects.isEmpty)
        // Only non-converting paths: P = 0, no removal effects, the chain's keys at 0.
        let lost = Attribution.attribute([AttributionPath(touches: [touch("Q", -1)])], model: .dataDriven)
        #expect(split(lost) == ["Q=0"] && lost.removalEffects.isEmpty && lost.conversions == 0)
    }

    @Test("Data-driven: the removal effects and credits of a small chain computed by hand")
    func dataDrivenByHand() {
        // Paths: C1→C2→conversion (1000), C1→null, C2→conversion (500), C3→C1→null.
        // Transitions (count / out-count):
        //   start → C1 2/4, start → C2 1/4, start → C3 1/4
        //   C1 → C2 1/3, C1 → null 2/3;  C2 → conversion 2/2;  C3 → C1 1/1
        // Conversion probabilities: x_C2 = 1, x_C1 = 1/3, x_C3 = x_C1 = 1/3,
        //   P = 2/4·1/3 + 1/4·1 + 1/4·1/3 = 1/6 + 1/4 + 1/12 = 1/2.
        // Without C1 (start→C1 and C3→C1 go to null): P = 1/4 → RE_C1 = 1 − (1/4)/(1/2) = 1/2.
        // Without C2: nothing converts → RE_C2 = 1.
        // Without C3: P = 1/6 + 1/4 = 5/12 → RE_C3 = 1 − 5/6 = 1/6.
        // ΣRE = 5/3; shares 3/10, 6/10, 1/10 → weights round(2^30·share) = 322,122,547,
        //   644,245,094, 107,374,182 (W = 1,073,741,823). Over 1500: C1 450 r 150, C2 900 r 300,
        //   C3 149 r 1,073,741,373 → the unit left goes to C3: 450 / 900 / 150.
        let paths = [converting([touch("C1", -5), touch("C2", -2)], 1_000), AttributionPath(touches: [touch("C1", -4)]),
                     converting([touch("C2", -1)], 500), AttributionPath(touches: [touch("C3", -9), touch("C1", -8)])]
        let result = Attribution.attribute(paths, model: .dataDriven)
        #expect(abs(result.removalEffects["C1"]! - 1.0 / 2) < 1e-12)
        #expect(abs(result.removalEffects["C2"]! - 1) < 1e-12)
        #expect(abs(result.removalEffects["C3"]! - 1.0 / 6) < 1e-12)
        #expect(result.removalEffects.count == 3)
        #expect(split(result) == ["C2=900", "C1=450", "C3=150"])
        #expect(result.attributed == 1_500 && result.unattributed == 0 && result.conversions == 2)
        // Conversions by the same shares: 2 · w / W.
        let conversions = Dictionary(uniqueKeysWithValues: result.credits.map { ($0.key, $0.conversions) })
        #expect(abs(conversions["C1"]! - 0.6) < 1e-8 && abs(conversions["C2"]! - 1.2) < 1e-8 && abs(conversions["C3"]! - 0.2) < 1e-8)
    }

    @Test("Data-driven: consecutive repeats are one state visit, paths without touches are left out of the chain")
    func chainShape() {
        // A A B → conversion and an empty non-converting path: start→A, A→B, B→conversion only.
        let chain = MarkovChain(paths: [converting([touch("A", -3), touch("A", -2), touch("B", -1)], 10), AttributionPath(touches: [])],
                                windowDays: 90)
        #expect(chain.keys == ["A", "B"])
        // Rows start, A, B; columns start, A, B, conversion, null.
        #expect(chain.counts == [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]])
    }

    @Test("Every model's credits sum exactly to the attributed value on random paths")
    func exactSums() {
        var random = SeededRandom(state: 22)
        for _ in 0..<300 {
            let settings = AttributionSettings(windowDays: 1 + random.int(60), halfLifeDays: 1 + random.int(14))
            let paths = randomPaths(&random, keys: 6, maxPaths: 8, maxValue: 1_000_000)
            let converting = paths.filter { $0.conversionDay != nil }.reduce(Int64(0)) { $0 + $1.value }
            for model in AttributionModel.allCases {
                let result = Attribution.attribute(paths, model: model, settings: settings)
                #expect(result.credits.reduce(0) { $0 + $1.amount } == result.attributed, "\(model)")
                #expect(result.attributed + result.unattributed == converting, "\(model)")
                #expect(result.credits.allSatisfy { $0.amount >= 0 }, "\(model)")
                #expect(abs(result.credits.reduce(0.0) { $0 + $1.conversions } - Double(result.conversions)) < 1e-9, "\(model)")
                let order = result.credits.map { ($0.amount, $0.key) }
                #expect(zip(order, order.dropFirst()).allSatisfy { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }, "\(model)")
                // Each path alone also splits exactly.
                for path in paths where path.conversionDay != nil {
                    let alone = Attribution.attribute([path], model: model, settings: settings)
                    #expect(alone.credits.reduce(0) { $0 + $1.amount } == alone.attributed, "\(model)")
                }
            }
        }
    }

    @Test("Data-driven: removal effects and credits agree with value iteration over the chain, with keys removed by redirection")
    func dataDrivenAgainstReference() {
        var random = SeededRandom(state: 2016)
        for _ in 0..<200 {
            let settings = AttributionSettings(windowDays: 30, halfLifeDays: 7)
            let paths = randomPaths(&random, keys: 4, maxPaths: 6, maxValue: 10_000)
            let result = Attribution.attribute(paths, model: .dataDriven, settings: settings)
            let reference = ReferenceMarkov(paths: paths, windowDays: settings.windowDays)
            let effects = reference.removalEffects()
            #expect(Set(result.removalEffects.keys) == Set(effects.keys))
            for (key, effect) in effects {
                #expect(abs((result.removalEffects[key] ?? .nan) - effect) < 1e-9, "\(key): \(paths)")
            }
            if !effects.isEmpty {
                let amounts = Dictionary(uniqueKeysWithValues: result.credits.map { ($0.key, $0.amount) })
                #expect(amounts == reference.credits(effects, total: result.attributed), "\(paths)")
            }
        }
    }

    /// Up to `maxPaths` paths over keys K0…K(keys−1): 0–5 touches each between 40 days before and
    /// 3 days after the conversion day, in day order; 70 % convert for 0…maxValue.
    func randomPaths(_ random: inout SeededRandom, keys: Int, maxPaths: Int, maxValue: Int) -> [AttributionPath] {
        (0..<(1 + random.int(maxPaths))).map { _ in
            let touches = (0..<random.int(6)).map { _ in touch("K\(random.int(keys))", random.int(44) - 40) }
                .sorted { $0.day < $1.day }
            return random.chance(70) ? converting(touches, Int64(random.int(maxValue + 1))) : AttributionPath(touches: touches)
        }
    }
}

/// An independent data-driven model: the chain as a map of named states, absorption
/// probabilities by Gauss–Seidel value iteration from 0 (which rises to the least fixed point, the
/// absorption probability), a key removed by sending every transition into it to null.
struct ReferenceMarkov {
    var transitions: [String: [String: Int]] = [:]

    init(paths: [AttributionPath], windowDays: Int) {
        for path in paths {
            var states: [String] = []
            for touch in path.touches {
                if let conversion = path.conversionDay {
                    let before = Int(conversion.daysSince1970) - Int(touch.day.daysSince1970)
                    if before < 0 || before > windowDays { continue }
                }
                if states.last != touch.key { states.append(touch.key) }
            }
            guard !states.isEmpty else { continue }
            let walk = ["(start)"] + states + [path.conversionDay == nil ? "(null)" : "(conversion)"]
            for (from, to) in zip(walk, walk.dropFirst()) { transitions[from, default: [:]][to, default: 0] += 1 }
        }
    }

    /// The probability of reaching conversion from start with `removed` sending to null.
    func conversionProbability(without removed: String?) -> Double {
        let states = transitions.keys.sorted()
        var value: [String: Double] = [:]
        for _ in 0..<100_000 {
            var change = 0.0
            for state in states where state != removed {
                let outs = transitions[state]!
                let total = Double(outs.values.reduce(0, +))
                var next = 0.0
                for (to, count) in outs.sorted(by: { $0.key < $1.key }) {
                    let target = to == "(conversion)" ? 1 : (to == removed ? 0 : value[to] ?? 0)
                    next += Double(count) / total * target
                }
                change = max(change, abs(next - (value[state] ?? 0)))
                value[state] = next
            }
            if change < 1e-15 { break }
        }
        return value["(start)"] ?? 0
    }

    /// 1 − P₋ₖ / P per key; empty when P = 0.
    func removalEffects() -> [String: Double] {
        let probability = conversionProbability(without: nil)
        guard probability > 0 else { return [:] }
        var effects: [String: Double] = [:]
        for key in transitions.keys where key != "(start)" {
            effects[key] = 1 - conversionProbability(without: key) / probability
        }
        return effects
    }

    /// `total` split by weights round(2^30 · RE / ΣRE): floors, then one unit each to the largest
    /// remainders, ties by key ascending (values here keep value · weight within Int).
    func credits(_ effects: [String: Double], total: Int64) -> [String: Int64] {
        let keys = effects.keys.sorted()
        let sum = effects.values.reduce(0, +)
        let weights = keys.map { Int((Double(1 << 30) * effects[$0]! / sum).rounded()) }
        let whole = weights.reduce(0, +)
        var amounts = weights.map { Int(total) * $0 / whole }
        let remainders = weights.map { Int(total) * $0 % whole }
        var left = Int(total) - amounts.reduce(0, +)
        for index in keys.indices.sorted(by: { (remainders[$0], -$0) > (remainders[$1], -$1) }) where left > 0 {
            amounts[index] += 1
            left -= 1
        }
        return Dictionary(uniqueKeysWithValues: zip(keys, amounts.map(Int64.init)))
    }
}
