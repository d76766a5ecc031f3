import CRMDomain
import Foundation

/// One touch on a path: the thing that earns credit (a campaign id, a lead source, a channel) and
/// its business day.
public struct AttributionTouch: Sendable, Hashable, Codable {
    /// What earns the credit: a campaign id, a lead source, a channel.
    public var key: String
    /// The business day of the touch.
    public var day: CalendarDay

    /// A touch of `key` on `day`.
    public init(key: String, day: CalendarDay) {
        self.key = key
        self.day = day
    }
}

/// One path: touches in the order they happened (business day, then recording order — the caller
/// sorts), ending in a conversion worth `value` minor units on `conversionDay`, or not converting
/// (`conversionDay` nil, `value` 0).
public struct AttributionPath: Sendable, Hashable, Codable {
    /// The touches in the order they happened; the engine does not reorder them.
    public var touches: [AttributionTouch]
    /// The business day of the conversion; nil for a path that did not convert.
    public var conversionDay: CalendarDay?
    /// The conversion's value in minor units; ignored when `conversionDay` is nil.
    public var value: Int64

    /// A path of `touches` converting on `conversionDay` for `value` minor units, or not converting.
    public init(touches: [AttributionTouch], conversionDay: CalendarDay? = nil, value: Int64 = 0) {
        self.touches = touches
        self.conversionDay = conversionDay
        self.value = value
    }
}

/// The attribution models (docs/projections.md, "Attribution models", defines each exactly).
public enum AttributionModel: String, Sendable, Hashable, Codable, CaseIterable {
    /// All credit to the first touch in the window.
    case firstTouch
    /// All credit to the last touch in the window.
    case lastTouch
    /// Equal credit to every touch in the window.
    case linear
    /// Credit halving every ``AttributionSettings/halfLifeDays`` before the conversion.
    case timeDecay
    /// 40 % first, 40 % last, 20 % over the touches between.
    case positionBased
    /// Markov-chain removal effect over all paths, converting and not.
    case dataDriven
}

/// The lookback window and the time-decay half-life.
public struct AttributionSettings: Sendable, Hashable, Codable {
    /// Touches count from `windowDays` days before the conversion day through the conversion day.
    public var windowDays: Int = 90
    /// The time-decay model halves a touch's weight every `halfLifeDays` days before the conversion
    /// (values below 1 count as 1).
    public var halfLifeDays: Int = 7

    /// Settings with a lookback window of `windowDays` and a time-decay half-life of `halfLifeDays`.
    public init(windowDays: Int = 90, halfLifeDays: Int = 7) {
        self.windowDays = windowDays
        self.halfLifeDays = halfLifeDays
    }
}

/// The credit one key earned under a model.
public struct AttributionCredit: Sendable, Hashable, Codable {
    /// The key (campaign id, lead source, channel).
    public var key: String
    /// The value credited, in minor units.
    public var amount: Int64
    /// The fractional conversions credited, by the same weights as `amount` (for information).
    public var conversions: Double

    /// A credit of `amount` minor units and `conversions` conversions to `key`.
    public init(key: String, amount: Int64, conversions: Double) {
        self.key = key
        self.amount = amount
        self.conversions = conversions
    }
}

/// The outcome of one model over a set of paths.
public struct AttributionResult: Sendable, Hashable, Codable {
    /// The model that produced the result.
    public var model: AttributionModel
    /// One credit per key that got credit or appears on a path in the window (data-driven: on any
    /// path of the chain), by amount descending, then key ascending.
    public var credits: [AttributionCredit]
    /// The value of converting paths with at least one touch in the window; exactly the sum of the
    /// credits' amounts.
    public var attributed: Int64
    /// The value of converting paths without any touch in the window.
    public var unattributed: Int64
    /// The number of converting paths with at least one touch in the window.
    public var conversions: Int
    /// Each key's removal effect (data-driven model only; empty otherwise).
    public var removalEffects: [String: Double]

    /// A result with every field given.
    public init(model: AttributionModel, credits: [AttributionCredit], attributed: Int64, unattributed: Int64, conversions: Int,
                removalEffects: [String: Double] = [:]) {
        self.model = model
        self.credits = credits
        self.attributed = attributed
        self.unattributed = unattributed
        self.conversions = conversions
        self.removalEffects = removalEffects
    }
}

/// The attribution engine: pure functions from paths to credits, no events and no storage.
public enum Attribution {
    /// Splits the value of the converting `paths` over their touches' keys by `model`; every
    /// model's amounts sum exactly to ``AttributionResult/attributed``.
    public static func attribute(_ paths: [AttributionPath], model: AttributionModel,
                                 settings: AttributionSettings = .init()) -> AttributionResult {
        var windowed: [WindowedPath] = []
        var unattributed: Int64 = 0
        for path in paths {
            guard let conversionDay = path.conversionDay else { continue }
            let touches = inWindow(path.touches, conversionDay: conversionDay, windowDays: settings.windowDays)
            if touches.isEmpty {
                unattributed += path.value
            } else {
                windowed.append(WindowedPath(touches: touches, conversionDay: conversionDay, value: path.value))
            }
        }
        let attributed = windowed.reduce(Int64(0)) { $0 + $1.value }
        var ledger = CreditLedger()
        var removalEffects: [String: Double] = [:]
        if model == .dataDriven {
            let chain = MarkovChain(paths: paths, windowDays: settings.windowDays)
            let effects = chain.removalEffects()
            removalEffects = effects ?? [:]
            if let effects, let split = dataDrivenSplit(effects, total: attributed, conversions: windowed.count) {
                ledger = split
            } else {
                // P = 0 or ΣRE = 0: nothing to weigh by, so linear (docs/projections.md).
                ledger = perPathCredits(windowed, model: .linear, settings: settings)
            }
            for key in chain.keys { ledger.add(key, amount: 0, conversions: 0) }
        } else {
            ledger = perPathCredits(windowed, model: model, settings: settings)
        }
        return AttributionResult(model: model, credits: ledger.sortedCredits(), attributed: attributed, unattributed: unattributed,
                                 conversions: windowed.count, removalEffects: removalEffects)
    }

    /// The touches with conversionDay − windowDays ≤ day ≤ conversionDay, in the given order.
    static func inWindow(_ touches: [AttributionTouch], conversionDay: CalendarDay, windowDays: Int) -> [AttributionTouch] {
        let last = Int(conversionDay.daysSince1970)
        let first = last - windowDays
        return touches.filter { first <= Int($0.day.daysSince1970) && Int($0.day.daysSince1970) <= last }
    }

    /// Each converting path split over its keys by the model's integer weights (largest remainder,
    /// ties to the key touched first on the path).
    static func perPathCredits(_ paths: [WindowedPath], model: AttributionModel, settings: AttributionSettings) -> CreditLedger {
        var ledger = CreditLedger()
        for path in paths {
            let weights = touchWeights(path, model: model, halfLifeDays: settings.halfLifeDays)
            // Keys in the order of their first touch on the path: the tie order.
            var keys: [String] = []
            var keyWeights: [String: Int64] = [:]
            for (touch, weight) in zip(path.touches, weights) {
                if keyWeights[touch.key] == nil { keys.append(touch.key) }
                keyWeights[touch.key, default: 0] += weight
            }
            let ordered = keys.map { keyWeights[$0]! }
            let total = Double(ordered.reduce(0, +))
            let amounts = largestRemainder(path.value, weights: ordered)
            for (index, key) in keys.enumerated() {
                ledger.add(key, amount: amounts[index], conversions: Double(ordered[index]) / total)
            }
        }
        return ledger
    }

    /// The model's integer weight of each in-window touch of `path`, in path order.
    static func touchWeights(_ path: WindowedPath, model: AttributionModel, halfLifeDays: Int) -> [Int64] {
        let count = path.touches.count
        switch model {
        case .firstTouch:
            return (0..<count).map { $0 == 0 ? 1 : 0 }
        case .lastTouch:
            return (0..<count).map { $0 == count - 1 ? 1 : 0 }
        case .linear, .dataDriven:
            return Array(repeating: 1, count: count)
        case .positionBased:
            guard count >= 3 else { return Array(repeating: 1, count: count) }
            let end = Int64(2 * (count - 2))
            return (0..<count).map { $0 == 0 || $0 == count - 1 ? end : 1 }
        case .timeDecay:
            let halfLife = Double(max(1, halfLifeDays))
            return path.touches.map { touch in
                let daysBefore = Double(Int(path.conversionDay.daysSince1970) - Int(touch.day.daysSince1970))
                return max(1, Int64((1_048_576 * exp2(-daysBefore / halfLife)).rounded()))
            }
        }
    }

    /// The data-driven split of `total` over the keys by weights round(2^30 · RE_k / ΣRE), largest
    /// remainder with ties by key ascending; nil when ΣRE = 0.
    static func dataDrivenSplit(_ effects: [String: Double], total: Int64, conversions: Int) -> CreditLedger? {
        let keys = effects.keys.sorted()
        let sum = keys.reduce(0.0) { $0 + max(0, effects[$1]!) }
        guard sum > 0, sum.isFinite else { return nil }
        let weights = keys.map { Int64((1_073_741_824 * (max(0, effects[$0]!) / sum)).rounded()) }
        let weightSum = weights.reduce(0, +)
        guard weightSum > 0 else { return nil }
        let amounts = largestRemainder(total, weights: weights)
        var ledger = CreditLedger()
        for (index, key) in keys.enumerated() {
            ledger.add(key, amount: amounts[index], conversions: Double(conversions) * Double(weights[index]) / Double(weightSum))
        }
        return ledger
    }

    /// Splits `value` over non-negative `weights` (sum > 0) so the shares sum exactly to `value`:
    /// each gets ⌊value · w / W⌋, the units left go one each to the largest remainders, ties to
    /// the earlier index. A negative value is split as its magnitude, then negated. Exact: Int128.
    static func largestRemainder(_ value: Int64, weights: [Int64]) -> [Int64] {
        let total = weights.reduce(Int128(0)) { $0 + Int128($1) }
        precondition(total > 0, "largestRemainder needs a positive weight")
        let magnitude = Int128(value).magnitude
        var shares: [UInt128] = []
        var remainders: [UInt128] = []
        for weight in weights {
            let product = magnitude * UInt128(weight)
            shares.append(product / UInt128(total))
            remainders.append(product % UInt128(total))
        }
        var left = magnitude - shares.reduce(0, +)
        let order = weights.indices.sorted { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1 }
        for index in order where left > 0 {
            shares[index] += 1
            left -= 1
        }
        return shares.map { value < 0 ? Int64(-Int128($0)) : Int64($0) }
    }
}

/// A converting path reduced to its touches in the window (at least one).
struct WindowedPath: Sendable, Hashable {
    var touches: [AttributionTouch]
    var conversionDay: CalendarDay
    var value: Int64
}

/// Credits summed per key.
struct CreditLedger {
    var amounts: [String: Int64] = [:]
    var conversions: [String: Double] = [:]

    mutating func add(_ key: String, amount: Int64, conversions credited: Double) {
        amounts[key, default: 0] += amount
        conversions[key, default: 0] += credited
    }

    /// By amount descending, then key ascending.
    func sortedCredits() -> [AttributionCredit] {
        amounts.map { AttributionCredit(key: $0.key, amount: $0.value, conversions: conversions[$0.key] ?? 0) }
            .sorted { $0.amount != $1.amount ? $0.amount > $1.amount : $0.key < $1.key }
    }
}
