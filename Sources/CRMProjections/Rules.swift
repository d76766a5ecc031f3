import CRMDomain
import Foundation

/// Every analysis rule of the read models as data with a version: lifecycle thresholds, value
/// and segment cut-offs, lead-scoring weights, churn signals and scorecard targets.
///
/// Rules load from JSON (``init(json:)``); changing them and rebuilding applies them to the whole
/// past (see ``ProjectionEngine/rebuild(_:store:rules:asOf:registry:)`` and
/// ``Projector/changeRules(to:asOf:periods:registry:)``). Money thresholds are minor units of
/// ``currency``; amounts in other currencies are left out of the value figures.
public struct CRMRules: Codable, Sendable, Hashable {
    /// The rules' version; it names the generation of read models built with them.
    public var version: Int
    /// The currency value figures are computed in.
    public var currency: CurrencyCode
    /// Lifecycle stage thresholds (seed 004).
    public var lifecycle: LifecycleRules
    /// Customer value: CLV, segments, ABC.
    public var value: ValueRules
    /// Lead scoring.
    public var leadScoring: LeadScoringRules
    /// Churn early warning.
    public var churn: ChurnRules
    /// Scorecard targets per KPI.
    public var scorecard: ScorecardTargets
    /// Customer-journey phase boundaries and the attribution window.
    public var journey: JourneyRules

    /// Creates rules.
    public init(version: Int, currency: CurrencyCode = .eur, lifecycle: LifecycleRules = LifecycleRules(),
                value: ValueRules = ValueRules(), leadScoring: LeadScoringRules = LeadScoringRules(),
                churn: ChurnRules = ChurnRules(), scorecard: ScorecardTargets = ScorecardTargets(),
                journey: JourneyRules = JourneyRules()) {
        self.version = version
        self.currency = currency
        self.lifecycle = lifecycle
        self.value = value
        self.leadScoring = leadScoring
        self.churn = churn
        self.scorecard = scorecard
        self.journey = journey
    }

    private enum CodingKeys: String, CodingKey {
        case version, currency, lifecycle, value, leadScoring, churn, scorecard, journey
    }

    /// Decodes rules; a missing `journey` (rules stored before the journey model) reads as the
    /// default ``JourneyRules``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        currency = try container.decode(CurrencyCode.self, forKey: .currency)
        lifecycle = try container.decode(LifecycleRules.self, forKey: .lifecycle)
        value = try container.decode(ValueRules.self, forKey: .value)
        leadScoring = try container.decode(LeadScoringRules.self, forKey: .leadScoring)
        churn = try container.decode(ChurnRules.self, forKey: .churn)
        scorecard = try container.decode(ScorecardTargets.self, forKey: .scorecard)
        journey = try container.decodeIfPresent(JourneyRules.self, forKey: .journey) ?? JourneyRules()
    }

    /// The defaults: version 1, EUR.
    public static let standard = CRMRules(version: 1)

    /// Reads rules from JSON (the form ``json()`` writes).
    public init(json: Data) throws {
        self = try JSONDecoder().decode(CRMRules.self, from: json)
    }

    /// The rules as JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }
}

/// When a customer moves between the seed-004 lifecycle stages.
public struct LifecycleRules: Codable, Sendable, Hashable {
    /// Orders (ever) that make a prospect a new customer.
    public var newCustomerMinOrders: Int
    /// Orders in the last 12 months for a growing customer (the seed's "second order").
    public var growingMinOrders: Int
    /// Revenue in the last 12 months (minor units) for a growing customer.
    public var growingMinRevenue: Int64
    /// Orders in the last 12 months for a star customer.
    public var starMinOrders: Int
    /// Revenue in the last 12 months (minor units) for a star customer.
    public var starMinRevenue: Int64
    /// Days without an order after which an ordering customer counts as lost.
    public var lostAfterDaysWithoutOrder: Int
    /// Whether terminating a contract (with no other active contract) makes a customer lost.
    public var contractTerminationLoses: Bool

    /// Creates lifecycle rules; the defaults suit the demo's B2B/B2C mix.
    public init(newCustomerMinOrders: Int = 1, growingMinOrders: Int = 2, growingMinRevenue: Int64 = 200_000,
                starMinOrders: Int = 4, starMinRevenue: Int64 = 1_500_000, lostAfterDaysWithoutOrder: Int = 365,
                contractTerminationLoses: Bool = true) {
        self.newCustomerMinOrders = newCustomerMinOrders
        self.growingMinOrders = growingMinOrders
        self.growingMinRevenue = growingMinRevenue
        self.starMinOrders = starMinOrders
        self.starMinRevenue = starMinRevenue
        self.lostAfterDaysWithoutOrder = lostAfterDaysWithoutOrder
        self.contractTerminationLoses = contractTerminationLoses
    }
}

/// Customer value: discounted CLV, CLV segments and the ABC split.
public struct ValueRules: Codable, Sendable, Hashable {
    /// The yearly discount rate d in CLV = Σₜ (revenueₜ − costₜ) / (1 + d)ᵗ, e.g. 0.08.
    public var discountRate: Double
    /// The horizon in years (t = 1 … horizon).
    public var horizonYears: Int
    /// CLV (minor units) from which a loyal customer is a Champion.
    public var championMinCLV: Int64
    /// CLV (minor units) from which a customer counts as Loyal.
    public var loyalMinCLV: Int64
    /// Orders in the last 12 months that make a buyer "stable" (Loyal or Champion).
    public var loyalMinOrders: Int
    /// Cumulative revenue share up to which customers are class A (e.g. 0.6).
    public var abcShareA: Double
    /// Cumulative revenue share up to which customers are class B (e.g. 0.95); the rest are C.
    public var abcShareB: Double
    /// The share of the year before's margin by which the last complete year's margin must
    /// fall for the value to count as falling (e.g. 0.25: a drop of more than a quarter); 0
    /// counts any drop. Rules stored without it (before 0.5.0) read as 0, the way they were built.
    public var fallingMinDrop: Double

    /// Creates value rules.
    public init(discountRate: Double = 0.08, horizonYears: Int = 5, championMinCLV: Int64 = 2_000_000,
                loyalMinCLV: Int64 = 500_000, loyalMinOrders: Int = 3, abcShareA: Double = 0.6, abcShareB: Double = 0.95,
                fallingMinDrop: Double = 0.25) {
        self.discountRate = discountRate
        self.horizonYears = horizonYears
        self.championMinCLV = championMinCLV
        self.loyalMinCLV = loyalMinCLV
        self.loyalMinOrders = loyalMinOrders
        self.abcShareA = abcShareA
        self.abcShareB = abcShareB
        self.fallingMinDrop = fallingMinDrop
    }

    private enum CodingKeys: String, CodingKey {
        case discountRate, horizonYears, championMinCLV, loyalMinCLV, loyalMinOrders, abcShareA, abcShareB, fallingMinDrop
    }

    /// Decodes value rules; a missing `fallingMinDrop` (rules stored before it existed) is 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        discountRate = try container.decode(Double.self, forKey: .discountRate)
        horizonYears = try container.decode(Int.self, forKey: .horizonYears)
        championMinCLV = try container.decode(Int64.self, forKey: .championMinCLV)
        loyalMinCLV = try container.decode(Int64.self, forKey: .loyalMinCLV)
        loyalMinOrders = try container.decode(Int.self, forKey: .loyalMinOrders)
        abcShareA = try container.decode(Double.self, forKey: .abcShareA)
        abcShareB = try container.decode(Double.self, forKey: .abcShareB)
        fallingMinDrop = try container.decodeIfPresent(Double.self, forKey: .fallingMinDrop) ?? 0
    }
}

/// Rule-based lead scoring: points per attribute or behaviour, halved every `halfLifeDays`,
/// handed to sales from `threshold` on.
public struct LeadScoringRules: Codable, Sendable, Hashable {
    /// Points for attribute values.
    public var attributes: [AttributeRule]
    /// Points for where a lead came from.
    public var sourcePoints: [String: Int]
    /// Points for each recorded attribute batch (engagement: events, webinars, surveys).
    public var engagementPoints: Int
    /// Days after which a point counts half.
    public var halfLifeDays: Double
    /// The score from which a lead is handed to sales.
    public var threshold: Int

    /// Points when a named attribute matches.
    public struct AttributeRule: Codable, Sendable, Hashable {
        /// The attribute name, e.g. `companySize`.
        public var name: String
        /// Matches when the value equals this text (case-insensitive).
        public var equals: String?
        /// Matches when the value is a number at least this large.
        public var atLeast: Double?
        /// The points.
        public var points: Int

        /// Creates a rule.
        public init(name: String, equals: String? = nil, atLeast: Double? = nil, points: Int) {
            self.name = name
            self.equals = equals
            self.atLeast = atLeast
            self.points = points
        }
    }

    /// Creates lead-scoring rules.
    public init(attributes: [AttributeRule] = [
        AttributeRule(name: "companySize", atLeast: 50, points: 15),
        AttributeRule(name: "companySize", atLeast: 250, points: 10),
        AttributeRule(name: "webVisits", atLeast: 5, points: 10),
        AttributeRule(name: "newsletter", equals: "yes", points: 10),
        AttributeRule(name: "budgetConfirmed", equals: "yes", points: 25),
    ], sourcePoints: [String: Int] = ["tradeFair": 15, "referral": 20, "webinar": 10, "webForm": 5],
                engagementPoints: Int = 5, halfLifeDays: Double = 90, threshold: Int = 50) {
        self.attributes = attributes
        self.sourcePoints = sourcePoints
        self.engagementPoints = engagementPoints
        self.halfLifeDays = halfLifeDays
        self.threshold = threshold
    }
}

/// Churn early warning: order gaps against the customer's own cadence, late payments, falling
/// interaction frequency, complaints (seed 000, plastics case).
public struct ChurnRules: Codable, Sendable, Hashable {
    /// Points when the days since the last order exceed this multiple of the usual gap.
    public var gapFactor: Double
    /// Points for an order gap beyond ``gapFactor``.
    public var gapPoints: Int
    /// Points per invoice marked overdue in the last 365 days (capped at 3).
    public var latePaymentPoints: Int
    /// Points when interactions in the last 90 days fell below half of the 90 days before.
    public var interactionDropPoints: Int
    /// Points per complaint in the last 180 days (capped at 3).
    public var complaintPoints: Int
    /// Score from which the risk is medium (an offer by e-mail).
    public var mediumFrom: Int
    /// Score from which the risk is high (the account manager calls).
    public var highFrom: Int

    /// Creates churn rules.
    public init(gapFactor: Double = 2, gapPoints: Int = 40, latePaymentPoints: Int = 10, interactionDropPoints: Int = 20,
                complaintPoints: Int = 10, mediumFrom: Int = 30, highFrom: Int = 60) {
        self.gapFactor = gapFactor
        self.gapPoints = gapPoints
        self.latePaymentPoints = latePaymentPoints
        self.interactionDropPoints = interactionDropPoints
        self.complaintPoints = complaintPoints
        self.mediumFrom = mediumFrom
        self.highFrom = highFrom
    }
}

/// A KPI's target: the value to reach and how far off still counts as "at risk".
public struct KPITarget: Codable, Sendable, Hashable {
    /// The target value.
    public var target: Double
    /// Whether higher values are better.
    public var higherIsBetter: Bool
    /// How far (in the KPI's unit) from the target still counts as at risk rather than off.
    public var tolerance: Double

    /// Creates a target.
    public init(target: Double, higherIsBetter: Bool = true, tolerance: Double) {
        self.target = target
        self.higherIsBetter = higherIsBetter
        self.tolerance = tolerance
    }
}

/// The scorecard's targets, by KPI name (the names of ``ScorecardReport``'s KPIs, e.g. `revenue`, `nps`).
public struct ScorecardTargets: Codable, Sendable, Hashable {
    /// Targets by KPI.
    public var targets: [String: KPITarget]
    /// The day answers within which count as answered in time (seed: < 2 h), in minutes.
    public var responseTargetMinutes: Int

    /// Creates targets.
    public init(targets: [String: KPITarget] = ScorecardTargets.defaults, responseTargetMinutes: Int = 120) {
        self.targets = targets
        self.responseTargetMinutes = responseTargetMinutes
    }

    /// Targets that suit the demo data.
    public static let defaults: [String: KPITarget] = [
        "revenue": KPITarget(target: 100_000_000, tolerance: 20_000_000),
        "revenuePerCustomer": KPITarget(target: 50_000, tolerance: 10_000),
        "revenuePerCustomerChange": KPITarget(target: 0.05, tolerance: 0.05),
        "averageCLV": KPITarget(target: 500_000, tolerance: 100_000),
        "customerAcquisitionCost": KPITarget(target: 20_000, higherIsBetter: false, tolerance: 10_000),
        "nps": KPITarget(target: 30, tolerance: 15),
        "churnRate": KPITarget(target: 0.02, higherIsBetter: false, tolerance: 0.02),
        "retentionRate": KPITarget(target: 0.95, tolerance: 0.05),
        "netCustomerGrowth": KPITarget(target: 10, tolerance: 10),
        "repeatPurchaseRate": KPITarget(target: 0.4, tolerance: 0.1),
        "complaintRate": KPITarget(target: 0.02, higherIsBetter: false, tolerance: 0.02),
        "medianFirstResponseMinutes": KPITarget(target: 60, higherIsBetter: false, tolerance: 60),
        "p90FirstResponseMinutes": KPITarget(target: 120, higherIsBetter: false, tolerance: 120),
        "answeredWithinTarget": KPITarget(target: 0.9, tolerance: 0.1),
        "firstContactResolutionRate": KPITarget(target: 0.7, tolerance: 0.1),
        "slaBreachRate": KPITarget(target: 0.05, higherIsBetter: false, tolerance: 0.05),
        "orderToDeliveryDays": KPITarget(target: 3, higherIsBetter: false, tolerance: 2),
        "crmTrainingRate": KPITarget(target: 1, tolerance: 0.2),
        "employeeSatisfaction": KPITarget(target: 4, tolerance: 0.5),
        "dataCompleteness": KPITarget(target: 0.9, tolerance: 0.1),
    ]
}

/// Where the customer-journey phases begin (seed: awareness, consideration, conversion,
/// retention, advocacy) and the defaults of attribution. See ``JourneyModel`` for the phase
/// rules these parameters enter.
public struct JourneyRules: Codable, Sendable, Hashable {
    /// Lead sources whose capture is already a consideration touch (events, webinars,
    /// newsletters: the prospect is comparing offers); other sources start in awareness.
    public var considerationSources: [LeadSource]
    /// The NPS score from which an answer moves a buying customer to advocacy (a promoter).
    public var promoterMinScore: Int
    /// The NPS score up to which an answer moves an advocate back to retention (a detractor).
    public var detractorMaxScore: Int
    /// Days before a conversion whose touches earn credit, by default.
    public var attributionWindowDays: Int
    /// The half-life, in days, of the time-decay attribution model.
    public var timeDecayHalfLifeDays: Int
    /// Days without any event after which a lead that has not become a customer has dropped out
    /// of the journey (as a disqualified lead has at once).
    public var dormantLeadDays: Int

    /// Creates journey rules.
    public init(considerationSources: [LeadSource] = [.newsletter, .event, .webinar], promoterMinScore: Int = 9,
                detractorMaxScore: Int = 6, attributionWindowDays: Int = 90, timeDecayHalfLifeDays: Int = 7,
                dormantLeadDays: Int = 180) {
        self.considerationSources = considerationSources
        self.promoterMinScore = promoterMinScore
        self.detractorMaxScore = detractorMaxScore
        self.attributionWindowDays = attributionWindowDays
        self.timeDecayHalfLifeDays = timeDecayHalfLifeDays
        self.dormantLeadDays = dormantLeadDays
    }

    private enum CodingKeys: String, CodingKey {
        case considerationSources, promoterMinScore, detractorMaxScore, attributionWindowDays, timeDecayHalfLifeDays, dormantLeadDays
    }

    /// Decodes journey rules; a field missing takes its default, so a partial rules file and
    /// rules stored by an earlier version read.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = JourneyRules()
        considerationSources = try container.decodeIfPresent([LeadSource].self, forKey: .considerationSources) ?? defaults.considerationSources
        promoterMinScore = try container.decodeIfPresent(Int.self, forKey: .promoterMinScore) ?? defaults.promoterMinScore
        detractorMaxScore = try container.decodeIfPresent(Int.self, forKey: .detractorMaxScore) ?? defaults.detractorMaxScore
        attributionWindowDays = try container.decodeIfPresent(Int.self, forKey: .attributionWindowDays) ?? defaults.attributionWindowDays
        timeDecayHalfLifeDays = try container.decodeIfPresent(Int.self, forKey: .timeDecayHalfLifeDays) ?? defaults.timeDecayHalfLifeDays
        dormantLeadDays = try container.decodeIfPresent(Int.self, forKey: .dormantLeadDays) ?? defaults.dormantLeadDays
    }
}
