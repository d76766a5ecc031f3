import CRMDomain
import Foundation

/// The closed loop's thresholds and waiting times as data with a version, like the read
/// models' `CRMRules`: what each policy does, to whom, and when.
///
/// The analysis signals themselves (churn-risk levels, the lead-score threshold, lifecycle
/// stages) come from the read models' rules; these rules say how the loop reacts to them.
public struct PolicyRules: Codable, Sendable, Hashable {
    /// The rules' version; recorded in `PolicyActivated` when the policies start.
    public var version: String
    /// The policies that run; the others stay silent.
    public var enabled: [PolicyKind]
    /// Churn early warning (seed 000, plastics case).
    public var churn: ChurnReactionRules
    /// Lead hand-over to sales.
    public var leads: LeadReactionRules
    /// Service-level escalation.
    public var sla: SLAReactionRules
    /// Days after sending a quote without an answer before a follow-up task is created.
    public var quoteFollowUpDays: Int
    /// The lifecycle stages' programmes (seed 004).
    public var lifecycle: LifecycleProgrammeRules
    /// Customers who bought a product in common that a suggestion needs at least.
    public var crossSellingMinimumSupport: Int
    /// Days after a retention reaction over which the effect report looks for a new order.
    public var effectWindowDays: Int
    /// The customer-journey phases' programmes.
    public var journey: JourneyProgrammeRules

    /// Creates rules; the defaults are ``standard``.
    public init(version: String = "1", enabled: [PolicyKind] = PolicyKind.allCases, churn: ChurnReactionRules = ChurnReactionRules(),
                leads: LeadReactionRules = LeadReactionRules(), sla: SLAReactionRules = SLAReactionRules(), quoteFollowUpDays: Int = 7,
                lifecycle: LifecycleProgrammeRules = LifecycleProgrammeRules(), crossSellingMinimumSupport: Int = 2,
                effectWindowDays: Int = 90, journey: JourneyProgrammeRules = JourneyProgrammeRules()) {
        self.version = version
        self.enabled = enabled
        self.churn = churn
        self.leads = leads
        self.sla = sla
        self.quoteFollowUpDays = quoteFollowUpDays
        self.lifecycle = lifecycle
        self.crossSellingMinimumSupport = crossSellingMinimumSupport
        self.effectWindowDays = effectWindowDays
        self.journey = journey
    }

    private enum CodingKeys: String, CodingKey {
        case version, enabled, churn, leads, sla, quoteFollowUpDays, lifecycle, crossSellingMinimumSupport, effectWindowDays, journey
    }

    /// Decodes rules; `journey` missing (rules written before the journey programme) reads as
    /// the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(String.self, forKey: .version)
        enabled = try container.decode([PolicyKind].self, forKey: .enabled)
        churn = try container.decode(ChurnReactionRules.self, forKey: .churn)
        leads = try container.decode(LeadReactionRules.self, forKey: .leads)
        sla = try container.decode(SLAReactionRules.self, forKey: .sla)
        quoteFollowUpDays = try container.decode(Int.self, forKey: .quoteFollowUpDays)
        lifecycle = try container.decode(LifecycleProgrammeRules.self, forKey: .lifecycle)
        crossSellingMinimumSupport = try container.decode(Int.self, forKey: .crossSellingMinimumSupport)
        effectWindowDays = try container.decode(Int.self, forKey: .effectWindowDays)
        journey = try container.decodeIfPresent(JourneyProgrammeRules.self, forKey: .journey) ?? JourneyProgrammeRules()
    }

    /// Version `1` with every policy on.
    public static let standard = PolicyRules()

    /// Reads rules from JSON (the form ``json()`` writes) and checks them.
    ///
    /// - Throws: ``PolicyRulesError`` naming the first value out of range; `DecodingError` for
    ///   JSON that is not rules.
    public init(json: Data) throws {
        self = try JSONDecoder().decode(PolicyRules.self, from: json)
        try validate()
    }

    /// The rules as JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// Checks every value.
    ///
    /// - Throws: ``PolicyRulesError`` naming the first value out of range.
    public func validate() throws(PolicyRulesError) {
        guard !version.trimmingCharacters(in: .whitespaces).isEmpty else { throw .emptyVersion }
        func days(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws(PolicyRulesError) {
            guard range.contains(value) else { throw .outOfRange(field: name, value: value, allowed: range) }
        }
        try days("churn.callDueDays", churn.callDueDays, 0...365)
        try days("sla.warningMinutes", sla.warningMinutes, 0...10_080)
        try days("sla.warningLevel", sla.warningLevel, 1...9)
        try days("sla.breachLevel", sla.breachLevel, sla.warningLevel...9)
        try days("quoteFollowUpDays", quoteFollowUpDays, 1...365)
        try days("lifecycle.secondOrderFollowUpDays", lifecycle.secondOrderFollowUpDays, 1...730)
        try days("lifecycle.businessReviewDueDays", lifecycle.businessReviewDueDays, 0...365)
        try days("lifecycle.winBackAfterDays", lifecycle.winBackAfterDays, 0...1_095)
        try days("crossSellingMinimumSupport", crossSellingMinimumSupport, 1...1_000_000)
        try days("effectWindowDays", effectWindowDays, 1...1_095)
        try days("journey.followUpDueDays", journey.followUpDueDays, 0...365)
        guard !journey.referralSubject.isEmpty else { throw .emptyField("journey.referralSubject") }
        guard !leads.salesRole.isEmpty else { throw .emptyField("leads.salesRole") }
        guard !churn.offerSubject.isEmpty else { throw .emptyField("churn.offerSubject") }
    }

    /// Whether `policy` runs.
    public func isEnabled(_ policy: PolicyKind) -> Bool { enabled.contains(policy) }
}

/// A value of ``PolicyRules`` that cannot work.
public enum PolicyRulesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The version is empty.
    case emptyVersion
    /// A text that must not be empty is.
    case emptyField(String)
    /// A number is outside what makes sense.
    case outOfRange(field: String, value: Int, allowed: ClosedRange<Int>)

    /// One line naming the value.
    public var description: String {
        switch self {
        case .emptyVersion: return "policy rules need a version"
        case .emptyField(let field): return "policy rules: \(field) must not be empty"
        case let .outOfRange(field, value, allowed):
            return "policy rules: \(field) must be in \(allowed.lowerBound)…\(allowed.upperBound) (found \(value))"
        }
    }
}

/// How the loop reacts to churn risk.
public struct ChurnReactionRules: Codable, Sendable, Hashable {
    /// The subject of the automated retention offer sent at medium risk.
    public var offerSubject: String
    /// The channel of the retention offer (needs marketing consent on it).
    public var offerChannel: Channel
    /// Days until the account manager's call at high risk is due.
    public var callDueDays: Int

    /// Creates the rules.
    public init(offerSubject: String = "Retention offer", offerChannel: Channel = .email, callDueDays: Int = 2) {
        self.offerSubject = offerSubject
        self.offerChannel = offerChannel
        self.callDueDays = callDueDays
    }
}

/// How leads are handed over.
public struct LeadReactionRules: Codable, Sendable, Hashable {
    /// The employee role that takes handed-over leads (compared case-insensitively).
    public var salesRole: String

    /// Creates the rules.
    public init(salesRole: String = "sales") { self.salesRole = salesRole }
}

/// When tickets are escalated.
public struct SLAReactionRules: Codable, Sendable, Hashable {
    /// Minutes before a deadline from which a ticket counts as about to breach.
    public var warningMinutes: Int
    /// The escalation level for a ticket about to breach.
    public var warningLevel: Int
    /// The escalation level for a breached ticket.
    public var breachLevel: Int

    /// Creates the rules.
    public init(warningMinutes: Int = 60, warningLevel: Int = 1, breachLevel: Int = 2) {
        self.warningMinutes = warningMinutes
        self.warningLevel = warningLevel
        self.breachLevel = breachLevel
    }
}

/// The lifecycle stages' programmes.
public struct LifecycleProgrammeRules: Codable, Sendable, Hashable {
    /// Subject of the welcome mail to a new customer.
    public var welcomeSubject: String
    /// Days after becoming a new customer when the second-order follow-up is due.
    public var secondOrderFollowUpDays: Int
    /// Days after becoming a star customer when the business review is due.
    public var businessReviewDueDays: Int
    /// Subject of the exit survey sent to a lost customer (needs survey consent).
    public var exitSurveySubject: String
    /// Days a customer stays lost before the win-back offer (needs marketing consent).
    public var winBackAfterDays: Int
    /// Subject of the win-back offer.
    public var winBackSubject: String

    /// Creates the rules.
    public init(welcomeSubject: String = "Welcome", secondOrderFollowUpDays: Int = 30, businessReviewDueDays: Int = 14,
                exitSurveySubject: String = "Exit survey", winBackAfterDays: Int = 90, winBackSubject: String = "Win-back offer") {
        self.welcomeSubject = welcomeSubject
        self.secondOrderFollowUpDays = secondOrderFollowUpDays
        self.businessReviewDueDays = businessReviewDueDays
        self.exitSurveySubject = exitSurveySubject
        self.winBackAfterDays = winBackAfterDays
        self.winBackSubject = winBackSubject
    }
}

/// The closed-loop policies.
public enum PolicyKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// Churn risk medium → retention offer by e-mail; high → the account manager calls.
    case churnRetention = "churn-retention"
    /// A lead's score reaches the threshold → qualified and handed over to sales.
    case leadHandOver = "lead-hand-over"
    /// A ticket about to breach or breaching its SLA → escalated.
    case slaEscalation = "sla-escalation"
    /// A quote sent and unanswered after some days → a follow-up task.
    case quoteFollowUp = "quote-follow-up"
    /// A lifecycle transition starts the stage's programme.
    case lifecycleProgramme = "lifecycle-programme"
    /// A growing customer gets a suggestion of what similar customers bought.
    case crossSelling = "cross-selling"
    /// A journey phase starts its programme: a lead considering after a webinar or event gets a
    /// sales follow-up; an advocate is invited to the referral programme.
    case journeyProgramme = "journey-programme"
}

/// The customer-journey phases' programmes.
public struct JourneyProgrammeRules: Codable, Sendable, Hashable {
    /// Lead sources whose leads in the consideration phase get a sales follow-up task.
    public var followUpSources: [LeadSource]
    /// Days after entering consideration when the follow-up is due.
    public var followUpDueDays: Int
    /// Subject of the referral-programme invitation to an advocate (needs marketing consent).
    public var referralSubject: String
    /// The invitation's channel.
    public var referralChannel: Channel

    /// Creates the rules.
    public init(followUpSources: [LeadSource] = [.webinar, .event], followUpDueDays: Int = 2,
                referralSubject: String = "Referral programme", referralChannel: Channel = .email) {
        self.followUpSources = followUpSources
        self.followUpDueDays = followUpDueDays
        self.referralSubject = referralSubject
        self.referralChannel = referralChannel
    }
}
