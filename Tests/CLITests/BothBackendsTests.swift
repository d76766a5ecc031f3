import Foundation
import Testing
import TestSupport

/// The PostgreSQL server of `make test` (`.ci/with-postgres.sh` sets it); unset, these cases are
/// reported as not run.
private let postgresURL = ProcessInfo.processInfo.environment["CRMKIT_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// Issue 21: every command that reads or writes a store works on a `postgres://` URL exactly as
/// on an LMDB path. A private copy of the demo store is migrated to a fresh schema, and each
/// command runs on both, its output and exit code compared.
@Suite(.serialized, .enabled(if: postgresURL != nil, "needs a PostgreSQL server: CRMKIT_POSTGRES_URL (make test starts one)"))
struct BothBackendsTests {
    let demo = DemoStore.shared

    /// A copy of the demo store, migrated with its subject keys to a new schema.
    struct Pair {
        let directory: TemporaryDirectory
        let lmdb: String
        let url: String
        let masterKey: String
        var state: String { directory.sub("pg-state") }
        /// The arguments naming each store: the LMDB directory, or the URL with the instance's
        /// state directory and the master key every instance holds.
        var lmdbStore: [String] { ["--store", lmdb] }
        var postgresStore: [String] { ["--store", url, "--state", state, "--master-key", masterKey] }
    }

    static func schemaURL(_ prefix: String) -> String {
        let base = postgresURL ?? ""
        return base + (base.contains("?") ? "&" : "?") + "schema=\(prefix)_" + UUID().uuidString.prefix(8).lowercased()
    }

    func migratedPair(_ name: String) async throws -> Pair {
        let (directory, lmdb) = try demo.copy(name)
        let url = Self.schemaURL("both")
        let migrate = try await crmAwaiting(["migrate", "--from", lmdb, "--to", url])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.lines.dropFirst().first
                == "added \(demo.subjectKeys) subject keys (wrapped with \(lmdb).master-key) to \(redacted(url)), table subject_keys")
        return Pair(directory: directory, lmdb: lmdb, url: url, masterKey: lmdb + ".master-key")
    }

    /// The URL as messages print it (`PostgresLocation.description`; the test server's URL has
    /// no password and no other query parameter).
    func redacted(_ url: String) -> String { url.replacingOccurrences(of: "?schema=", with: " (schema ") + ")" }

    /// Runs `arguments` on both stores and expects the same exit code and standard output.
    @discardableResult
    func same(_ arguments: [String], _ pair: Pair, status: Int32 = 0,
              _ normalize: (String) -> String = { $0 }, sourceLocation: SourceLocation = #_sourceLocation) async throws -> (Run, Run) {
        let lmdb = try await crmAwaiting(arguments + pair.lmdbStore)
        let postgres = try await crmAwaiting(arguments + pair.postgresStore)
        #expect(lmdb.status == status, "LMDB: crm \(arguments.joined(separator: " ")): \(lmdb.stderr)", sourceLocation: sourceLocation)
        #expect(postgres.status == status, "PostgreSQL: crm \(arguments.joined(separator: " ")): \(postgres.stderr)", sourceLocation: sourceLocation)
        if status == 0 { #expect(!lmdb.stdout.isEmpty, sourceLocation: sourceLocation) }
        #expect(normalize(lmdb.stdout) == normalize(postgres.stdout),
                "crm \(arguments.joined(separator: " ")) differs between the backends", sourceLocation: sourceLocation)
        return (lmdb, postgres)
    }

    /// JSON text without the named top-level fields (times, sizes that differ by backend).
    static func dropping(_ fields: Set<String>) -> (String) -> String {
        { text in
            guard var object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return text }
            for field in fields { object.removeValue(forKey: field) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    @Test func logCommandsGiveTheSameOutputOnAMigratedStore() async throws {
        let pair = try await migratedPair("both-log")
        let (head, _) = try await same(["head", "--json"], pair)
        let hash = try #require(try head.json()["hash"] as? String)
        try await same(["head"], pair)
        try await same(["verify"], pair)
        try await same(["verify", "--json", "--anchor", "\(demo.head):\(hash)"], pair)
        try await same(["tail", "--no-follow", "--last", "25"], pair)
        try await same(["export", "-"], pair)
        try await same(["export", "-", "--from", "100", "--to", "180"], pair)
        try await same(["rules"], pair)
        try await same(["predict"], pair)
        try await same(["predict", "--json", "--unit", "day", "--horizon", "90"], pair)
        try await same(["predict", "--all", "--format", "csv"], pair)
        // Statistics: the same counts; the size is the backend's own (data file, table).
        let (lmdbStats, postgresStats) = try await same(["stats", "--json"], pair, Self.dropping(["bytes", "projection"]))
        #expect(try lmdbStats.json()["events"] as? Int == demo.head)
        #expect(try (postgresStats.json()["bytes"] as? Int ?? 0) > 0)
        // A bad anchor is refused alike (exit 2).
        let wrong = "\(demo.head):" + String(repeating: "0", count: 64)
        try await same(["verify", "--json", "--anchor", wrong], pair, status: 2)
    }

    @Test func exportToAFileCarriesTheSameEventsAndKeysThatOpen() async throws {
        let pair = try await migratedPair("both-export")
        let lmdbFile = pair.directory.sub("lmdb.jsonl"), postgresFile = pair.directory.sub("pg.jsonl")
        let lmdb = try await crmAwaiting(["export", lmdbFile] + pair.lmdbStore)
        let postgres = try await crmAwaiting(["export", postgresFile] + pair.postgresStore)
        #expect(lmdb.lines == ["exported \(demo.head) events to \(lmdbFile), subject keys (wrapped) to \(lmdbFile).subject-keys"])
        #expect(postgres.lines == ["exported \(demo.head) events to \(postgresFile), subject keys (wrapped) to \(postgresFile).subject-keys"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: lmdbFile)) == Data(contentsOf: URL(fileURLWithPath: postgresFile)))
        // The PostgreSQL export imports into a new LMDB store whose personal data opens.
        let target = pair.directory.sub("imported")
        let imported = try await crmAwaiting(["import", postgresFile, "--store", target, "--master-key", pair.masterKey, "--no-validate"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let top = try demo.topCustomer()
        let name = try await crmAwaiting(["customer", top, "--json"] + pair.lmdbStore).json()["name"] as? String
        #expect(name != nil && name != "‹erased›")
        #expect(try await crmAwaiting(["customer", top, "--store", target, "--master-key", pair.masterKey, "--json"]).json()["name"] as? String == name)
        #expect(try await crmAwaiting(["customer", top, "--json"] + pair.postgresStore).json()["name"] as? String == name)
        // The LMDB export imports into a new PostgreSQL schema as it does into a new LMDB store:
        // the same lines printed, the same chain, its keys in the schema's table.
        let lmdbTarget = pair.directory.sub("imported-lmdb"), postgresTarget = Self.schemaURL("imported")
        let intoLMDB = try await crmAwaiting(["import", lmdbFile, "--store", lmdbTarget, "--master-key", pair.masterKey])
        let intoPostgres = try await crmAwaiting(["import", lmdbFile, "--store", postgresTarget, "--master-key", pair.masterKey])
        #expect(intoLMDB.status == 0 && intoPostgres.status == 0, "\(intoLMDB.stderr) \(intoPostgres.stderr)")
        #expect(intoLMDB.stdout == intoPostgres.stdout)
        #expect(intoPostgres.lines.last == "imported \(demo.head) events; head is now \(demo.head)")
        #expect(try await crmAwaiting(["verify", "--store", lmdbTarget]).stdout == (try await crmAwaiting(["verify", "--store", postgresTarget]).stdout))
        #expect(try await crmAwaiting(["customer", top, "--store", postgresTarget, "--state", pair.directory.sub("imported-state"), "--master-key", pair.masterKey,
                         "--json"]).json()["name"] as? String == name)
    }

    @Test func rebuildAndForgetChangeBothStoresAlike() async throws {
        let pair = try await migratedPair("both-write")
        // A first rebuild gives the PostgreSQL instance served read models, as the demo gave the LMDB store.
        let first = try await crmAwaiting(["rebuild"] + pair.postgresStore)
        #expect(first.status == 0, "\(first.stderr)")
        try await same(["pipeline", "--json"], pair)
        try await same(["rebuild", "--json"], pair, Self.dropping(["seconds"]))
        try await same(["scorecard", "--json"], pair)
        let file = pair.directory.sub("rules.json")
        let rules = try await crmAwaiting(["rules"] + pair.lmdbStore)
        try rules.stdout.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2").write(toFile: file, atomically: true, encoding: .utf8)
        try await same(["rebuild", "--rules", file, "--diff", "--json"], pair, Self.dropping(["seconds"]))
        try await same(["rules"], pair)

        let top = try demo.topCustomer()
        let (forgot, _) = try await same(["forget", "customer-\(top)"], pair)
        #expect(forgot.lines == ["forgot customer-\(top): key destroyed, erasure recorded at position \(demo.head + 1)"])
        let (customer, _) = try await same(["customer", top, "--json"], pair)
        #expect(try customer.json()["name"] as? String == "‹erased›")
        let again = try await same(["forget", "customer-\(top)"], pair, status: 1)
        #expect(again.0.stderrLines == ["crm: customer-\(top) was already forgotten: its key is destroyed"])
        #expect(again.0.stderr == again.1.stderr)
        // The erasure events differ in their ids and recorded times (each backend recorded its
        // own), so the chains now differ from there on: the same head, both intact, the same
        // events before it, and the same erasure apart from id and times.
        let withoutHash: (String) -> String = { $0.replacingOccurrences(of: "[0-9a-f]{64}", with: "HASH", options: .regularExpression) }
        try await same(["verify"], pair, withoutHash)
        try await same(["head"], pair, withoutHash)
        try await same(["export", "-", "--to", "\(demo.head)"], pair)
        let erasure: (String) -> String = {
            $0.replacingOccurrences(of: "\"(id|recordedAt|occurredAt)\":\"[^\"]*\"", with: "", options: .regularExpression)
        }
        let (lmdbErasure, _) = try await same(["export", "-", "--from", "\(demo.head + 1)"], pair, erasure)
        #expect(lmdbErasure.stdout.contains("\"type\":\"PersonalDataErased\""))
        // Without a master key and state directory a PostgreSQL forget says what it needs.
        let bare = try await crmAwaiting(["forget", "customer-\(top)", "--store", pair.url])
        #expect(bare.status == 1)
        #expect(bare.stderrLines == ["crm: a postgres:// store's subject keys open with the master key every instance holds: give --master-key FILE (or --state DIR, beside which it is DIR.master-key)"])
    }

    @Test func aLogicalBackupOfAPostgreSQLLogVerifiesAndRestores() async throws {
        let pair = try await migratedPair("both-backup")
        let backup = pair.directory.sub("backup")
        let run = try await crmAwaiting(["backup", backup] + pair.postgresStore)
        #expect(run.status == 0, "\(run.stderr)")
        let hash = try #require(try await crmAwaiting(["head", "--json"] + pair.lmdbStore).json()["hash"] as? String)
        #expect(run.lines.first?.hasPrefix("backup verified: \(demo.head) events, head hash \(hash), ") == true)
        #expect(run.lines.first?.hasSuffix(" bytes in \(backup)") == true)
        #expect(try await crmAwaiting(["verify", "--store", backup]).lines == ["intact: \(demo.head) events, head hash \(hash)"])
        #expect(try await crmAwaiting(["backup", backup] + pair.postgresStore).stderrLines == ["crm: the backup target \(backup) is not an empty directory"])
        // Restored into a new schema, with its keys: the same chain, and personal data opens.
        let restored = Self.schemaURL("restored")
        let migrate = try await crmAwaiting(["migrate", "--from", backup, "--to", restored, "--master-key", pair.masterKey])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.lines.last == "both chains end at position \(demo.head) with head hash \(hash); the target verifies")
        let top = try demo.topCustomer()
        let name = try await crmAwaiting(["customer", top, "--json"] + pair.lmdbStore).json()["name"] as? String
        #expect(try await crmAwaiting(["customer", top, "--store", restored, "--state", pair.directory.sub("restored-state"),
                         "--master-key", pair.masterKey, "--json"]).json()["name"] as? String == name)
    }

    @Test func aPostgreSQLSchemaWithoutALogIsNotCreatedByReading() async throws {
        let url = Self.schemaURL("absent")
        for command in [["head"], ["verify"], ["stats"], ["export", "-"], ["rules"], ["predict"], ["rebuild"], ["tail", "--no-follow"]] {
            let run = try await crmAwaiting(command + ["--store", url])
            #expect(run.status == 1)
            #expect(run.stderrLines == ["crm: no store at \(redacted(url)) (`crm migrate --to` or `crm import` creates one)"], "\(command)")
        }
        let state = TemporaryDirectory("both-no-state")
        let pair = try await migratedPair("both-rebuild-state")
        let rebuild = try await crmAwaiting(["rebuild", "--store", pair.url])
        #expect(rebuild.stderrLines == ["crm: a postgres:// store keeps its read models in the instance's state directory: give --state DIR"])
        #expect(try await crmAwaiting(["rebuild", "--store", pair.url, "--state", state.sub("s")]).status == 0)
        let demoRun = try await crmAwaiting(["demo", "--store", url])
        #expect(demoRun.status == 1)
        #expect(demoRun.stderrLines == ["crm: crm demo builds an LMDB store directory; for a PostgreSQL demo run `crm demo --store DIR`, then `crm migrate --from DIR --to \(redacted(url))`"])
    }
}
