import CRMDomain
import CRMPolicies
import Foundation

extension TextReport {
    /// What one run of the closed-loop policies did, reactions counted by kind.
    public static func policyRun(_ report: PolicyRunReport) -> String {
        var lines = ["closed loop at position \(report.position): \(report.executed.count) reactions, "
            + "\(report.suppressed.count) suppressed for want of consent, \(report.alreadyDone) already in the log"]
        let byReaction = Dictionary(grouping: report.executed, by: \.reaction).mapValues(\.count)
        for (reaction, count) in byReaction.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            lines.append("  \(Format.pad(reaction, 24)) \(Format.padLeft(String(count), 6))")
        }
        let suppressed = Dictionary(grouping: report.suppressed, by: \.reaction).mapValues(\.count)
        for (reaction, count) in suppressed.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(Format.pad(reaction + " (suppressed)", 24)) \(Format.padLeft(String(count), 6))")
        }
        for refusal in report.refused.prefix(5) { lines.append("  refused: \(refusal)") }
        if report.refused.count > 5 { lines.append("  … \(report.refused.count - 5) more refused") }
        return lines.joined(separator: "\n")
    }

    /// The day's work lists, each with its first `limit` entries.
    public static func workLists(_ lists: WorkLists, limit: Int = 10) -> String {
        var lines = ["work lists for \(lists.day):"]
        lines.append("  leads to call (\(lists.leads.count)):")
        for lead in lists.leads.prefix(limit) {
            lines.append("    \(lead.lead)  score \(Format.padLeft(String(lead.score), 3))  \(Format.pad(lead.status, 10)) "
                + (lead.company ?? "") + (lead.handedTo.map { "  → \($0)" } ?? ""))
        }
        lines.append("  customers at risk (\(lists.customersAtRisk.count)):")
        for customer in lists.customersAtRisk.prefix(limit) {
            lines.append("    \(customer.customer)  \(Format.pad(customer.level, 6)) \(Format.padLeft(String(customer.score), 3))  "
                + customer.reasons.joined(separator: "; "))
        }
        lines.append("  tickets near or over their SLA (\(lists.tickets.count)):")
        for ticket in lists.tickets.prefix(limit) {
            let left = ticket.minutesLeft < 0 ? "\(-ticket.minutesLeft) min over" : "\(ticket.minutesLeft) min left"
            lines.append("    \(ticket.ticket)  \(Format.pad(ticket.priority, 7)) \(Format.pad(ticket.deadline, 15)) \(left), "
                + "escalation level \(ticket.escalationLevel)")
        }
        lines.append("  follow-ups due (\(lists.followUps.count)):")
        for task in lists.followUps.prefix(limit) {
            lines.append("    \(task.dueOn)  \(Format.pad(task.kind, 14)) \(task.title)"
                + (task.customer.map { "  customer \($0)" } ?? "") + (task.assignee.map { "  → \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    /// Whether the loop works: treated against comparison customers, campaign ROI, lead conversion.
    public static func effect(_ report: EffectReport, currency: String = "EUR") -> String {
        func group(_ name: String, _ g: EffectReport.Group) -> String {
            "  \(Format.pad(name, 34)) \(Format.padLeft(String(g.customers), 6)) customers  reordered \(Format.percent(g.repeatPurchaseRate))"
                + "  churned \(Format.percent(g.churnRate))"
        }
        var lines = ["closed-loop effect as of \(report.asOf) (\(report.windowDays)-day window after each retention reaction):",
                     group("received a retention reaction", report.treated),
                     group("at risk, offer suppressed (no consent)", report.comparison)]
        let interval = Self.liftInterval(report).map { String(format: " (95 %% CI %+.1f … %+.1f pp)", $0.lowerBound * 100, $0.upperBound * 100) } ?? ""
        lines.append("  repeat-purchase lift \(report.repeatPurchaseLift.map { String(format: "%+.1f pp", $0 * 100) } ?? "—")\(interval), "
            + "churn reduction \(report.churnReduction.map { String(format: "%+.1f pp", $0 * 100) } ?? "—")")
        if let reason = EffectSummary.noLiftReason(report) { lines.append("  no lift: " + reason) }
        for campaign in report.campaigns.prefix(10) {
            lines.append("  campaign \(Format.pad(campaign.name, 24)) cost \(Format.padLeft(Format.money(campaign.cost, currency), 14))  "
                + "lifetime revenue of converted leads \(Format.padLeft(Format.money(campaign.attributedRevenue, currency), 14))  "
                + "revenue/cost \(campaign.roi.map { String(format: "%.2f", $0) } ?? "—")  leads \(campaign.leads), converted \(campaign.converted)")
        }
        lines.append("  leads handed over by the loop: \(report.leadsHandedOverByPolicy.handedOver), converted "
            + "\(Format.percent(report.leadsHandedOverByPolicy.rate)); by people: \(report.leadsHandedOverByPeople.handedOver), "
            + "converted \(Format.percent(report.leadsHandedOverByPeople.rate))")
        return lines.joined(separator: "\n")
    }

    /// The 95 % confidence interval of the repeat-purchase lift (normal approximation of the
    /// difference of two proportions), or `nil` when a group is empty.
    public static func liftInterval(_ report: EffectReport) -> ClosedRange<Double>? {
        guard let a = report.treated.repeatPurchaseRate, let b = report.comparison.repeatPurchaseRate,
              report.treated.customers > 0, report.comparison.customers > 0 else { return nil }
        let error = (a * (1 - a) / Double(report.treated.customers) + b * (1 - b) / Double(report.comparison.customers)).squareRoot()
        return (a - b - 1.96 * error)...(a - b + 1.96 * error)
    }
}
