import CRMDomain
import CRMProjections
import Foundation

/// The customer journey (`crm journey --json`): everyone's current phase, the funnel and time
/// per phase of the cohort whose journeys began in the period, and the period's touchpoints —
/// or, with a customer, that customer's journey. Definitions: docs/projections.md, "Customer journey".
public struct JourneyReport: Codable, Sendable, Hashable {
    /// Subjects in one phase.
    public struct PhaseCount: Codable, Sendable, Hashable {
        /// `person`, `account` or `lead`.
        public let kind: String
        /// The phase.
        public let phase: String
        /// How many.
        public let count: Int
    }

    /// One step of the funnel.
    public struct FunnelStep: Codable, Sendable, Hashable {
        /// The phase.
        public let phase: String
        /// Cohort members whose furthest phase is this one or later.
        public let reached: Int
        /// Of them, how many reached the next phase (absent for advocacy).
        public let advanced: Int?
        /// `reached − advanced` (absent for advocacy).
        public let dropOff: Int?
        /// `advanced / reached` (absent for advocacy or when none reached this phase).
        public let conversionRate: Double?
    }

    /// Time in one phase.
    public struct PhaseTime: Codable, Sendable, Hashable {
        /// The phase.
        public let phase: String
        /// Stays that ended by the report day.
        public let completedStays: Int
        /// Their mean length in days.
        public let averageDays: Double?
        /// Stays still running on the report day.
        public let currentStays: Int
    }

    /// Touchpoints in one phase over one channel.
    public struct Touchpoints: Codable, Sendable, Hashable {
        /// The phase after the touch.
        public let phase: String
        /// The channel.
        public let channel: String
        /// Started by the customer.
        public let inbound: Int
        /// Started by the company.
        public let outbound: Int
    }

    /// One change of phase.
    public struct Transition: Codable, Sendable, Hashable {
        /// The business day.
        public let day: String
        /// The phase before (absent for the first).
        public let from: String?
        /// The phase after.
        public let to: String
        /// The event type that moved it.
        public let event: String
        /// Its log position.
        public let position: Int
    }

    /// One stay in a phase.
    public struct Stay: Codable, Sendable, Hashable {
        /// The phase.
        public let phase: String
        /// Entered on.
        public let from: String
        /// Left on (absent while current).
        public let until: String?
        /// Days spent.
        public let days: Int
    }

    /// One customer's journey.
    public struct Customer: Codable, Sendable, Hashable {
        /// The customer's id.
        public let id: String
        /// `person` or `account`.
        public let kind: String
        /// The day of the first event.
        public let startedOn: String
        /// The current phase.
        public let phase: String
        /// Every change of phase.
        public let history: [Transition]
        /// Every stay.
        public let stays: [Stay]
        /// Touchpoints per phase and channel.
        public let touchpoints: [Touchpoints]
    }

    /// The report day.
    public let asOf: String
    /// The last log position folded.
    public let position: UInt64
    /// The period (`YYYY`, `YYYY-MM`, `YYYY-Qn`).
    public let period: String
    /// Phase names in journey order.
    public let phaseOrder: [String]
    /// Everyone's current phase per kind, leads that dropped out left out (absent with `--customer`).
    public let current: [PhaseCount]?
    /// Leads that dropped out: disqualified, or dormant (absent with `--customer`).
    public let droppedLeads: Int?
    /// The cohort: subjects whose journey began in the period.
    public let cohortSize: Int?
    /// The cohort's funnel.
    public let funnel: [FunnelStep]?
    /// The cohort's time per phase.
    public let timeInPhase: [PhaseTime]?
    /// Touchpoints dated in the period, per phase and channel.
    public let touchpoints: [Touchpoints]?
    /// The one customer asked for.
    public let customer: Customer?

    /// The summary over everyone for `period`.
    public init(_ source: ReportSource, period: Period) {
        let summary = source.models.journey.summary(period: period, asOf: source.day)
        asOf = source.day.description
        position = source.position
        self.period = period.description
        phaseOrder = JourneyReport.phases
        current = summary.current.map { PhaseCount(kind: $0.kind.rawValue, phase: "\($0.phase)", count: $0.count) }
        droppedLeads = summary.droppedLeads
        cohortSize = summary.cohortSize
        funnel = summary.funnel.map {
            FunnelStep(phase: "\($0.phase)", reached: $0.reached, advanced: $0.advanced, dropOff: $0.dropOff, conversionRate: $0.conversionRate)
        }
        timeInPhase = summary.timeInPhase.map {
            PhaseTime(phase: "\($0.phase)", completedStays: $0.completedStays, averageDays: $0.averageDays, currentStays: $0.currentStays)
        }
        touchpoints = summary.touchpoints.map(JourneyReport.touchpoints)
        customer = nil
    }

    /// One customer's journey.
    ///
    /// - Throws: ``ReportError/unknownCustomer(_:)`` when the customer has no journey event by the report day.
    public init(_ source: ReportSource, customer id: CustomerID, period: Period) throws {
        guard let view = source.models.journey.journey(of: .customer(id), asOf: source.day) else {
            throw ReportError.unknownCustomer(id.description)
        }
        asOf = source.day.description
        position = source.position
        self.period = period.description
        phaseOrder = JourneyReport.phases
        current = nil
        droppedLeads = nil
        cohortSize = nil
        funnel = nil
        timeInPhase = nil
        touchpoints = nil
        customer = Customer(
            id: id.description, kind: view.kind.rawValue, startedOn: view.startedOn.description, phase: "\(view.phase)",
            history: view.history.map {
                Transition(day: $0.day.description, from: $0.from.map { "\($0)" }, to: "\($0.to)", event: "\($0.event)", position: $0.position)
            },
            stays: view.stays.map { Stay(phase: "\($0.phase)", from: $0.from.description, until: $0.until?.description, days: $0.days) },
            touchpoints: view.touchpoints.map(JourneyReport.touchpoints))
    }

    static let phases: [String] = [JourneyPhase.awareness, .consideration, .conversion, .retention, .advocacy].map { "\($0)" }

    static func touchpoints(_ value: JourneyTouchpoints) -> Touchpoints {
        Touchpoints(phase: "\(value.phase)", channel: value.channel.name, inbound: value.inbound, outbound: value.outbound)
    }
}

/// Multi-touch attribution (`crm attribution --json`): revenue and won opportunities credited
/// to campaigns, lead sources and channels under one or every model. Definitions:
/// docs/projections.md, "Attribution models".
public struct AttributionReport: Codable, Sendable, Hashable {
    /// One key's credit: key, name, amount, conversions, and for campaigns cost and ROI.
    public typealias Credit = AttributionTable.Row

    /// One model, goal and dimension.
    public struct Table: Codable, Sendable, Hashable {
        /// `firstTouch`, `lastTouch`, `linear`, `timeDecay`, `positionBased` or `dataDriven`.
        public let model: String
        /// `revenue` or `wonOpportunities`.
        public let goal: String
        /// `campaign`, `leadSource` or `channel`.
        public let dimension: String
        /// Credits, largest first.
        public let credits: [Credit]
        /// Σ credits: the value of the conversions with a touch in the window.
        public let attributed: Int64
        /// The value of the conversions without a touch in the window.
        public let unattributed: Int64
        /// Conversions with a touch in the window.
        public let conversions: Int
        /// Conversions in another currency, left out.
        public let leftOutOtherCurrency: Int
        /// Paths without a conversion (data-driven model only).
        public let nonConvertingPaths: Int
        /// Data-driven: each key's removal effect.
        public let removalEffects: [String: Double]?
    }

    /// The report day.
    public let asOf: String
    /// The last log position folded.
    public let position: UInt64
    /// The period whose conversions are attributed.
    public let period: String
    /// Days before a conversion whose touches count.
    public let windowDays: Int
    /// The rules' currency.
    public let currency: String
    /// One table per model, goal and dimension.
    public let tables: [Table]

    /// Attribution under `models` (default: every model) for the conversions in `period`.
    public init(_ source: ReportSource, models: [AttributionModel] = AttributionModel.allCases, period: Period, windowDays: Int? = nil) {
        let journey = source.models.journey
        asOf = source.day.description
        position = source.position
        self.period = period.description
        let window = windowDays ?? source.models.rules.journey.attributionWindowDays
        self.windowDays = window
        currency = source.models.rules.currency.description
        var tables: [Table] = []
        for goal in AttributionGoal.allCases {
            for dimension in AttributionDimension.allCases {
                let computed = journey.attribution(models, dimension: dimension, goal: goal, period: period, asOf: source.day,
                                                   windowDays: window)
                for (model, table) in zip(models, computed) {
                    tables.append(Table(
                        model: model.rawValue, goal: goal.rawValue, dimension: dimension.rawValue,
                        credits: table.rows,
                        attributed: table.result.attributed, unattributed: table.result.unattributed, conversions: table.result.conversions,
                        leftOutOtherCurrency: table.leftOutOtherCurrency, nonConvertingPaths: table.nonConvertingPaths,
                        removalEffects: model == .dataDriven ? table.result.removalEffects : nil))
                }
            }
        }
        self.tables = tables
    }
}
