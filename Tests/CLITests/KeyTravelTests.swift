import Foundation
import Testing
import TestSupport

/// Issue 18, points 2, 10 and 11 and "keys travel with the data", as the user runs them: the real
/// `crm` binary on a copy of the shared demo store.
@Suite(.serialized) struct KeyTravelTests {
    let demo = DemoStore.shared

    func name(_ id: String, store: String, masterKey: String? = nil) throws -> String? {
        let run = try crm(["customer", id, "--store", store, "--json"] + (masterKey.map { ["--master-key", $0] } ?? []))
        return try run.json()["name"] as? String
    }

    /// The ids of the demo's customers, in the order they were registered.
    func customers(in export: String) -> [String] {
        export.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("\"CustomerRegistered\""), let range = line.range(of: "\"customer-") else { return nil }
            return String(line[range.upperBound...].prefix(36))
        }
    }

    @Test("point 10: export + import carries the wrapped keys; the copy reads like the original, forget works there; a wrong source key imports nothing")
    func exportAndImportCarryTheKeys() throws {
        let dir = TemporaryDirectory("keys-travel")
        let file = dir.sub("log.jsonl")
        #expect(try crm(["export", file, "--store", demo.store]).status == 0)
        let ids = customers(in: try String(contentsOfFile: file, encoding: .utf8))
        #expect(ids.count == 40)
        let target = dir.sub("copy")
        let imported = try crm(["import", file, "--store", target, "--source-master-key", demo.store + ".master-key"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.lines.first == "imported \(demo.subjectKeys) subject keys from \(file).subject-keys, wrapped with \(target).master-key")
        // Every customer reads as in the original, under the copy's own (different) master key.
        for id in ids { #expect(try name(id, store: target) == (try name(id, store: demo.store))) }
        #expect(try name(ids[0], store: target) != "‹sealed›")
        #expect(FileManager.default.contents(atPath: target + ".master-key") != FileManager.default.contents(atPath: demo.store + ".master-key"))
        for report in ["pipeline", "lifecycle", "scorecard"] {
            #expect(try crm([report, "--store", target, "--json"]).stdout == (try crm([report, "--store", demo.store, "--json"]).stdout))
        }
        let forget = try crm(["forget", "customer-\(ids[0])", "--store", target])
        #expect(forget.lines == ["forgot customer-\(ids[0]): key destroyed, erasure recorded at position \(demo.head + 1)"])
        #expect(try name(ids[0], store: target) == "‹erased›")
        #expect(try name(ids[1], store: target) == (try name(ids[1], store: demo.store)))

        // Without the source's master key the keys cannot be opened: an error, nothing imported.
        let wrong = try crm(["import", file, "--store", dir.sub("wrong")])
        #expect(wrong.status == 1)
        #expect(wrong.stderrLines == ["crm: the master key does not open this store's subject keys"])
        #expect(try crm(["head", "--store", dir.sub("wrong"), "--json"]).json()["position"] as? Int == 0)
    }

    @Test("point 10: a backup opens with the master key for every subject, pipeline included, and stays readable after a forget in the store")
    func aBackupCarriesTheKeys() throws {
        let (dir, store) = try demo.copy("keys-backup")
        let backup = dir.sub("backup")
        #expect(try crm(["backup", backup, "--store", store]).status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: backup + "/subject-keys")
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let top = try demo.topCustomer()
        let original = try name(top, store: store)
        #expect(try crm(["forget", "customer-\(top)", "--store", store]).status == 0)
        #expect(try name(top, store: store) == "‹erased›")
        // The backup was taken before the forget: readable for everyone with the (unchanged) master key.
        #expect(try name(top, store: backup, masterKey: store + ".master-key") == original)
        #expect(original != "‹sealed›" && original != "‹erased›")
        #expect(try crm(["pipeline", "--store", backup, "--master-key", store + ".master-key", "--json"]).stdout
                == (try crm(["pipeline", "--store", demo.store, "--json"]).stdout))
    }

    @Test("point 11: plaintext personal data imported into a sealing store is sealed, so forget erases it; forget of an unknown contact is an error that changes nothing")
    func importSealsPlaintextAndUnknownSubjectsAreErrors() throws {
        let dir = TemporaryDirectory("keys-plain")
        let file = dir.sub("log.jsonl")
        #expect(try crm(["export", file, "--store", demo.store]).status == 0)
        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.contains("\"CustomerRegistered\"") })
        let id = try #require(customers(in: lines[index]).first)
        let sealedName = try NSRegularExpression(pattern: "\"name\": ?\\{\"sealed\": ?\"[^\"]*\"\\}")
        let line = lines[index]
        lines[index] = sealedName.stringByReplacingMatches(in: line, range: NSRange(line.startIndex..., in: line),
                                                           withTemplate: "\"name\":\"Plain Zq Person\"")
        #expect(lines[index].contains("Plain Zq Person"))
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))

        let target = dir.sub("copy")
        let imported = try crm(["import", file, "--store", target, "--source-master-key", demo.store + ".master-key"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let data = try #require(FileManager.default.contents(atPath: target + "/data.mdb"))
        #expect(data.range(of: Data("Plain Zq Person".utf8)) == nil)
        #expect(try name(id, store: target) == "Plain Zq Person")
        let forget = try crm(["forget", "customer-\(id)", "--store", target])
        #expect(forget.lines == ["forgot customer-\(id): key destroyed, erasure recorded at position \(demo.head + 1)"])
        #expect(try name(id, store: target) == "‹erased›")
        let again = dir.sub("again.jsonl")
        #expect(try crm(["export", again, "--store", target]).status == 0)
        #expect(try String(contentsOfFile: again, encoding: .utf8).contains("Plain Zq Person") == false)

        // An unknown contact: a typed error naming it; no event, no key file or master key byte changed.
        let keyFile = FileManager.default.contents(atPath: target + "/subject-keys")
        let masterKey = FileManager.default.contents(atPath: target + ".master-key")
        let head = try crm(["head", "--store", target]).stdout
        let contact = "contact-00000000-0000-0000-0000-000000000001"
        let unknown = try crm(["forget", contact, "--store", target])
        #expect(unknown.status == 1)
        #expect(unknown.stderrLines == ["crm: unknown subject \(contact): it has no key in this store (nothing of it was sealed), so nothing was forgotten"])
        #expect(try crm(["head", "--store", target]).stdout == head)
        #expect(FileManager.default.contents(atPath: target + "/subject-keys") == keyFile)
        #expect(FileManager.default.contents(atPath: target + ".master-key") == masterKey)
    }

    @Test("point 2: three `crm forget` processes at once (two of the same subject) lose nobody else's data")
    func concurrentForgets() throws {
        let dir = TemporaryDirectory("keys-race")
        let file = dir.sub("log.jsonl")
        #expect(try crm(["export", file, "--store", demo.store]).status == 0)
        let ids = customers(in: try String(contentsOfFile: file, encoding: .utf8))
        let (copy, store) = try demo.copy("keys-race-store")
        defer { withExtendedLifetime(copy) {} }
        let runs = [ids[0], ids[1], ids[0]].enumerated().map { n, id in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: crmPath())
            process.arguments = ["forget", "customer-\(id)", "--store", store]
            process.standardOutput = FileHandle.nullDevice
            _ = FileManager.default.createFile(atPath: dir.sub("err-\(n)"), contents: nil)
            process.standardError = FileHandle(forWritingAtPath: dir.sub("err-\(n)"))
            return process
        }
        for process in runs { try process.run() }
        for process in runs { process.waitUntilExit() }
        // ids[1] is forgotten; of the two forgets of ids[0], at least one succeeds, and a failing
        // one was told exactly that the subject was already forgotten.
        #expect(runs[1].terminationStatus == 0)
        #expect(runs[0].terminationStatus == 0 || runs[2].terminationStatus == 0)
        for n in [0, 2] where runs[n].terminationStatus != 0 {
            #expect(try String(contentsOfFile: dir.sub("err-\(n)"), encoding: .utf8)
                    == "crm: customer-\(ids[0]) was already forgotten: its key is destroyed\n")
        }
        #expect(try name(ids[0], store: store) == "‹erased›")
        #expect(try name(ids[1], store: store) == "‹erased›")
        for id in ids.dropFirst(2) { #expect(try name(id, store: store) == (try name(id, store: demo.store))) }
        #expect(try crm(["verify", "--store", store]).status == 0)
    }

    @Test("forget on a postgres:// store: the keys live in the log's table subject_keys; one subject erased, the others open",
          .enabled(if: ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"]?.isEmpty == false,
                   "needs a PostgreSQL server: CRMKIT_POSTGRES_URL (make test starts one)"))
    func forgetOnPostgreSQL() throws {
        let base = try #require(ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"])
        let url = base + (base.contains("?") ? "&" : "?") + "schema=forget_" + UUID().uuidString.prefix(8).lowercased()
        let dir = TemporaryDirectory("pg-forget-cli")
        let state = dir.sub("state")
        // The keys travel with the log: migrate adds them, wrapped, to the log's table.
        let table = url.replacingOccurrences(of: "?schema=", with: " (schema ") + "), table subject_keys"
        let migrate = try crm(["migrate", "--from", demo.store, "--to", url])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.lines.dropFirst().first == "added \(demo.subjectKeys) subject keys (wrapped with \(demo.store).master-key) to \(table)")
        // Run again (a resumed migration): nothing to copy, no key added, nothing replaced.
        let again = try crm(["migrate", "--from", demo.store, "--to", url])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.lines.dropFirst().first == "added 0 subject keys (wrapped with \(demo.store).master-key) to \(table)")
        try FileManager.default.copyItem(atPath: demo.store + ".master-key", toPath: state + ".master-key")
        let file = dir.sub("log.jsonl")
        #expect(try crm(["export", file, "--store", demo.store]).status == 0)
        let ids = customers(in: try String(contentsOfFile: file, encoding: .utf8))
        func postgresName(_ id: String) throws -> String? {
            try crm(["customer", id, "--store", url, "--state", state, "--json"]).json()["name"] as? String
        }
        #expect(try postgresName(ids[0]) == (try name(ids[0], store: demo.store)))
        let noState = try crm(["forget", "customer-\(ids[0])", "--store", url])
        #expect(noState.status == 1)
        #expect(noState.stderrLines == ["crm: a postgres:// store's subject keys open with the master key every instance holds: give --master-key FILE (or --state DIR, beside which it is DIR.master-key)"])
        let forget = try crm(["forget", "customer-\(ids[0])", "--store", url, "--state", state])
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(forget.lines == ["forgot customer-\(ids[0]): key destroyed, erasure recorded at position \(demo.head + 1)"])
        #expect(try postgresName(ids[0]) == "‹erased›")
        for id in ids.dropFirst().prefix(5) { #expect(try postgresName(id) == (try name(id, store: demo.store))) }
        let unknown = try crm(["forget", "customer-00000000-0000-0000-0000-000000000001", "--store", url, "--state", state])
        #expect(unknown.stderrLines == ["crm: unknown subject customer-00000000-0000-0000-0000-000000000001: the store has no stream customer-00000000-0000-0000-0000-000000000001"])
    }
}
