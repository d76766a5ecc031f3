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

    func migratedPair(_ name: String) throws -> Pair {
        let (directory, lmdb) = try demo.copy(name)
        let url = Self.schemaURL("both")
        let migrate = try crm(["migrate", "--from", lmdb, "--to", url])
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
              _ normalize: (String) -> String = { $0 }, sourceLocation: SourceLocation = #_sourceLocation) throws -> (Run, Run) {
        let lmdb = try crm(arguments + pair.lmdbStore)
        let postgres = try crm(arguments + pair.postgresStore)
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

    @Test func logCommandsGiveTheSameOutputOnAMigratedStore() throws {
        let pair = try migratedPair("both-log")
        let (head, _) = try same(["head", "--json"], pair)
        let hash = try #require(try head.json()["hash"] as? String)
        try same(["head"], pair)
        try same(["verify"], pair)
        try same(["verify", "--json", "--anchor", "\(demo.head):\(hash)"], pair)
        try same(["tail", "--no-follow", "--last", "25"], pair)
        try same(["export", "-"], pair)
        try same(["export", "-", "--from", "100", "--to", "180"], pair)
        try same(["rules"], pair)
        try same(["predict"], pair)
        try same(["predict", "--json", "--unit", "day", "--horizon", "90"], pair)
        try same(["predict", "--all", "--format", "csv"], pair)
        // Statistics: the same counts; the size is the backend's own (data file, table).
        let (lmdbStats, postgresStats) = try same(["stats", "--json"], pair, Self.dropping(["bytes", "projection"]))
        #expect(try lmdbStats.json()["events"] as? Int == demo.head)
        #expect(try (postgresStats.json()["bytes"] as? Int ?? 0) > 0)
        // A bad anchor is refused alike (exit 2).
        let wrong = "\(demo.head):" + String(repeating: "0", count: 64)
        try same(["verify", "--json", "--anchor", wrong], pair, status: 2)
    }

    @Test func exportToAFileCarriesTheSameEventsAndKeysThatOpen() throws {
        let pair = try migratedPair("both-export")
        let lmdbFile = pair.directory.sub("lmdb.jsonl"), postgresFile = pair.directory.sub("pg.jsonl")
        let lmdb = try crm(["export", lmdbFile] + pair.lmdbStore)
        let postgres = try crm(["export", postgresFile] + pair.postgresStore)
        #expect(lmdb.lines == ["exported \(demo.head) events to \(lmdbFile), subject keys (wrapped) to \(lmdbFile).subject-keys"])
        #expect(postgres.lines == ["exported \(demo.head) events to \(postgresFile), subject keys (wrapped) to \(postgresFile).subject-keys"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: lmdbFile)) == Data(contentsOf: URL(fileURLWithPath: postgresFile)))
        // The PostgreSQL export imports into a new LMDB store whose personal data opens.
        let target = pair.directory.sub("imported")
        let imported = try crm(["import", postgresFile, "--store", target, "--master-key", pair.masterKey, "--no-validate"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let top = try demo.topCustomer()
        let name = try crm(["customer", top, "--json"] + pair.lmdbStore).json()["name"] as? String
        #expect(name != nil && name != "‹erased›")
        #expect(try crm(["customer", top, "--store", target, "--master-key", pair.masterKey, "--json"]).json()["name"] as? String == name)
        #expect(try crm(["customer", top, "--json"] + pair.postgresStore).json()["name"] as? String == name)
        // The LMDB export imports into a new PostgreSQL schema as it does into a new LMDB store:
        // the same lines printed, the same chain, its keys in the schema's table.
        let lmdbTarget = pair.directory.sub("imported-lmdb"), postgresTarget = Self.schemaURL("imported")
        let intoLMDB = try crm(["import", lmdbFile, "--store", lmdbTarget, "--master-key", pair.masterKey])
        let intoPostgres = try crm(["import", lmdbFile, "--store", postgresTarget, "--master-key", pair.masterKey])
        #expect(intoLMDB.status == 0 && intoPostgres.status == 0, "\(intoLMDB.stderr) \(intoPostgres.stderr)")
        #expect(intoLMDB.stdout == intoPostgres.stdout)
        #expect(intoPostgres.lines.last == "imported \(demo.head) events; head is now \(demo.head)")
        #expect(try crm(["verify", "--store", lmdbTarget]).stdout == (try crm(["verify", "--store", postgresTarget]).stdout))
        #expect(try crm(["customer", top, "--store", postgresTarget, "--state", pair.directory.sub("imported-state"), "--master-key", pair.masterKey,
                         "--json"]).json()["name"] as? String == name)
    }

    @Test func rebuildAndForgetChangeBothStoresAlike() throws {
        let pair = try migratedPair("both-write")
        // A first rebuild gives the PostgreSQL instance served read models, as the demo gave the LMDB store.
        let first = try crm(["rebuild"] + pair.postgresStore)
        #expect(first.status == 0, "\(first.stderr)")
        try same(["pipeline", "--json"], pair)
        try same(["rebuild", "--json"], pair, Self.dropping(["seconds"]))
        try same(["scorecard", "--json"], pair)
        let file = pair.directory.sub("rules.json")
        let rules = try crm(["rules"] + pair.lmdbStore)
        try rules.stdout.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2").write(toFile: file, atomically: true, encoding: .utf8)
        try same(["rebuild", "--rules", file, "--diff", "--json"], pair, Self.dropping(["seconds"]))
        try same(["rules"], pair)

        let top = try demo.topCustomer()
        let (forgot, _) = try same(["forget", "customer-\(top)"], pair)
        #expect(forgot.lines == ["forgot customer-\(top): key destroyed, erasure recorded at position \(demo.head + 1)"])
        let (customer, _) = try same(["customer", top, "--json"], pair)
        #expect(try customer.json()["name"] as? String == "‹erased›")
        let again = try same(["forget", "customer-\(top)"], pair, status: 1)
        #expect(again.0.stderrLines == ["crm: customer-\(top) was already forgotten: its key is destroyed"])
        #expect(again.0.stderr == again.1.stderr)
        // The erasure events differ in their ids and recorded times (each backend recorded its
        // own), so the chains now differ from there on: the same head, both intact, the same
        // events before it, and the same erasure apart from id and times.
        let withoutHash: (String) -> String = { $0.replacingOccurrences(of: "[0-9a-f]{64}", with: "HASH", options: .regularExpression) }
        try same(["verify"], pair, withoutHash)
        try same(["head"], pair, withoutHash)
        try same(["export", "-", "--to", "\(demo.head)"], pair)
        let erasure: (String) -> String = {
            $0.replacingOccurrences(of: "\"(id|recordedAt|occurredAt)\":\"[^\"]*\"", with: "", options: .regularExpression)
        }
        let (lmdbErasure, _) = try same(["export", "-", "--from", "\(demo.head + 1)"], pair, erasure)
        #expect(lmdbErasure.stdout.contains("\"type\":\"PersonalDataErased\""))
        // Without a master key and state directory a PostgreSQL forget says what it needs.
        let bare = try crm(["forget", "customer-\(top)", "--store", pair.url])
        #expect(bare.status == 1)
        #expect(bare.stderrLines == ["crm: a postgres:// store's subject keys open with the master key every instance holds: give --master-key FILE (or --state DIR, beside which it is DIR.master-key)"])
    }

    @Test func aLogicalBackupOfAPostgreSQLLogVerifiesAndRestores() throws {
        let pair = try migratedPair("both-backup")
        let backup = pair.directory.sub("backup")
        let run = try crm(["backup", backup] + pair.postgresStore)
        #expect(run.status == 0, "\(run.stderr)")
        let hash = try #require(try crm(["head", "--json"] + pair.lmdbStore).json()["hash"] as? String)
        #expect(run.lines.first?.hasPrefix("backup verified: \(demo.head) events, head hash \(hash), ") == true)
        #expect(run.lines.first?.hasSuffix(" bytes in \(backup)") == true)
        #expect(try crm(["verify", "--store", backup]).lines == ["intact: \(demo.head) events, head hash \(hash)"])
        #expect(try crm(["backup", backup] + pair.postgresStore).stderrLines == ["crm: the backup target \(backup) is not an empty directory"])
        // Restored into a new schema, with its keys: the same chain, and personal data opens.
        let restored = Self.schemaURL("restored")
        let migrate = try crm(["migrate", "--from", backup, "--to", restored, "--master-key", pair.masterKey])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.lines.last == "both chains end at position \(demo.head) with head hash \(hash); the target verifies")
        let top = try demo.topCustomer()
        let name = try crm(["customer", top, "--json"] + pair.lmdbStore).json()["name"] as? String
        #expect(try crm(["customer", top, "--store", restored, "--state", pair.directory.sub("restored-state"),
                         "--master-key", pair.masterKey, "--json"]).json()["name"] as? String == name)
    }

    @Test func aPostgreSQLSchemaWithoutALogIsNotCreatedByReading() throws {
        let url = Self.schemaURL("absent")
        for command in [["head"], ["verify"], ["stats"], ["export", "-"], ["rules"], ["predict"], ["rebuild"], ["tail", "--no-follow"]] {
            let run = try crm(command + ["--store", url])
            #expect(run.status == 1)
            #expect(run.stderrLines == ["crm: no store at \(redacted(url)) (`crm migrate --to` or `crm import` creates one)"], "\(command)")
        }
        let state = TemporaryDirectory("both-no-state")
        let pair = try migratedPair("both-rebuild-state")
        let rebuild = try crm(["rebuild", "--store", pair.url])
        #expect(rebuild.stderrLines == ["crm: a postgres:// store keeps its read models in the instance's state directory: give --state DIR"])
        #expect(try crm(["rebuild", "--store", pair.url, "--state", state.sub("s")]).status == 0)
        let demoRun = try crm(["demo", "--store", url])
        #expect(demoRun.status == 1)
        #expect(demoRun.stderrLines == ["crm: crm demo builds an LMDB store directory; for a PostgreSQL demo run `crm demo --store DIR`, then `crm migrate --from DIR --to \(redacted(url))`"])
    }
}
