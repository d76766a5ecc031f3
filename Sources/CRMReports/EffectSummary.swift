import CRMDomain
import CRMPolicies
import Foundation

/// The closed loop's effect as the reports present it (`crm policies effect --json`, the
/// HTML report's loop section): `EffectReport` with money in the one JSON shape
/// (``MoneyAmount``) and the lift's confidence interval.
public struct EffectSummary: Codable, Sendable, Hashable {
    /// A campaign's return.
    public struct Campaign: Codable, Sendable, Hashable {
        /// The campaign's id.
        public let campaign: String
        /// Its name.
        public let name: String
        /// Costs booked.
        public let cost: MoneyAmount
        /// Net revenue of the customers its leads became.
        public let attributedRevenue: MoneyAmount
        /// Leads captured by it.
        public let leads: Int
        /// Of them, converted into customers.
        public let converted: Int
        /// `attributedRevenue / cost`; absent without costs.
        public let roi: Double?
    }

    /// A 95 % confidence interval, as fractions (percentage points / 100).
    public struct Interval: Codable, Sendable, Hashable {
        /// The lower bound.
        public let lower: Double
        /// The upper bound.
        public let upper: Double
    }

    /// The business day measured.
    public let asOf: String
    /// The window after a reaction, in days.
    public let windowDays: Int
    /// Customers who received a retention offer or an account manager's call.
    public let treated: EffectReport.Group
    /// Customers at risk whose retention offer was suppressed (no consent).
    public let comparison: EffectReport.Group
    /// Treated minus comparison repeat-purchase rate (a fraction).
    public let repeatPurchaseLift: Double?
    /// The 95 % confidence interval of ``repeatPurchaseLift``; absent when a group is empty.
    public let repeatPurchaseLiftInterval: Interval?
    /// Comparison minus treated churn rate.
    public let churnReduction: Double?
    /// Why there is no lift, when there is none (e.g. no comparison group).
    public let noLiftReason: String?
    /// Campaigns with costs or leads, by name.
    public let campaigns: [Campaign]
    /// Leads the loop handed over.
    public let leadsHandedOverByPolicy: EffectReport.LeadConversion
    /// Leads people handed over.
    public let leadsHandedOverByPeople: EffectReport.LeadConversion
    /// Every reaction up to the report's day, by reaction name.
    public let reactions: [String: Int]
    /// Every suppressed reaction up to the report's day, by reaction name.
    public let suppressed: [String: Int]

    /// The presentation of `report`, its money in `currency` (the served rules' currency).
    public init(_ report: EffectReport, currency: String) {
        asOf = report.asOf.description
        windowDays = report.windowDays
        treated = report.treated
        comparison = report.comparison
        repeatPurchaseLift = report.repeatPurchaseLift
        repeatPurchaseLiftInterval = TextReport.liftInterval(report).map { Interval(lower: $0.lowerBound, upper: $0.upperBound) }
        churnReduction = report.churnReduction
        noLiftReason = Self.noLiftReason(report)
        campaigns = report.campaigns.map {
            Campaign(campaign: $0.campaign.description, name: $0.name, cost: MoneyAmount(minorUnits: $0.cost, currency: currency),
                     attributedRevenue: MoneyAmount(minorUnits: $0.attributedRevenue, currency: currency),
                     leads: $0.leads, converted: $0.converted, roi: $0.roi)
        }
        leadsHandedOverByPolicy = report.leadsHandedOverByPolicy
        leadsHandedOverByPeople = report.leadsHandedOverByPeople
        reactions = report.reactions
        suppressed = report.suppressed
    }

    /// Why `report` has no lift, or `nil` when it has one.
    static func noLiftReason(_ report: EffectReport) -> String? {
        switch (report.treated.customers == 0, report.comparison.customers == 0) {
        case (false, false): nil
        case (true, true): "no retention reaction's \(report.windowDays)-day window has ended by \(report.asOf)"
        case (true, false): "no customer received a retention reaction whose window has ended"
        case (false, true): "every customer at risk had consent, so there is no comparison group"
        }
    }
}
