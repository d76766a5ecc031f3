@testable import CRMDomain
import CRMEventLog
import Foundation
import Testing

@Suite("Binary and JSON codec")
struct CodecTests {
    let registry = EventRegistry()

    @Test("the catalog has 65 distinct event types")
    func catalogSize() {
        #expect(CatalogTypes.all.count == 65)
        #expect(Set(CatalogTypes.all.map { $0.eventType }).count == 65)
    }

    @Test("the type-name table finds every catalog name and nothing else")
    func typeNameTable() {
        func index(_ name: String) -> Int? { Array(name.utf8).withUnsafeBytes { CatalogIndex.index(of: $0) } }
        for (number, type) in CatalogTypes.all.enumerated() {
            #expect(index(type.eventType) == number, "\(type.eventType)")
            // A name one byte longer or shorter, or with its last byte changed, is no catalog type.
            #expect(index(type.eventType + "s") == nil)
            #expect(index(String(type.eventType.dropLast())) == nil)
            #expect(index(String(type.eventType.dropLast()) + "_") == nil)
        }
        #expect(index("") == nil)
        #expect(index("Order") == nil)
        #expect(index("orderPlaced") == nil)
        // Short names (under eight bytes) take the byte-by-byte hash.
        let table = TypeNameTable([Array("A".utf8), Array("Bc".utf8), Array("OrderPlaced".utf8)])
        #expect(Array("Bc".utf8).withUnsafeBytes { table.index(of: $0) } == 1)
        #expect(Array("A".utf8).withUnsafeBytes { table.index(of: $0) } == 0)
        #expect(Array("B".utf8).withUnsafeBytes { table.index(of: $0) } == nil)
        #expect(Array("OrderPlaced".utf8).withUnsafeBytes { table.index(of: $0) } == 2)
    }

    @Test("every catalog type round-trips through the binary codec with random values")
    func binaryRoundTrip() throws {
        for event in randomCatalogEvents(seed: 1, perType: propertyTrials) {
            let (type, version, payload) = registry.encode(event)
            #expect(type == event.eventType)
            let decoded = try payload.withUnsafeBytes { try registry.decode(eventType: type, schemaVersion: version, payload: $0) }
            #expect(decoded == event, "\(type)")
        }
    }

    @Test("every catalog type round-trips through its JSON form with random values")
    func jsonRoundTrip() throws {
        for event in randomCatalogEvents(seed: 2, perType: propertyTrials) {
            let message = event.catalogMessage!
            let text = message.json.text
            let parsed = try JSONValue.parse(Array(text.utf8))
            let back = try decodeJSON(message, parsed)
            #expect(back == event, "\(event.eventType): \(text)")
            // The text is canonical: writing the parsed value again gives the same bytes.
            #expect(parsed.text == text)
        }
    }

    private func decodeJSON<T: CatalogMessage>(_: T, _ json: JSONValue) throws -> DomainEvent {
        try T.decode(json: json).domainEvent
    }

    @Test("exact bytes of a small event: keys, zigzag, money, days")
    func exactBytes() {
        let id = CustomerID(UUID(uuidString: "00000000-0000-0000-0000-000000000001")!)
        let event = NPSAnswered(customerID: id, score: -2, comment: "ok")
        // field 1 bytes: key 0x0A, length 16, UUID; field 2 varint: key 0x10, zigzag(-2) = 3;
        // field 3 bytes: key 0x1A, length 2, "ok".
        #expect(event.encodedPayload() == [0x0A, 16] + Array(repeating: 0, count: 15) + [1, 0x10, 3, 0x1A, 2, 0x6F, 0x6B])

        let won = OpportunityWon(opportunityID: OpportunityID(UUID(uuidString: "00000000-0000-0000-0000-000000000002")!),
                                 amount: eur(-150))
        // Money: key 0x12, length 5, "EUR", zigzag(-150) = 299 = 0xAB 0x02.
        #expect(Array(won.encodedPayload().suffix(7)) == [0x12, 5, 0x45, 0x55, 0x52, 0xAB, 0x02])

        let closed = OpportunityCloseDateChanged(opportunityID: OpportunityID(UUID.placeholder), expectedCloseOn: day("1969-12-31"))
        // Day -1 zigzags to 1: key 0x10, 0x01.
        #expect(Array(closed.encodedPayload().suffix(2)) == [0x10, 0x01])
    }

    @Test("a sealed personal field is stored with wire type 3 and read back sealed")
    func sealedPersonalData() throws {
        let event = NPSAnswered(customerID: CustomerID(UUID.placeholder), score: 9, comment: .sealed([1, 2, 3]))
        let payload = event.encodedPayload()
        #expect(Array(payload.suffix(5)) == [3 << 3 | 3, 3, 1, 2, 3])
        let back = try payload.withUnsafeBytes { try NPSAnswered.decode(payload: $0) }
        #expect(back.comment == .sealed([1, 2, 3]))
        #expect(back.comment?.text == nil)
        #expect(back.comment?.description == "‹sealed›")
    }

    @Test("readers skip fields they do not know, of every wire type")
    func skipsUnknownFields() throws {
        let event = NPSAnswered(customerID: CustomerID(UUID.placeholder), score: 10, comment: nil)
        var writer = ByteWriter()
        writer.bytes = event.encodedPayload()
        // A newer writer added fields 4 (varint), 5 (fixed64), 6 (bytes) and 7 (sealed).
        writer.key(4, .varint); writer.varint(300)
        writer.key(5, .fixed64); writer.bytes += [1, 2, 3, 4, 5, 6, 7, 8]
        writer.key(6, .bytes); writer.lengthPrefixed(Array("new".utf8))
        writer.key(7, .sealed); writer.lengthPrefixed([9, 9])
        let back = try writer.bytes.withUnsafeBytes { try NPSAnswered.decode(payload: $0) }
        #expect(back == event)
    }

    @Test("missing required fields and wrong wire types are typed errors")
    func typedErrors() throws {
        let empty: [UInt8] = []
        #expect(throws: CodecError.missingField(type: "NPSAnswered", field: "customerID")) {
            try empty.withUnsafeBytes { try NPSAnswered.decode(payload: $0) }
        }
        var writer = ByteWriter()
        writer.key(1, .varint); writer.varint(5)
        #expect(throws: CodecError.wrongWireType(type: "NPSAnswered", field: "customerID", expected: .bytes, found: .varint)) {
            try writer.bytes.withUnsafeBytes { try NPSAnswered.decode(payload: $0) }
        }
        #expect(throws: FieldError.self) { try TicketPriority.decodeValue(.varint(9), depth: 0) }
        let truncated: [UInt8] = [0x0A, 16, 1, 2]
        #expect(throws: CodecError.truncated(offset: 1)) {
            try truncated.withUnsafeBytes { try NPSAnswered.decode(payload: $0) }
        }
    }

    @Test("an unknown event type comes back with its raw bytes")
    func unknownType() throws {
        let payload: [UInt8] = [0xFF, 0x00, 0x13]
        let event = try payload.withUnsafeBytes { try registry.decode(eventType: "LoyaltyPointsBooked", schemaVersion: 4, payload: $0) }
        #expect(event == .unknown(UnknownEvent(eventType: "LoyaltyPointsBooked", schemaVersion: 4, payload: payload)))
        #expect(registry.encode(event) == ("LoyaltyPointsBooked", 4, payload))
    }

    @Test("calendar days convert to and from dates parts and ISO text at the edges")
    func calendarDays() {
        #expect(CalendarDay(year: 1970, month: 1, day: 1)?.daysSince1970 == 0)
        #expect(CalendarDay(year: 2000, month: 3, day: 1)?.daysSince1970 == 11_017)
        #expect(CalendarDay(year: 1, month: 1, day: 1) == CalendarDay.earliest)
        #expect(CalendarDay(year: 9999, month: 12, day: 31) == CalendarDay.latest)
        #expect(CalendarDay(year: 2023, month: 2, day: 29) == nil)
        #expect(CalendarDay(year: 2024, month: 2, day: 29)?.description == "2024-02-29")
        #expect(CalendarDay.earliest.description == "0001-01-01")
        #expect(CalendarDay(iso: "9999-12-31") == .latest)
        #expect(CalendarDay(iso: "10000-01-01") == nil)
        #expect(CalendarDay(daysSince1970: CalendarDay.latest.daysSince1970 + 1) == nil)
        var rng = SeededRNG(seed: 7)
        for _ in 0..<10_000 {
            let day = CalendarDay.random(using: &rng)
            let (y, m, d) = day.parts
            #expect(CalendarDay(year: y, month: m, day: d) == day)
            #expect(CalendarDay(iso: day.description) == day)
        }
    }

    @Test("timestamps format and parse microseconds exactly")
    func timestamps() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00.000000Z")
        #expect(Timestamp.format(-1) == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp.format(1_772_442_000_123_456) == "2026-03-02T09:00:00.123456Z")
        var rng = SeededRNG(seed: 8)
        for _ in 0..<10_000 {
            let micros = Int64.random(in: -62_135_596_800_000_000...253_402_300_799_999_999, using: &rng)
            #expect(Timestamp.parse(Timestamp.format(micros)) == micros)
        }
        #expect(Timestamp.parse("2026-03-02T09:00:00Z") == nil)
        #expect(Timestamp.parse("2026-03-02T24:00:00.000000Z") == nil)
    }

    @Test("Money prints minor units with two decimals")
    func moneyDescription() {
        #expect(eur(12_345).description == "123.45 EUR")
        #expect(eur(-5).description == "-0.05 EUR")
        #expect(Money(minorUnits: .min, currency: .usd).description == "-92233720368547758.08 USD")
    }

    @Test("the JSON parser keeps 64-bit integers exact and refuses malformed text")
    func jsonParser() throws {
        #expect(try JSONValue.parse(Array("-9223372036854775808".utf8)) == .integer(.min))
        #expect(try JSONValue.parse(Array("[1.5,\"\\u00e9\\ud83d\\ude00\",null]".utf8)) == .array([.double(1.5), .string("é😀"), .null]))
        for bad in ["{\"a\":1,\"a\":2}", "[1,]", "01", "\"\u{1}\"", "{\"a\" 1}", "[", "\"\\ud800\"", "1 2", "nul"] {
            #expect(throws: CodecError.self, "\(bad)") { try JSONValue.parse(Array(bad.utf8)) }
        }
    }
}
