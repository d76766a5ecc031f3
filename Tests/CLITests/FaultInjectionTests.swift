import Foundation
import Testing
import TestSupport

/// The fault-injection suite (issue 18; docs/reliability.md): `CRMKIT_TRIALS` kill -9 trials
/// (100 in `make test`, 1,000 in `make test-long`, 30 by default) of the real `crm` binary
/// during `rebuild`, `backup` and chunked `import`, each either at a deterministic crash point
/// (`CRMKIT_CRASH_AT`) or after a random delay. After each: the store verifies, the served read
/// models equal a fresh rebuild, a backup directory is absent or verifies, a killed import
/// resumes where its error says, and every command keeps working (nothing bricked).
@Suite(.serialized) struct FaultInjectionTests {
    let demo = DemoStore.shared

    static var trials: Int { Int(ProcessInfo.processInfo.environment["CRMKIT_TRIALS"] ?? "") ?? 30 }

    @Test func killNineTrials() throws {
        let (dir, store) = try demo.copy("faults")
        let rules = dir.sub("rules.json")
        try Data(try crm(["rules", "--store", store]).stdout.utf8).write(to: URL(fileURLWithPath: rules))
        let export = dir.sub("log.jsonl")
        #expect(try crm(["export", export, "--store", store]).status == 0)
        let head = try crm(["head", "--store", store]).stdout
        let rebuildPoints = ["rebuild.cleared", "rebuild.batch", "rebuild.caughtUp", "generation.switch", "generation.switched"]
        let backupPoints = ["backup.copied", "backup.verified", "backup.renamed"]
        let importPoints = ["store.create", "import.chunk#1", "import.chunk#3", "import.chunk#5"]
        var generator = SystemRandomNumberGenerator()
        var killed = 0, finished = 0, bricked = 0
        var byOperation: [String: Int] = [:]
        for trial in 0..<Self.trials {
            let operation = ["rebuild", "backup", "import"][trial % 3]
            byOperation[operation, default: 0] += 1
            let deterministic = (trial / 3) % 2 == 0
            let delay = Double.random(in: 0.0...0.6, using: &generator)
            switch operation {
            case "rebuild":
                let point = rebuildPoints[(trial / 6) % rebuildPoints.count]
                let (_, signal) = try crmProcess(["rebuild", "--store", store], environment: deterministic ? ["CRMKIT_CRASH_AT": point] : [:],
                                                 killAfter: deterministic ? nil : delay)
                if signal == SIGKILL { killed += 1 } else { finished += 1 }
                let served = try crm(["lifecycle", "--store", store, "--json"])
                let fresh = try crm(["lifecycle", "--store", store, "--json", "--rules", rules])
                #expect(served.status == 0 && served.stdout == fresh.stdout, "trial \(trial) rebuild: \(served.stderr)")
                if served.status != 0 { bricked += 1 }
            case "backup":
                let target = dir.sub("backup-\(trial)")
                let point = backupPoints[(trial / 6) % backupPoints.count]
                let (_, signal) = try crmProcess(["backup", target, "--store", store], environment: deterministic ? ["CRMKIT_CRASH_AT": point] : [:],
                                                 killAfter: deterministic ? nil : delay / 2)
                if signal == SIGKILL { killed += 1 } else { finished += 1 }
                if FileManager.default.fileExists(atPath: target) {
                    let verify = try crm(["verify", "--store", target])
                    #expect(verify.status == 0, "trial \(trial) backup: \(verify.stderr)")
                } else {
                    let again = try crm(["backup", target, "--store", store])
                    #expect(again.status == 0, "trial \(trial) backup again: \(again.stderr)")
                    if again.status != 0 { bricked += 1 }
                }
                try? FileManager.default.removeItem(atPath: target)
            default:
                let target = dir.sub("import-\(trial)")
                let point = importPoints[(trial / 6) % importPoints.count]
                let arguments = ["import", export, "--store", target, "--chunk", "300", "--source-master-key", store + ".master-key"]
                let (_, signal) = try crmProcess(arguments, environment: deterministic ? ["CRMKIT_CRASH_AT": point] : [:],
                                                 killAfter: deterministic ? nil : delay)
                if signal == SIGKILL { killed += 1 } else { finished += 1 }
                // Resume as the messages say, until the whole file is in.
                var rounds = 0
                var startAt: String?
                while rounds < 3 {
                    rounds += 1
                    let run = try crm(arguments + (startAt.map { ["--start-at", $0] } ?? []))
                    if run.status == 0 { break }
                    let message = run.stderrLines.first ?? ""
                    guard let match = message.firstMatch(of: /--start-at (\d+)/) else {
                        Issue.record("trial \(trial) import: \(message)")
                        break
                    }
                    startAt = String(match.1)
                }
                let verify = try crm(["verify", "--store", target])
                #expect(verify.status == 0, "trial \(trial) import: \(verify.stderr)")
                let imported = try crm(["head", "--store", target]).stdout
                #expect(imported == head, "trial \(trial) import")
                if imported != head { bricked += 1 }
                try? FileManager.default.removeItem(atPath: target)
            }
            let verify = try crm(["verify", "--store", store])
            #expect(verify.status == 0, "trial \(trial): \(verify.stderr)")
        }
        #expect(bricked == 0)
        print("fault injection: \(Self.trials) trials (\(byOperation.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))): "
            + "\(killed) killed, \(finished) finished before the kill, \(bricked) bricked")
    }
}

/// A small tmpfs mounted for one test (root only); `nil` when it cannot be mounted.
final class SmallDisk {
    let path: String
    private let owner = TemporaryDirectory("disk")

    init?(kilobytes: Int) {
        path = owner.sub("mnt")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard getuid() == 0, SmallDisk.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0700", "tmpfs", path]) == 0 else { return nil }
    }

    /// Fills the disk but for `leaving` bytes.
    func fill(leaving: Int, name: String = ".filler") throws {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return }
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        guard free > leaving else { return }
        try Data(count: free - leaving).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    deinit { _ = SmallDisk.run("/bin/umount", [path]) }

    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A full disk for every writing command (a 4 MiB tmpfs, filled up): each fails with one line
/// naming ENOSPC, leaves no partial output, and the store still verifies and serves.
@Suite(.serialized) struct FullDiskTests {
    let demo = DemoStore.shared

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func everyWritingCommandOnAFullDisk() throws {
        let dir = TemporaryDirectory("full-disk")
        let export = dir.sub("log.jsonl")
        #expect(try crm(["export", export, "--store", demo.store]).status == 0)
        let disk = try #require(SmallDisk(kilobytes: 4096))
        try disk.fill(leaving: 64 * 1024)
        let full = disk.path

        let exported = try crm(["export", full + "/log.jsonl", "--store", demo.store])
        #expect(exported.status == 1)
        #expect(exported.stderrLines == ["crm: cannot write \(full)/log.jsonl: no space left on device (ENOSPC)"])
        // The HTML report is smaller than what is left: fill the disk up completely.
        try disk.fill(leaving: 0, name: ".filler2")
        let report = try crm(["report", "--store", demo.store, "--out", full + "/report.html"])
        #expect(report.status == 1)
        #expect(report.stderrLines == ["crm: cannot write \(full)/report.html: no space left on device (ENOSPC)"])
        let backup = try crm(["backup", full + "/backup", "--store", demo.store])
        #expect(backup.status == 1)
        #expect(backup.stderrLines == ["crm: cannot write the backup \(full)/backup: no space left on device (ENOSPC); nothing of the failed write was kept"], "\(backup.stderr)")
        let imported = try crm(["import", export, "--store", full + "/store"])
        #expect(imported.status == 1)
        #expect(imported.stderrLines == ["crm: cannot write the store \(full)/store: no space left on device (ENOSPC); nothing of the failed write was kept"], "\(imported.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: full).sorted() == [".filler", ".filler2"] + (FileManager.default.fileExists(atPath: full + "/store") ? ["store"] : []))
        if FileManager.default.fileExists(atPath: full + "/store/data.mdb") {
            #expect(try crm(["verify", "--store", full + "/store"]).status == 0)
        }
    }

    /// A store on a disk that fills up: a rebuild that needs new pages (the store was imported
    /// in one transaction, so LMDB has few free pages to reuse) and a chunked import fail naming
    /// ENOSPC (the import with the line to resume at), and the store still verifies and serves
    /// its read models.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aStoreOnAFillingDisk() throws {
        let dir = TemporaryDirectory("filling")
        let export = dir.sub("log.jsonl")
        #expect(try crm(["export", export, "--store", demo.store]).status == 0)
        let size = fileBytes(demo.store + "/data.mdb").count
        let disk = try #require(SmallDisk(kilobytes: (size * 3) / 1024 + 512))
        let store = disk.path + "/store"
        // The store writes only: no subject keys beside the export (their own writes are the key store's).
        try FileManager.default.removeItem(atPath: export + ".subject-keys")
        let lines = try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n")
        let first = dir.sub("first.jsonl")
        try Data((lines.prefix(1000).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: first))
        let imported = try crm(["import", first, "--store", store])
        #expect(imported.status == 0, "\(imported.stderr)")
        let before = try crm(["lifecycle", "--store", store, "--json"])
        #expect(before.status == 0)
        try disk.fill(leaving: 0)
        let rebuild = try crm(["rebuild", "--store", store])
        #expect(rebuild.status == 1)
        #expect(rebuild.stderrLines == ["crm: cannot write the store \(store): no space left on device (ENOSPC); nothing of the failed write was kept"], "\(rebuild.stderr)")
        // A chunked import of the rest: stops naming ENOSPC and the line to resume at.
        let rest = try crm(["import", export, "--store", store, "--chunk", "300", "--start-at", "1001"])
        #expect(rest.status == 1)
        #expect(rest.stderrLines == ["crm: import stopped after 0 lines (cannot write the store \(store): no space left on device (ENOSPC)); "
            + "resume with `crm import --store \(store) --chunk 300 --start-at 1001 \(export)`"], "\(rest.stderr)")
        #expect(try crm(["verify", "--store", store]).stdout.hasPrefix("intact: 1000 events, head hash "))
        #expect(try crm(["lifecycle", "--store", store, "--json"]).stdout == before.stdout)
    }
}
