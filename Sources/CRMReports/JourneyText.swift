import CRMDomain
import CRMProjections
import Foundation

extension TextReport {
    /// The journey: current phases per kind, the cohort funnel, time per phase and touchpoints;
    /// or one customer's history and stays.
    public static func journey(_ report: JourneyReport) -> String {
        if let customer = report.customer { return journey(customer, asOf: report.asOf) }
        var lines = ["customer journey on \(report.asOf); cohort and touchpoints of \(report.period):"]
        let current = report.current ?? []
        lines.append("  " + Format.pad("now in phase", 16) + ["person", "account", "lead"].map { Format.padLeft($0, 9) }.joined())
        for phase in report.phaseOrder {
            let counts = ["person", "account", "lead"].map { kind in current.first { $0.kind == kind && $0.phase == phase }?.count ?? 0 }
            lines.append("  " + Format.pad(phase, 16) + counts.map { Format.padLeft(String($0), 9) }.joined())
        }
        lines.append("  leads that dropped out (disqualified or dormant): \(report.droppedLeads ?? 0)")
        lines.append("  funnel of the \(report.cohortSize ?? 0) journeys begun in \(report.period) (reached → next, drop-off):")
        for step in report.funnel ?? [] {
            var line = "    " + Format.pad(step.phase, 14) + Format.padLeft(String(step.reached), 7)
            if let advanced = step.advanced, let dropOff = step.dropOff {
                line += "  → \(Format.padLeft(String(advanced), 6)) (\(Format.padLeft(Format.percent(step.conversionRate), 7)))  drop-off \(dropOff)"
            }
            lines.append(line)
        }
        lines.append("  days per phase (completed stays: mean; still running):")
        for time in report.timeInPhase ?? [] {
            lines.append("    " + Format.pad(time.phase, 14) + Format.padLeft(time.averageDays.map { String(format: "%.1f d", $0) } ?? "—", 10)
                + "  over \(time.completedStays), \(time.currentStays) running")
        }
        let touchpoints = report.touchpoints ?? []
        if !touchpoints.isEmpty {
            lines.append("  touchpoints in \(report.period) (inbound / outbound):")
            for phase in report.phaseOrder {
                let parts = touchpoints.filter { $0.phase == phase }.map { "\($0.channel) \($0.inbound)/\($0.outbound)" }
                if !parts.isEmpty { lines.append("    " + Format.pad(phase, 14) + parts.joined(separator: ", ")) }
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func journey(_ customer: JourneyReport.Customer, asOf: String) -> String {
        var lines = ["journey of \(customer.kind) \(customer.id) on \(asOf): \(customer.phase) (since \(customer.startedOn))"]
        for transition in customer.history {
            lines.append("  \(transition.day)  \(Format.pad(transition.from ?? "—", 14)) → \(Format.pad(transition.to, 14)) \(transition.event)")
        }
        lines.append("  stays: " + customer.stays.map { "\($0.phase) \($0.days) d" }.joined(separator: ", "))
        if !customer.touchpoints.isEmpty {
            lines.append("  touchpoints (inbound/outbound): "
                + customer.touchpoints.map { "\($0.phase) \($0.channel) \($0.inbound)/\($0.outbound)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// Attribution: per goal and dimension, each model's credits side by side (top keys), with
    /// campaign cost and ROI.
    public static func attribution(_ report: AttributionReport, limit: Int = 8) -> String {
        var lines = ["attribution of \(report.period) as of \(report.asOf), window \(report.windowDays) days (\(report.currency)):"]
        let models = Array(Set(report.tables.map(\.model))).sorted { modelOrder($0) < modelOrder($1) }
        for goal in ["revenue", "wonOpportunities"] {
            for dimension in ["campaign", "leadSource", "channel"] {
                let tables = models.compactMap { model in report.tables.first { $0.goal == goal && $0.dimension == dimension && $0.model == model } }
                guard let first = tables.first else { continue }
                lines.append("  \(goal == "revenue" ? "revenue" : "won opportunities") by \(dimension): "
                    + "\(Format.money(first.attributed, report.currency)) over \(first.conversions) conversions; "
                    + "unattributed \(Format.money(first.unattributed, report.currency))"
                    + (first.leftOutOtherCurrency > 0 ? "; \(first.leftOutOtherCurrency) in other currencies left out" : ""))
                lines.append("    " + Format.pad("", 26) + tables.map { Format.padLeft($0.model, 16) }.joined()
                    + (dimension == "campaign" ? Format.padLeft("cost", 16) : ""))
                let keys = first.credits.prefix(limit)
                for credit in keys {
                    var line = "    " + Format.pad(String(credit.name.prefix(25)), 26)
                    for table in tables {
                        let amount = table.credits.first { $0.key == credit.key }?.amount ?? 0
                        line += Format.padLeft(Format.money(amount, report.currency).replacingOccurrences(of: " " + report.currency, with: ""), 16)
                    }
                    if let cost = credit.cost { line += Format.padLeft(Format.money(cost, report.currency).replacingOccurrences(of: " " + report.currency, with: ""), 16) }
                    lines.append(line)
                }
                if first.credits.count > limit { lines.append("    … \(first.credits.count - limit) more (--json lists all)") }
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func modelOrder(_ model: String) -> Int {
        AttributionModel.allCases.firstIndex { $0.rawValue == model } ?? Int.max
    }
}
