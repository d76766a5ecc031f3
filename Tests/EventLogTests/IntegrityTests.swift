import CRMEventLog
import CRMEventLogLMDB
import Foundation
import CRMLMDB
import Testing

/// A compacted store of 10,000 events, so every record's bytes appear exactly once in the file.
final class TamperFixture: @unchecked Sendable {
    let dir = TemporaryDirectory("tamper")
    let path: String
    let anchor: HeadAnchor
    let original: Data
    let digest: String
    static let eventCount: UInt64 = 10_000

    init() async throws {
        let source = try EventStore(path: dir.sub("source"), configuration: .fast)
        for batch in 0..<20 {
            let appends = (0..<10).map { stream in
                StreamAppend(stream: "customer-\(batch * 10 + stream)", events: (0..<50).map { n in
                    makeEvent(n % 2 == 0 ? "InteractionLogged" : "OrderPlaced", payload: "{\"n\":\(n),\"note\":\"\(UUID().uuidString)\"}",
                              correlationID: n % 3 == 0 ? UUID() : nil)
                })
            }
            _ = try await source.append(appends)
        }
        path = dir.sub("fixture")
        let backup = try source.backupNow(to: path)
        source.close()
        anchor = HeadAnchor(position: backup.head, hash: backup.headHash)
        original = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        let (_, lines) = try runHelper(["digest", path])
        digest = String(lines.first { $0.hasPrefix("digest ") }?.dropFirst(7) ?? "")
    }

    /// A fresh copy of the fixture with `change` applied to its data file.
    func copy(_ name: String, change: (inout Data) throws -> Void = { _ in }) throws -> String {
        let target = dir.sub(name)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var data = original
        try change(&data)
        try data.write(to: URL(fileURLWithPath: target + "/data.mdb"))
        return target
    }

    /// Where the live record at `position` is in the data file, and its length. (A compacted
    /// file can still hold stale copies of a record in the unused part of a split page.)
    func recordLocation(at position: UInt64) throws -> (offset: Int, count: Int) {
        let store = try EventStore.openReadOnly(path: path)
        defer { store.close() }
        var location: (Int, Int)?
        try store.scan(from: position, limit: 1) { view in
            location = store.environment.dataFileOffset(of: view.bytes).map { ($0, view.bytes.count) }
        }
        return try #require(location)
    }
}

@Suite(.serialized) struct IntegrityTests {
    @Test func verifyConfirmsTheHeadHashAndEveryHashIsReadable() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        #expect(try store.headAnchor() == HeadAnchor(position: 0, hash: [UInt8](repeating: 0, count: 32)))
        _ = try await store.append(to: "customer-1", events: [makeEvent(), makeEvent()])
        let anchorAt2 = try store.headAnchor()
        _ = try await store.append(to: "customer-2", events: [makeEvent()])
        let report = try await store.verify(anchor: anchorAt2)
        #expect(report.isIntact)
        #expect(report.head == 3)
        #expect(report.headHash == (try store.hash(at: 3)))
        #expect(try store.hash(at: 2) == anchorAt2.hash)
        #expect(try store.hash(at: 4) == nil)
        #expect(anchorAt2.hash.count == 32)
        let wrong = HeadAnchor(position: 2, hash: [UInt8](repeating: 7, count: 32))
        #expect(try store.verifyNow(anchor: wrong).problem?.kind == .anchorMismatch)
        #expect(try store.verifyNow(anchor: wrong).problem?.position == 2)
        let beyond = HeadAnchor(position: 9, hash: anchorAt2.hash)
        #expect(try store.verifyNow(anchor: beyond).problem?.kind == .truncated)
    }

    @Test func tamperTrials() async throws {
        let fixture = try await TamperFixture()
        #expect(fixture.anchor.position == TamperFixture.eventCount)
        #expect(fixture.digest.count == 64)
        var generator = SystemRandomNumberGenerator()

        // (a) One byte flipped inside a stored record: verify names that record, every time.
        for trial in 0..<trialCount {
            let position = UInt64.random(in: 1...TamperFixture.eventCount, using: &generator)
            let record = try fixture.recordLocation(at: position)
            let path = try fixture.copy("a-\(trial)") { data in
                let offset = record.offset + Int.random(in: 0..<record.count, using: &generator)
                data[offset] ^= UInt8.random(in: 1...255, using: &generator)
            }
            let store = try EventStore.openReadOnly(path: path)
            let report = try store.verifyNow(anchor: fixture.anchor)
            store.close()
            #expect(report.problem?.position == position, "trial \(trial): flipped record \(position), got \(String(describing: report.problem))")
            try FileManager.default.removeItem(atPath: path)
        }

        // (b) One byte flipped anywhere: reported, refused, crashed — or provably nothing stored changed.
        var outcomes: [String: Int] = [:]
        for trial in 0..<trialCount {
            let path = try fixture.copy("b-\(trial)") { data in
                let offset = Int.random(in: 0..<data.count, using: &generator)
                data[offset] ^= UInt8.random(in: 1...255, using: &generator)
            }
            let anchorArguments = ["\(fixture.anchor.position)", fixture.anchor.hash.map { String(format: "%02x", $0) }.joined()]
            let (status, lines) = try runHelper(["verify", path] + anchorArguments)
            let first = lines.first ?? ""
            if status != 0 {
                outcomes["process failed", default: 0] += 1
            } else if first.hasPrefix("open-failed") {
                outcomes["refused to open", default: 0] += 1
            } else if first.hasPrefix("problem") || first.hasPrefix("verify-failed") {
                outcomes["reported", default: 0] += 1
            } else if first.hasPrefix("intact") {
                let digest = lines.first { $0.hasPrefix("digest ") }.map { String($0.dropFirst(7)) }
                #expect(digest == fixture.digest, "trial \(trial): verify passed over changed content: \(lines)")
                outcomes["nothing stored changed", default: 0] += 1
            } else {
                Issue.record("trial \(trial): unexpected helper output \(lines)")
            }
            try FileManager.default.removeItem(atPath: path)
        }
        #expect(outcomes.values.reduce(0, +) == trialCount, "\(outcomes)")
        print("tamper trials (b): \(outcomes.sorted { $0.key < $1.key })")
    }

    @Test func detectsADeletedRecord() async throws {
        let fixture = try await TamperFixture()
        let path = try fixture.copy("deleted")
        try changeLog(at: path) { txn, log in
            try txn.delete(in: log, key: key(4_321))
        }
        let problem = try verify(path, anchor: fixture.anchor)
        #expect(problem?.kind == .missingRecord)
        #expect(problem?.position == 4_321)
    }

    @Test func detectsReorderedRecords() async throws {
        let fixture = try await TamperFixture()
        let path = try fixture.copy("reordered")
        try changeLog(at: path) { txn, log in
            let a = try #require(try txn.value(in: log, key: key(777)))
            let b = try #require(try txn.value(in: log, key: key(778)))
            try txn.put(in: log, key: key(777), value: b)
            try txn.put(in: log, key: key(778), value: a)
        }
        let problem = try verify(path, anchor: fixture.anchor)
        #expect(problem?.kind == .positionMismatch)
        #expect(problem?.position == 777)
    }

    @Test func detectsACutOffTailAgainstTheAnchor() async throws {
        let fixture = try await TamperFixture()
        let path = try fixture.copy("truncated")
        try changeLog(at: path) { txn, log in
            // Remove the last record and its index entries, as a careful forger would.
            let store = try EventStore.openReadOnly(path: fixture.path)
            let last = try #require(try store.event(at: TamperFixture.eventCount))
            store.close()
            try txn.delete(in: log, key: key(TamperFixture.eventCount))
            let streams = try txn.openDatabase(named: "streams")
            let ids = try txn.openDatabase(named: "event-ids")
            try txn.delete(in: streams, key: Array(last.stream.utf8) + [0] + key(last.streamVersion))
            try txn.delete(in: ids, key: withUnsafeBytes(of: last.id.uuid) { Array($0) })
        }
        let store = try EventStore.openReadOnly(path: path)
        defer { store.close() }
        #expect(try store.verifyNow().isIntact)
        let problem = try store.verifyNow(anchor: fixture.anchor).problem
        #expect(problem?.kind == .truncated)
        #expect(problem?.position == TamperFixture.eventCount)
    }

    private func key(_ position: UInt64) -> [UInt8] { withUnsafeBytes(of: position.bigEndian) { Array($0) } }

    private func changeLog(at path: String, _ change: (WriteTransaction, Database) throws -> Void) throws {
        let environment = try Environment(path: path, configuration: .init(maxDatabases: 8))
        defer { environment.close() }
        let log = try environment.openDatabase(named: "log", create: false)
        try environment.write { txn in try change(txn, log) }
    }

    private func verify(_ path: String, anchor: HeadAnchor) throws -> VerificationProblem? {
        let store = try EventStore.openReadOnly(path: path)
        defer { store.close() }
        return try store.verifyNow(anchor: anchor).problem
    }
}

@Suite struct BackupAndFormatTests {
    @Test func backupWhileAppendingOpensWithEveryEventUpToItsHead() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.sub("live"), configuration: .fast)
        defer { store.close() }
        for n in 0..<20 { _ = try await store.append(to: "customer-\(n)", events: (0..<100).map { _ in makeEvent() }) }
        let appender = Task {
            var n = 0
            while !Task.isCancelled {
                _ = try await store.append(to: "order-\(n % 7)", events: [makeEvent("OrderPlaced")])
                n += 1
            }
            return n
        }
        let report = try await store.backup(to: dir.sub("backup"))
        appender.cancel()
        let appendedMeanwhile = try await appender.value
        #expect(report.head >= 2_000)
        #expect(try store.head() == 2_000 + UInt64(appendedMeanwhile))
        #expect(report.headHash == (try store.hash(at: report.head)))

        let copy = try EventStore.openReadOnly(path: dir.sub("backup"))
        defer { copy.close() }
        #expect(try copy.head() == report.head)
        #expect(try copy.events() == (try store.events(through: report.head)))
        #expect(try copy.verifyNow(anchor: HeadAnchor(position: report.head, hash: report.headHash)).isIntact)
        #expect(report.bytes > 0)

        await #expect(throws: EventLogError.backupTargetNotEmpty(dir.sub("backup"))) {
            try await store.backup(to: dir.sub("backup"))
        }
    }

    @Test func refusesAStoreOfAnotherFormatVersion() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        _ = try await store.append(to: "customer-1", events: [makeEvent()])
        store.close()
        do {
            let environment = try Environment(path: dir.path, configuration: .init(maxDatabases: 8))
            let meta = try environment.openDatabase(named: "meta", create: false)
            try environment.write { txn in
                try txn.put(in: meta, key: Array("format-version".utf8), value: withUnsafeBytes(of: UInt32(2).littleEndian) { Array($0) })
            }
            environment.close()
        }
        #expect(throws: EventLogError.unsupportedFormat(found: 2, supported: 1)) { try EventStore(path: dir.path) }
        #expect(throws: EventLogError.unsupportedFormat(found: 2, supported: 1)) { try EventStore.openReadOnly(path: dir.path) }
    }

    @Test func refusesAForeignEnvironment() throws {
        let dir = TemporaryDirectory()
        let environment = try Environment(path: dir.path)
        let main = try environment.openDatabase(named: nil)
        try environment.write { txn in try txn.put(in: main, key: Array("x".utf8), value: [1]) }
        environment.close()
        #expect(throws: EventLogError.notAnEventStore(path: dir.path)) { try EventStore.openReadOnly(path: dir.path) }
        #expect(throws: EventLogError.notAnEventStore(path: dir.path)) { try EventStore(path: dir.path) }
        // Nothing was added to the foreign environment.
        let again = try Environment(path: dir.path)
        defer { again.close() }
        let names = try again.read { txn in try txn.count(of: try txn.openDatabase(named: nil)) }
        #expect(names == 1)
    }

    @Test func parsesAnAnchorFromItsDescription() {
        let anchor = HeadAnchor(position: 42, hash: (0..<32).map { UInt8($0 * 7) })
        #expect(HeadAnchor(anchor.description) == anchor)
        #expect(HeadAnchor("42:00") == nil)
        #expect(HeadAnchor("x:" + String(repeating: "0", count: 64)) == nil)
        #expect(HeadAnchor("1:" + String(repeating: "0", count: 62) + "é") == nil)
        #expect(HeadAnchor("1:" + String(repeating: "g", count: 64)) == nil)
        #expect(HeadAnchor("7:" + String(repeating: "AB", count: 32)) == HeadAnchor(position: 7, hash: [UInt8](repeating: 0xAB, count: 32)))
    }

    @Test func reportsAMissingDirectoryForReadOnlyOpen() throws {
        let dir = TemporaryDirectory()
        do {
            _ = try EventStore.openReadOnly(path: dir.sub("absent"))
            Issue.record("opening a missing store succeeded")
        } catch EventLogError.storage(let error) {
            #expect(error.kind == .noSuchFile)
            #expect(error.code == 2)
            #expect(error.description.contains("ENOENT"))
        }
    }
}
