@testable import CRMDomain
@testable import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// An app-defined event beside the catalog's.
struct LoyaltyPointsBooked: ExtensionEvent {
    static let eventType = "app.LoyaltyPointsBooked"
    var customerID: CustomerID
    var points: Int
    var reason: String
}

@Suite("Extension events and JSON Lines")
struct InterchangeTests {
    static func registry() -> EventRegistry {
        var registry = EventRegistry()
        try! registry.register(LoyaltyPointsBooked.self)
        return registry
    }

    @Test("an app registers its own event type and appends it beside the catalog's")
    func extensionEvents() async throws {
        let test = try TestStore(registry: Self.registry())
        let customer = CustomerID.new()
        try await test.handler.execute(.registerCustomer(customer, kind: .person, name: "Ali Demir"))
        let booked = LoyaltyPointsBooked(customerID: customer, points: 250, reason: "Geburtstag 🎂")
        try await test.handler.append(booked, to: customer.stream, expectedVersion: .exactly(1))

        let stored = try test.store.events(.stream(customer.stream))
        #expect(stored.map(\.type) == ["CustomerRegistered", "app.LoyaltyPointsBooked"])
        let decoded = try test.handler.registry.decode(stored[1])
        guard case .extensionEvent(let value) = decoded else { Issue.record("not an extension event"); return }
        #expect(value.as(LoyaltyPointsBooked.self) == booked)
        // A reader that does not know the type gets it back raw, not a crash.
        #expect(try EventRegistry().decode(stored[1])
            == .unknown(UnknownEvent(eventType: "app.LoyaltyPointsBooked", schemaVersion: 1, payload: stored[1].payload)))
    }

    @Test("extension types cannot take catalog or registered names")
    func registration() {
        struct Clash: ExtensionEvent { static let eventType = "OrderPlaced" }
        var registry = Self.registry()
        #expect(throws: RegistryError.duplicateEventType("OrderPlaced")) { try registry.register(Clash.self) }
        #expect(throws: RegistryError.duplicateEventType("app.LoyaltyPointsBooked")) { try registry.register(LoyaltyPointsBooked.self) }
    }

    @Test("an extension event without registration is refused by the handler")
    func unregisteredAppend() async throws {
        let test = try TestStore()
        await #expect(throws: CodecError.unknownEventType("app.LoyaltyPointsBooked")) {
            try await test.handler.append(LoyaltyPointsBooked(customerID: .new(), points: 1, reason: ""), to: "loyalty-1")
        }
        #expect(try test.store.head() == 0)
    }

    /// A store holding every kind of record: command-made history, random values of every
    /// catalog type, an unknown type, an extension event and a version-1 payload.
    static func richStore() async throws -> TestStore {
        let fixture = try await RuleFixture()
        let test = fixture.test
        let registry = Self.registry()
        var rng = SeededRNG(seed: 31)
        var appends: [StreamAppend] = []
        for (index, event) in randomCatalogEvents(seed: 77, perType: 3).enumerated() {
            let (type, version, payload) = registry.encode(event)
            let micros = Int64.random(in: -1_262_304_000_000_000...3_250_368_000_000_000, using: &rng)
            appends.append(StreamAppend(stream: "random-\(index % 17)", events: [NewEvent(
                type: type, schemaVersion: version, occurredAt: Micros.date(micros), actor: RandomText.make(using: &rng),
                correlationID: index % 3 == 0 ? UUID() : nil, causationID: index % 5 == 0 ? UUID() : nil, payload: payload)]))
            if appends.count == 17 {
                try await test.store.append(appends)
                appends = []
            }
        }
        if !appends.isEmpty { try await test.store.append(appends) }
        try await test.store.append(to: "legacy-1", events: [
            NewEvent(type: "Unheard", schemaVersion: 3, actor: "old", payload: [0, 1, 2, 0xFF]),
            NewEvent(type: "CustomerRegistered", schemaVersion: 1, actor: "v1 writer", payload: UpcastAndFuzzTests.customerRegisteredV1),
            NewEvent(type: LoyaltyPointsBooked.eventType, actor: "app",
                     payload: try ExtensionEventValue(LoyaltyPointsBooked(customerID: fixture.person, points: 7, reason: "\"quoted\"")).payload),
        ])
        return test
    }

    @Test("export → import into an empty store → export is byte-identical, and the copy verifies")
    func roundTrip() async throws {
        let source = try await Self.richStore()
        let registry = Self.registry()
        let first = source.directory.sub("first.jsonl"), second = source.directory.sub("second.jsonl")
        let exported = try JSONLines.export(from: source.store, to: first, registry: registry)
        #expect(exported == Int(try source.store.head()))

        let target = try TestStore(registry: registry)
        let imported = try await JSONLines.importFile(first, into: target.store, registry: registry)
        #expect(imported == exported)
        try JSONLines.export(from: target.store, to: second, registry: registry)
        let firstBytes = FileManager.default.contents(atPath: first)!, secondBytes = FileManager.default.contents(atPath: second)!
        #expect(firstBytes == secondBytes)
        #expect(firstBytes.count > 10_000)
        _ = try await target.store.verifyNow()

        // Every event decodes to the same value with the same metadata in both stores.
        let a = try source.store.events(), b = try target.store.events()
        for (x, y) in zip(a, b) {
            #expect(try registry.decode(x) == registry.decode(y))
            #expect(EventMetadata(x) == EventMetadata(y))
        }
        // The version-1 record was written in its current schema by the import.
        let legacy = try target.store.events(.stream("legacy-1"))
        #expect(legacy.map(\.schemaVersion) == [3, 2, 1])
    }

    @Test("a bad line is reported with its number and reason, and nothing is appended")
    func badLines() async throws {
        let source = try await Self.richStore()
        let registry = Self.registry()
        let path = source.directory.sub("all.jsonl")
        try JSONLines.export(from: source.store, to: path, registry: registry)
        let lines = String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self).split(separator: "\n").map(String.init)

        func importing(_ edited: [String]) async throws -> (JSONLinesError?, UInt64) {
            let target = try TestStore(registry: registry)
            let file = target.directory.sub("edited.jsonl")
            FileManager.default.createFile(atPath: file, contents: Data((edited.joined(separator: "\n") + "\n").utf8))
            do {
                try await JSONLines.importFile(file, into: target.store, registry: registry)
                return (nil, try target.store.head())
            } catch let error as JSONLinesError {
                return (error, try target.store.head())
            }
        }

        // Line 10 (the first win) holds money: make its amount a string.
        var edited = lines
        edited[9] = edited[9].replacingOccurrences(of: "\"amount\":", with: "\"amount\":\"x\",\"was\":")
        var (error, head) = try await importing(edited)
        #expect(lines[9].contains("\"amount\":"))
        #expect(head == 0)
        guard case .invalidLine(10, let reason)? = error else { Issue.record("expected line 10, got \(String(describing: error))"); return }
        #expect(reason.contains("amount"))

        edited = lines
        edited.remove(at: 20)
        (error, head) = try await importing(edited)
        #expect(error == .invalidLine(line: 21, reason: "position 22 does not continue the log at 21"))
        #expect(head == 0)

        edited = lines
        edited[2] = "{\"position\":3}"
        (error, head) = try await importing(edited)
        #expect(error == .invalidLine(line: 3, reason: "'streamVersion' must be an integer"))
        #expect(head == 0)

        edited = lines
        edited[0] = edited[0].replacingOccurrences(of: "\"actor\":", with: "\"colour\":\"blue\",\"actor\":")
        (error, head) = try await importing(edited)
        #expect(error == .invalidLine(line: 1, reason: "unknown member 'colour'"))

        edited = lines
        edited[lines.count - 1] = "not json"
        (error, head) = try await importing(edited)
        #expect(error == .invalidLine(line: lines.count, reason: "invalid JSON at byte 0: expected 'null'"))
        #expect(head == 0)
    }

    @Test("a chunked import resumes at the line it names")
    func chunksAndResume() async throws {
        let source = try await Self.richStore()
        let registry = Self.registry()
        let path = source.directory.sub("all.jsonl"), partial = source.directory.sub("partial.jsonl")
        let total = try JSONLines.export(from: source.store, to: path, registry: registry)
        let text = FileManager.default.contents(atPath: path)!
        let firstLines = text.split(separator: 0x0A).prefix(25).map { Data($0) + Data([0x0A]) }.reduce(Data(), +)
        FileManager.default.createFile(atPath: partial, contents: firstLines)

        let target = try TestStore(registry: registry)
        #expect(try await JSONLines.importFile(partial, into: target.store, mode: .chunks(lines: 7), registry: registry) == 25)
        #expect(try await JSONLines.importFile(path, into: target.store, mode: .chunks(lines: 7), startingAtLine: 26,
                                               registry: registry) == total - 25)
        let again = target.directory.sub("again.jsonl")
        try JSONLines.export(from: target.store, to: again, registry: registry)
        #expect(FileManager.default.contents(atPath: again) == text)

        // Importing the whole file again does not continue the log: refused, nothing appended,
        // and the error names the line to resume at (past the end here: all of it is in).
        await #expect(throws: JSONLinesError.alreadyImported(line: 1, position: 1, head: UInt64(total), resumeAtLine: total + 1)) {
            try await JSONLines.importFile(path, into: target.store, registry: registry)
        }
        #expect(try target.store.head() == UInt64(total))
    }
}
