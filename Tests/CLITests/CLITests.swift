import Foundation
import Testing
import TestSupport

/// Every `crm` subcommand run as the real binary: a success and at least one error case each,
/// with exact exit codes and stderr lines, and `--json` outputs checked against the store.
@Suite(.serialized) struct CLITests {
    let demo = DemoStore.shared
    let missing = "/nonexistent/crm-store"

    // MARK: demo

    @Test func demoGeneratesOnceThenReusesTheStore() throws {
        #expect(demo.demo.status == 0, "\(demo.demo.stderr)")
        #expect(demo.demo.stderr == "")
        // The history with the closed loop running weekly in it; the final run on the last
        // business day finds that day's reactions in the log already.
        let (history, reactions, suppressed) = try demoLoop()
        #expect(reactions > 0 && suppressed > 0)
        #expect(history == demo.head)
        #expect(demo.demo.stdout.contains("appended \(history) events for 40 customers over 157 weeks"))
        #expect(demo.demo.stdout.contains("backup verified in \(demo.store)-backup: \(history) events"))
        let final = try #require(demo.demo.lines.first { $0.hasPrefix("closed loop at position ") })
        #expect(final.hasPrefix("closed loop at position \(history): 0 reactions, 0 suppressed for want of consent, "))
        #expect(demo.demo.stdout.contains("work lists for "))
        #expect(demo.demo.stdout.contains("pipeline on "))
        #expect(demo.demo.stdout.contains("balanced scorecard "))
        #expect(demo.demo.stdout.contains("lifecycle stages on "))
        #expect(demo.demo.stdout.contains("customer 360 of "))
        #expect(demo.demo.stdout.contains("wrote the HTML report to \(demo.report)"))
        #expect(FileManager.default.fileExists(atPath: demo.report))

        let again = try crm(["demo", "--store", demo.store, "--report", demo.directory.sub("again.html")])
        #expect(again.status == 0)
        #expect(again.lines.first == "using the existing store at \(demo.store) (\(demo.head) events); `crm demo --reset` generates a new history")
        #expect(!again.stdout.contains("appended"))
        // The same final run, with the same reactions already in the log (its timing aside).
        #expect(again.stdout.contains(String(final.prefix { $0 != "(" })))
        #expect(again.stdout.contains("folded 0 events"))
    }

    @Test func demoRejectsBadSizesOnOneLine() throws {
        let run = try crm(["demo", "--store", demo.directory.sub("never"), "--customers", "0"])
        #expect(run.status == 64)
        #expect(run.stderrLines == ["crm: --customers must be between 1 and 10000000 (see crm help)"])
        #expect(!FileManager.default.fileExists(atPath: demo.directory.sub("never")))
    }

    @Test func unknownSubcommandIsOneUsageLine() throws {
        let run = try crm(["frobnicate"])
        #expect(run.status == 64)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderrLines.first?.hasPrefix("crm: ") == true)
    }

    // MARK: reports

    @Test func customerShowsOneCustomer() throws {
        let id = try demo.topCustomer()
        let run = try crm(["customer", id, "--store", demo.store, "--json"])
        #expect(run.status == 0)
        let json = try run.json()
        #expect(json["id"] as? String == id)
        #expect(json["stream"] as? String == "customer-\(id)")
        let name = try #require(json["name"] as? String)
        #expect(name != "‹sealed›" && !name.isEmpty)
        #expect(["champions", "loyal", "potential", "atRisk"].contains(json["segment"] as? String ?? ""))
        #expect((json["orders"] as? [Any]) != nil && (json["stageHistory"] as? [Any])?.isEmpty == false)
        #expect(json["position"] as? Int == demo.head)

        let text = try crm(["customer", "customer-\(id)", "--store", demo.store])
        #expect(text.status == 0)
        #expect(text.lines.first == "customer 360 of \(name) (\(json["kind"] as! String), customer-\(id)) on \(json["asOf"] as! String):")
    }

    @Test func customerErrorsAreOneLine() throws {
        let unknown = "00000000-0000-0000-0000-000000000001"
        let run = try crm(["customer", unknown, "--store", demo.store])
        #expect(run.status == 1)
        #expect(run.stderrLines == ["crm: unknown customer \(unknown)"])
        #expect(run.stdout == "")

        let bad = try crm(["customer", "nobody", "--store", demo.store])
        #expect(bad.status == 1)
        #expect(bad.stderrLines == ["crm: bad customer id 'nobody': expected a UUID such as 0193c1a2-…, or customer-<uuid>"])

        let noStore = try crm(["customer", unknown, "--store", missing])
        #expect(noStore.status == 1)
        #expect(noStore.stderrLines == ["crm: no store at \(missing) (run `crm demo` to create one)"])
    }

    @Test func pipelineJSONAddsUp() throws {
        let run = try crm(["pipeline", "--store", demo.store, "--json"])
        #expect(run.status == 0)
        let json = try run.json()
        let stages = try #require(json["stages"] as? [[String: Any]])
        #expect(stages.map { $0["stage"] as? String } == ["prospecting", "qualification", "needsAnalysis", "proposal", "negotiation"])
        let open = try #require(json["open"] as? [String: Any])
        let counts = stages.map { ($0["figures"] as! [String: Any])["count"] as! Int }
        #expect(open["count"] as? Int == counts.reduce(0, +))
        let forecast = try #require(json["forecast"] as? [[String: Any]])
        #expect(forecast.map { ($0["figures"] as! [String: Any])["count"] as! Int }.reduce(0, +) == counts.reduce(0, +))
        #expect(json["currency"] as? String == "EUR")
        let won = try #require(json["won"] as? Int), lost = try #require(json["lost"] as? Int)
        #expect(won + lost > 0)
        #expect(json["winRate"] as? Double == Double(won) / Double(won + lost))

        let text = try crm(["pipeline", "--store", demo.store])
        #expect(text.lines.first == "pipeline on \(json["asOf"] as! String) (through position \(demo.head)):")
    }

    @Test func pipelineRejectsABadDate() throws {
        let run = try crm(["pipeline", "--store", demo.store, "--as-of", "2024-13-01"])
        #expect(run.status == 1)
        #expect(run.stderrLines == ["crm: bad --as-of '2024-13-01': expected a day YYYY-MM-DD or a log position (a positive number)"])
    }

    @Test func lifecycleAsOfPositionAndDay() throws {
        let run = try crm(["lifecycle", "--store", demo.store, "--json"])
        #expect(run.status == 0)
        let json = try run.json()
        let stages = try #require(json["stages"] as? [[String: Any]])
        #expect(stages.map { $0["name"] as? String } == ["Interessent", "Neukunde", "Aufsteigerkunde", "Starkunde", "Verlorener Kunde"])
        #expect(json["total"] as? Int == stages.map { $0["count"] as! Int }.reduce(0, +))
        #expect(json["total"] as? Int == 40)
        let history = try #require(json["history"] as? [[String: Any]])
        #expect((history.last?["counts"] as? [Int]) == stages.map { $0["count"] as! Int })

        // The demo registers and trains its 24 employees first (48 events): no customer yet.
        let early = try crm(["lifecycle", "--store", demo.store, "--json", "--as-of", "40"])
        #expect(early.status == 0)
        #expect(try early.json()["position"] as? Int == 40)
        #expect((try early.json()["total"] as? Int ?? 99) < 40)

        let day = try crm(["lifecycle", "--store", demo.store, "--json", "--as-of", "2023-12-31"])
        #expect(try day.json()["asOf"] as? String == "2023-12-31")

        let beyond = try crm(["lifecycle", "--store", demo.store, "--as-of", "99999999"])
        #expect(beyond.status == 1)
        #expect(beyond.stderrLines == ["crm: position 99999999 is beyond the head of the log (\(demo.head))"])
    }

    @Test func scorecardOfAQuarter() throws {
        let run = try crm(["scorecard", "--store", demo.store, "--period", "2024-Q1", "--json"])
        #expect(run.status == 0)
        let json = try run.json()
        #expect(json["period"] as? String == "2024-Q1")
        #expect(json["start"] as? String == "2024-01-01" && json["end"] as? String == "2024-03-31")
        #expect(json["trendPeriods"] as? [String] == ["2022-Q4", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"])
        let perspectives = try #require(json["perspectives"] as? [[String: Any]])
        #expect(perspectives.map { $0["perspective"] as? String } == ["financial", "customer", "process", "learning"])
        let kpis = perspectives.flatMap { $0["kpis"] as! [[String: Any]] }
        #expect(kpis.count == 20)
        for kpi in kpis {
            #expect(["onTarget", "atRisk", "offTarget", "noData"].contains(kpi["status"] as? String ?? ""))
            #expect((kpi["trend"] as? [Any])?.count == 6)
        }

        let text = try crm(["scorecard", "--store", demo.store, "--period", "2024-Q1"])
        #expect(text.lines.first?.hasPrefix("balanced scorecard 2024-Q1 (2024-01-01 – 2024-03-31)") == true)

        let bad = try crm(["scorecard", "--store", demo.store, "--period", "2024-Q5"])
        #expect(bad.status == 1)
        #expect(bad.stderrLines == ["crm: bad period '2024-Q5': expected YYYY, YYYY-MM or YYYY-Qn (e.g. 2026-Q3)"])
    }

    @Test func reportWritesOneSelfContainedFile() throws {
        let out = demo.directory.sub("report-test.html")
        let run = try crm(["report", "--store", demo.store, "--out", out])
        #expect(run.status == 0)
        #expect(run.lines.first?.hasPrefix("wrote \(out) (") == true)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for part in ["id=\"pipeline\"", "id=\"forecast\"", "id=\"scorecard\"", "id=\"lifecycle\"", "id=\"segments\"", "id=\"churn\"",
                     "id=\"loop\"", "id=\"journey\"", "id=\"attribution\""] {
            #expect(html.contains(part))
        }
        #expect(html.components(separatedBy: "<svg").count > 30)
        for external in ["src=", "href=", "http:", "https:", "<script", "@import", "url("] { #expect(!html.contains(external)) }

        let json = try crm(["report", "--store", demo.store, "--out", out, "--json"]).json()
        #expect(Set(json.keys) == ["title", "events", "pipeline", "scorecard", "lifecycle", "value", "closedLoop", "journey", "attribution"])
        #expect(json["events"] as? Int == demo.head)
        let loop = try #require(json["closedLoop"] as? [String: Any])
        let reactions = try #require((loop["effect"] as? [String: Any])?["reactions"] as? [String: Int])
        let effect = try crm(["policies", "effect", "--store", demo.store, "--json"]).json()
        #expect(reactions == effect["reactions"] as? [String: Int])
        #expect(loop["customersAtRisk"] as? Int == (try crm(["worklist", "--store", demo.store, "--json"]).json()["customersAtRisk"] as? [Any])?.count)

        let unwritable = try crm(["report", "--store", demo.store, "--out", "/nonexistent/dir/r.html"])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderrLines.count == 1)
        #expect(unwritable.stderrLines.first?.hasPrefix("crm: cannot write /nonexistent/dir/r.html: ") == true)
    }

    // MARK: rebuild and forget

    private func demoLifecycle() throws -> [String: Any] { try crm(["lifecycle", "--store", demo.store, "--json"]).json() }

    @Test func rebuildUnderNewRulesShowsTheDifference() throws {
        let (dir, store) = try demo.copy("rebuild")
        let rules = dir.sub("rules.json")
        let standard = try crm(["rebuild", "--store", store, "--json"])
        #expect(standard.status == 0)
        // A rebuild under the served rules writes r1-b beside the served r1 and switches to it.
        #expect(try standard.json()["generation"] as? String == "r1-b")
        #expect(try standard.json()["previousGeneration"] as? String == "r1")
        #expect(try standard.json()["compared"] as? Bool == false)
        let served = try crm(["rules", "--store", store])
        #expect(served.status == 0)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(served.stdout.utf8)) as? [String: Any])
        #expect(json["version"] as? Int == 1)
        // Version 2: growing and star need 1,000 orders, so every growing or star customer
        // becomes a new customer again.
        var lifecycle = try #require(json["lifecycle"] as? [String: Any])
        lifecycle["growingMinOrders"] = 1_000
        lifecycle["starMinOrders"] = 1_000
        json["lifecycle"] = lifecycle
        json["version"] = 2
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: rules))
        let run = try crm(["rebuild", "--store", store, "--rules", rules, "--diff", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        json = try run.json()
        #expect(json["generation"] as? String == "r2")
        #expect(json["previousGeneration"] as? String == "r1-b")
        #expect(json["oldRulesVersion"] as? Int == 1 && json["rulesVersion"] as? Int == 2)
        #expect(json["compared"] as? Bool == true)
        #expect(json["position"] as? Int == demo.head)
        let changes = try #require(json["changes"] as? [[String: Any]])
        let stageChanges = changes.filter { $0["figure"] as? String == "stage" }
        #expect(stageChanges.allSatisfy { ["growingCustomer", "starCustomer"].contains($0["old"] as? String ?? "") && $0["new"] as? String == "newCustomer" })
        let before = try #require(try demoLifecycle()["stages"] as? [[String: Any]])
        #expect(stageChanges.count == before[2]["count"] as! Int + (before[3]["count"] as! Int))
        #expect(stageChanges.count > 0)

        let stats = try crm(["stats", "--store", store, "--json"]).json()
        let projection = try #require(stats["projection"] as? [String: Any])
        #expect(projection["generation"] as? String == "r2" && projection["rulesVersion"] as? Int == 2 && projection["lag"] as? Int == 0)

        let noModels = try crm(["rules", "--store", dir.sub("empty")])
        #expect(noModels.status == 1)
        #expect(noModels.stderrLines == ["crm: no store at \(dir.sub("empty")) (run `crm demo` to create one)"])

        let missingRules = try crm(["rebuild", "--store", store, "--rules", dir.sub("nope.json")])
        #expect(missingRules.status == 1)
        #expect(missingRules.stderrLines == ["crm: cannot read rules from \(dir.sub("nope.json")): no such readable file"])
    }

    @Test func forgetErasesACustomersPersonalData() throws {
        let id = try demo.topCustomer()
        let (dir, store) = try demo.copy("forget")
        _ = dir
        let run = try crm(["forget", "customer-\(id)", "--store", store])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines == ["forgot customer-\(id): key destroyed, erasure recorded at position \(demo.head + 1)"])
        let after = try crm(["customer", id, "--store", store, "--json"]).json()
        #expect(after["name"] as? String == "‹erased›")
        let verify = try crm(["verify", "--store", store])
        #expect(verify.status == 0)

        let bad = try crm(["forget", "someone", "--store", store])
        #expect(bad.status == 1)
        #expect(bad.stderrLines == ["crm: bad subject 'someone': expected customer-<uuid>, contact-<uuid>, lead-<uuid> or employee-<uuid>"])
        let unknown = try crm(["forget", "customer-00000000-0000-0000-0000-000000000001", "--store", store])
        #expect(unknown.status == 1)
        #expect(unknown.stderrLines == ["crm: unknown subject customer-00000000-0000-0000-0000-000000000001: the store has no stream customer-00000000-0000-0000-0000-000000000001"])
    }

    // MARK: closed loop

    /// The numbers of the demo's closed-loop line: history events, reactions, suppressed.
    /// The demo's events, and the closed loop's reactions and suppressions over the history
    /// (`closed loop ran weekly: R reactions, S suppressed for want of consent`).
    func demoLoop() throws -> (history: Int, reactions: Int, suppressed: Int) {
        let appended = try #require(demo.demo.lines.first { $0.hasPrefix("appended ") })
        let loop = try #require(demo.demo.lines.first { $0.hasPrefix("closed loop ran weekly: ") })
        let numbers = loop.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        try #require(numbers.count >= 2)
        return (Int(appended.split(separator: " ")[1])!, numbers[0], numbers[1])
    }

    /// The final closed-loop run of the demo: how many of its reactions were in the log already.
    func demoFinalRunAlreadyDone() throws -> Int {
        let final = try #require(demo.demo.lines.first { $0.hasPrefix("closed loop at position ") })
        let numbers = final.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        return numbers[3]
    }

    @Test func worklistListsTheDaysWork() throws {
        let json = try crm(["worklist", "--store", demo.store, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let lists = try json.json()
        let day = try #require(lists["day"] as? String)
        let atRisk = try #require(lists["customersAtRisk"] as? [[String: Any]])
        #expect(!atRisk.isEmpty)
        #expect(atRisk.allSatisfy { ["medium", "high"].contains($0["level"] as? String ?? "") })
        let scores = atRisk.compactMap { $0["score"] as? Int }
        #expect(scores == scores.sorted(by: >))
        #expect(lists["leads"] is [Any] && lists["tickets"] is [Any] && lists["followUps"] is [Any])
        let text = try crm(["worklist", "--store", demo.store, "--limit", "3"])
        #expect(text.status == 0)
        #expect(text.lines.first == "work lists for \(day):")
        #expect(text.lines.contains("  customers at risk (\(atRisk.count)):"))
        // As of the first position nothing is at risk yet.
        let early = try crm(["worklist", "--store", demo.store, "--as-of", "1", "--json"]).json()
        #expect((early["customersAtRisk"] as? [Any])?.isEmpty == true)

        let bad = try crm(["worklist", "--store", demo.store, "--as-of", "2024-13-45"])
        #expect(bad.status == 1)
        #expect(bad.stderrLines == ["crm: bad --as-of '2024-13-45': expected a day YYYY-MM-DD or a log position (a positive number)"])
        let none = try crm(["worklist", "--store", missing])
        #expect(none.status == 1)
        #expect(none.stderrLines == ["crm: no store at \(missing) (run `crm demo` to create one)"])
    }

    @Test func policiesRunAgainAddNothingAndReportTheirEffect() throws {
        let (history, _, _) = try demoLoop()
        let original = try crm(["policies", "effect", "--store", demo.store, "--json"]).json()
        let reactions = (original["reactions"] as? [String: Int] ?? [:]).values.reduce(0, +)
        let suppressed = (original["suppressed"] as? [String: Int] ?? [:]).values.reduce(0, +)
        let (dir, store) = try demo.copy("policies")
        _ = dir
        let activate = try crm(["policies", "activate", "--store", store, "--json"])
        #expect(activate.status == 0, "\(activate.stderr)")
        let activation = try activate.json()
        #expect(activation["policy"] as? String == "closed-loop")
        #expect((activation["fromPosition"] as? Int).map { $0 >= 1 && $0 < history } == true)

        let day = try #require(try crm(["worklist", "--store", store, "--json"]).json()["day"] as? String)
        let run = try crm(["policies", "run", "--store", store, "--at", "\(day)T18:00:00Z", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try run.json()
        #expect((report["executed"] as? [Any])?.isEmpty == true)
        #expect((report["suppressed"] as? [Any])?.isEmpty == true)
        #expect(report["alreadyDone"] as? Int == (try demoFinalRunAlreadyDone()))
        #expect(try crm(["head", "--store", store, "--json"]).json()["position"] as? Int == demo.head)

        let effect = try crm(["policies", "effect", "--store", store, "--json"]).json()
        let byReaction = try #require(effect["reactions"] as? [String: Int])
        let suppressedBy = try #require(effect["suppressed"] as? [String: Int])
        #expect(byReaction.values.reduce(0, +) == reactions)
        #expect(suppressedBy.values.reduce(0, +) == suppressed)
        #expect(effect["windowDays"] as? Int == 90)
        #expect(effect["treated"] is [String: Any] && effect["comparison"] is [String: Any])
        let text = try crm(["policies", "effect", "--store", store])
        #expect(text.lines.first?.hasPrefix("closed-loop effect as of ") == true)

        let badTime = try crm(["policies", "run", "--store", store, "--at", "yesterday"])
        #expect(badTime.status == 1)
        #expect(badTime.stderrLines == ["crm: --at takes YYYY-MM-DD or an ISO 8601 time like 2026-05-11T09:30:00Z (found 'yesterday')"])
        let badRules = try crm(["policies", "run", "--store", store, "--policy-rules", "/nonexistent/rules.json"])
        #expect(badRules.status == 1)
        #expect(badRules.stderrLines == ["crm: cannot read the policy rules file /nonexistent/rules.json"])
        #expect(try crm(["head", "--store", store, "--json"]).json()["position"] as? Int == demo.head)
    }

    // MARK: predict and migrate

    @Test func predictFitsTheCustomerBase() throws {
        let run = try crm(["predict", "--store", demo.store, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try run.json()
        #expect(json["unit"] as? String == "week")
        #expect(json["horizon"] as? Int == 52)
        let customers = try #require(json["customers"] as? Int)
        #expect(customers > 0 && customers <= 40)
        #expect((json["repeatCustomers"] as? Int).map { $0 <= customers } == true)
        #expect(json["purchases"] is [String: Any])

        let bad = try crm(["predict", "--store", demo.store, "--calibration-end", "2024-02-30"])
        #expect(bad.status == 1)
        #expect(bad.stderrLines == ["crm: bad --calibration-end '2024-02-30': expected a date YYYY-MM-DD"])
        let noStore = try crm(["predict", "--store", missing])
        #expect(noStore.status == 1)
        #expect(noStore.stderrLines == ["crm: no store at \(missing) (run `crm demo` to create one)"])
    }

    @Test func migrateCopiesAStoreAndChecksBothChains() throws {
        let target = TemporaryDirectory("migrate")
        let run = try crm(["migrate", "--from", demo.store, "--to", target.sub("copy")])
        #expect(run.status == 0, "\(run.stderr)")
        let anchor = try crm(["head", "--store", demo.store, "--json"]).json()
        let hash = try #require(anchor["hash"] as? String)
        #expect(run.lines.last == "both chains end at position \(demo.head) with head hash \(hash); the target verifies")
        #expect(try crm(["head", "--store", target.sub("copy"), "--json"]).json()["hash"] as? String == hash)
        // The keys travel: the copy opens with the same master key.
        #expect(run.lines.dropFirst().first == "added \(demo.subjectKeys) subject keys (wrapped with \(demo.store).master-key) to \(target.sub("copy"))/subject-keys")
        let top = try demo.topCustomer()
        let name = try crm(["customer", top, "--store", demo.store, "--json"]).json()["name"] as? String
        #expect(try crm(["customer", top, "--store", target.sub("copy"), "--master-key", demo.store + ".master-key", "--json"]).json()["name"] as? String == name)

        let none = try crm(["migrate", "--from", missing, "--to", target.sub("other")])
        #expect(none.status == 1)
        #expect(none.stderrLines == ["crm: no store at \(missing) (run `crm demo` to create one)"])
    }

    // MARK: PostgreSQL

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"]?.isEmpty == false,
                   "needs a PostgreSQL server: CRMKIT_POSTGRES_URL (make test starts one)"))
    func aStoreMigratedToPostgreSQLGivesIdenticalReports() throws {
        let base = try #require(ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"])
        let schema = "cli_" + UUID().uuidString.prefix(8).lowercased()
        let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
        let migrate = try crm(["migrate", "--from", demo.store, "--to", url])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.lines.last?.hasPrefix("both chains end at position \(demo.head) with head hash ") == true)
        let state = TemporaryDirectory("pg-state")
        let top = try demo.topCustomer()
        // Without the master key on both sides (the subject keys stay in the LMDB environment).
        let noKey = ["--master-key", state.sub("no-key")]
        for command in [["pipeline"], ["lifecycle"], ["scorecard"], ["customer", top], ["worklist"], ["policies", "effect"]] {
            let lmdb = try crm(command + ["--store", demo.store, "--json"] + noKey)
            let postgres = try crm(command + ["--store", url, "--state", state.sub("models"), "--json"] + noKey)
            #expect(lmdb.status == 0 && postgres.status == 0, "\(command): \(lmdb.stderr) \(postgres.stderr)")
            #expect(!lmdb.stdout.isEmpty)
            #expect(lmdb.stdout == postgres.stdout, "crm \(command.joined(separator: " ")) --json differs between the backends")
        }
    }

    // MARK: log commands

    @Test func verifyAndHead() throws {
        let head = try crm(["head", "--store", demo.store, "--json"])
        #expect(head.status == 0)
        let anchor = try head.json()
        #expect(anchor["position"] as? Int == demo.head)
        let hash = try #require(anchor["hash"] as? String)
        #expect(hash.count == 64)

        let verify = try crm(["verify", "--store", demo.store, "--anchor", "\(demo.head):\(hash)", "--json"])
        #expect(verify.status == 0)
        #expect(try verify.json()["intact"] as? Bool == true)
        #expect(try verify.json()["head"] as? Int == demo.head)
        #expect(try crm(["verify", "--store", demo.store]).lines == ["intact: \(demo.head) events, head hash \(hash)"])

        let badAnchor = try crm(["verify", "--store", demo.store, "--anchor", "12:zz"])
        #expect(badAnchor.status == 1)
        #expect(badAnchor.stderrLines == ["crm: bad anchor '12:zz': expected POSITION:64-HEX-DIGITS"])
        let noStore = try crm(["head", "--store", missing])
        #expect(noStore.status == 1)
        #expect(noStore.stderrLines == ["crm: no store at \(missing) (run `crm demo` to create one)"])
    }

    @Test func backupCopiesAndRefusesAFullDirectory() throws {
        let target = TemporaryDirectory("backup")
        let run = try crm(["backup", target.sub("copy"), "--store", demo.store])
        #expect(run.status == 0)
        #expect(run.lines.first?.hasPrefix("backup verified: \(demo.head) events, head hash ") == true)
        let again = try crm(["backup", target.sub("copy"), "--store", demo.store])
        #expect(again.status == 1)
        #expect(again.stderrLines.count == 1)
        #expect(again.stderrLines.first?.hasPrefix("crm: ") == true && again.stderrLines.first?.contains(target.sub("copy")) == true)
    }

    @Test func statsCountEveryEvent() throws {
        let run = try crm(["stats", "--store", demo.store, "--json"])
        #expect(run.status == 0)
        let json = try run.json()
        #expect(json["events"] as? Int == demo.head)
        let categories = try #require(json["categories"] as? [[String: Any]])
        let types = try #require(json["types"] as? [[String: Any]])
        #expect(categories.map { $0["count"] as! Int }.reduce(0, +) == demo.head)
        #expect(types.map { $0["count"] as! Int }.reduce(0, +) == demo.head)
        let streams = try #require(json["streams"] as? Int)
        #expect(streams > 40 && streams <= demo.head)
        #expect((json["bytes"] as? Int ?? 0) > 0)
        let projection = try #require(json["projection"] as? [String: Any])
        #expect(projection["generation"] as? String == "r1")
        #expect(projection["checkpoint"] as? Int == demo.head)
        #expect(projection["lag"] as? Int == 0)
        let text = try crm(["stats", "--store", demo.store])
        #expect(text.lines.first?.hasPrefix("events: \(demo.head)   streams: \(streams)") == true)

        let noStore = try crm(["stats", "--store", missing])
        #expect(noStore.status == 1)
        #expect(noStore.stderrLines == ["crm: no store at \(missing) (run `crm demo` to create one)"])
    }

    @Test func tailPrintsTheLastEventsAndFollowsLive() throws {
        let stored = try crm(["tail", "--store", demo.store, "--last", "3", "--no-follow"])
        #expect(stored.status == 0)
        #expect(stored.lines.map { $0.split(separator: "\t").first.map(String.init) } == ["\(demo.head - 2)", "\(demo.head - 1)", "\(demo.head)"])

        let id = try demo.topCustomer()
        let (dir, store) = try demo.copy("tail")
        _ = dir
        let process = Process()
        process.executableURL = URL(fileURLWithPath: crmPath())
        process.arguments = ["tail", "--store", store, "--last", "1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let output = LineReader(pipe.fileHandleForReading)
        #expect(output.nextLine()?.hasPrefix("\(demo.head)\t") == true)
        let forget = try crm(["forget", "customer-\(id)", "--store", store])
        #expect(forget.status == 0)
        let live = try #require(output.nextLine())
        #expect(live.hasPrefix("\(demo.head + 1)\t"))
        #expect(live.contains("\tcustomer-\(id)@"))
        #expect(live.contains("\tPersonalDataErased\t"))

        let noStore = try crm(["tail", "--store", missing])
        #expect(noStore.status == 1)
        #expect(noStore.stderrLines == ["crm: no store at \(missing) (run `crm demo` to create one)"])
    }

    @Test func exportImportRoundTripAndLineNumberedErrors() throws {
        let dir = TemporaryDirectory("interchange")
        let file = dir.sub("log.jsonl")
        let export = try crm(["export", file, "--store", demo.store, "--from", "1", "--to", "\(demo.head)"])
        #expect(export.status == 0)
        #expect(export.lines == ["exported \(demo.head) events to \(file), subject keys (wrapped) to \(file).subject-keys"])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.split(separator: "\n").count == demo.head)

        let imported = try crm(["import", file, "--store", dir.sub("restored"), "--source-master-key", demo.store + ".master-key"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.lines == ["imported \(demo.subjectKeys) subject keys from \(file).subject-keys, wrapped with \(dir.sub("restored")).master-key",
                                   "imported \(demo.head) events; head is now \(demo.head)"])
        let original = try crm(["head", "--store", demo.store]).stdout
        #expect(try crm(["head", "--store", dir.sub("restored")]).stdout == original)

        var lines = text.split(separator: "\n").map(String.init)
        lines[1] = "{\"not\": \"an event\"}"
        try Data((lines.prefix(3).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir.sub("bad.jsonl")))
        let bad = try crm(["import", dir.sub("bad.jsonl"), "--store", dir.sub("fresh")])
        #expect(bad.status == 1)
        #expect(bad.stderrLines.count == 1)
        #expect(bad.stderrLines.first?.hasPrefix("crm: line 2: ") == true)
        #expect(bad.stderrLines.first?.hasSuffix("; nothing was imported") == true)
    }
}
