@testable import CRMDomain
@testable import CRMEventLog
import Foundation
import Testing

@Suite("Upcasting and robustness")
struct UpcastAndFuzzTests {
    let registry = EventRegistry()
    let customer = CustomerID(UUID(uuidString: "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b")!)

    /// Golden bytes of a version-1 `CustomerRegistered`, as a version-1 writer stored it:
    /// customerID (1), isCompany = 1 (2, varint), name "Müller GmbH" (3), email (4),
    /// country "DE" (9).
    static let customerRegisteredV1 = bytes(fromHex:
        "0a100190a1b2c3d47e5f8a6b7c8d9e0f1a2b10011a0c4dc3bc6c6c657220476d62482214696e666f406d75656c6c65722e6578616d706c654a024445")

    /// Golden bytes of a version-1 `OpportunityOpened`: opportunityID (1), customerID (2),
    /// title (3), expectedRevenueMinor = 4,500,000 (4, zigzag varint), currency "EUR" (5),
    /// expectedCloseOn = day 20819 = 2027-01-01 (6), probability 40 (7), product (8),
    /// ownerID (9), stage 3 = needsAnalysis (10).
    static let opportunityOpenedV1 = bytes(fromHex:
        "0a100190a1b2c3d47e5f8a6b00000000000712100190a1b2c3d47e5f8a6b7c8d9e0f1a2b1a0b507265737365203430303020c0a8a5042a034555523"
            + "0a6c5023850420750522d343030304a100190a1b2c3d47e5f8a6b0000000000e15003")

    @Test("CustomerRegistered v1 (isCompany) reads as v2 (kind) through the upcaster")
    func customerV1() throws {
        let event = try Self.customerRegisteredV1.withUnsafeBytes {
            try registry.decode(eventType: "CustomerRegistered", schemaVersion: 1, payload: $0)
        }
        let expected = CustomerRegistered(customerID: customer, kind: .account, name: "Müller GmbH",
                                          email: "info@mueller.example", country: "DE")
        #expect(event == .customerRegistered(expected))
        // The same bytes read as version 2 are wrong (1 is `person` there), which is why the
        // version matters.
        let asV2 = try Self.customerRegisteredV1.withUnsafeBytes {
            try registry.decode(eventType: "CustomerRegistered", schemaVersion: 2, payload: $0)
        }
        guard case .customerRegistered(let v2) = asV2 else { Issue.record("not a CustomerRegistered"); return }
        #expect(v2.kind == .person)
    }

    @Test("OpportunityOpened v1 (amount and currency fields) reads as v2 (Money)")
    func opportunityV1() throws {
        let event = try Self.opportunityOpenedV1.withUnsafeBytes {
            try registry.decode(eventType: "OpportunityOpened", schemaVersion: 1, payload: $0)
        }
        let expected = OpportunityOpened(
            opportunityID: OpportunityID(UUID(uuidString: "0190a1b2-c3d4-7e5f-8a6b-000000000007")!), customerID: customer,
            title: "Presse 4000", expectedRevenue: eur(4_500_000), expectedCloseOn: day("2027-01-01"), probability: 40,
            product: "PR-4000", ownerID: EmployeeID(UUID(uuidString: "0190a1b2-c3d4-7e5f-8a6b-0000000000e1")!),
            stage: .needsAnalysis)
        #expect(event == .opportunityOpened(expected))
        // Re-encoding writes version 2: one Money field 4, no field 5.
        let (_, version, payload) = registry.encode(event)
        #expect(version == 2)
        let fields = try payload.withUnsafeBytes { try PayloadFields($0) }
        #expect(fields.fields.map(\.number) == [1, 2, 3, 4, 6, 7, 8, 9, 10])
        #expect(fields.first(4)?.bytes == [0x45, 0x55, 0x52, 0xC0, 0xA8, 0xA5, 0x04])
    }

    @Test("a v1 payload the upcaster cannot read, and a version without a path, are typed errors")
    func upcastErrors() {
        var broken = Self.customerRegisteredV1
        broken[19] = 2  // isCompany = 2
        #expect(throws: CodecError.upcastFailed(type: "CustomerRegistered", fromVersion: 1, reason: "isCompany (field 2) is missing or not 0/1")) {
            try broken.withUnsafeBytes { try registry.decode(eventType: "CustomerRegistered", schemaVersion: 1, payload: $0) }
        }
        #expect(throws: CodecError.unsupportedSchemaVersion(type: "CustomerRegistered", version: 0, current: 2)) {
            try Self.customerRegisteredV1.withUnsafeBytes {
                try registry.decode(eventType: "CustomerRegistered", schemaVersion: 0, payload: $0)
            }
        }
    }

    @Test("decoding 100,000 random and mutated payloads yields a value or a typed error, never a trap")
    func fuzzBinary() {
        var rng = SeededRNG(seed: 0xF022)
        let seeds = randomCatalogEvents(seed: 99, perType: 5).map { registry.encode($0) }
        var values = 0, errors = 0, unknown = 0
        for round in 0..<100_000 {
            let base = seeds[round % seeds.count]
            var payload = base.payload
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:  // pure noise
                payload = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1:  // flip bytes
                for _ in 0..<Int.random(in: 1...4, using: &rng) where !payload.isEmpty {
                    payload[Int.random(in: 0..<payload.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 2:  // truncate
                payload = Array(payload.prefix(Int.random(in: 0...payload.count, using: &rng)))
            case 3:  // insert noise
                let at = Int.random(in: 0...payload.count, using: &rng)
                payload.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 4:  // huge lengths and endless varints
                payload = [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] + payload
            default:  // another type's payload
                payload = seeds[Int.random(in: 0..<seeds.count, using: &rng)].payload
            }
            let version = UInt32.random(in: 0...3, using: &rng)
            let type = round % 97 == 0 ? "NoSuchType" : base.eventType
            do {
                let event = try payload.withUnsafeBytes { try registry.decode(eventType: type, schemaVersion: version, payload: $0) }
                if case .unknown = event { unknown += 1 } else { values += 1 }
            } catch {
                errors += 1
            }
        }
        #expect(values + errors + unknown == 100_000)
        #expect(values > 1_000)
        #expect(errors > 1_000)
        #expect(unknown == 1_031)
    }

    @Test("parsing 20,000 mutated JSON lines yields an event or an error, never a trap")
    func fuzzJSONLines() throws {
        let event = RecordedEvent(
            position: 1, stream: "customer-x", streamVersion: 1, id: UUID(), type: "OrderPlaced", schemaVersion: 1,
            occurredAt: testTime, recordedAt: testTime, actor: "fuzz", correlationID: nil, causationID: nil,
            payload: registry.encode(randomCatalogEvents(seed: 5, perType: 1).first { $0.eventType == "OrderPlaced" }!).payload)
        let line = Array(try JSONLines.line(for: event).utf8)
        var rng = SeededRNG(seed: 0x15)
        var parsed = 0, rejected = 0
        for _ in 0..<20_000 {
            var mutated = line
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<mutated.count, using: &rng)
                if Bool.random(using: &rng) { mutated[at] = UInt8.random(in: 0...255, using: &rng) } else { mutated.remove(at: at) }
            }
            do {
                _ = try JSONLines.event(fromLine: mutated)
                parsed += 1
            } catch {
                rejected += 1
            }
        }
        #expect(parsed + rejected == 20_000)
        #expect(rejected > 10_000)
    }
}
