import CRMDomain
import Foundation

/// Purchase histories drawn from the BG/NBD and Gamma-Gamma processes with given parameters:
/// for testing that fits recover what generated the data, and for benchmarks at any scale.
///
/// Each customer's first purchase falls on a uniformly drawn day of the first `acquisitionDays`;
/// while alive she buys as a Poisson process with rate λ ~ Gamma(r, α) per unit and drops out
/// after each repeat purchase with probability p ~ Beta(a, b); each transaction's value is
/// Gamma(p, ν) with ν ~ Gamma(q, γ). Deterministic: the same seed gives the same histories.
public struct CustomerBaseSimulation: Sendable {
    /// The purchase process.
    public var purchases: (r: Double, alpha: Double, a: Double, b: Double)
    /// The spend process (values in major currency units).
    public var spend: (p: Double, q: Double, gamma: Double)
    /// The unit of α.
    public var unit: TimeUnit
    /// The first day of the acquisition window.
    public var start: CalendarDay
    /// Days over which first purchases are spread.
    public var acquisitionDays: Int
    /// Days after `start` after which nothing is bought.
    public var observationDays: Int

    /// Creates a simulation; the defaults are the CDNOW estimates in weeks over 78 weeks.
    public init(purchases: (r: Double, alpha: Double, a: Double, b: Double) = (0.2426, 4.4135, 0.7929, 2.4258),
                spend: (p: Double, q: Double, gamma: Double) = (6.2488, 3.7446, 15.4477), unit: TimeUnit = .week,
                start: CalendarDay = CalendarDay(year: 1997, month: 1, day: 1)!, acquisitionDays: Int = 84, observationDays: Int = 546) {
        self.purchases = purchases
        self.spend = spend
        self.unit = unit
        self.start = start
        self.acquisitionDays = acquisitionDays
        self.observationDays = observationDays
    }

    /// `count` customers' histories from `seed`; customer i has the UUID whose last eight bytes are i.
    public func histories(count: Int, seed: UInt64) -> [CustomerPurchases] {
        var random = SplitMix64(seed: seed)
        var result: [CustomerPurchases] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            var record = CustomerPurchases()
            record.customer = CustomerID(Self.uuid(UInt64(i + 1)))
            let lambda = random.gamma(shape: purchases.r, scale: 1 / purchases.alpha)
            let x1 = random.gamma(shape: purchases.a, scale: 1), x2 = random.gamma(shape: purchases.b, scale: 1)
            let dropOut = x1 / (x1 + x2)
            let nu = random.gamma(shape: spend.q, scale: 1 / spend.gamma)
            var time = Double(Int(random.uniform() * Double(acquisitionDays))) / unit.days
            let end = Double(observationDays) / unit.days
            var first = true
            while time < end {
                let day = start.adding(days: Int((time * unit.days).rounded(.down)))
                let value = random.gamma(shape: spend.p, scale: 1 / nu)
                record.add(day: day, amount: max(1, Int((value * 100).rounded())), count: 1)
                // A customer can drop out after every repeat purchase, not after the first.
                if !first, random.uniform() < dropOut { break }
                first = false
                time += -log(1 - random.uniform()) / lambda
            }
            result.append(record)
        }
        return result
    }

    static func uuid(_ number: UInt64) -> UUID {
        let b = withUnsafeBytes(of: number.bigEndian) { Array($0) }
        return UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]))
    }
}

/// A small seeded generator (SplitMix64) with the draws the simulation needs.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u = max(uniform(), 0x1.0p-53), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// Gamma(shape, scale) by Marsaglia & Tsang (2000); shapes below 1 by boosting.
    mutating func gamma(shape: Double, scale: Double) -> Double {
        if shape < 1 {
            let boosted = gamma(shape: shape + 1, scale: scale)
            return boosted * pow(max(uniform(), 0x1.0p-53), 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v * scale }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v * scale }
        }
    }
}
