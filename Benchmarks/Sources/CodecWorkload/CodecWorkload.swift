// The event mix the codec benchmarks (and the CodecProfile driver) encode and decode: 100,000 catalog events in a fixed,
// seeded order, built once per benchmark process.
//
// Catalog memberwise initializers are internal to CRMDomain, so every event is written here as
// JSON in its `Codable` form and decoded with JSONDecoder; the same events then give the binary
// payloads (EventRegistry.encode) and the JSONEncoder documents the benchmarks read back.
import CRMDomain
import CRMSimulation
import Foundation

/// The workload's seeded generator: CRMSimulation's SplitMix64, so every run builds the same mix.
public typealias SplitMix64 = SeededGenerator

extension SeededGenerator {
    /// A generator starting at `state`.
    public init(state: UInt64) { self.init(seed: state) }

    /// A value in `range` (the tiny modulo bias is irrelevant here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// `true` with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }


    mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }

    /// A random (version 4) UUID string, lower case.
    mutating func uuidString() -> String {
        let a = next(), b = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return uuid.uuidString.lowercased()
    }
}

/// Builds one JSON object member by member.
struct JSONObject {
    private var members: [String] = []

    static func escape(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    mutating func raw(_ key: String, _ json: String) { members.append("\"\(key)\":\(json)") }
    mutating func string(_ key: String, _ value: String) { raw(key, Self.escape(value)) }
    mutating func int(_ key: String, _ value: Int) { raw(key, String(value)) }
    mutating func bool(_ key: String, _ value: Bool) { raw(key, value ? "true" : "false") }
    mutating func string(_ key: String, _ value: String?) { if let value { string(key, value) } }

    var text: String { "{" + members.joined(separator: ",") + "}" }
}

/// The codec-benchmark event mix.
public enum CodecWorkload {
    /// Events per iteration of every codec benchmark.
    public static let eventCount = 100_000

    /// The kinds of the mix and their share per 100,000 events.
    enum Kind: CaseIterable {
        case interactionRecorded, orderPlaced, invoiceIssued, paymentReceived, ticketOpened, ticketResolved
        case opportunityOpened, opportunityStageChanged, npsAnswered, customerRegistered
        // The 2 % "others", 250 each.
        case orderShipped, costToServeBooked, feedbackReceived, leadCaptured, contractSigned, quoteDrafted
        case ticketAssigned, consentGiven

        var per100k: Int {
            switch self {
            case .interactionRecorded: return 40_000
            case .orderPlaced, .invoiceIssued: return 10_000
            case .paymentReceived: return 8_000
            case .ticketOpened, .ticketResolved: return 6_000
            case .opportunityOpened, .opportunityStageChanged: return 4_000
            case .npsAnswered, .customerRegistered: return 5_000
            default: return 250
            }
        }
    }

    static let texts = [
        "Kundin möchte Liefertermin verschieben – bitte Rückruf bis Freitag",
        "Rückfrage zur Rechnung: Skonto 2 % nicht abgezogen",
        "Angebot für 3× Fräsmaschine besprochen, Budget ca. 45.000 €",
        "Beschwerde über Verpackung 📦, Ersatzlieferung zugesagt",
        "Termin vor Ort in Zürich bestätigt ✓",
        "Interesse an Wartungsvertrag nach Messegespräch",
        "お問い合わせ：納期について確認したい",
        "Client satisfait du SAV, souhaite un devis pour l’extension",
        "Techniker-Einsatz abgeschlossen, Störung behoben 👍",
        "Zahlungserinnerung besprochen, Überweisung folgt nächste Woche",
        "Cliente pide factura rectificada — dirección cambiada",
        "Kurze Frage zum Kundenportal-Zugang",
    ]
    static let subjects = ["Lieferung", "Rechnung", "Angebot", "Wartung", "Reklamation", "Termin", "Portal-Zugang"]
    static let names = ["Jürgen Müller", "Anna Łukasiewicz", "Sofía García", "Zoë Dubois", "Björn Ødegaard",
                        "Ayşe Yılmaz", "田中 花子", "Maximilian Groß", "Chloé Lefèvre", "Müller & Söhne GmbH"]
    static let industries = ["Maschinenbau", "Handel", "Logistik", "Gesundheitswesen", "Software"]
    static let countries = ["DE", "DE", "DE", "AT", "CH", "FR", "NL"]
    static let categories = ["delivery", "billing", "technical", "account"]

    /// One event of the mix: its concrete type and its JSON (`Codable` form).
    struct Source {
        let type: any CatalogEvent.Type
        let json: String
    }

    /// The mix in its seeded order.
    static func sources(count: Int = eventCount, seed: UInt64 = 0xC0DEC) -> [Source] {
        var rng = SplitMix64(state: seed)
        var kinds: [Kind] = []
        kinds.reserveCapacity(count)
        for kind in Kind.allCases {
            kinds.append(contentsOf: repeatElement(kind, count: kind.per100k * count / 100_000))
        }
        while kinds.count < count { kinds.append(.interactionRecorded) }
        for i in stride(from: kinds.count - 1, to: 0, by: -1) {  // Fisher–Yates
            kinds.swapAt(i, rng.int(0...i))
        }
        let customers = (0..<10_000).map { _ in rng.uuidString() }
        let employees = (0..<200).map { _ in rng.uuidString() }
        let contacts = (0..<2_000).map { _ in rng.uuidString() }
        return kinds.map { make($0, &rng, customers: customers, employees: employees, contacts: contacts) }
    }

    static func money(_ rng: inout SplitMix64, _ range: ClosedRange<Int>) -> String {
        let currency = rng.chance(0.85) ? "EUR" : (rng.chance(0.67) ? "CHF" : "USD")
        return "{\"amount\":\(rng.int(range)),\"currency\":\"\(currency)\"}"
    }

    static func day(_ rng: inout SplitMix64) -> String {
        let year = rng.int(2025...2027), month = rng.int(1...12), day = rng.int(1...28)
        return JSONObject.escape(String(format: "%04d-%02d-%02d", year, month, day))
    }

    static func make(_ kind: Kind, _ rng: inout SplitMix64, customers: [String], employees: [String], contacts: [String]) -> Source {
        var o = JSONObject()
        let customer = rng.pick(customers)
        switch kind {
        case .interactionRecorded:
            let channel = rng.int(1...13)
            o.string("interactionID", rng.uuidString())
            o.string("customerID", customer)
            o.int("channel", channel)
            o.int("direction", rng.int(1...2))
            if rng.chance(0.7) { o.string("employeeID", rng.pick(employees)) }
            if rng.chance(0.2) { o.string("contactID", rng.pick(contacts)) }
            o.int("durationSeconds", [1, 7, 8].contains(channel) ? rng.int(30...3_600) : 0)
            if rng.chance(0.6) { o.string("subject", rng.pick(subjects)) }
            o.string("text", rng.pick(texts))
            return Source(type: InteractionRecorded.self, json: o.text)

        case .orderPlaced, .quoteDrafted:
            let lineCount = rng.int(1...4)
            var total = 0
            var lines: [String] = []
            let currency = rng.chance(0.85) ? "EUR" : "CHF"
            for _ in 0..<lineCount {
                var line = JSONObject()
                let quantity = rng.int(1...20), unit = rng.int(199...250_000)
                var net = quantity * unit
                line.string("product", "SKU-\(rng.int(10_000...99_999))")
                line.int("quantity", quantity)
                line.raw("unitPrice", "{\"amount\":\(unit),\"currency\":\"\(currency)\"}")
                if rng.chance(0.25) {
                    let discount = net / 10
                    net -= discount
                    line.raw("discount", "{\"amount\":\(discount),\"currency\":\"\(currency)\"}")
                }
                total += net
                lines.append(line.text)
            }
            let totalJSON = "{\"amount\":\(total),\"currency\":\"\(currency)\"}"
            if kind == .quoteDrafted {
                o.string("quoteID", rng.uuidString())
                o.string("opportunityID", rng.uuidString())
                o.string("customerID", customer)
                o.raw("lines", "[" + lines.joined(separator: ",") + "]")
                o.raw("total", totalJSON)
                o.raw("validUntil", day(&rng))
                return Source(type: QuoteDrafted.self, json: o.text)
            }
            o.string("orderID", rng.uuidString())
            o.string("customerID", customer)
            o.raw("lines", "[" + lines.joined(separator: ",") + "]")
            o.raw("total", totalJSON)
            o.int("channel", rng.pick([12, 12, 12, 1, 2, 6, 7]))
            if rng.chance(0.15) { o.string("contractID", rng.uuidString()) }
            return Source(type: OrderPlaced.self, json: o.text)

        case .invoiceIssued:
            o.string("invoiceID", rng.uuidString())
            o.string("customerID", customer)
            if rng.chance(0.7) { o.string("orderID", rng.uuidString()) }
            o.raw("amount", money(&rng, 500...2_000_000))
            o.raw("dueOn", day(&rng))
            return Source(type: InvoiceIssued.self, json: o.text)

        case .paymentReceived:
            o.string("invoiceID", rng.uuidString())
            o.raw("amount", money(&rng, 500...2_000_000))
            o.int("method", rng.int(1...5))
            o.bool("overpayment", rng.chance(0.02))
            return Source(type: PaymentReceived.self, json: o.text)

        case .ticketOpened:
            o.string("ticketID", rng.uuidString())
            o.string("customerID", customer)
            o.int("channel", rng.pick([1, 2, 3, 4, 6]))
            o.int("priority", rng.int(1...4))
            o.string("category", rng.pick(categories))
            o.string("subject", rng.pick(subjects))
            if rng.chance(0.7) { o.string("description", rng.pick(texts)) }
            let premium = rng.chance(0.3)
            o.string("slaPolicy", premium ? "premium" : "standard")
            o.int("firstResponseTargetMinutes", premium ? 60 : 240)
            o.int("resolutionTargetMinutes", premium ? 480 : 2_880)
            return Source(type: TicketOpened.self, json: o.text)

        case .ticketResolved:
            o.string("ticketID", rng.uuidString())
            o.string("customerID", customer)
            o.bool("firstContactResolution", rng.chance(0.6))
            if rng.chance(0.6) { o.string("resolution", rng.pick(texts)) }
            return Source(type: TicketResolved.self, json: o.text)

        case .opportunityOpened:
            o.string("opportunityID", rng.uuidString())
            o.string("customerID", customer)
            o.string("title", "Wartungsvertrag \(rng.int(2025...2028)) – Linie \(rng.int(1...9))")
            o.raw("expectedRevenue", money(&rng, 100_000...50_000_000))
            o.raw("expectedCloseOn", day(&rng))
            o.int("probability", rng.int(1...9) * 10)
            o.string("product", rng.pick(["CNC-Fräse X200", "Service Premium", "Ersatzteilpaket", "Schulung"]))
            o.string("ownerID", rng.pick(employees))
            o.int("stage", rng.int(1...3))
            if rng.chance(0.3) { o.string("leadID", rng.uuidString()) }
            if rng.chance(0.2) { o.string("campaignID", rng.uuidString()) }
            return Source(type: OpportunityOpened.self, json: o.text)

        case .opportunityStageChanged:
            let from = rng.int(1...4)
            o.string("opportunityID", rng.uuidString())
            o.int("from", from)
            o.int("to", from + 1)
            return Source(type: OpportunityStageChanged.self, json: o.text)

        case .npsAnswered:
            o.string("customerID", customer)
            o.int("score", rng.int(0...10))
            if rng.chance(0.5) { o.string("comment", rng.pick(texts)) }
            return Source(type: NPSAnswered.self, json: o.text)

        case .customerRegistered:
            let account = rng.chance(0.4)
            let name = rng.pick(names)
            o.string("customerID", rng.uuidString())
            o.int("kind", account ? 2 : 1)
            o.string("name", name)
            if rng.chance(0.9) { o.string("email", "kunde\(rng.int(1...999_999))@example.de") }
            if rng.chance(0.6) { o.string("phone", "+49 30 \(rng.int(1_000_000...9_999_999))") }
            if rng.chance(0.5) { o.string("address", "Hauptstraße \(rng.int(1...200)), \(rng.int(10_000...99_999)) Köln") }
            if account {
                o.string("industry", rng.pick(industries))
                o.int("employeeCount", rng.int(5...5_000))
            }
            o.string("country", rng.pick(countries))
            if rng.chance(0.2) { o.string("convertedFromLead", rng.uuidString()) }
            return Source(type: CustomerRegistered.self, json: o.text)

        case .orderShipped:
            o.string("orderID", rng.uuidString())
            o.string("carrier", rng.pick(["DHL", "DPD", "UPS", "GLS"]))
            o.string("trackingNumber", "JD\(rng.int(100_000_000...999_999_999))")
            return Source(type: OrderShipped.self, json: o.text)

        case .costToServeBooked:
            o.string("customerID", customer)
            o.int("activity", rng.int(1...7))
            o.raw("amount", money(&rng, 100...100_000))
            if rng.chance(0.5) { o.string("note", rng.pick(subjects)) }
            return Source(type: CostToServeBooked.self, json: o.text)

        case .feedbackReceived:
            o.string("customerID", customer)
            o.int("kind", rng.int(1...3))
            o.int("channel", rng.pick([1, 2, 5, 6]))
            o.string("text", rng.pick(texts))
            if rng.chance(0.3) { o.string("ticketID", rng.uuidString()) }
            return Source(type: FeedbackReceived.self, json: o.text)

        case .leadCaptured:
            o.string("leadID", rng.uuidString())
            o.int("source", rng.int(1...9))
            if rng.chance(0.5) { o.string("campaignID", rng.uuidString()) }
            o.string("name", rng.pick(names))
            if rng.chance(0.8) { o.string("email", "lead\(rng.int(1...999_999))@example.com") }
            if rng.chance(0.3) { o.string("phone", "+41 44 \(rng.int(1_000_000...9_999_999))") }
            if rng.chance(0.5) { o.string("company", rng.pick(names)) }
            return Source(type: LeadCaptured.self, json: o.text)

        case .contractSigned:
            o.string("contractID", rng.uuidString())
            o.string("customerID", customer)
            if rng.chance(0.6) { o.string("quoteID", rng.uuidString()) }
            o.raw("value", money(&rng, 100_000...20_000_000))
            o.raw("startsOn", "\"2026-01-01\"")
            o.raw("endsOn", "\"2027-12-31\"")
            return Source(type: ContractSigned.self, json: o.text)

        case .ticketAssigned:
            o.string("ticketID", rng.uuidString())
            o.string("employeeID", rng.pick(employees))
            return Source(type: TicketAssigned.self, json: o.text)

        case .consentGiven:
            o.string("customerID", customer)
            o.int("purpose", rng.int(1...5))
            o.int("channel", rng.pick([2, 11, 12]))
            if rng.chance(0.7) { o.string("source", "web form double opt-in") }
            return Source(type: ConsentGiven.self, json: o.text)
        }
    }
}

/// Decodes `data` as `type` (opens the existential metatype).
@inlinable
public func decodeCatalogEvent<T: CatalogEvent>(_ type: T.Type, from data: Data, with decoder: JSONDecoder) throws -> T {
    try decoder.decode(T.self, from: data)
}

/// The mix in every form the benchmarks read, built and cross-checked once per process.
public final class CodecMix: @unchecked Sendable {
    /// The concrete events.
    public let events: [any CatalogEvent]
    /// Each event's concrete type (for JSONDecoder).
    public let types: [any CatalogEvent.Type]
    /// The events as `DomainEvent` cases (binary encoder input).
    public let domainEvents: [DomainEvent]
    /// Binary form: type names, schema versions, and all payloads in one buffer, event `i` at
    /// `payloads[offsets[i]..<offsets[i + 1]]`, as a reader finds them one after another in a log.
    public let eventTypes: [String]
    public let schemaVersions: [UInt32]
    public let payloads: [UInt8]
    public let offsets: [Int]
    /// JSONEncoder's output per event (JSONDecoder input).
    public let json: [Data]

    public var count: Int { events.count }

    init() throws {
        let sources = CodecWorkload.sources()
        let decoder = JSONDecoder()
        var events: [any CatalogEvent] = []
        events.reserveCapacity(sources.count)
        for source in sources {
            events.append(try decodeCatalogEvent(source.type, from: Data(source.json.utf8), with: decoder))
        }
        self.events = events
        types = sources.map(\.type)
        domainEvents = events.map(\.domainEvent)

        let registry = EventRegistry()
        var eventTypes: [String] = [], versions: [UInt32] = [], payloads: [UInt8] = [], offsets = [0]
        for event in domainEvents {
            let encoded = registry.encode(event)
            eventTypes.append(encoded.eventType)
            versions.append(encoded.schemaVersion)
            payloads.append(contentsOf: encoded.payload)
            offsets.append(payloads.count)
        }
        self.eventTypes = eventTypes
        schemaVersions = versions
        self.payloads = payloads
        self.offsets = offsets

        let encoder = JSONEncoder()
        json = try events.map { try encoder.encode($0) }

        // Cross-checks: both codecs give back exactly the events of the mix.
        try payloads.withUnsafeBytes { base in
            for i in 0..<domainEvents.count {
                let bytes = UnsafeRawBufferPointer(rebasing: base[offsets[i]..<offsets[i + 1]])
                let decoded = try registry.decode(eventType: eventTypes[i], schemaVersion: versions[i], payload: bytes)
                guard decoded == domainEvents[i] else { fatalError("binary round trip differs at event \(i): \(eventTypes[i])") }
            }
        }
        for i in 0..<events.count {
            let decoded = try decodeCatalogEvent(types[i], from: json[i], with: decoder)
            guard decoded.domainEvent == domainEvents[i] else { fatalError("JSON round trip differs at event \(i)") }
        }
    }

    nonisolated(unsafe) private static var shared: CodecMix?

    /// The mix, built on first use (benchmark setup).
    public static func load() throws -> CodecMix {
        if let shared { return shared }
        let mix = try CodecMix()
        shared = mix
        return mix
    }
}
