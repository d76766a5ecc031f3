import CRMDomain
import CRMProjections
import Foundation

/// The lifecycle distribution (`crm lifecycle --json`): how many customers are in each stage on
/// the report's day, and at the end of every month before it.
public struct LifecycleReport: Codable, Sendable, Hashable {
    /// One stage's count.
    public struct StageCount: Codable, Sendable, Hashable {
        /// `prospect`, `newCustomer`, `growingCustomer`, `starCustomer` or `lostCustomer`.
        public let stage: String
        /// The stage's English label, e.g. `Growing customer`.
        public let label: String
        /// The seed's German name (Interessent, Neukunde, Aufsteigerkunde, Starkunde,
        /// Verlorener Kunde).
        public let name: String
        /// Customers in the stage.
        public let count: Int
    }

    /// The distribution at the end of one month (or on the report's day for the last one).
    public struct Snapshot: Codable, Sendable, Hashable {
        /// `YYYY-MM`.
        public let month: String
        /// The day counted: the month's last day, or the report's day in its own month.
        public let day: String
        /// Customers per stage, in stage order.
        public let counts: [Int]
    }

    /// The business day described.
    public let asOf: String
    /// The last log position folded in.
    public let position: UInt64
    /// Customers per stage on ``asOf``, in stage order.
    public let stages: [StageCount]
    /// Customers counted on ``asOf`` (registered, not merged).
    public let total: Int
    /// The stage order of ``Snapshot/counts``.
    public let stageOrder: [String]
    /// Month-end distributions, oldest first: at most `months` of them, ending with ``asOf``.
    public let history: [Snapshot]

    /// The lifecycle distribution of `source`, with up to `months` month-end snapshots.
    public init(_ source: ReportSource, months: Int = 36) {
        let lifecycle = source.models.lifecycle
        let day = source.day
        asOf = day.description
        position = source.position
        let counts = lifecycle.counts(asOf: day)
        stages = LifecycleStage.allCases.map { StageCount(stage: "\($0)", label: Labels.stage($0), name: $0.germanName, count: counts[$0] ?? 0) }
        total = stages.reduce(0) { $0 + $1.count }
        stageOrder = LifecycleStage.allCases.map { "\($0)" }
        let first = source.models.customer360.customers.records.values.lazy.map(\.registeredOn).min() ?? day
        var snapshots: [Snapshot] = []
        var (year, month, _) = day.parts
        while snapshots.count < max(1, months) {
            let end = CalendarDay(year: year, month: month, day: CalendarDay.daysInMonth(year: year, month: month))!
            let counted = min(end, day)
            if counted < first && !snapshots.isEmpty { break }
            let stageCounts = lifecycle.counts(asOf: counted)
            snapshots.append(Snapshot(month: Period.month(year: year, month: month).description, day: counted.description,
                                      counts: LifecycleStage.allCases.map { stageCounts[$0] ?? 0 }))
            if month == 1 { (year, month) = (year - 1, 12) } else { month -= 1 }
            if year < 1 { break }
        }
        history = snapshots.reversed()
    }
}
