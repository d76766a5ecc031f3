import CRMDomain
import CRMProjections
import Foundation

/// Count, amount and weighted amount of a group of open opportunities.
public struct PipelineFigures: Codable, Sendable, Hashable {
    /// Open opportunities.
    public let count: Int
    /// Σ expected revenue.
    public let amount: MoneyAmount
    /// Σ expected revenue × probability.
    public let weighted: MoneyAmount

    init(_ figures: PipelineSummary.Figures) {
        count = figures.count
        amount = MoneyAmount(figures.amount)
        weighted = MoneyAmount(figures.weightedAmount)
    }

    init(count: Int, amount: MoneyAmount, weighted: MoneyAmount) {
        self.count = count
        self.amount = amount
        self.weighted = weighted
    }

    /// The sum of `figures` in `currency`.
    static func sum(_ figures: [PipelineFigures], currency: String) -> PipelineFigures {
        PipelineFigures(count: figures.reduce(0) { $0 + $1.count },
                        amount: MoneyAmount(minorUnits: figures.reduce(Int64(0)) { $0 &+ $1.amount.minorUnits }, currency: currency),
                        weighted: MoneyAmount(minorUnits: figures.reduce(Int64(0)) { $0 &+ $1.weighted.minorUnits }, currency: currency))
    }
}

/// The sales pipeline (`crm pipeline --json`): open opportunities by stage, the forecast by
/// expected close month, win rate, cycle, velocity, conversion and why deals were lost.
public struct PipelineReport: Codable, Sendable, Hashable {
    /// One stage's open opportunities.
    public struct Stage: Codable, Sendable, Hashable {
        /// The stage: `prospecting`, `qualification`, `needsAnalysis`, `proposal`, `negotiation`.
        public let stage: String
        /// The stage's label, e.g. `Needs analysis`.
        public let label: String
        /// Its figures.
        public let figures: PipelineFigures
    }

    /// One expected close month of the forecast.
    public struct Month: Codable, Sendable, Hashable {
        /// `YYYY-MM`.
        public let month: String
        /// The open opportunities expected to close in it.
        public let figures: PipelineFigures
    }

    /// Stage-to-stage conversion.
    public struct Conversion: Codable, Sendable, Hashable {
        /// The stage.
        public let stage: String
        /// The stage's label.
        public let label: String
        /// Opportunities that entered it (the funnel: how many reached the stage).
        public let entered: Int
        /// Of those, how many reached a later stage or were won.
        public let advanced: Int
        /// advanced / entered; absent when none entered.
        public let rate: Double?
    }

    /// A reason or competitor with how often it was named.
    public struct NamedCount: Codable, Sendable, Hashable {
        /// The reason or competitor.
        public let name: String
        /// How often.
        public let count: Int
    }

    /// The business day described.
    public let asOf: String
    /// The last log position folded in.
    public let position: UInt64
    /// The currency of every amount (ISO code).
    public let currency: String
    /// All open opportunities.
    public let open: PipelineFigures
    /// Open opportunities per stage, in stage order (every stage, also empty ones).
    public let stages: [Stage]
    /// Open opportunities by expected close month, in month order.
    public let forecast: [Month]
    /// The open opportunities whose expected close month is before the report's month (past
    /// due, still open): one bucket, flagged as overdue rather than listed as future pipeline.
    public let overdue: PipelineFigures
    /// Won opportunities.
    public let won: Int
    /// Lost opportunities.
    public let lost: Int
    /// Won amount.
    public let wonAmount: MoneyAmount
    /// won / (won + lost); absent before any deal closed.
    public let winRate: Double?
    /// Mean days from opening to winning; absent before any win.
    public let averageSalesCycleDays: Double?
    /// open count × average won deal × win rate / average cycle days, minor units per day.
    public let velocityPerDay: MoneyAmount?
    /// Stage-to-stage conversion.
    public let conversion: [Conversion]
    /// Lost reasons, most frequent first.
    public let lostReasons: [NamedCount]
    /// Competitors who won lost deals, most frequent first.
    public let competitors: [NamedCount]
    /// accepted / (accepted + rejected) quotes; absent before any quote was decided.
    public let quoteAcceptanceRate: Double?

    /// The pipeline of `source`.
    public init(_ source: ReportSource) {
        let summary = source.models.pipeline.summary()
        asOf = source.day.description
        position = source.position
        currency = summary.currency.code
        open = PipelineFigures(summary.open)
        stages = PipelineStage.allCases.map { stage in
            Stage(stage: "\(stage)", label: Labels.stage(stage), figures: PipelineFigures(summary.openByStage[stage]
                ?? PipelineSummary.Figures(count: 0, amount: .zero(summary.currency), weightedAmount: .zero(summary.currency))))
        }
        let reportMonth = Period.month(year: source.day.parts.year, month: source.day.parts.month).description
        let months = summary.forecast.map { Month(month: $0.month, figures: PipelineFigures($0.figures)) }
        forecast = months.filter { $0.month >= reportMonth }
        overdue = PipelineFigures.sum(months.filter { $0.month < reportMonth }.map(\.figures), currency: summary.currency.code)
        won = summary.won
        lost = summary.lost
        wonAmount = MoneyAmount(summary.wonAmount)
        winRate = summary.winRate
        averageSalesCycleDays = summary.averageSalesCycleDays?.value
        velocityPerDay = summary.velocityPerDay.map(MoneyAmount.init)
        conversion = summary.conversion.map { Conversion(stage: "\($0.stage)", label: Labels.stage($0.stage), entered: $0.entered, advanced: $0.advanced, rate: $0.rate) }
        lostReasons = summary.lostReasons.map { NamedCount(name: $0.name, count: $0.count) }
        competitors = summary.competitors.map { NamedCount(name: $0.name, count: $0.count) }
        quoteAcceptanceRate = summary.quotes.acceptanceRate
    }
}
