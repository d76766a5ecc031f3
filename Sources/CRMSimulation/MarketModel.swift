import CRMDomain
import Foundation

/// The parameters of the simulated market (see docs/simulation.md for the reasoning behind
/// each default). Rates are per year unless the name says otherwise.
public struct MarketParameters: Sendable, Hashable {
    /// Customers at the end of the history: the initial base plus those acquired from leads.
    public var customers: Int
    /// Scales the everyday activity (interactions, cost bookings): 1 is the calibrated default;
    /// `crm demo --events` sets it so the history has about that many events.
    public var activity: Double
    /// Days of history, from ``MarketSimulation/start`` on.
    public var days: Int
    /// The share of ``customers`` that already exist in the first 120 days; the rest are acquired
    /// from campaign leads during the history.
    public var initialShare: Double
    /// The share of B2B accounts (the rest are private persons).
    public var accountShare: Double
    /// The share of accounts that are key accounts (frequent, large orders).
    public var keyAccountShare: Double
    /// Yearly hazard that a buying customer silently stops buying.
    public var yearlyChurn: Double
    /// The share of customers who agree to marketing by e-mail.
    public var marketingConsentShare: Double
    /// The share of customers who subscribe to the newsletter.
    public var newsletterConsentShare: Double
    /// The share of customers who agree to surveys.
    public var surveyConsentShare: Double
    /// The probability that a customer reorders within five weeks of a retention offer or call
    /// (the planted effect); customers without the offer get no such boost.
    public var retentionResponse: Double
    /// The probability that a customer who had stopped buying comes back after a retention or
    /// win-back offer.
    public var comeback: Double
    /// Leads captured per customer acquired.
    public var leadsPerAcquisition: Double
    /// The probability that an opportunity survives each stage (prospecting … negotiation).
    public var stageSurvival: [Double]
    /// The share of invoices paid late (marked overdue first).
    public var latePaymentShare: Double
    /// The share of tickets answered within their first-response target.
    public var respondedInTime: Double
    /// The share of tickets resolved within their resolution target.
    public var resolvedInTime: Double
    /// The share of NPS answers that are promoters (9–10) and detractors (0–6); the rest are passive.
    public var promoters: Double, detractors: Double
    /// The seed; the same parameters and seed give the same history.
    public var seed: UInt64

    /// The calibrated defaults for `customers` customers.
    public init(customers: Int, seed: UInt64 = 2026, activity: Double = 1) {
        self.customers = customers
        self.seed = seed
        self.activity = activity
        days = 1_095
        initialShare = 0.55
        accountShare = 0.3
        keyAccountShare = 0.3
        yearlyChurn = 0.16
        marketingConsentShare = 0.6
        newsletterConsentShare = 0.45
        surveyConsentShare = 0.5
        retentionResponse = 0.45
        comeback = 0.35
        leadsPerAcquisition = 2.5
        stageSurvival = [0.9, 0.8, 0.75, 0.75, 0.8]
        latePaymentShare = 0.03
        respondedInTime = 0.93
        resolvedInTime = 0.94
        promoters = 0.45
        detractors = 0.2
    }

    /// Events per customer at activity 1 (measured on the calibrated model; used to turn an
    /// event budget into ``activity``).
    public static let eventsPerCustomer = 70.0

    /// Defaults whose activity gives about `events` events for `customers` customers
    /// (clamped to 0.2 … 5 times the calibrated activity).
    public init(customers: Int, events: Int, seed: UInt64 = 2026) {
        let activity = Double(events) / (Double(max(customers, 1)) * Self.eventsPerCustomer)
        self.init(customers: customers, seed: seed, activity: min(5, max(0.2, activity)))
    }
}

/// What kind of entity an id belongs to; mixed into the id's seed so ids of different kinds
/// never come from the same random stream.
enum IDKind: UInt64 {
    case employee = 1, customer, lead, campaign
}

/// A generator seeded from the history's seed, an entity kind and its number.
func generator(seed: UInt64, kind: IDKind, index: Int) -> SeededGenerator {
    var mixer = SeededGenerator(seed: seed ^ (kind.rawValue &* 0xA076_1D64_78BD_642F))
    let base = mixer.next()
    var rng = SeededGenerator(seed: base &+ UInt64(bitPattern: Int64(index)) &* 0xE703_7ED1_A0B4_28DB)
    _ = rng.next()
    return rng
}

extension SeededGenerator {
    /// A uniform number in 0 ..< 1.
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Whether an event of probability `p` happens.
    mutating func chance(_ p: Double) -> Bool { unit() < p }
    /// An exponential waiting time with the given mean.
    mutating func exponential(mean: Double) -> Double { -mean * log(1 - unit()) }
    /// A log-normal value with the given median and spread (σ of the logarithm).
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        let u1 = max(unit(), 1e-12), u2 = unit()
        return median * exp(sigma * sqrt(-2 * log(u1)) * cos(2 * .pi * u2))
    }
    /// A uniform number in the range.
    mutating func uniform(_ range: ClosedRange<Double>) -> Double { range.lowerBound + unit() * (range.upperBound - range.lowerBound) }
    /// A Poisson-distributed count with the given mean.
    mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let limit = exp(-mean)
        var count = 0, product = unit()
        while product > limit && count < 1_000 { count += 1; product *= unit() }
        return count
    }
    /// An element chosen uniformly.
    mutating func element<T>(_ values: [T]) -> T { values[Int(next() % UInt64(values.count))] }
}

/// A command due at a business time (days after ``MarketSimulation/start``).
struct Scheduled: Sendable {
    var day: Double
    var sequence: Int
    var command: CRMCommand
}

/// A queue of commands in time order (stable for equal times).
struct Agenda: Sendable {
    private(set) var items: [Scheduled] = []
    private var sequence = 0

    mutating func add(_ command: CRMCommand, at day: Double) {
        sequence += 1
        let item = Scheduled(day: day, sequence: sequence, command: command)
        var low = 0, high = items.count
        while low < high {
            let mid = (low + high) / 2
            if items[mid].day < day || (items[mid].day == day && items[mid].sequence < sequence) { low = mid + 1 } else { high = mid }
        }
        items.insert(item, at: low)
    }

    /// Removes and returns the commands due before `day`.
    mutating func take(before day: Double) -> [Scheduled] {
        var count = 0
        while count < items.count && items[count].day < day { count += 1 }
        let due = Array(items.prefix(count))
        items.removeFirst(count)
        return due
    }

    var isEmpty: Bool { items.isEmpty }
}
