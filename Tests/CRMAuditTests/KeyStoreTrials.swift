import Foundation
import Synchronization
import Testing
import TestSupport

/// Crash and race trials of the key store, run as real processes (Tests/EventLogTestHelper).
/// After every trial `keys-check` opens the store (completing erasures a killed forget recorded)
/// and reports each customer: its name must open unless the log holds its erasure event, and
/// must not open if it does; every acknowledged creation and forget must be reflected.
@Suite("Key store: crash and race trials", .serialized)
struct KeyStoreTrials {
    /// CRMKIT_TRIALS (make test: 100, make test-long: 1,000); 20 without it. Trials run: 22 crash
    /// points, `trials` random kills, `trials / 2` forget × forget and `trials / 2` forget × append
    /// races (222 with 100, 2,022 with 1,000).
    static let trials = ProcessInfo.processInfo.environment["CRMKIT_TRIALS"].flatMap(Int.init) ?? 20
    static let subjects = Array(1...8)
    static let tally = Mutex<[String: Int]>([:])

    static func count(_ kind: String) { tally.withLock { $0[kind, default: 0] += 1 } }

    /// Prints the trials run so far by kind (docs/reliability.md quotes these lines).
    static func report() {
        print("key-store trials: \(tally.withLock { $0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
    }

    /// Runs the helper with CRMKIT_CRASH_AT set; returns its termination and stdout lines.
    static func run(_ arguments: [String], crashAt: String? = nil) throws -> (killed: Bool, status: Int32, lines: [String]) {
        let (process, reader) = try start(arguments, crashAt: crashAt)
        var lines: [String] = []
        while let line = reader.nextLine() { lines.append(line) }
        process.waitUntilExit()
        return (process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL, process.terminationStatus, lines)
    }

    static func start(_ arguments: [String], crashAt: String? = nil) throws -> (Process, LineReader) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: helperPath())
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["CRMKIT_CRASH_AT"] = crashAt
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, LineReader(pipe.fileHandleForReading))
    }

    /// A copy of `template` (its store files, key file and master key) in a new directory.
    static func copy(_ template: String) throws -> TemporaryDirectory {
        let trial = TemporaryDirectory("key-trial")
        let files = FileManager.default
        try files.createDirectory(atPath: trial.sub("store"), withIntermediateDirectories: true)
        for name in try files.contentsOfDirectory(atPath: template + "/store") where name != "lock.mdb" && !name.hasSuffix(".lock") {
            try files.copyItem(atPath: template + "/store/" + name, toPath: trial.sub("store/" + name))
        }
        try files.copyItem(atPath: template + "/master.key", toPath: trial.sub("master.key"))
        return trial
    }

    /// Checks the store of `directory`; returns the problems found (none: the trial passed).
    static func check(_ directory: String, created: Set<Int>, forgotten: Set<Int>) throws -> [String] {
        let result = try run(["keys-check", directory])
        guard !result.killed, result.status == 0, result.lines.last == "done" else {
            return ["keys-check failed (status \(result.status)): \(result.lines.suffix(3))"]
        }
        var problems: [String] = []
        var seen: Set<Int> = []
        for line in result.lines.dropLast() {
            let parts = line.split(separator: " ")
            guard parts.count == 4, let n = Int(parts[1]) else {
                problems.append("bad line \(line)")
                continue
            }
            seen.insert(n)
            let erased = parts[2] == "erased:1"
            let opens = parts[3]
            if erased && opens != "opens:0" { problems.append("subject \(n): erasure recorded but \(opens)") }
            if !erased && opens != "opens:1" { problems.append("subject \(n): not forgotten but \(opens)") }
            if forgotten.contains(n) && !erased { problems.append("subject \(n): forget acknowledged, no erasure") }
        }
        for n in created.subtracting(seen) { problems.append("subject \(n): creation acknowledged, not in the store") }
        return problems
    }

    static func acknowledged(_ lines: [String], _ word: String) -> Set<Int> {
        Set(lines.compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == word ? Int(parts[1]) : nil
        })
    }

    /// A store with customers 1…8 (their names sealed), made once per test.
    static func template() throws -> TemporaryDirectory {
        let template = TemporaryDirectory("key-template")
        let made = try run(["keys-init", template.path] + subjects.map(String.init))
        #expect(made.lines.count == subjects.count)
        return template
    }

    @Test("kill -9 at every step of forget: the log alone decides, every other subject keeps its data; forget again completes")
    func forgetCrashPoints() throws {
        let template = try Self.template()
        let points = ["forget.beforeMark", "forget.afterMark", "forget.beforeAppend", "forget.afterAppend", "forget.beforeErase", "forget.afterErase"]
        for point in points {
            let trial = try Self.copy(template.path)
            let crashed = try Self.run(["keys-forget", trial.path, "3"], crashAt: point)
            #expect(crashed.killed, "\(point) not reached")
            #expect(try Self.check(trial.path, created: Set(Self.subjects), forgotten: []) == [], "after kill at \(point)")
            let again = try Self.run(["keys-forget", trial.path, "3"])
            #expect(again.lines == ["forgot 3"] || again.lines == ["already 3"], "\(point): \(again.lines)")
            #expect(try Self.check(trial.path, created: Set(Self.subjects), forgotten: [3]) == [], "forget again after \(point)")
            Self.count("forget crash point")
        }
    }

    @Test("kill -9 at every step of key creation, of a new store's master key and key file, and of a migration of the old layout")
    func creationAndMigrationCrashPoints() throws {
        let template = try Self.template()
        for point in ["keys.create.beforeWrite", "keys.create.beforeSync", "keys.create.afterSync"] {
            let trial = try Self.copy(template.path)
            let crashed = try Self.run(["keys-create", trial.path, "100", "101"], crashAt: point)
            #expect(crashed.killed, "\(point) not reached")
            let created = Self.acknowledged(crashed.lines, "ack")
            let next = try Self.run(["keys-create", trial.path, "102"])
            #expect(next.lines == ["ack 102"])
            #expect(try Self.check(trial.path, created: Set(Self.subjects).union(created).union([102]), forgotten: []) == [], "after kill at \(point)")
            Self.count("key creation crash point")
        }
        for point in ["masterkey.create.beforeLink", "masterkey.create.afterSync", "keyfile.create.beforeHeader", "keyfile.create.afterHeader", "keys.create.beforeWrite"] {
            let trial = TemporaryDirectory("key-trial-new")
            let crashed = try Self.run(["keys-create", trial.path, "1"], crashAt: point)
            #expect(crashed.killed, "\(point) not reached")
            let next = try Self.run(["keys-create", trial.path, "2"])
            #expect(next.lines == ["ack 2"], "after kill at \(point)")
            #expect(try Self.check(trial.path, created: [2], forgotten: []) == [], "after kill at \(point)")
            Self.count("new store crash point")
        }
        let legacy = TemporaryDirectory("key-legacy-template")
        #expect(try Self.run(["keys-legacy", legacy.path] + Self.subjects.map(String.init)).lines == ["ok"])
        let points = ["migrate.beforeStage", "masterkey.replace.beforeRename", "masterkey.replace.beforeDirectorySync", "migrate.beforeRename",
                      "migrate.beforePromote", "masterkey.replace.beforeRename@2", "masterkey.replace.beforeDirectorySync@2", "migrate.beforeDrop"]
        for point in points {
            let trial = try Self.copy(legacy.path)
            let crashed = try Self.run(["keys-check", trial.path], crashAt: point)
            #expect(crashed.killed, "\(point) not reached")
            #expect(try Self.check(trial.path, created: Set(Self.subjects), forgotten: []) == [], "after kill at \(point)")
            #expect(try Self.run(["keys-forget", trial.path, "5"]).lines == ["forgot 5"])
            #expect(try Self.check(trial.path, created: Set(Self.subjects), forgotten: [5]) == [], "forget after kill at \(point)")
            Self.count("migration crash point")
        }
    }

    @Test("random kill -9 of a forgetting and an appending process at once")
    func randomKills() throws {
        let template = try Self.template()
        var generator = SystemRandomNumberGenerator()
        for trialNumber in 0..<max(Self.trials, 5) {
            let trial = try Self.copy(template.path)
            let forgetting = Self.subjects.shuffled(using: &generator).prefix(3).map(String.init)
            let creating = (0..<6).map { String(1_000 + trialNumber * 10 + $0) }
            let (forgetter, forgetOutput) = try Self.start(["keys-forget", trial.path] + forgetting)
            let (creator, createOutput) = try Self.start(["keys-create", trial.path] + creating)
            usleep(UInt32.random(in: 0..<80_000, using: &generator))
            kill(forgetter.processIdentifier, SIGKILL)
            kill(creator.processIdentifier, SIGKILL)
            var forgetLines: [String] = [], createLines: [String] = []
            while let line = forgetOutput.nextLine() { forgetLines.append(line) }
            while let line = createOutput.nextLine() { createLines.append(line) }
            forgetter.waitUntilExit()
            creator.waitUntilExit()
            let problems = try Self.check(trial.path, created: Set(Self.subjects).union(Self.acknowledged(createLines, "ack")),
                                          forgotten: Self.acknowledged(forgetLines, "forgot"))
            #expect(problems == [], "random kill trial \(trialNumber)")
            Self.count("random kill")
            // Where the kills landed: inside the forgets or the key creations, or after both ended.
            if forgetLines.count < forgetting.count { Self.count("random kill inside forget") }
            if createLines.count < creating.count { Self.count("random kill inside key creation") }
        }
        Self.report()
    }

    @Test("races as two real processes: forget × forget and forget × appending process")
    func races() throws {
        let template = try Self.template()
        for trialNumber in 0..<max(Self.trials / 2, 3) {
            let trial = try Self.copy(template.path)
            let (a, aOutput) = try Self.start(["keys-forget", trial.path, "1", "2", "3"])
            let (b, bOutput) = try Self.start(["keys-forget", trial.path, "3", "2", "4"])
            var aLines: [String] = [], bLines: [String] = []
            while let line = aOutput.nextLine() { aLines.append(line) }
            while let line = bOutput.nextLine() { bLines.append(line) }
            a.waitUntilExit()
            b.waitUntilExit()
            #expect(a.terminationStatus == 0 && b.terminationStatus == 0)
            #expect(aLines.count == 3 && bLines.count == 3, "\(aLines) \(bLines)")
            #expect(try Self.check(trial.path, created: Set(Self.subjects), forgotten: [1, 2, 3, 4]) == [], "forget × forget \(trialNumber)")
            Self.count("forget × forget")
        }
        for trialNumber in 0..<max(Self.trials / 2, 3) {
            let trial = try Self.copy(template.path)
            let creating = (0..<12).map { String(2_000 + $0) }
            let (creator, createOutput) = try Self.start(["keys-create", trial.path] + creating)
            let (forgetter, forgetOutput) = try Self.start(["keys-forget", trial.path, "5", "6", "7", "8"])
            var createLines: [String] = [], forgetLines: [String] = []
            while let line = forgetOutput.nextLine() { forgetLines.append(line) }
            while let line = createOutput.nextLine() { createLines.append(line) }
            creator.waitUntilExit()
            forgetter.waitUntilExit()
            #expect(createLines.count == 12 && forgetLines == ["forgot 5", "forgot 6", "forgot 7", "forgot 8"])
            #expect(try Self.check(trial.path, created: Set(Self.subjects).union(creating.compactMap { Int($0) }), forgotten: [5, 6, 7, 8]) == [],
                    "forget × append \(trialNumber)")
            Self.count("forget × append")
        }
        Self.report()
    }
}
