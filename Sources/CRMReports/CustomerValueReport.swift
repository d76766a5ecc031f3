import CRMDomain
import CRMProjections
import Foundation

/// The customer base by value and risk (`crm report`'s CLV segments and churn-risk list): CLV
/// segments, ABC classes, churn-risk levels, and the customers most at risk.
public struct CustomerValueReport: Codable, Sendable, Hashable {
    /// One CLV segment.
    public struct Segment: Codable, Sendable, Hashable {
        /// `champions`, `loyal`, `potential` or `atRisk`.
        public let segment: String
        /// Customers in it.
        public let customers: Int
        /// Σ CLV of its customers.
        public let totalCLV: MoneyAmount
    }

    /// A customer at risk of churning.
    public struct AtRisk: Codable, Sendable, Hashable {
        /// The customer id.
        public let id: String
        /// The name as displayable.
        public let name: String
        /// Lifecycle stage.
        public let stage: String?
        /// `medium` or `high`.
        public let level: String
        /// Churn points.
        public let score: Int
        /// CLV.
        public let clv: MoneyAmount
        /// The signals that fired.
        public let reasons: [String]
    }

    /// The business day described.
    public let asOf: String
    /// The last log position folded in.
    public let position: UInt64
    /// The currency of CLV amounts.
    public let currency: String
    /// Customers evaluated (registered, not merged, not lost).
    public let customers: Int
    /// CLV segments in the order champions, loyal, potential, atRisk.
    public let segments: [Segment]
    /// Customers per ABC class (`A`, `B`, `C`).
    public let abc: [String: Int]
    /// Customers per churn-risk level (`low`, `medium`, `high`).
    public let churnLevels: [String: Int]
    /// The customers with medium or high churn risk, highest score first (then highest CLV),
    /// at most `limit`.
    public let atRisk: [AtRisk]
    /// The customer with the highest CLV (the demo shows its 360), if any.
    public let topCustomer: String?

    /// The value report of `source`, listing at most `limit` customers at risk.
    public init(_ source: ReportSource, limit: Int = 20) {
        let models = source.models
        let day = source.day
        asOf = day.description
        position = source.position
        let currency = models.rules.currency.code
        self.currency = currency
        let stages = models.lifecycle.stages(asOf: day)
        var bySegment: [ValueSegment: (Int, Int64)] = [:]
        var levels: [String: Int] = ["low": 0, "medium": 0, "high": 0]
        var risky: [(AtRisk, CustomerID)] = []
        var top: (CustomerID, Int64)?
        var counted = 0
        var active: [CustomerID: CustomerRecord] = [:]
        for (id, stage) in stages where stage != .lostCustomer {
            guard let view = models.customer360(id, asOf: day) else { continue }
            counted += 1
            active[id] = view.record
            bySegment[view.segment, default: (0, 0)].0 += 1
            bySegment[view.segment, default: (0, 0)].1 &+= view.clv
            levels[view.churnRisk.level.rawValue, default: 0] += 1
            if top == nil || view.clv > top!.1 || (view.clv == top!.1 && id < top!.0) { top = (id, view.clv) }
            if view.churnRisk.level != .low {
                risky.append((AtRisk(id: id.description, name: source.display(view.record.name, .customer(id)), stage: "\(stage)",
                                     level: view.churnRisk.level.rawValue, score: view.churnRisk.score, clv: MoneyAmount(minorUnits: view.clv, currency: currency),
                                     reasons: view.churnRisk.reasons), id))
            }
        }
        customers = counted
        segments = ValueSegment.allCases.map { Segment(segment: $0.rawValue, customers: bySegment[$0]?.0 ?? 0, totalCLV: MoneyAmount(minorUnits: bySegment[$0]?.1 ?? 0, currency: currency)) }
        var classes: [String: Int] = ["A": 0, "B": 0, "C": 0]
        for (_, value) in CustomerAnalytics.abc(active, rules: models.rules.value, asOf: day) { classes[value.rawValue.uppercased(), default: 0] += 1 }
        abc = classes
        churnLevels = levels
        risky.sort { a, b in (a.0.score, a.0.clv.minorUnits, b.1) > (b.0.score, b.0.clv.minorUnits, a.1) }
        atRisk = risky.prefix(max(0, limit)).map(\.0)
        topCustomer = top?.0.description
    }
}
