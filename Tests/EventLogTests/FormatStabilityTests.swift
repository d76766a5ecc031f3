import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// A store written by format version 1 (`EventLogTestHelper make-golden`) is committed; every
/// later version must open it, verify it against its anchor and read the same events.
@Suite struct FormatStabilityTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden-v1")

    @Test func opensAndVerifiesTheVersion1GoldenStore() throws {
        let dir = TemporaryDirectory("golden")
        try FileManager.default.copyItem(atPath: Self.fixture.appendingPathComponent("data.mdb").path, toPath: dir.sub("data.mdb"))
        let anchorText = try String(contentsOf: Self.fixture.appendingPathComponent("anchor.txt"), encoding: .utf8)
        let anchor = try #require(HeadAnchor(anchorText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(anchor.position == 120)

        let store = try EventStore.openReadOnly(path: dir.path)
        defer { store.close() }
        let report = try store.verifyNow(anchor: anchor)
        #expect(report.isIntact)
        #expect(report.head == 120)
        #expect(report.headHash == anchor.hash)

        let first = try #require(try store.event(at: 1))
        let firstID = UUID(uuidString: "00000000-0000-4000-8000-000000000000")!
        #expect(first.id == firstID)
        #expect(first.stream == "customer-0")
        #expect(first.streamVersion == 1)
        #expect(first.type == "OrderPlaced")
        #expect(first.schemaVersion == 1)
        #expect(first.occurredAt == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(first.actor == "golden")
        #expect(first.correlationID == firstID)
        #expect(first.causationID == firstID)
        #expect(first.payload == Array(#"{"n":0}"#.utf8))

        let last = try #require(try store.event(at: 120))
        #expect(last.id == UUID(uuidString: "00000000-0000-4000-8000-000000000119")!)
        #expect(last.stream == "customer-0")
        #expect(last.streamVersion == 18)
        #expect(last.type == "InteractionLogged")
        #expect(last.schemaVersion == 2)
        #expect(last.occurredAt.timeIntervalSince1970 == 1_767_654_029.75)
        #expect(last.correlationID == nil)
        #expect(last.causationID == nil)
        #expect(last.payload == Array(#"{"n":119}"#.utf8))
        #expect(last.recordedAt >= first.recordedAt)

        #expect(try store.events(.stream("customer-3")).map(\.position) == Array(stride(from: 4, through: 120, by: 7)))
        #expect(try store.streamVersion(of: "customer-6") == 17)
    }
}
