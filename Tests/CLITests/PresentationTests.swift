import Foundation
import Testing
import TestSupport

/// Issue 19: reports say what they cover, one presentation, CLI habits — each output that was
/// wrong, with the exact output or error expected now.
@Suite(.serialized) struct PresentationTests {
    let demo = DemoStore.shared

    /// The report day of the demo store (the pipeline's as-of).
    func reportDay() throws -> String {
        try #require(try crm(["pipeline", "--store", demo.store, "--json"]).json()["asOf"] as? String)
    }

    @Test func versionIsPrinted() throws {
        let run = try crm(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout == "crm 0.5.0 (CRMKit 0.5.0)\n")
    }

    @Test func reportJSONWritesNothingElse() throws {
        let directory = TemporaryDirectory("report-json")
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let run = try crm(["report", "--store", demo.store, "--json"], in: directory.path)
        #expect(run.status == 0)
        #expect(try run.json()["events"] as? Int == demo.head)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
    }

    @Test func reportToStandardOutput() throws {
        let run = try crm(["report", "--store", demo.store, "--out", "-"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(run.stdout.hasSuffix("</html>\n"))
    }

    @Test func theForecastStartsAtTheReportMonthWithOneOverdueBucket() throws {
        let json = try crm(["pipeline", "--store", demo.store, "--json"]).json()
        let month = String(try reportDay().prefix(7))
        let forecast = try #require(json["forecast"] as? [[String: Any]])
        for entry in forecast { #expect((entry["month"] as! String) >= month) }
        let overdue = try #require(json["overdue"] as? [String: Any])
        let open = try #require(json["open"] as? [String: Any])
        let counts = forecast.map { ($0["figures"] as! [String: Any])["count"] as! Int }.reduce(0, +)
        #expect(counts + (overdue["count"] as! Int) == open["count"] as? Int)
        // One money shape: integer minor units and the currency.
        #expect(Set((open["amount"] as! [String: Any]).keys) == ["currency", "minorUnits"])
        #expect((open["amount"] as! [String: Any])["currency"] as? String == "EUR")
        let text = try crm(["pipeline", "--store", demo.store])
        #expect(text.stdout.contains("  forecast from \(month) (expected close month: open, weighted):"))
    }

    @Test func aFuturePeriodIsRefused() throws {
        let day = try reportDay()
        let run = try crm(["scorecard", "--store", demo.store, "--period", "2030"])
        #expect(run.status == 1)
        #expect(run.stderrLines == ["crm: the period 2030 starts after the report day \(day); there is nothing to grade yet"])
    }

    @Test func anIncompletePeriodIsMarkedPartialAndNotGraded() throws {
        let day = try reportDay()
        let year = String(day.prefix(4))
        let json = try crm(["scorecard", "--store", demo.store, "--period", year, "--json"]).json()
        #expect(json["partial"] as? Bool == true)
        #expect(json["reportDay"] as? String == day)
        let kpis = (json["perspectives"] as! [[String: Any]]).flatMap { $0["kpis"] as! [[String: Any]] }
        #expect(Set(kpis.map { $0["status"] as! String }) == ["partial"])
        let text = try crm(["scorecard", "--store", demo.store, "--period", year])
        #expect(text.lines[1] == "  partial period: it ends after the report day \(day); values cover the events up to then and are not graded")
        let complete = try crm(["scorecard", "--store", demo.store, "--period", "2024", "--json"]).json()
        #expect(complete["partial"] as? Bool == false)
    }

    @Test func anAsOfBeforeTheFirstEventSaysSo() throws {
        let run = try crm(["pipeline", "--store", demo.store, "--as-of", "2020-01-01", "--json"])
        #expect(run.status == 0)
        #expect(run.stderrLines == ["crm: no events on or before 2020-01-01: the log starts on 2023-11-01; the report is empty"])
        #expect((try run.json()["open"] as? [String: Any])?["count"] as? Int == 0)
    }

    @Test func labelsAreHumanAndEnglish() throws {
        let json = try crm(["scorecard", "--store", demo.store, "--period", "2024-Q1", "--json"]).json()
        let kpis = (json["perspectives"] as! [[String: Any]]).flatMap { $0["kpis"] as! [[String: Any]] }
        let churn = try #require(kpis.first { $0["name"] as? String == "churnRate" })
        #expect(churn["label"] as? String == "Churn rate")
        let text = try crm(["scorecard", "--store", demo.store, "--period", "2024-Q1"])
        #expect(text.stdout.contains("    Churn rate "))
        #expect(!text.stdout.contains("churnRate"))
        let pipeline = try crm(["pipeline", "--store", demo.store, "--json"]).json()
        #expect((pipeline["stages"] as! [[String: Any]]).map { $0["label"] as! String }
            == ["Prospecting", "Qualification", "Needs analysis", "Proposal", "Negotiation"])
        let lifecycle = try crm(["lifecycle", "--store", demo.store])
        #expect(lifecycle.lines[1].hasPrefix("  Prospect (Interessent) "))
    }

    @Test func theHTMLHasAFunnelOpenBarsAnOverdueBucketAndSizedCharts() throws {
        let run = try crm(["report", "--store", demo.store, "--out", "-"])
        let html = run.stdout
        #expect(html.contains("<figcaption>Stage reached (all opportunities)</figcaption>"))
        #expect(html.contains("<figcaption>Open now by stage</figcaption>"))
        // Every chart SVG carries its width, so it is drawn at the page's scale.
        for svg in html.components(separatedBy: "<svg class=\"chart\"").dropFirst() {
            let tag = svg.prefix { $0 != ">" }
            #expect(tag.contains(" width=\""), "\(tag)")
        }
        let pipeline = try crm(["pipeline", "--store", demo.store, "--json"]).json()
        if ((pipeline["overdue"] as? [String: Any])?["count"] as? Int ?? 0) > 0 {
            #expect(html.contains("overdue (close date passed)"))
        }
    }

    @Test func theEffectShowsGroupsLiftAndInterval() throws {
        let run = try crm(["policies", "effect", "--store", demo.store])
        #expect(run.status == 0)
        #expect(run.stdout.contains("received a retention reaction"))
        #expect(run.stdout.contains("repeat-purchase lift "))
    }
}
