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
        #expect(json["asOf"] as? String == day)
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

/// Issue 19, continued: one money shape in every JSON, effects that say why they are empty,
/// no report for days without data, labels in the customer 360.
@Suite(.serialized) struct PresentationMoneyTests {
    let demo = DemoStore.shared

    /// Whether `value` is the one money shape `{"currency": "EUR", "minorUnits": N}`.
    func isMoney(_ value: Any?) -> Bool {
        guard let object = value as? [String: Any] else { return false }
        return Set(object.keys) == ["currency", "minorUnits"] && object["currency"] as? String == "EUR" && object["minorUnits"] is Int
    }

    @Test func predictPrintsMoneyInTheOneShapeAndPretty() throws {
        let id = try demo.topCustomer()
        let run = try crm(["predict", "--store", demo.store, "--customer", id, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("{\n  \"calibrationEnd\" : \""))
        let json = try run.json()
        #expect(json["currency"] as? String == "EUR")
        let customer = try #require(json["customer"] as? [String: Any])
        #expect(customer["customer"] as? String == id)
        #expect(isMoney(customer["monetaryValue"]))
        #expect(isMoney(customer["predictedCLV"]))
        #expect(isMoney(customer["expectedOrderValue"]))
    }

    @Test func theEffectPrintsCampaignMoneyInTheOneShape() throws {
        let json = try crm(["policies", "effect", "--store", demo.store, "--json"]).json()
        let campaigns = try #require(json["campaigns"] as? [[String: Any]])
        #expect(!campaigns.isEmpty)
        for campaign in campaigns { #expect(isMoney(campaign["cost"]) && isMoney(campaign["attributedRevenue"])) }
        let interval = try #require(json["repeatPurchaseLiftInterval"] as? [String: Double])
        let lift = try #require(json["repeatPurchaseLift"] as? Double)
        #expect(interval["lower"]! < lift && lift < interval["upper"]!)
        let html = try crm(["report", "--store", demo.store, "--json"]).json()
        let loop = try #require((html["closedLoop"] as? [String: Any])?["effect"] as? [String: Any])
        #expect(isMoney((loop["campaigns"] as? [[String: Any]])?.first?["cost"]))
    }

    @Test func anEffectWithoutGroupsSaysWhy() throws {
        let run = try crm(["policies", "effect", "--store", demo.store, "--as-of", "2023-11-15"])
        #expect(run.status == 0)
        #expect(run.lines[1] == "  received a retention reaction           0 customers  reordered —  churned —")
        #expect(run.lines[3] == "  repeat-purchase lift —, churn reduction —")
        #expect(run.lines[4] == "  no lift: no retention reaction's 90-day window has ended by 2023-11-15")
        let json = try crm(["policies", "effect", "--store", demo.store, "--as-of", "2023-11-15", "--json"]).json()
        #expect(json["noLiftReason"] as? String == "no retention reaction's 90-day window has ended by 2023-11-15")
    }

    @Test func aDayAfterTheLastEventIsRefused() throws {
        let last = try #require(try crm(["stats", "--store", demo.store, "--json"]).json()["lastDay"] as? String)
        let effect = try crm(["policies", "effect", "--store", demo.store, "--as-of", "2027-03-01"])
        #expect(effect.status == 1)
        #expect(effect.stderrLines == ["crm: --as-of 2027-03-01 is after the log's last event on \(last); there is no data for it yet"])
        #expect(effect.stdout == "")
        let pipeline = try crm(["pipeline", "--store", demo.store, "--as-of", "2027-03-01"])
        #expect(pipeline.status == 1)
        #expect(pipeline.stderrLines == ["crm: --as-of 2027-03-01 is after the log's last event on \(last); there is no data for it yet"])
    }

    @Test func theCustomer360SpeaksInLabels() throws {
        let id = try demo.topCustomer()
        let json = try crm(["customer", id, "--store", demo.store, "--json"]).json()
        #expect(isMoney(json["clv"]))
        let text = try crm(["customer", id, "--store", demo.store])
        let labels = ["Prospect (Interessent)", "New customer (Neukunde)", "Growing customer (Aufsteigerkunde)",
                      "Star customer (Starkunde)", "Lost customer (Verlorener Kunde)"]
        #expect(labels.contains { text.lines[2].hasPrefix("  stage \($0), value segment ") }, "\(text.lines[2])")
        // A closed deal shows its outcome, an open one its stage's label, never a raw identifier.
        let opportunities = try #require(json["opportunities"] as? [[String: Any]])
        let line = try #require(text.lines.first { $0.hasPrefix("  opportunities: ") })
        for deal in opportunities.suffix(5) {
            let status = deal["status"] as! String
            if status != "open" { #expect(line.contains("\(deal["title"] as! String) ") && line.contains(" \(status)")) }
        }
        for raw in ["needsAnalysis", "starCustomer", "growingCustomer", "newCustomer"] { #expect(!text.stdout.contains(raw)) }
    }

    @Test func theHTMLSpeaksInLabels() throws {
        let html = try crm(["report", "--store", demo.store, "--out", "-"]).stdout
        #expect(html.contains(">At risk</text>") && html.contains(">Champions</text>"))
        #expect(html.contains(">Retention offer</text>"))
        for raw in [">atRisk<", "<td>starCustomer</td>", "<td>growingCustomer</td>", "<td>newCustomer</td>", ">retention-offer<"] {
            #expect(!html.contains(raw), "\(raw)")
        }
        #expect(html.contains("<h3>Campaigns</h3>"))
    }

    @Test func everyJSONIsPrettyWithSortedKeys() throws {
        let commands: [[String]] = [["predict"], ["pipeline"], ["lifecycle"], ["scorecard"], ["stats"], ["head"], ["verify"],
                                    ["worklist"], ["policies", "effect"], ["report"]]
        for command in commands + [["rules"]] {
            let run = try crm(command + ["--store", demo.store] + (command == ["rules"] ? [] : ["--json"]))
            #expect(run.status == 0, "\(command): \(run.stderr)")
            #expect(run.stdout.hasPrefix("{\n  \""), "\(command): \(run.stdout.prefix(40))")
            let keys = run.stdout.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.dropFirst(3).prefix { $0 != "\"" } }
            #expect(keys == keys.sorted(), "\(command)")
        }
    }

    @Test func exportWritesToStandardOutput() throws {
        let run = try crm(["export", "-", "--store", demo.store, "--from", "1", "--to", "3"])
        #expect(run.status == 0)
        // The demo store seals: its subject keys need a file beside the export to travel.
        #expect(run.stderrLines == ["exported 3 events to standard output; subject keys stay in the store (export to a file to carry them)"])
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
        #expect(lines.first?.contains("\"position\":1") == true)
    }

    @Test func aRuleChangeCanBePreviewedWithoutSwitching() throws {
        let (dir, store) = try demo.copy("dry-run")
        _ = try crm(["rebuild", "--store", store])
        var rules = try #require(try JSONSerialization.jsonObject(with: Data(try crm(["rules", "--store", store]).stdout.utf8)) as? [String: Any])
        var lifecycle = try #require(rules["lifecycle"] as? [String: Any])
        lifecycle["starMinOrders"] = 1_000
        rules["lifecycle"] = lifecycle
        rules["version"] = 2
        let file = dir.sub("rules.json")
        try JSONSerialization.data(withJSONObject: rules).write(to: URL(fileURLWithPath: file))
        let before = try crm(["lifecycle", "--store", store, "--json"]).stdout

        let preview = try crm(["rebuild", "--store", store, "--rules", file, "--diff", "--dry-run", "--json"]).json()
        #expect(preview["switched"] as? Bool == false)
        #expect(preview["compared"] as? Bool == true)
        #expect(try crm(["lifecycle", "--store", store, "--json"]).stdout == before)
        #expect((try crm(["rules", "--store", store]).json())["version"] as? Int == 1)
        let text = try crm(["rebuild", "--store", store, "--rules", file, "--dry-run"])
        // The same-version rebuild above moved readers to the other generation of v1 (r1-b).
        #expect(text.lines[0].hasSuffix("; nothing switched: readers stay on r1-b"))
        #expect(text.lines[0].hasPrefix("previewed read models under rules v2 through position \(demo.head) in "))

        let real = try crm(["rebuild", "--store", store, "--rules", file, "--diff", "--json"]).json()
        #expect(real["switched"] as? Bool == true)
        #expect(real["changes"] as? [[String: String]] == preview["changes"] as? [[String: String]])
        #expect((try crm(["rules", "--store", store]).json())["version"] as? Int == 2)

        let alone = try crm(["rebuild", "--store", store, "--dry-run"])
        #expect(alone.status == 64)
        #expect(alone.stderrLines == ["crm: --dry-run needs --rules FILE (the rules to preview) (see crm help)"])
    }

    @Test func aPartialRulesFileChangesWhatItNamesAndErrorsNameTheField() throws {
        let directory = TemporaryDirectory("partial-rules")
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        func write(_ text: String) throws -> String {
            let path = directory.sub("rules-\(UUID().uuidString).json")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let partial = try write(#"{"version": 2, "lifecycle": {"starMinOrders": 1000}}"#)
        let preview = try crm(["rebuild", "--store", demo.store, "--rules", partial, "--dry-run", "--json"])
        #expect(preview.status == 0, "\(preview.stderr)")
        let changes = try #require(try preview.json()["changes"] as? [[String: String]])
        #expect(changes.filter { $0["figure"] == "stage" }.allSatisfy { $0["old"] == "starCustomer" && $0["new"] == "growingCustomer" })
        let lifecycle = try crm(["lifecycle", "--store", demo.store, "--rules", partial, "--json"]).json()
        let star = (lifecycle["stages"] as? [[String: Any]])?.first { $0["stage"] as? String == "starCustomer" }
        #expect(star?["count"] as? Int == 0)

        let typo = try write(#"{"lifecycle": {"starMinOrder": 10}}"#)
        let unknown = try crm(["pipeline", "--store", demo.store, "--rules", typo])
        #expect(unknown.status == 1)
        #expect(unknown.stderrLines == ["crm: cannot read rules from \(typo): unknown field lifecycle.starMinOrder"])
        let wrong = try write(#"{"lifecycle": {"starMinOrders": "ten"}}"#)
        let mismatch = try crm(["pipeline", "--store", demo.store, "--rules", wrong])
        #expect(mismatch.stderrLines == ["crm: cannot read rules from \(wrong): field lifecycle.starMinOrders: expected a number"])
        let array = try write("[1]")
        #expect(try crm(["pipeline", "--store", demo.store, "--rules", array]).stderrLines
            == ["crm: cannot read rules from \(array): not a JSON object (see `crm rules` for the shape)"])
    }

    @Test func predictAllWritesEveryCustomersForecastInOneFold() throws {
        let summary = try crm(["predict", "--store", demo.store, "--json"]).json()
        let customers = try #require(summary["customers"] as? Int)
        let jsonl = try crm(["predict", "--store", demo.store, "--all"])
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        let rows = try jsonl.lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(rows.count == customers)
        #expect(Set(rows.map { $0["customer"] as! String }).count == customers)
        #expect(rows.allSatisfy { isMoney($0["predictedCLV"]) && isMoney($0["expectedOrderValue"]) && ($0["probabilityAlive"] as! Double) <= 1 })

        let directory = TemporaryDirectory("predict-all")
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let file = directory.sub("forecasts.csv")
        let csv = try crm(["predict", "--store", demo.store, "--all", "--format", "csv", "--out", file])
        #expect(csv.lines == ["wrote the forecasts of \(customers) customers to \(file)"])
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "customer,frequency,recency,age,expectedPurchases,probabilityAlive,expectedOrderValueMinorUnits,predictedCLVMinorUnits,currency")
        #expect(lines.count == customers + 1)
        let first = try #require(rows.first)
        let fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(fields[0] == first["customer"] as? String)
        #expect(Int(fields[7]) == (first["predictedCLV"] as? [String: Any])?["minorUnits"] as? Int)

        let both = try crm(["predict", "--store", demo.store, "--all", "--customer", first["customer"] as! String])
        #expect(both.status == 64)
        #expect(both.stderrLines == ["crm: --all and --customer exclude each other (see crm help)"])
    }

    @Test func everyCommandReportsTheSameDay() throws {
        let day = try #require(try crm(["pipeline", "--store", demo.store, "--json"]).json()["asOf"] as? String)
        #expect(try crm(["lifecycle", "--store", demo.store, "--json"]).json()["asOf"] as? String == day)
        #expect(try crm(["scorecard", "--store", demo.store, "--json"]).json()["asOf"] as? String == day)
        #expect(try crm(["worklist", "--store", demo.store, "--json"]).json()["day"] as? String == day)
        #expect(try crm(["policies", "effect", "--store", demo.store, "--json"]).json()["asOf"] as? String == day)
        let report = try crm(["report", "--store", demo.store, "--json"]).json()
        #expect((report["value"] as? [String: Any])?["asOf"] as? String == day)
        #expect(((report["closedLoop"] as? [String: Any])?["effect"] as? [String: Any])?["asOf"] as? String == day)
        let id = try demo.topCustomer()
        #expect(try crm(["customer", id, "--store", demo.store, "--json"]).json()["asOf"] as? String == day)
    }

    /// The demo store's history with every amount in USD, imported into a new store.
    func dollarStore() throws -> (TemporaryDirectory, String) {
        let directory = TemporaryDirectory("usd")
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let euros = directory.sub("eur.jsonl"), dollars = directory.sub("usd.jsonl")
        #expect(try crm(["export", euros, "--store", demo.store]).status == 0)
        let text = try String(contentsOfFile: euros, encoding: .utf8)
        #expect(text.contains("\"currency\":\"EUR\"") && !text.contains("\"USD\""))
        try text.replacingOccurrences(of: "\"EUR\"", with: "\"USD\"").write(toFile: dollars, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: euros + ".subject-keys", toPath: dollars + ".subject-keys")
        let store = directory.sub("store")
        let imported = try crm(["import", dollars, "--store", store, "--source-master-key", demo.store + ".master-key", "--quiet"])
        #expect(imported.status == 0, "\(imported.stderr)")
        return (directory, store)
    }

    @Test func aStoreWhoseOrdersAreInUSDReportsInUSDWithoutARulesFile() throws {
        let (directory, store) = try dollarStore()
        // The same figures as the demo's, in the currency of the store's first order.
        let id = try demo.topCustomer()
        let euro = try crm(["customer", id, "--store", demo.store, "--json"]).json()
        let dollar = try crm(["customer", id, "--store", store, "--json"]).json()
        #expect(euro["currency"] as? String == "EUR")
        #expect(dollar["currency"] as? String == "USD")
        let clv = try #require((euro["clv"] as? [String: Any])?["minorUnits"] as? Int)
        #expect(clv > 0)
        #expect((dollar["clv"] as? [String: Any])?["minorUnits"] as? Int == clv)
        #expect((dollar["clv"] as? [String: Any])?["currency"] as? String == "USD")
        let pipeline = try crm(["pipeline", "--store", demo.store, "--json"]).stdout
        #expect(try crm(["pipeline", "--store", store, "--json"]).stdout == pipeline.replacingOccurrences(of: "\"EUR\"", with: "\"USD\""))
        #expect(try crm(["rules", "--store", store]).stdout.contains("\"currency\" : \"USD\""))

        // predict counts the store's currency by default; another one is refused naming both.
        let predicted = try crm(["predict", "--store", store, "--customer", id, "--json"])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        #expect(try predicted.json()["currency"] as? String == "USD")
        let euros = try crm(["predict", "--store", store, "--currency", "EUR", "--calibration-end", "2025-12-31"])
        #expect(euros.status == 1)
        #expect(euros.stderrLines == ["crm: no order in EUR; the store's orders are in USD"])
        let dollars = try crm(["predict", "--store", demo.store, "--currency", "USD"])
        #expect(dollars.stderrLines == ["crm: no order in USD; the store's orders are in EUR"])
        // Reports under rules in a currency without orders say why their value figures are 0.
        let rules = directory.sub("eur-rules.json")
        try Data(#"{"version": 2, "currency": "EUR"}"#.utf8).write(to: URL(fileURLWithPath: rules))
        let report = try crm(["pipeline", "--store", store, "--rules", rules, "--json"])
        #expect(report.status == 0)
        #expect(report.stderrLines == ["crm: no order in EUR; the store's orders are in USD, so its value figures are 0 (rules currency EUR)"])
        #expect(try crm(["pipeline", "--store", store, "--json"]).stderr == "")
    }

    @Test func progressShowsOnATerminalOnlyAndNotWithQuiet() throws {
        let directory = TemporaryDirectory("progress")
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        let bar = "exporting █████████████████████████ 100%"
        // Redirected: the result line only, nothing on standard error.
        let piped = try crm(["export", directory.sub("piped.jsonl"), "--store", demo.store])
        #expect(piped.stderr == "")
        #expect(piped.lines == ["exported \(demo.head) events to \(directory.sub("piped.jsonl")), subject keys (wrapped) to \(directory.sub("piped.jsonl")).subject-keys"])
        // On a terminal: the bar, then the line is cleared before the result.
        let shown = try crmOnATerminal(["export", directory.sub("tty.jsonl"), "--store", demo.store])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("\r\u{1B}[K  \(bar)"))
        #expect(shown.stdout.hasSuffix("\r\u{1B}[Kexported \(demo.head) events to \(directory.sub("tty.jsonl")), subject keys (wrapped) to \(directory.sub("tty.jsonl")).subject-keys\r\n"))
        // --quiet: no progress on a terminal either.
        let quiet = try crmOnATerminal(["export", directory.sub("quiet.jsonl"), "--store", demo.store, "--quiet"])
        #expect(quiet.status == 0)
        #expect(!quiet.stdout.contains("exporting"))
        #expect(quiet.stdout == "exported \(demo.head) events to \(directory.sub("quiet.jsonl")), subject keys (wrapped) to \(directory.sub("quiet.jsonl")).subject-keys\r\n")
        // An import on a terminal shows both passes' bars.
        let imported = try crmOnATerminal(["import", directory.sub("piped.jsonl"), "--store", directory.sub("store"),
                                           "--source-master-key", demo.store + ".master-key"])
        #expect(imported.status == 0, "\(imported.stdout)")
        #expect(imported.stdout.contains("checking  █████████████████████████ 100%"))
        #expect(imported.stdout.contains("appending █████████████████████████ 100%"))
    }
}
