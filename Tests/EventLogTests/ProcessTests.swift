import CRMEventLog
import CRMEventLogLMDB
import Crypto
import Foundation
import CRMLMDB
import Testing


/// The payload the helper derives from an event id (see `EventLogTestHelper`).
func crashPayload(for id: UUID) -> [UInt8] {
    let raw = withUnsafeBytes(of: id.uuid) { Array($0) }
    return (0..<8).flatMap { round in raw.map { $0 &+ UInt8(round) } }
}

@Suite(.serialized) struct ProcessTests {
    @Test func aSecondProcessReadsWhileTheFirstAppends() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        var payloads: [[UInt8]] = []
        func appendBatch(_ count: Int) async throws {
            let events = (0..<count).map { _ in makeEvent(payload: UUID().uuidString) }
            payloads += events.map(\.payload)
            _ = try await store.append(to: "customer-\(payloads.count)", events: events)
        }
        for _ in 0..<10 { try await appendBatch(100) }

        let (child, output) = try startHelper(["read-follow", dir.path, "3000"])
        let opened = try #require(output.nextLine())
        #expect(opened.hasPrefix("opened "))
        for _ in 0..<40 { try await appendBatch(50) }

        let result = try #require(output.nextLine())
        child.waitUntilExit()
        #expect(child.terminationStatus == 0)
        var hasher = SHA256()
        for payload in payloads { hasher.update(data: payload) }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(result == "read 3000 3000 \(digest)")
    }

    @Test func staleReaderSlotsOfDeadProcessesAreClearedOnOpen() throws {
        let dir = TemporaryDirectory()
        try Environment(path: dir.path).close()
        // Another live process keeps the lock file in use; otherwise the first process to open
        // resets the whole reader table and no slot would need clearing.
        let (keeper, keeperOutput) = try startHelper(["hold-open", dir.path])
        defer {
            kill(keeper.processIdentifier, SIGKILL)
            keeper.waitUntilExit()
        }
        #expect(keeperOutput.nextLine() == "ready")
        let (child, output) = try startHelper(["hold-reader", dir.path])
        #expect(output.nextLine() == "ready")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let environment = try Environment(path: dir.path)
        defer { environment.close() }
        #expect(environment.staleReadersCleared == 1)
        #expect(try environment.clearStaleReaders() == 0)
    }

    @Test func acknowledgedEventsSurviveSIGKILL() throws {
        var generator = SystemRandomNumberGenerator()
        var trial = 0
        // Trials run in rounds of 50 on one store, so each trial reopens a store that earlier
        // kills left behind, while verifying stays cheap when the switch asks for 1,000.
        while trial < trialCount {
            let dir = TemporaryDirectory("crash")
            var acknowledged: [UInt64: UUID] = [:]
            let roundEnd = min(trial + 50, trialCount)
            while trial < roundEnd {
                try killOneWriter(in: dir.path, trial: trial, acknowledged: &acknowledged, generator: &generator)
                trial += 1
            }
            // Every acknowledged event of the round is present and intact at the end.
            let store = try EventStore(path: dir.path, configuration: .fast)
            defer { store.close() }
            var intact = 0
            try store.scan { view in
                if let id = acknowledged[view.position], view.id == id, Array(view.payloadBytes) == crashPayload(for: id) {
                    intact += 1
                }
            }
            #expect(intact == acknowledged.count)
            #expect(acknowledged.count >= 50)
        }
    }

    private func killOneWriter(
        in path: String, trial: Int, acknowledged: inout [UInt64: UUID], generator: inout SystemRandomNumberGenerator
    ) throws {
        let (child, output) = try startHelper(["append-until-killed", path, "4"])
        let killAfter = Int.random(in: 1...150, using: &generator)
        var seen = 0
        while seen < killAfter, let line = output.nextLine() {
            try record(line, into: &acknowledged)
            seen += 1
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        // Lines written before the kill are acknowledged too.
        while let line = output.nextLine() { try record(line, into: &acknowledged) }
        #expect(child.terminationReason == .uncaughtSignal, "trial \(trial)")

        let store = try EventStore(path: path, configuration: .fast)
        defer { store.close() }
        let report = try store.verifyNow()
        #expect(report.isIntact, "trial \(trial): \(String(describing: report.problem))")
        #expect(report.head >= acknowledged.keys.max() ?? 0, "trial \(trial)")
        for (position, id) in acknowledged {
            let event = try #require(try store.event(at: position), "trial \(trial): position \(position) lost")
            #expect(event.id == id && event.payload == crashPayload(for: id), "trial \(trial): position \(position) changed")
        }
    }

    private func record(_ line: String, into acknowledged: inout [UInt64: UUID]) throws {
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "ack", let position = UInt64(parts[1]), let id = UUID(uuidString: String(parts[2])) else {
            Issue.record("unexpected helper line: \(line)")
            return
        }
        #expect(acknowledged[position] == nil, "position \(position) acknowledged twice")
        acknowledged[position] = id
    }
}
