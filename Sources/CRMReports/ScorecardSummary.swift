import CRMDomain
import CRMProjections
import Foundation

/// The balanced scorecard of one period (`crm scorecard --json`): the four perspectives, each
/// KPI with value, target, status and its trend over the periods before.
public struct ScorecardSummary: Codable, Sendable, Hashable {
    /// One KPI.
    public struct KPI: Codable, Sendable, Hashable {
        /// The KPI's name, e.g. `nps`, `revenue`, `medianFirstResponseMinutes`.
        public let name: String
        /// The KPI's label, e.g. `Churn rate` (``Labels/kpi(_:)``).
        public let label: String
        /// The value; absent when there was nothing to measure.
        public let value: Double?
        /// The target; absent when none is set.
        public let target: Double?
        /// Whether higher values are better (absent without a target).
        public let higherIsBetter: Bool?
        /// `onTarget`, `atRisk`, `offTarget` or `noData`; `partial` (not graded) for every KPI of a
        /// period that is incomplete on the report day.
        public let status: String
        /// The value in each period of ``ScorecardSummary/trendPeriods``, oldest first, ending
        /// with this period (`null` where there was nothing to measure).
        public let trend: [Double?]
    }

    /// One perspective's KPIs.
    public struct PerspectiveKPIs: Codable, Sendable, Hashable {
        /// `financial`, `customer`, `process` or `learning`.
        public let perspective: String
        /// Its KPIs, in the scorecard's order.
        public let kpis: [KPI]
    }

    /// One CLV segment's profit.
    public struct SegmentProfit: Codable, Sendable, Hashable {
        /// `champions`, `loyal`, `potential` or `atRisk`.
        public let segment: String
        /// Net revenue − cost to serve of the period's calendar years.
        public let profit: MoneyAmount
    }

    /// The period, e.g. `2026-Q3`.
    public let period: String
    /// Its first day.
    public let start: String
    /// Its last day.
    public let end: String
    /// The currency of money KPIs (minor units).
    public let currency: String
    /// The report day: every KPI is as known on it.
    public let asOf: String
    /// The last log position folded in.
    public let position: UInt64
    /// The periods of every KPI's ``KPI/trend``, oldest first.
    public let trendPeriods: [String]
    /// The four perspectives in order: financial, customer, process, learning.
    public let perspectives: [PerspectiveKPIs]
    /// Profit per CLV segment.
    public let segmentProfit: [SegmentProfit]
    /// Whether the period is incomplete on the report day (it ends after it): its values cover
    /// the events up to the report day and are not graded against the targets.
    public let partial: Bool

    /// The scorecard of `period` with trends over it and the `trend - 1` periods before.
    public init(_ source: ReportSource, period: Period, trend: Int = 6) {
        var periods = [period]
        while periods.count < max(1, trend) { periods.insert(periods[0].previous, at: 0) }
        let reports = periods.map { source.models.scorecard($0, asOf: source.day) }
        let report = reports[reports.count - 1]
        self.period = period.description
        start = period.start.description
        end = period.end.description
        let currency = source.models.rules.currency.code
        self.currency = currency
        asOf = source.day.description
        position = source.position
        trendPeriods = periods.map(\.description)
        let partial = period.end > source.day
        self.partial = partial
        perspectives = Perspective.allCases.map { perspective in
            PerspectiveKPIs(perspective: perspective.rawValue, kpis: report.kpis(of: perspective).map { kpi in
                KPI(name: kpi.name, label: Labels.kpi(kpi.name), value: kpi.value, target: kpi.target?.target, higherIsBetter: kpi.target?.higherIsBetter,
                    status: partial ? "partial" : kpi.status.rawValue, trend: reports.map { $0[kpi.name]?.value })
            })
        }
        segmentProfit = ValueSegment.allCases.map { SegmentProfit(segment: $0.rawValue, profit: MoneyAmount(minorUnits: report.segmentProfit[$0] ?? 0, currency: currency)) }
    }
}
