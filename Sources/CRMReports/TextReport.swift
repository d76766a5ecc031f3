import CRMDomain
import CRMProjections
import Foundation

/// Plain-text renderings of the reports, as `crm` prints them on a terminal.
public enum TextReport {
    /// The pipeline: open opportunities by stage, totals, rates and the forecast.
    public static func pipeline(_ report: PipelineReport) -> String {
        var lines = ["pipeline on \(report.asOf) (through position \(report.position)):"]
        for stage in report.stages {
            lines.append("  \(Format.pad(stage.label, 15)) \(Format.padLeft(String(stage.figures.count), 6)) open  "
                + "\(Format.padLeft(stage.figures.amount.description, 18))  weighted "
                + Format.padLeft(stage.figures.weighted.description, 16))
        }
        lines.append("  \(Format.pad("All open", 15)) \(Format.padLeft(String(report.open.count), 6)) open  "
            + "\(Format.padLeft(report.open.amount.description, 18))  weighted "
            + Format.padLeft(report.open.weighted.description, 16))
        lines.append("  won \(report.won), lost \(report.lost), win rate \(Format.percent(report.winRate)), "
            + "average cycle \(report.averageSalesCycleDays.map { String(format: "%.1f days", $0) } ?? "—"), "
            + "velocity \(report.velocityPerDay.map { $0.description + "/day" } ?? "—"), "
            + "quote acceptance \(Format.percent(report.quoteAcceptanceRate))")
        if !report.lostReasons.isEmpty {
            lines.append("  lost reasons: " + report.lostReasons.prefix(5).map { "\($0.name) \($0.count)" }.joined(separator: ", "))
        }
        if !report.competitors.isEmpty {
            lines.append("  competitors: " + report.competitors.prefix(5).map { "\($0.name) \($0.count)" }.joined(separator: ", "))
        }
        if !report.forecast.isEmpty || report.overdue.count > 0 {
            lines.append("  forecast from \(report.asOf.prefix(7)) (expected close month: open, weighted):")
            if report.overdue.count > 0 {
                lines.append("    overdue  \(Format.padLeft(String(report.overdue.count), 5))  "
                    + "\(Format.padLeft(report.overdue.amount.description, 16))  "
                    + Format.padLeft(report.overdue.weighted.description, 16) + "  (close date passed, still open)")
            }
            for month in report.forecast.prefix(12) {
                lines.append("    \(month.month)  \(Format.padLeft(String(month.figures.count), 5))  "
                    + "\(Format.padLeft(month.figures.amount.description, 16))  "
                    + Format.padLeft(month.figures.weighted.description, 16))
            }
            if report.forecast.count > 12 { lines.append("    … \(report.forecast.count - 12) later months") }
        }
        return lines.joined(separator: "\n")
    }

    /// The lifecycle distribution with a bar per stage.
    public static func lifecycle(_ report: LifecycleReport) -> String {
        var lines = ["lifecycle stages on \(report.asOf) (\(report.total) customers):"]
        let widest = max(1, report.stages.map(\.count).max() ?? 1)
        for stage in report.stages {
            let bar = String(repeating: "█", count: stage.count * 30 / widest)
            let share = report.total == 0 ? 0 : Double(stage.count) / Double(report.total)
            lines.append("  \(Format.pad("\(stage.label) (\(stage.name))", 36)) \(Format.padLeft(String(stage.count), 7))  "
                + "\(Format.padLeft(String(format: "%.1f %%", share * 100), 7))  \(bar)")
        }
        return lines.joined(separator: "\n")
    }

    /// The scorecard: per perspective, each KPI with value, target, status and a trend.
    public static func scorecard(_ report: ScorecardSummary) -> String {
        var lines = ["balanced scorecard \(report.period) (\(report.start) – \(report.end)); trend over \(report.trendPeriods.first ?? report.period) … \(report.period):"]
        if report.partial {
            lines.append("  partial period: it ends after the report day \(report.asOf); values cover the events up to then and are not graded")
        }
        for perspective in report.perspectives {
            lines.append("  \(perspective.perspective.capitalized):")
            for kpi in perspective.kpis {
                let mark: String
                switch kpi.status {
                case "onTarget": mark = "●  on target"
                case "atRisk": mark = "◐  at risk"
                case "offTarget": mark = "○  off target"
                case "partial": mark = "◌  not graded"
                default: mark = "·  no data"
                }
                let target = kpi.target.map { "target \(kpi.higherIsBetter == false ? "≤" : "≥") \(Format.kpi(kpi.name, $0, currency: report.currency))" } ?? ""
                lines.append("    \(Format.pad(kpi.label, 38)) \(Format.padLeft(Format.kpi(kpi.name, kpi.value, currency: report.currency), 16))  "
                    + "\(Format.pad(mark, 14)) \(sparkline(kpi.trend))  \(target)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A one-line trend with block characters (`·` where there is no value).
    static func sparkline(_ values: [Double?]) -> String {
        let present = values.compactMap { $0 }
        guard let low = present.min(), let high = present.max() else { return String(repeating: "·", count: values.count) }
        let blocks = Array("▁▂▃▄▅▆▇█")
        return String(values.map { value in
            guard let value else { return "·" }
            let index = high == low ? 3 : Int(((value - low) / (high - low) * 7).rounded())
            return blocks[min(7, max(0, index))]
        })
    }

    /// One customer's 360.
    public static func customer360(_ report: Customer360Report) -> String {
        var lines = ["customer 360 of \(report.name) (\(report.kind), \(report.stream)) on \(report.asOf):"]
        lines.append("  registered \(report.registeredOn)\(report.email.map { ", e-mail \($0)" } ?? "")")
        lines.append("  stage \(report.stage.map { "\(Labels.lifecycleStage($0)) (\(report.stageName ?? $0))" } ?? "—"), "
            + "value segment \(Labels.segment(report.segment))\(report.segment == "atRisk" ? " (falling CLV)" : ""), "
            + "churn risk \(report.churnRisk.level) (\(report.churnRisk.score))\(report.churnRisk.reasons.isEmpty ? "" : ": " + report.churnRisk.reasons.joined(separator: ", ")), "
            + "CLV \(report.clv)\(report.leadScore.map { ", lead score \($0)" } ?? "")")
        lines.append("  \(report.orderCount) orders, last \(report.lastOrderOn ?? "—"); open balance \(report.openBalance), "
            + "overdue \(report.overdueBalance); NPS \(report.nps.map(String.init) ?? "—")")
        if !report.stageHistory.isEmpty {
            lines.append("  lifecycle: " + report.stageHistory.map { "\($0.day) \(Labels.lifecycleStage($0.to)) (\($0.rule))" }.joined(separator: " → "))
        }
        if !report.orders.isEmpty {
            lines.append("  orders: " + report.orders.suffix(5).map { "\($0.placedOn) \($0.total) \($0.status)" }.joined(separator: "; "))
        }
        let openInvoices = report.invoices.filter { $0.open.minorUnits > 0 }
        if !openInvoices.isEmpty {
            lines.append("  open invoices: " + openInvoices.map { "\($0.issuedOn) \($0.open) due \($0.dueOn)\($0.markedOverdue ? " overdue" : "")" }.joined(separator: "; "))
        }
        if !report.tickets.isEmpty {
            lines.append("  tickets: " + report.tickets.suffix(5).map {
                "\($0.openedOn) \($0.category) \($0.priority) \($0.status) (response \($0.firstResponse), resolution \($0.resolution))"
            }.joined(separator: "; "))
        }
        if !report.opportunities.isEmpty {
            lines.append("  opportunities: " + report.opportunities.suffix(5).map { "\($0.title) \($0.amount) \($0.status == "open" ? ($0.stage.flatMap(Labels.pipelineStage) ?? "open") : $0.status)" }.joined(separator: "; "))
        }
        if !report.timeline.isEmpty {
            lines.append("  latest interactions: " + report.timeline.prefix(5).map {
                "\($0.day) \($0.channel) \($0.direction)\($0.subject.map { " \"\($0)\"" } ?? "")"
            }.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }

    /// Store statistics.
    public static func statistics(_ stats: StoreStatistics) -> String {
        var lines = ["events: \(stats.events)   streams: \(stats.streams)   data file: \(Format.grouped(Int64(stats.bytes / 1_048_576))) MiB"
            + (stats.firstDay.map { "   business time \($0) … \(stats.lastDay ?? $0)" } ?? "")]
        if let projection = stats.projection {
            lines.append("read models: \(projection.model) generation \(projection.generation) (rules v\(projection.rulesVersion)), "
                + "checkpoint \(projection.checkpoint), lag \(projection.lag) events")
        } else {
            lines.append("read models: none persisted (run `crm rebuild`)")
        }
        lines.append("by category:")
        for entry in stats.categories { lines.append("  \(Format.pad(entry.name, 14)) \(Format.padLeft(String(entry.count), 9))") }
        lines.append("by type:")
        for entry in stats.types { lines.append("  \(Format.pad(entry.name, 26)) \(Format.padLeft(String(entry.count), 9))") }
        return lines.joined(separator: "\n")
    }

    /// A rebuild and, when compared, what changed.
    public static func rebuild(_ report: RebuildReport, limit: Int = 50) -> String {
        var lines = [report.switched
            ? "rebuilt read models generation \(report.generation) (rules v\(report.rulesVersion)) through position \(report.position) "
                + "in \(String(format: "%.1f", report.seconds)) s" + (report.previousGeneration.map { "; replaced \($0)" } ?? "")
                + (report.previousGeneration.map { $0 == report.generation ? "" : "; readers switched to \(report.generation)" } ?? "")
            : "previewed read models under rules v\(report.rulesVersion) through position \(report.position) in "
                + "\(String(format: "%.1f", report.seconds)) s; nothing switched: readers stay on \(report.previousGeneration ?? "—")"]
        guard report.compared else { return lines.joined(separator: "\n") }
        lines.append("rules v\(report.oldRulesVersion.map(String.init) ?? "—") → v\(report.rulesVersion), compared on \(report.comparedOn ?? "—"): "
            + "\(report.changes.count) customer and lead figures changed, \(report.kpiChanges.count) KPIs changed")
        var byFigure: [String: Int] = [:]
        for change in report.changes { byFigure[change.figure, default: 0] += 1 }
        if !byFigure.isEmpty {
            lines.append("  by figure: " + byFigure.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for change in report.changes.prefix(limit) { lines.append("  \(change.subject): \(change.figure) \(change.old) → \(change.new)") }
        if report.changes.count > limit { lines.append("  … \(report.changes.count - limit) more (use --json for all)") }
        for change in report.kpiChanges {
            lines.append("  \(change.period) \(change.kpi): \(change.oldValue.map { String(format: "%.4g", $0) } ?? "—") [\(change.oldStatus)] → "
                + "\(change.newValue.map { String(format: "%.4g", $0) } ?? "—") [\(change.newStatus)]")
        }
        return lines.joined(separator: "\n")
    }
}
