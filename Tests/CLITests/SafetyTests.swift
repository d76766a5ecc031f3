import Foundation
import Testing
import TestSupport

/// Runs `crm` with extra environment variables; with `killAfter`, sends SIGKILL after that many
/// seconds unless it ended before. `signal` is the signal that ended it (0: it exited).
func crmProcess(_ arguments: [String], environment: [String: String] = [:], killAfter: Double? = nil) throws -> (run: Run, signal: Int32) {
    let run = try run(crmPath(), arguments, environment: environment, killAfter: killAfter)
    return (run, run.signal)
}

/// The mode bits of a file or directory.
func mode(_ path: String) -> Int {
    var info = stat()
    guard lstat(path, &info) == 0 else { return -1 }
    return Int(info.st_mode & 0o777)
}

func fileBytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

/// Issue 18 points 5–9, 13, 14 and issue 17's import validation, through the real binary.
@Suite(.serialized) struct SafetyTests {
    let demo = DemoStore.shared

    // MARK: 5 — demo deletes only a store it made

    @Test func demoRefusesWhatIsNotAStore() throws {
        let dir = TemporaryDirectory("not-a-store")
        let thesis = dir.sub("thesis")
        try FileManager.default.createDirectory(atPath: thesis, withIntermediateDirectories: true)
        try Data("chapter 1".utf8).write(to: URL(fileURLWithPath: thesis + "/thesis.tex"))
        for extra in [[], ["--reset"]] {
            let run = try crm(["demo", "--store", thesis, "--customers", "3", "--events", "30", "--report", dir.sub("r.html")] + extra)
            #expect(run.status == 1)
            #expect(run.stderrLines == ["crm: \(thesis) exists and is not a CRMKit store; demo creates a store only in a new or empty directory (nothing was changed)"])
            #expect(fileBytes(thesis + "/thesis.tex") == Data("chapter 1".utf8))
        }
        // A file named as the store, and a master key beside a folder that holds no store.
        let file = dir.sub("notes.txt")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: file))
        let onFile = try crm(["demo", "--store", file, "--reset", "--customers", "3", "--events", "30", "--report", dir.sub("r.html")])
        #expect(onFile.status == 1)
        #expect(onFile.stderrLines == ["crm: \(file) exists and is not a CRMKit store; demo creates a store only in a new or empty directory (nothing was changed)"])
        #expect(fileBytes(file) == Data("notes".utf8))
        let key = dir.sub("fresh.master-key")
        try Data("someone's key".utf8).write(to: URL(fileURLWithPath: key))
        let besideKey = try crm(["demo", "--store", dir.sub("fresh"), "--customers", "3", "--events", "30", "--report", dir.sub("r.html")])
        #expect(besideKey.status == 1)
        #expect(besideKey.stderrLines == ["crm: \(key) exists although \(dir.sub("fresh")) holds no store; move it away first (nothing was changed)"])
        #expect(fileBytes(key) == Data("someone's key".utf8))
        // --reset on a store that also holds a foreign file deletes nothing.
        let (copyDir, store) = try demo.copy("reset-foreign")
        try Data("mine".utf8).write(to: URL(fileURLWithPath: store + "/mine.txt"))
        let reset = try crm(["demo", "--store", store, "--reset", "--customers", "3", "--events", "30", "--report", copyDir.sub("r.html")])
        #expect(reset.status == 1)
        #expect(reset.stderrLines == ["crm: --reset refused: \(store) holds mine.txt, which is not part of a CRMKit store; nothing was deleted"])
        #expect(FileManager.default.fileExists(atPath: store + "/data.mdb") && fileBytes(store + "/mine.txt") == Data("mine".utf8))
    }

    // MARK: 6 — no command overwrites the store, its key, a device or a FIFO

    @Test func outputsNeverOverwriteTheStoreItsKeyOrADevice() throws {
        let (dir, store) = try demo.copy("outputs")
        let data = fileBytes(store + "/data.mdb"), key = fileBytes(store + ".master-key")
        let intoStore = try crm(["export", "--store", store, store + "/data.mdb"])
        #expect(intoStore.status == 1)
        #expect(intoStore.stderrLines == ["crm: refusing to write the export \(store)/data.mdb inside the store directory \(store)"])
        let overKey = try crm(["report", "--store", store, "--out", store + ".master-key"])
        #expect(overKey.status == 1)
        #expect(overKey.stderrLines == ["crm: refusing to write the HTML report \(store).master-key over the master key \(store).master-key"])
        // Through a symbolic link and a relative path too.
        try FileManager.default.createSymbolicLink(atPath: dir.sub("link"), withDestinationPath: store)
        let viaLink = try crm(["export", "--store", store, dir.sub("link") + "/x.jsonl"])
        #expect(viaLink.status == 1)
        #expect(viaLink.stderrLines == ["crm: refusing to write the export \(dir.sub("link"))/x.jsonl inside the store directory \(store)"])
        #expect(fileBytes(store + "/data.mdb") == data && fileBytes(store + ".master-key") == key)
        // Nothing was written into the store directory (lock files come and go with readers).
        let entries = try FileManager.default.contentsOfDirectory(atPath: store).filter { !$0.hasSuffix("lock.mdb") && !$0.hasSuffix(".lock") }
        #expect(entries.sorted() == ["data.mdb", "subject-keys"])

        // A device is written as a stream, never replaced.
        let toNull = try crm(["report", "--store", store, "--out", "/dev/null"])
        #expect(toNull.status == 0, "\(toNull.stderr)")
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
        // A FIFO too: a reader gets the whole export; the FIFO stays a FIFO.
        let fifo = dir.sub("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = Mutex2<Data>(Data())
        let reader = Thread {
            let handle = FileHandle(forReadingAtPath: fifo)!
            received.set(handle.readDataToEndOfFile())
        }
        reader.start()
        let toFifo = try crm(["export", "--store", store, fifo])
        #expect(toFifo.status == 0, "\(toFifo.stderr)")
        while !reader.isFinished { usleep(1_000) }
        #expect(String(decoding: received.get(), as: UTF8.self).split(separator: "\n").count == demo.head)
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
    }

    // MARK: 7 — a killed rebuild leaves the served generation

    @Test func aKilledRebuildLeavesTheServedGeneration() throws {
        let (dir, store) = try demo.copy("rebuild-kill")
        let rules = dir.sub("rules.json")
        try Data(try crm(["rules", "--store", store]).stdout.utf8).write(to: URL(fileURLWithPath: rules))
        let before = try crm(["lifecycle", "--store", store, "--json"]).stdout
        for point in ["rebuild.cleared", "rebuild.batch", "rebuild.caughtUp", "generation.switch", "generation.switched"] {
            let (run, signal) = try crmProcess(["rebuild", "--store", store], environment: ["CRMKIT_CRASH_AT": point])
            #expect(signal == SIGKILL, "\(point): \(run.stderr)")
            for command in ["rules", "stats", "pipeline", "worklist"] {
                let after = try crm([command, "--store", store])
                #expect(after.status == 0, "\(point) \(command): \(after.stderr)")
            }
            #expect(try crm(["lifecycle", "--store", store, "--json"]).stdout == before, "\(point)")
            #expect(try crm(["lifecycle", "--store", store, "--json", "--rules", rules]).stdout == before, "\(point)")
            #expect(try crm(["verify", "--store", store]).status == 0)
        }
        let rebuilt = try crm(["rebuild", "--store", store, "--json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(try crm(["lifecycle", "--store", store, "--json"]).stdout == before)
    }

    /// Readers in other processes keep reading the served generation while rebuilds run.
    @Test func readersKeepReadingDuringRebuilds() throws {
        let (dir, store) = try demo.copy("rebuild-readers")
        defer { withExtendedLifetime(dir) {} }
        let before = try crm(["lifecycle", "--store", store, "--json"]).stdout
        let rebuilds = Process()
        rebuilds.executableURL = URL(fileURLWithPath: "/bin/sh")
        rebuilds.arguments = ["-c", "for i in 1 2 3 4 5 6; do \"$0\" rebuild --store \"$1\" >/dev/null || exit 1; done", crmPath(), store]
        try rebuilds.run()
        var reads = 0
        var failures: [String] = []
        repeat {
            let read = try crm(["lifecycle", "--store", store, "--json"])
            reads += 1
            if read.status != 0 || read.stdout != before { failures.append(read.stderr) }
        } while rebuilds.isRunning
        rebuilds.waitUntilExit()
        #expect(rebuilds.terminationStatus == 0)
        #expect(reads >= 1)
        #expect(failures == [], "\(failures.count) of \(reads) reads failed")
    }

    // MARK: 8 — import never stores an event it cannot decode

    @Test func importRejectsAnUndecodableCatalogEvent() throws {
        let dir = TemporaryDirectory("undecodable")
        let file = dir.sub("bad.jsonl")
        let line = #"{"position":1,"id":"9a3f5c1e-0000-4000-8000-000000000001","stream":"customer-9a3f5c1e-0000-4000-8000-000000000002","streamVersion":1,"type":"CustomerRegistered","schemaVersion":1,"occurredAt":"2025-01-06T09:00:00.000000Z","recordedAt":"2025-01-06T09:00:00.000000Z","actor":"x","correlationID":null,"causationID":null,"payloadBase64":"//////8="}"#
        try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let run = try crm(["import", file, "--store", dir.sub("store")])
        #expect(run.status == 1)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderrLines.first?.hasPrefix("crm: line 1: 'payloadBase64' does not decode as 'CustomerRegistered' schema version 1: ") == true, "\(run.stderr)")
        #expect(run.stderrLines.first?.hasSuffix("; nothing was imported") == true)
        #expect(try crm(["head", "--store", dir.sub("store"), "--json"]).json()["position"] as? Int == 0)
    }

    // MARK: 9 — truncated and partial data files are errors, not crashes

    @Test func truncatedDataFilesAreReportedNotMapped() throws {
        let (dir, store) = try demo.copy("truncated")
        let path = store + "/data.mdb"
        let size = fileBytes(path).count
        #expect(truncate(path, off_t(size - 100 * 1024)) == 0)
        let verify = try crm(["verify", "--store", store])
        #expect(verify.status == 2)
        let cut = size - 100 * 1024
        #expect(verify.stderrLines.count == 1)
        #expect(verify.stderrLines.first?.hasPrefix("crm: verification failed: \(path) is truncated: \(cut) bytes, but its meta page needs ") == true, "\(verify.stderr)")
        let json = try crm(["verify", "--store", store, "--json"])
        #expect(json.status == 2)
        #expect(try json.json()["problem"] as? String == "truncatedDataFile")
        for command in [["pipeline"], ["stats"], ["export", dir.sub("x.jsonl")], ["rebuild"]] {
            let run = try crm(command + ["--store", store])
            #expect(run.status == 1, "\(command)")
            #expect(run.stderrLines.count == 1 && run.stderrLines.first?.hasPrefix("crm: damaged store: \(path) is truncated: ") == true, "\(command): \(run.stderr)")
        }
        // An empty data file: refused, never re-initialised by a writer.
        #expect(truncate(path, 0) == 0)
        let empty = try crm(["verify", "--store", store])
        #expect(empty.status == 2)
        #expect(empty.stderrLines == ["crm: verification failed: \(path) is empty (0 bytes): not an LMDB data file, or a copy that was cut off"])
        let writer = try crm(["import", dir.sub("x.jsonl"), "--store", store])
        #expect(writer.status == 1)
        #expect(writer.stderrLines == ["crm: damaged store: \(path) is empty (0 bytes): not an LMDB data file, or a copy that was cut off"])
        #expect(fileBytes(path).isEmpty)
    }

    @Test func aKilledBackupLeavesNoPartialBackup() throws {
        let dir = TemporaryDirectory("backup-kill")
        for point in ["backup.copied", "backup.verified"] {
            let target = dir.sub("copy-\(point)")
            let (run, signal) = try crmProcess(["backup", target, "--store", demo.store], environment: ["CRMKIT_CRASH_AT": point])
            #expect(signal == SIGKILL, "\(point): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: target), "\(point)")
            let again = try crm(["backup", target, "--store", demo.store])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try crm(["verify", "--store", target]).status == 0)
        }
        let (run, signal) = try crmProcess(["backup", dir.sub("renamed"), "--store", demo.store], environment: ["CRMKIT_CRASH_AT": "backup.renamed"])
        #expect(signal == SIGKILL, "\(run.stderr)")
        #expect(try crm(["verify", "--store", dir.sub("renamed")]).status == 0)
        // The subject-key file was written into the copy before the rename: data and keys together.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.sub("renamed")).sorted() == ["data.mdb", "lock.mdb", "subject-keys"])
    }

    // MARK: 13 — files 0600, directories 0700

    @Test func newFilesArePrivate() throws {
        #expect(mode(demo.store) == 0o700)
        #expect(mode(demo.store + "/data.mdb") == 0o600)
        #expect(mode(demo.store + "/lock.mdb") == 0o600)
        #expect(mode(demo.store + "-backup") == 0o700)
        #expect(mode(demo.store + "-backup/data.mdb") == 0o600)
        #expect(mode(demo.report) == 0o600)
        let dir = TemporaryDirectory("modes")
        #expect(try crm(["export", dir.sub("log.jsonl"), "--store", demo.store]).status == 0)
        #expect(mode(dir.sub("log.jsonl")) == 0o600)
        #expect(try crm(["backup", dir.sub("b"), "--store", demo.store]).status == 0)
        #expect(mode(dir.sub("b")) == 0o700 && mode(dir.sub("b") + "/data.mdb") == 0o600)
        // Configurable through CRMKIT_UMASK.
        let (run, _) = try crmProcess(["export", dir.sub("shared.jsonl"), "--store", demo.store], environment: ["CRMKIT_UMASK": "022"])
        #expect(run.status == 0)
        #expect(mode(dir.sub("shared.jsonl")) == 0o644)
    }

    // MARK: 14 — messages

    @Test func messagesAreBoundedAndEscaped() throws {
        let dir = TemporaryDirectory("messages")
        let huge = "\u{1B}[31m" + String(repeating: "A", count: 1_000_000) + "\u{0}"
        let line = #"{"position":1,"id":"9a3f5c1e-0000-4000-8000-000000000001","stream":"s-1","streamVersion":1,"type":"X","schemaVersion":1,"occurredAt":""# + huge.replacingOccurrences(of: "\u{1B}", with: "\\u001b").replacingOccurrences(of: "\u{0}", with: "\\u0000") + #"","recordedAt":"2025-01-06T09:00:00.000000Z","actor":"x","payloadBase64":""}"#
        try Data((line + "\n").utf8).write(to: URL(fileURLWithPath: dir.sub("big.jsonl")))
        let run = try crm(["import", dir.sub("big.jsonl"), "--store", dir.sub("store")])
        #expect(run.status == 1)
        #expect(run.stderrLines == [
            "crm: line 1: 'occurredAt' must be a UTC time YYYY-MM-DDThh:mm:ss.ffffffZ, found '\\u{1b}[31m" + String(repeating: "A", count: 75)
                + "…' (1000006 characters); nothing was imported",
        ])
        #expect(!run.stderr.utf8.contains(0x1B) && !run.stderr.utf8.contains(0))
        // Control characters in a value that reaches a message unquoted are escaped too.
        let store = dir.sub("esc\u{1B}[2J")
        let escaped = try crm(["head", "--store", store])
        #expect(escaped.status == 1)
        #expect(escaped.stderrLines == ["crm: no store at \(dir.sub("esc"))\\u{1b}[2J (run `crm demo` to create one)"])
        // A directory given where a file or an empty directory belongs: one line, no Foundation text.
        let overDirectory = try crm(["export", dir.path, "--store", demo.store])
        #expect(overDirectory.status == 1)
        #expect(overDirectory.stderrLines == ["crm: cannot write the export \(dir.path): it is a directory"])
        let backupIntoFull = try crm(["backup", dir.path, "--store", demo.store])
        #expect(backupIntoFull.status == 1)
        #expect(backupIntoFull.stderrLines == ["crm: the backup target \(dir.path) is not an empty directory"])
    }

    @Test func aKilledChunkedImportNamesWhereToResume() throws {
        let dir = TemporaryDirectory("resume")
        let file = dir.sub("log.jsonl")
        #expect(try crm(["export", file, "--store", demo.store]).status == 0)
        let target = dir.sub("store")
        let key = ["--source-master-key", demo.store + ".master-key"]
        let (run, signal) = try crmProcess(["import", file, "--store", target, "--chunk", "500"] + key, environment: ["CRMKIT_CRASH_AT": "import.chunk#2"])
        #expect(signal == SIGKILL, "\(run.stderr)")
        #expect(try crm(["verify", "--store", target]).status == 0)
        let again = try crm(["import", file, "--store", target, "--chunk", "500"] + key)
        #expect(again.status == 1)
        #expect(again.stderrLines == ["crm: line 1: position 1 is already in the store (its head is 1000); to continue an import that stopped, run it again with --start-at 1001; nothing was imported"])
        let resumed = try crm(["import", file, "--store", target, "--chunk", "500", "--start-at", "1001"] + key)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try crm(["head", "--store", target]).stdout == crm(["head", "--store", demo.store]).stdout)
    }

    /// Point 14: a chunked import holds one chunk, not the file. Under a data-segment limit of
    /// 64 MiB (`ulimit -d`: heap and anonymous mappings; the store's file mapping does not
    /// count), a 41 MB file imports in chunks of 1,000 lines; the same file in one transaction
    /// (which holds every event until the commit, as every import held the file before) dies
    /// for want of memory under the same limit and stores nothing.
    @Test func aChunkedImportHoldsOneChunkNotTheFile() throws {
        let dir = TemporaryDirectory("chunk-memory")
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        let file = dir.sub("notes.jsonl")
        let payload = Data((0..<768).map { UInt8($0 % 256) }).base64EncodedString()
        let lines = 32_000
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        var text = ""
        for position in 1...lines {
            let id = String(format: "9a3f5c1e-0000-4000-8000-%012x", position)
            text += #"{"position":\#(position),"id":"\#(id)","stream":"note-\#(position)","streamVersion":1,"type":"Note","schemaVersion":1,"#
                + #""occurredAt":"2025-01-06T09:00:00.000000Z","recordedAt":"2025-01-06T09:00:00.000000Z","actor":"x","payloadBase64":"\#(payload)"}"# + "\n"
            if position % 1_000 == 0 {
                try handle.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        try handle.close()
        let size = try #require(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(size > 40_000_000)
        func limited(_ arguments: [String]) throws -> Run {
            try run("/bin/bash", ["-c", "ulimit -d 65536 && exec \"$0\" \"$@\"", crmPath()] + arguments)
        }
        let chunked = try limited(["import", file, "--store", dir.sub("chunked"), "--chunk", "1000"])
        #expect(chunked.status == 0, "\(chunked.stderr.prefix(300))")
        #expect(chunked.lines == ["imported \(lines) events; head is now \(lines)"])
        let whole = try limited(["import", file, "--store", dir.sub("whole")])
        #expect(whole.status == 128 + SIGABRT || whole.status == SIGABRT, "\(whole.status) \(whole.stderr.prefix(300))")
        #expect(whole.stderr.contains("failed to allocate"))
        #expect(try crm(["head", "--store", dir.sub("whole"), "--json"]).json()["position"] as? Int == 0)
    }

    // MARK: issue 17 — import checks the domain rules

    @Test func importRejectsADomainRuleViolationWithItsLineAndRule() throws {
        let dir = TemporaryDirectory("import-rules")
        let file = dir.sub("log.jsonl")
        #expect(try crm(["export", file, "--store", demo.store]).status == 0)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        // An OrderShipped whose order was never placed: the first line of a new store.
        var shipped = try #require(lines.first { $0.contains(#""type":"OrderShipped""#) })
        shipped = shipped.replacingOccurrences(of: #""position":\d+"#, with: #""position":1"#, options: .regularExpression)
        shipped = shipped.replacingOccurrences(of: #""streamVersion":\d+"#, with: #""streamVersion":1"#, options: .regularExpression)
        let stream = try #require(shipped.firstMatch(of: /"stream":"order-([0-9a-f-]+)"/)).1
        try Data((shipped + "\n").utf8).write(to: URL(fileURLWithPath: dir.sub("shipped.jsonl")))
        let run = try crm(["import", dir.sub("shipped.jsonl"), "--store", dir.sub("store")])
        #expect(run.status == 1)
        #expect(run.stderrLines == ["crm: line 1: domain rule order.unknown broken: no order \(stream) exists; nothing was imported"])
        #expect(try crm(["head", "--store", dir.sub("store"), "--json"]).json()["position"] as? Int == 0)
        let trusted = try crm(["import", dir.sub("shipped.jsonl"), "--store", dir.sub("store"), "--no-validate"])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.lines == ["imported 1 events; head is now 1"])
        // A transition its command forbids: delivering an order that was never shipped (line 2).
        func renumbered(_ line: String, position: Int, version: Int) -> String {
            line.replacingOccurrences(of: #""position":\d+"#, with: "\"position\":\(position)", options: .regularExpression)
                .replacingOccurrences(of: #""streamVersion":\d+"#, with: "\"streamVersion\":\(version)", options: .regularExpression)
        }
        let orderStream = "\"stream\":\"order-\(stream)\""
        let placed = try #require(lines.first { $0.contains(orderStream) && $0.contains(#""type":"OrderPlaced""#) })
        let delivered = try #require(lines.first { $0.contains(orderStream) && $0.contains(#""type":"OrderDelivered""#) })
        let customerStream = try #require(placed.firstMatch(of: /"customerID":"([0-9a-f-]+)"/)).1
        let registered = try #require(lines.first { $0.contains("\"stream\":\"customer-\(customerStream)\"") && $0.contains(#""type":"CustomerRegistered""#) })
        let skipped = [renumbered(registered, position: 1, version: 1), renumbered(placed, position: 2, version: 1),
                       renumbered(delivered, position: 3, version: 2)]
        try Data((skipped.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir.sub("skipped.jsonl")))
        let transition = try crm(["import", dir.sub("skipped.jsonl"), "--store", dir.sub("store2")])
        #expect(transition.status == 1)
        #expect(transition.stderrLines == ["crm: line 3: domain rule order.deliver.not-allowed broken: order \(stream) is placed: cannot deliver; nothing was imported"])
        #expect(try crm(["head", "--store", dir.sub("store2"), "--json"]).json()["position"] as? Int == 0)
        // A creating event whose referenced customer does not exist.
        try Data((renumbered(placed, position: 1, version: 1) + "\n").utf8).write(to: URL(fileURLWithPath: dir.sub("orphan.jsonl")))
        let orphan = try crm(["import", dir.sub("orphan.jsonl"), "--store", dir.sub("store3")])
        #expect(orphan.status == 1)
        #expect(orphan.stderrLines == ["crm: line 1: domain rule customer.unknown broken: no customer \(customerStream) exists; nothing was imported"])
        // A transition dated before the order's latest event: delivered at the time it was placed,
        // before it was shipped (line 4).
        let shipped2 = try #require(lines.first { $0.contains(orderStream) && $0.contains(#""type":"OrderShipped""#) })
        let placedAt = try #require(placed.firstMatch(of: /"occurredAt":"([^"]+)"/)).1
        let early = delivered.replacingOccurrences(of: #""occurredAt":"[^"]+""#, with: "\"occurredAt\":\"\(placedAt)\"",
                                                   options: .regularExpression)
        let backdated = [renumbered(registered, position: 1, version: 1), renumbered(placed, position: 2, version: 1),
                         renumbered(shipped2, position: 3, version: 2), renumbered(early, position: 4, version: 3)]
        try Data((backdated.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir.sub("backdated.jsonl")))
        let late = try crm(["import", dir.sub("backdated.jsonl"), "--store", dir.sub("store4")])
        #expect(late.status == 1)
        #expect(late.stderrLines.count == 1)
        #expect(late.stderr.hasPrefix("crm: line 4: domain rule order.backdated broken: order \(stream) has an event at "), "\(late.stderr)")
        #expect(late.stderr.hasSuffix("so this one may not be dated before that; nothing was imported\n"), "\(late.stderr)")
        #expect(try crm(["head", "--store", dir.sub("store4"), "--json"]).json()["position"] as? Int == 0)
        // A whole valid export passes the rules.
        let valid = try crm(["import", file, "--store", dir.sub("valid"), "--source-master-key", demo.store + ".master-key"])
        #expect(valid.status == 0, "\(valid.stderr)")
    }
}

/// A value shared with a reader thread.
final class Mutex2<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ new: Value) { lock.withLock { value = new } }
}
