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
                let arguments = ["import", export, "--store", target, "--chunk", "300"]
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
