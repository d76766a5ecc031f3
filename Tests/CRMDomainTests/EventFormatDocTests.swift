// Keeps docs/event-format.md true to the code.
//
// The reference part of the document (between the GENERATED CATALOG markers) is rendered here
// from the catalog itself: every event type's `visitFields`, the nested messages and the enums.
// Run with CRMKIT_WRITE_DOCS=1 to rewrite that part after changing the catalog:
//
//     CRMKIT_WRITE_DOCS=1 swift test --filter EventFormatDocTests
//
// The worked examples in the hand-written part are checked too (not rewritten): the payload hex
// dump and the JSON Lines example must be exactly what the codec and the exporter produce.

import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing
@testable import CRMDomain

// MARK: - Recording the schema

/// An id field, whatever entity it identifies (lets the recorder see through `Identifier<Kind>`).
protocol DocIdentifierField {
    /// The stream category of the identified entity, e.g. `customer`.
    static var docCategory: String { get }
    init(_ uuid: UUID)
}

extension Identifier: DocIdentifierField {
    static var docCategory: String { Kind.category }
}

/// What a field holds, as far as the format is concerned.
enum DocValueKind {
    case string
    case int
    case bool
    case identifier(category: String)
    /// A UUID whose entity another field names (e.g. an erased data subject).
    case uuid
    case money
    case calendarDay
    case personalText
    case enumeration(any CatalogEnum.Type)
    case message(any FieldMessage.Type)
    /// A value type the document does not describe yet.
    case undocumented

    init<T: FieldValue>(_: T.Type) {
        if T.self == String.self {
            self = .string
        } else if T.self == Int.self {
            self = .int
        } else if T.self == Bool.self {
            self = .bool
        } else if T.self == UUID.self {
            self = .uuid
        } else if T.self == Money.self {
            self = .money
        } else if T.self == CalendarDay.self {
            self = .calendarDay
        } else if T.self == PersonalText.self {
            self = .personalText
        } else if let id = T.self as? any DocIdentifierField.Type {
            self = .identifier(category: id.docCategory)
        } else if let enumeration = T.self as? any CatalogEnum.Type {
            self = .enumeration(enumeration)
        } else if let message = T.self as? any FieldMessage.Type {
            self = .message(message)
        } else {
            self = .undocumented
        }
    }
}

/// One field as a message's `visitFields` lists it.
struct DocField {
    enum Cardinality: String {
        case required, optional, repeated
    }

    let number: UInt32
    let name: String
    /// `String(describing:)` of the Swift value type.
    let swiftType: String
    let cardinality: Cardinality
    let isPersonalData: Bool
    let wireType: WireType
    let kind: DocValueKind
}

/// Records the fields of a message, in the order `visitFields` visits them.
struct EventFormatFieldRecorder: FieldVisitor {
    var fields: [DocField] = []

    private mutating func record<T: FieldValue>(_: T.Type, _ number: UInt32, _ name: String, _ cardinality: DocField.Cardinality) {
        fields.append(DocField(
            number: number, name: name, swiftType: String(describing: T.self), cardinality: cardinality,
            isPersonalData: T.self == PersonalText.self, wireType: T.wireType, kind: DocValueKind(T.self)))
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) {
        record(T.self, number, name, .required)
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) {
        record(T.self, number, name, .optional)
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) {
        record(T.self, number, name, .repeated)
    }
}

/// Gives every id field (required or optional) a distinct UUID, so the id that `dataSubject`
/// returns can be traced back to the field it came from.
struct DocIdentifierTagger: FieldVisitor {
    var fieldByUUID: [UUID: String] = [:]
    private var counter: UInt8 = 0

    private mutating func tag<T>(_: T.Type, _ name: String) -> T? {
        guard let id = T.self as? any DocIdentifierField.Type else { return nil }
        counter += 1
        let uuid = UUID(uuid: (counter, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, counter))
        fieldByUUID[uuid] = name
        return id.init(uuid) as? T
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) {
        if let tagged = tag(T.self, name) { value = tagged }
    }

    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) {
        if let tagged = tag(T.self, name) { value = tagged }
    }

    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) {}
}

/// One catalog event type as the reference documents it.
struct DocEventType {
    let eventType: String
    let schemaVersion: UInt32
    /// The versions older payloads are upcast from, e.g. `[1]` for a version-2 type.
    let upcastFrom: [UInt32]
    let streamCategory: String?
    /// The id field whose UUID names the stream, e.g. `customerID`.
    let streamField: String?
    /// `customer (customerID)`, or `nil` when the event carries no personal data subject.
    let dataSubject: String?
    let fields: [DocField]
}

enum EventFormatCatalog {
    /// Entity kinds that have no streams of their own: contacts live in their account's stream
    /// and interactions in their customer's (see the kind tags in Values/Identifier.swift).
    static let kindsWithoutStreams: Set<String> = [ContactKindTag.category, InteractionKindTag.category]

    static func fields<M: FieldMessage>(of _: M.Type) -> [DocField] {
        var recorder = EventFormatFieldRecorder()
        var value = M()
        // The recorder never throws; `visitFields` is declared throwing for the decoders.
        try? value.visitFields(&recorder)
        return recorder.fields
    }

    static func describe<M: CatalogMessage>(_ type: M.Type) -> DocEventType {
        let fields = fields(of: M.self)
        // The stream: that of the first id field whose entity has streams of its own.
        let stream = fields.first { field in
            guard case .identifier(let category) = field.kind, field.cardinality == .required else { return false }
            return !kindsWithoutStreams.contains(category)
        }
        let streamCategory: String?
        if case .identifier(let category)? = stream?.kind { streamCategory = category } else { streamCategory = nil }

        var tagger = DocIdentifierTagger()
        var value = M()
        try? value.visitFields(&tagger)
        let subject: String?
        switch value.dataSubject {
        case nil: subject = nil
        case .customer(let id)?: subject = "customer (`\(tagger.fieldByUUID[id.uuid] ?? "?")`)"
        case .contact(let id)?: subject = "contact (`\(tagger.fieldByUUID[id.uuid] ?? "?")`)"
        case .lead(let id)?: subject = "lead (`\(tagger.fieldByUUID[id.uuid] ?? "?")`)"
        case .employee(let id)?: subject = "employee (`\(tagger.fieldByUUID[id.uuid] ?? "?")`)"
        }
        let upcasts = Upcasters.steps.filter { $0.eventType == M.eventType }.map(\.fromVersion).sorted()
        return DocEventType(eventType: M.eventType, schemaVersion: M.schemaVersion, upcastFrom: upcasts,
                            streamCategory: streamCategory, streamField: stream?.name, dataSubject: subject, fields: fields)
    }

    static var events: [DocEventType] { CatalogTypes.all.map { describe($0) } }

    /// The nested message types the catalog uses, by name.
    static var messages: [(name: String, fields: [DocField])] {
        var found: [String: [DocField]] = [:]
        var pending: [[DocField]] = events.map(\.fields)
        while let fields = pending.popLast() {
            for field in fields {
                guard case .message(let type) = field.kind, found[field.swiftType] == nil else { continue }
                let nested = Self.fields(of: type)
                found[field.swiftType] = nested
                pending.append(nested)
            }
        }
        return found.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static func cases<E: CatalogEnum>(of _: E.Type) -> [(number: UInt8, name: String)] {
        E.allCases.map { ($0.rawValue, $0.name) }
    }

    /// The enums the catalog uses (in events and nested messages), by name, with their cases.
    static var enums: [(name: String, cases: [(number: UInt8, name: String)])] {
        var found: [String: [(number: UInt8, name: String)]] = [:]
        for fields in events.map(\.fields) + messages.map(\.fields) {
            for field in fields {
                guard case .enumeration(let type) = field.kind, found[field.swiftType] == nil else { continue }
                found[field.swiftType] = cases(of: type)
            }
        }
        return found.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

// MARK: - Rendering

enum EventFormatRenderer {
    static func anchor(_ name: String) -> String { "#" + name.lowercased() }

    static func typeText(_ field: DocField) -> String {
        switch field.kind {
        case .string: return "String"
        case .int: return "Int"
        case .bool: return "Bool"
        case .identifier(let category): return "Identifier (\(category))"
        case .uuid: return "UUID"
        case .money: return "Money"
        case .calendarDay: return "CalendarDay"
        case .personalText: return "PersonalText"
        case .enumeration: return "enum [\(field.swiftType)](\(anchor(field.swiftType)))"
        case .message: return "message [\(field.swiftType)](\(anchor(field.swiftType)))"
        case .undocumented: return "`\(field.swiftType)` (undocumented)"
        }
    }

    static func wireText(_ field: DocField) -> String {
        if field.isPersonalData { return "2 bytes / 3 sealed" }
        return "\(field.wireType.rawValue) \(field.wireType)"
    }

    static func fieldTable(_ fields: [DocField]) -> [String] {
        var lines = [
            "| # | name | type | wire type | cardinality | personal data |",
            "|---:|---|---|---|---|---|",
        ]
        for field in fields {
            lines.append("| \(field.number) | `\(field.name)` | \(typeText(field)) | \(wireText(field)) | "
                + "\(field.cardinality.rawValue) | \(field.isPersonalData ? "**yes**" : "no") |")
        }
        return lines
    }

    static func streamText(_ event: DocEventType) -> String {
        if event.eventType == PolicyActivated.eventType { return "`policy` (`policy`)" }
        guard let category = event.streamCategory, let field = event.streamField else { return "—" }
        return "`\(category)` (`\(field)`)"
    }

    static func versionText(_ event: DocEventType) -> String {
        guard !event.upcastFrom.isEmpty else { return "\(event.schemaVersion)" }
        let steps = event.upcastFrom.map { "\($0) → \($0 + 1)" }.joined(separator: ", ")
        return "\(event.schemaVersion) (upcast on read: \(steps))"
    }

    /// The text between the markers, ending with a newline.
    static func catalog() -> String {
        let events = EventFormatCatalog.events
        var lines: [String] = [
            "<!-- Generated from the catalog code by Tests/CRMDomainTests/EventFormatDocTests.swift; do not edit by hand. -->",
            "<!-- Regenerate: CRMKIT_WRITE_DOCS=1 swift test --filter EventFormatDocTests -->",
            "",
            "### A.1 Event types",
            "",
            "\(events.count) catalog event types. *Stream* is the category of the stream the CRM commands append the event to, "
                + "and the id field whose UUID completes the stream name `<category>-<uuid>`. *Subject* is whose personal data the "
                + "event carries, with the id field that names the subject; `—` means the event carries no personal data.",
            "",
            "| event type | stream | schema version | subject | fields | personal-data fields |",
            "|---|---|---|---|---:|---|",
        ]
        for event in events {
            let personal = event.fields.filter(\.isPersonalData).map { "`\($0.name)`" }.joined(separator: ", ")
            lines.append("| [\(event.eventType)](\(anchor(event.eventType))) | \(streamText(event)) | "
                + "\(versionText(event)) | \(event.dataSubject ?? "—") | \(event.fields.count) | \(personal.isEmpty ? "—" : personal) |")
        }
        for event in events {
            lines += [
                "",
                "#### \(event.eventType)",
                "",
                "Stream: \(streamText(event)) · "
                    + "schema version: \(versionText(event)) · data subject: \(event.dataSubject ?? "none")",
                "",
            ]
            lines += fieldTable(event.fields)
        }

        lines += ["", "### A.2 Nested messages", ""]
        lines.append("Encoded as wire type 2 (bytes): a varint length, then the message's own fields, exactly like a payload.")
        for message in EventFormatCatalog.messages {
            lines += ["", "#### \(message.name)", ""]
            lines += fieldTable(message.fields)
        }

        lines += ["", "### A.3 Enums", ""]
        lines.append("Stored as a varint holding the case number; written in JSON as the case name. "
            + "Numbers are never reused; a number not listed here is an error for this reader.")
        for enumeration in EventFormatCatalog.enums {
            lines += ["", "#### \(enumeration.name)", "", "| number | name |", "|---:|---|"]
            for item in enumeration.cases { lines.append("| \(item.number) | `\(item.name)` |") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

// MARK: - The document

enum EventFormatDocument {
    static let begin = "<!-- BEGIN GENERATED CATALOG -->"
    static let end = "<!-- END GENERATED CATALOG -->"

    static var url: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // CRMDomainTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("docs/event-format.md")
    }

    static func read() throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }

    /// The range of the generated part: from after the begin marker's line to the end marker.
    static func generatedRange(in text: String) -> Range<String.Index>? {
        guard let begin = text.range(of: begin + "\n"), let end = text.range(of: end, range: begin.upperBound..<text.endIndex)
        else { return nil }
        return begin.upperBound..<end.lowerBound
    }

    static var shouldWrite: Bool { ProcessInfo.processInfo.environment["CRMKIT_WRITE_DOCS"] == "1" }
}

/// The first line where two texts differ, for a readable failure.
func firstDifference(_ expected: String, _ actual: String) -> String {
    let a = expected.components(separatedBy: "\n")
    let b = actual.components(separatedBy: "\n")
    for index in 0..<max(a.count, b.count) {
        let x = index < a.count ? a[index] : "<end>"
        let y = index < b.count ? b[index] : "<end>"
        if x != y { return "line \(index + 1) of the generated part:\n  expected: \(x)\n  found:    \(y)" }
    }
    return "no difference"
}

// MARK: - Worked examples

enum EventFormatExamples {
    static let customer = CustomerID(UUID(uuidString: "0193a5e0-7c1d-7b2e-9f30-4a5b6c7d8e9f")!)
    static let order = OrderID(UUID(uuidString: "0193a5e2-1f00-7a11-8b22-3c4d5e6f7081")!)

    /// The payload of the binary walk-through.
    static var orderPlaced: OrderPlaced {
        OrderPlaced(
            orderID: order, customerID: customer,
            lines: [
                OrderLine(product: "SKU-1", quantity: 2, unitPrice: Money(minorUnits: 1250, currency: .eur)),
                OrderLine(product: "SVC-9", quantity: 1, unitPrice: Money(minorUnits: 9900, currency: .eur),
                          discount: Money(minorUnits: 500, currency: .eur)),
            ],
            total: Money(minorUnits: 11_900, currency: .eur), channel: .web)
    }

    static var customerRegistered: CustomerRegistered {
        CustomerRegistered(
            customerID: customer, kind: .account, name: "Müller Maschinenbau GmbH",
            email: .sealed([0x01, 0x9c, 0x4e, 0x2a, 0x77, 0xd0, 0x13, 0x5b]),
            industry: "mechanical engineering", employeeCount: 250, country: "DE")
    }

    /// An extension event type the exporter has not registered: it goes out as `payloadBase64`.
    static let extensionPayload = Array(#"{"points":120,"reason":"order"}"#.utf8)

    static func micros(_ value: Int64) -> Date { Micros.date(value) }

    /// The three events of the JSON Lines example, in log order.
    static var importedEvents: [ImportedEvent] {
        let registry = EventRegistry()
        let first = registry.encode(.customerRegistered(customerRegistered))
        let second = registry.encode(.orderPlaced(orderPlaced))
        let correlation = UUID(uuidString: "0193a5e0-7c00-7000-8000-00000000c0de")!
        return [
            ImportedEvent(
                position: 1, stream: customer.stream, streamVersion: 1,
                id: UUID(uuidString: "0193a5e0-7c1e-7c00-8a00-000000000001")!, type: first.eventType,
                schemaVersion: first.schemaVersion, occurredAt: micros(1_764_000_000_000_000),
                recordedAt: micros(1_764_000_000_123_456), actor: "alice", correlationID: correlation,
                payload: first.payload),
            ImportedEvent(
                position: 2, stream: order.stream, streamVersion: 1,
                id: UUID(uuidString: "0193a5e2-1f01-7c00-8a00-000000000002")!, type: second.eventType,
                schemaVersion: second.schemaVersion, occurredAt: micros(1_764_000_120_000_000),
                recordedAt: micros(1_764_000_120_004_200), actor: "webshop", correlationID: correlation,
                causationID: UUID(uuidString: "0193a5e0-7c1e-7c00-8a00-000000000001")!, payload: second.payload),
            ImportedEvent(
                position: 3, stream: customer.stream, streamVersion: 2,
                id: UUID(uuidString: "0193a5e2-1f02-7c00-8a00-000000000003")!, type: "LoyaltyPointsBooked",
                schemaVersion: 1, occurredAt: micros(1_764_000_120_000_000),
                recordedAt: micros(1_764_000_120_009_999), actor: "loyalty", payload: extensionPayload),
        ]
    }

    /// Bytes as hex, 16 to a line.
    static func hexDump(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: bytes.count, by: 16).map { start in
            bytes[start..<min(bytes.count, start + 16)].map { byte in
                let text = String(byte, radix: 16)
                return text.count == 1 ? "0" + text : text
            }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("event-format-doc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

// MARK: - Tests

@Suite("EventFormatDocTests")
struct EventFormatDocTests {
    @Test("docs/event-format.md: the generated catalog reference matches the code")
    func generatedCatalogMatchesCode() throws {
        var text = try EventFormatDocument.read()
        let range = try #require(EventFormatDocument.generatedRange(in: text),
                                 "docs/event-format.md must contain the markers \(EventFormatDocument.begin) and \(EventFormatDocument.end)")
        let generated = EventFormatRenderer.catalog()
        let current = String(text[range])
        if EventFormatDocument.shouldWrite {
            if current != generated {
                text.replaceSubrange(range, with: generated)
                try text.write(to: EventFormatDocument.url, atomically: true, encoding: .utf8)
            }
            return
        }
        // A plain Bool, so a failure prints the first difference instead of the whole text.
        let upToDate = current == generated
        #expect(upToDate, """
            docs/event-format.md is out of date with the catalog; regenerate it with \
            CRMKIT_WRITE_DOCS=1 swift test --filter EventFormatDocTests
            \(firstDifference(generated, current))
            """)
    }

    @Test("catalog: fields in ascending number order, unique names, unique event types")
    func catalogIsWellFormed() {
        let events = EventFormatCatalog.events
        #expect(events.count == 65)
        #expect(Set(events.map(\.eventType)).count == events.count, "event type names must be unique")

        let messages = events.map { ($0.eventType, $0.fields) } + EventFormatCatalog.messages.map { ($0.name, $0.fields) }
        for (name, fields) in messages {
            #expect(!fields.isEmpty, "\(name) has no fields")
            for (previous, next) in zip(fields, fields.dropFirst()) {
                #expect(previous.number < next.number,
                        "\(name): field \(next.name) (\(next.number)) must come after \(previous.name) (\(previous.number))")
            }
            #expect(Set(fields.map(\.name)).count == fields.count, "\(name) has duplicate field names")
            for field in fields {
                #expect(field.number >= 1 && field.number < 1 << 29, "\(name).\(field.name): field number out of range")
                if case .undocumented = field.kind {
                    Issue.record("\(name).\(field.name) has type \(field.swiftType), which docs/event-format.md does not describe")
                }
            }
        }
        for event in events {
            // An erasure goes to the stream of its subject, whichever kind that is; a policy
            // activation to `policy-<name>`.
            #expect(event.streamCategory != nil || ["PersonalDataErased", "PolicyActivated"].contains(event.eventType),
                    "\(event.eventType) names no entity with a stream")
            #expect(event.dataSubject?.contains("`?`") != true, "\(event.eventType): data subject is not one of its id fields")
            if event.fields.contains(where: \.isPersonalData) {
                #expect(event.dataSubject != nil, "\(event.eventType) has personal data but no data subject")
            }
        }
        for enumeration in EventFormatCatalog.enums {
            let numbers = enumeration.cases.map(\.number)
            #expect(Set(numbers).count == numbers.count, "\(enumeration.name) reuses a case number")
        }
    }

    /// Decodes a catalog payload as a reader of the log does.
    static func decode(_ type: String, version: UInt32 = 1, _ bytes: [UInt8]) throws -> DomainEvent {
        try bytes.withUnsafeBytes { try EventRegistry().decode(eventType: type, schemaVersion: version, payload: $0) }
    }

    @Test("docs/event-format.md: the decoding rules of sections 2 and 4 hold")
    func documentedDecodingRules() throws {
        let id: [UInt8] = [0x0a, 0x10] + (1...16).map { UInt8($0) }  // field 1, wire type 2, 16 bytes
        let type = OpportunityProbabilityChanged.eventType
        func probability(_ event: DomainEvent) -> Int? {
            if case .opportunityProbabilityChanged(let value) = event { return value.probability }
            return nil
        }
        // Canonical: field 2 = zigzag 20 = 10.
        #expect(probability(try Self.decode(type, id + [0x10, 0x14])) == 10)
        // A non-repeated field stored twice: the first counts.
        #expect(probability(try Self.decode(type, id + [0x10, 0x14, 0x10, 0x28])) == 10)
        // A field after a higher-numbered one is skipped: the required field 1 is missing.
        #expect(throws: CodecError.missingField(type: type, field: "opportunityID")) {
            try Self.decode(type, [0x10, 0x14] + id)
        }
        // Unknown fields of wire types 1, 2 and 3 are skipped, also under a newer schema version.
        let unknown: [UInt8] = [0x39, 1, 2, 3, 4, 5, 6, 7, 8, 0xfa, 0x01, 0x02, 0x68, 0x69, 0x43, 0x01, 0xff]
        #expect(probability(try Self.decode(type, id + [0x10, 0x14] + unknown)) == 10)
        #expect(probability(try Self.decode(type, version: 7, id + [0x10, 0x14] + unknown)) == 10)
        // Wire types 4–7 cannot be skipped.
        #expect(throws: CodecError.unknownWireType(4, offset: 20)) { try Self.decode(type, id + [0x10, 0x14, 0x3c]) }
        // A known field with another wire type.
        #expect(throws: CodecError.wrongWireType(type: type, field: "probability", expected: .varint, found: .bytes)) {
            try Self.decode(type, id + [0x12, 0x01, 0x00])
        }
        // Longer varints than needed are read; more than 10 bytes, or a 10th byte above 1, are not.
        #expect(probability(try Self.decode(type, id + [0x10, 0x94, 0x80, 0x00])) == 10)
        #expect(throws: CodecError.malformedVarint(offset: 19)) {
            try Self.decode(type, id + [0x10] + Array(repeating: 0xff, count: 9) + [0x02])
        }
        // PersonalText stored with wire type 3 is sealed.
        let customer: [UInt8] = [0x0a, 0x10] + Array(repeating: 7, count: 16)
        let answered = try Self.decode(NPSAnswered.eventType, customer + [0x10, 0x12, 0x1b, 0x02, 0xab, 0xcd])
        guard case .npsAnswered(let nps) = answered else { Issue.record("not NPSAnswered"); return }
        #expect(nps.score == 9 && nps.comment == .sealed([0xab, 0xcd]))
    }

    @Test("docs/event-format.md: the upcaster examples of section 4")
    func documentedUpcasts() throws {
        // CustomerRegistered v1: isCompany (field 2) 1 becomes kind account.
        let customer: [UInt8] = [0x0a, 0x10] + Array(repeating: 7, count: 16)
        let registered = try Self.decode(CustomerRegistered.eventType, version: 1, customer + [0x10, 0x01, 0x1a, 0x01, 0x41])
        guard case .customerRegistered(let event) = registered else { Issue.record("not CustomerRegistered"); return }
        #expect(event.kind == .account && event.name == "A")

        // OpportunityOpened v1: field 4 = 100 minor units, field 5 = EUR become one Money in field 4.
        let current = OpportunityOpened(
            opportunityID: OpportunityID(UUID()), customerID: CustomerID(UUID()), title: "t",
            expectedRevenue: Money(minorUnits: 100, currency: .eur), expectedCloseOn: CalendarDay(year: 2026, month: 3, day: 31)!,
            probability: 10, product: "p", ownerID: EmployeeID(UUID()), stage: .proposal)
        let v2 = EventRegistry().encode(.opportunityOpened(current)).payload
        var fields = try v2.withUnsafeBytes { try PayloadFields($0) }
        fields.set(.init(number: 4, wire: .varint, varint: 200, bytes: []))
        fields.set(.init(number: 5, wire: .bytes, varint: 0, bytes: Array("EUR".utf8)))
        let v1 = fields.encoded()
        #expect(EventFormatExamples.hexDump(v1).replacingOccurrences(of: "\n", with: " ").contains("20 c8 01 2a 03 45 55 52"))
        #expect(EventFormatExamples.hexDump(v2).replacingOccurrences(of: "\n", with: " ").contains("22 05 45 55 52 c8 01"))
        #expect(try Self.decode(OpportunityOpened.eventType, version: 1, v1) == .opportunityOpened(current))
    }

    @Test("docs/event-format.md: the binary walk-through is the codec's output")
    func binaryExampleMatchesCodec() throws {
        let text = try EventFormatDocument.read()
        let payload = EventRegistry().encode(.orderPlaced(EventFormatExamples.orderPlaced)).payload
        let dump = EventFormatExamples.hexDump(payload)
        #expect(text.contains("```\n\(dump)\n```"), "the OrderPlaced payload in docs/event-format.md should read:\n\(dump)")
        // And it decodes back to the same event.
        let decoded = try payload.withUnsafeBytes { bytes in
            try EventRegistry().decode(eventType: OrderPlaced.eventType, schemaVersion: OrderPlaced.schemaVersion, payload: bytes)
        }
        #expect(decoded == .orderPlaced(EventFormatExamples.orderPlaced))
    }

    @Test("docs/event-format.md: the JSON Lines example is the exporter's output and imports back")
    func jsonLinesExampleMatchesExporter() async throws {
        let text = try EventFormatDocument.read()
        let directory = try EventFormatExamples.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = EventStore.Configuration(durability: .relaxed)

        // Export what a store holds.
        let first = try EventStore(path: directory.appendingPathComponent("a").path, configuration: configuration)
        defer { first.close() }
        _ = try await first.importEvents(EventFormatExamples.importedEvents)
        let exportPath = directory.appendingPathComponent("a.jsonl").path
        #expect(try JSONLines.export(from: first, to: exportPath) == 3)
        let exported = try String(contentsOfFile: exportPath, encoding: .utf8)
        #expect(text.contains("```json\n\(exported)```"), "the JSON Lines example in docs/event-format.md should read:\n\(exported)")

        // Import the file into an empty store and export again: the same bytes.
        let second = try EventStore(path: directory.appendingPathComponent("b").path, configuration: configuration)
        defer { second.close() }
        #expect(try await JSONLines.importFile(exportPath, into: second) == 3)
        let againPath = directory.appendingPathComponent("b.jsonl").path
        try JSONLines.export(from: second, to: againPath)
        #expect(try String(contentsOfFile: againPath, encoding: .utf8) == exported)
    }
}
