import CRMDomain
import CRMProjections
import Foundation

/// Whether the loop works (seed 004: plan, act, measure, improve): customers who received a
/// retention reaction against comparable customers who did not, campaign ROI, and how
/// handed-over leads convert.
///
/// The comparison group is the customers the churn policy found at risk too but could not
/// address: their retention offer was suppressed for want of consent. Both groups are measured
/// over the same window after the reaction (``PolicyRules/effectWindowDays``); a customer
/// counts once (their first retention reaction), and only when the window has passed.
public struct EffectReport: Sendable, Hashable, Codable {
    /// One group's outcome.
    public struct Group: Sendable, Hashable, Codable {
        /// Customers whose window has passed.
        public let customers: Int
        /// Of them, those who ordered within the window.
        public let reordered: Int
        /// Of them, those in the lost stage at the window's end.
        public let churned: Int

        /// `reordered / customers`, `nil` without customers.
        public let repeatPurchaseRate: Double?
        /// `churned / customers`, `nil` without customers.
        public let churnRate: Double?

        /// Creates a group's figures.
        public init(customers: Int, reordered: Int, churned: Int) {
            self.customers = customers
            self.reordered = reordered
            self.churned = churned
            repeatPurchaseRate = customers == 0 ? nil : Double(reordered) / Double(customers)
            churnRate = customers == 0 ? nil : Double(churned) / Double(customers)
        }
    }

    /// A campaign's return.
    public struct Campaign: Sendable, Hashable, Codable {
        /// The campaign.
        public let campaign: CampaignID
        /// Its name.
        public let name: String
        /// Costs booked (minor units of the rules' currency).
        public let cost: Int64
        /// Net revenue of the customers its leads became (minor units).
        public let attributedRevenue: Int64
        /// Leads captured by it.
        public let leads: Int
        /// Of them, converted into customers.
        public let converted: Int
        /// `attributedRevenue / cost`, `nil` without costs.
        public let roi: Double?
    }

    /// How handed-over leads convert.
    public struct LeadConversion: Sendable, Hashable, Codable {
        /// Leads handed over.
        public let handedOver: Int
        /// Of them, converted into customers.
        public let converted: Int

        /// `converted / handedOver`, `nil` without leads.
        public let rate: Double?

        /// Creates the figures.
        public init(handedOver: Int, converted: Int) {
            self.handedOver = handedOver
            self.converted = converted
            rate = handedOver == 0 ? nil : Double(converted) / Double(handedOver)
        }
    }

    /// The day the report is computed for.
    public let asOf: CalendarDay
    /// The window after a reaction, in days.
    public let windowDays: Int
    /// Customers who received a retention offer or an account manager's call.
    public let treated: Group
    /// Customers at risk whose retention offer was suppressed (no consent).
    public let comparison: Group
    /// Campaigns with costs or leads, by name.
    public let campaigns: [Campaign]
    /// Leads the loop handed over.
    public let leadsHandedOverByPolicy: LeadConversion
    /// Leads people handed over.
    public let leadsHandedOverByPeople: LeadConversion
    /// Every reaction of the policy set in the log up to the report's day, by reaction name.
    public let reactions: [String: Int]
    /// Every suppressed reaction up to the report's day, by reaction name.
    public let suppressed: [String: Int]

    /// Treated minus comparison repeat-purchase rate (percentage points as a fraction).
    public let repeatPurchaseLift: Double?
    /// Comparison minus treated churn rate: how much less the treated churn.
    public let churnReduction: Double?

    static let retentionReactions: Set<String> = ["retention-offer", "account-manager-call"]

    init(facts: PolicyFacts, rules: PolicyRules, asOf: CalendarDay) {
        self.asOf = asOf
        windowDays = rules.effectWindowDays
        var reactions: [String: Int] = [:], suppressed: [String: Int] = [:]
        for reaction in facts.reactions where reaction.day <= asOf {
            if reaction.suppressed { suppressed[reaction.reaction, default: 0] += 1 } else { reactions[reaction.reaction, default: 0] += 1 }
        }
        self.reactions = reactions
        self.suppressed = suppressed
        var first: [CustomerID: (day: CalendarDay, treated: Bool)] = [:]
        for reaction in facts.reactions where Self.retentionReactions.contains(reaction.reaction) {
            guard let customer = reaction.customer, first[customer] == nil else { continue }
            first[customer] = (reaction.day, !reaction.suppressed)
        }
        var counts = [true: (0, 0, 0), false: (0, 0, 0)]
        for (customer, entry) in first {
            let end = entry.day.adding(days: windowDays)
            guard end <= asOf else { continue }
            let reordered = facts.orderDays[customer]?.contains { $0 > entry.day && $0 <= end } ?? false
            let churned = facts.models.lifecycle.stage(of: customer, on: end) == .lostCustomer
            counts[entry.treated]!.0 += 1
            if reordered { counts[entry.treated]!.1 += 1 }
            if churned { counts[entry.treated]!.2 += 1 }
        }
        let treated = Group(customers: counts[true]!.0, reordered: counts[true]!.1, churned: counts[true]!.2)
        let comparison = Group(customers: counts[false]!.0, reordered: counts[false]!.1, churned: counts[false]!.2)
        self.treated = treated
        self.comparison = comparison
        if let a = treated.repeatPurchaseRate, let b = comparison.repeatPurchaseRate { repeatPurchaseLift = a - b } else { repeatPurchaseLift = nil }
        if let a = treated.churnRate, let b = comparison.churnRate { churnReduction = b - a } else { churnReduction = nil }

        var leadsByCampaign: [CampaignID: [LeadID]] = [:]
        for (lead, campaign) in facts.leadCampaign { leadsByCampaign[campaign, default: []].append(lead) }
        let customers = facts.models.customer360
        campaigns = Set(facts.campaignNames.keys).union(facts.campaignCost.keys).union(leadsByCampaign.keys).map { campaign in
            let leads = leadsByCampaign[campaign] ?? []
            let converted = leads.compactMap { facts.leadCustomer[$0] }
            let revenue = converted.reduce(Int64(0)) { sum, customer in
                sum &+ (customers.customer(customer).map { CustomerAnalytics.lifetimeRevenue($0, asOf: asOf) } ?? 0)
            }
            let cost = facts.campaignCost[campaign] ?? 0
            return Campaign(campaign: campaign, name: facts.campaignNames[campaign] ?? campaign.description,
                            cost: cost, attributedRevenue: revenue, leads: leads.count, converted: converted.count,
                            roi: cost == 0 ? nil : Double(revenue) / Double(cost))
        }
        .sorted { $0.name != $1.name ? $0.name < $1.name : $0.campaign.description < $1.campaign.description }

        let byPolicy = Set(facts.reactions.filter { $0.reaction == "lead-hand-over" }.compactMap(\.lead))
        leadsHandedOverByPolicy = LeadConversion(handedOver: byPolicy.count,
                                                 converted: byPolicy.filter { facts.leadCustomer[$0] != nil }.count)
        leadsHandedOverByPeople = LeadConversion(handedOver: facts.handedOverByPeople.count,
                                                 converted: facts.handedOverByPeople.filter { facts.leadCustomer[$0] != nil }.count)
    }
}
