import CRMEventLog
import Foundation

/// Why a JSON Lines import or export failed.
public enum JSONLinesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A line is not a valid event; nothing of the file was imported.
    case invalidLine(line: Int, reason: String)
    /// The file holds no events.
    case emptyFile
    /// A chunked import stopped after `importedLines` lines; resume with
    /// `startingAtLine: resumeAtLine`.
    case interrupted(importedLines: Int, resumeAtLine: Int, reason: String)
    /// The file could not be read or written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidLine(let line, let reason): return "line \(line): \(reason); nothing was imported"
        case .emptyFile: return "the file holds no events"
        case .interrupted(let imported, let resume, let reason):
            return "import stopped after \(imported) lines (\(reason)); resume at line \(resume)"
        case .io(let path, let reason): return "\(path): \(reason)"
        }
    }
}

/// How an import appends what it validated.
public enum JSONLinesImportMode: Sendable, Hashable {
    /// The whole file in one write transaction: all or nothing.
    case singleTransaction
    /// Transactions of at most `lines` lines each; a failure reports the line to resume at.
    case chunks(lines: Int)
}

/// The JSON Lines interchange format: one event per line with all its metadata; see
/// `docs/event-format.md`.
///
/// Export → import into an empty store → export yields the same bytes.
public enum JSONLines {
    // MARK: Export

    /// One event as its JSON line (without the newline).
    public static func line(for event: RecordedEvent, registry: EventRegistry = EventRegistry()) throws -> String {
        var out: [UInt8] = []
        try write(event, registry: registry, protector: nil, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func write(_ event: RecordedEvent, registry: EventRegistry, protector: (any PersonalDataProtector)?,
                      into out: inout [UInt8]) throws {
        var members: [(String, JSONValue)] = [
            ("position", .integer(Int64(event.position))),
            ("id", .string(event.id.uuidString.lowercased())),
            ("stream", .string(event.stream)),
            ("streamVersion", .integer(Int64(event.streamVersion))),
            ("type", .string(event.type)),
            ("schemaVersion", .integer(Int64(event.schemaVersion))),
            ("occurredAt", .string(Timestamp.format(Micros.from(event.occurredAt)))),
            ("recordedAt", .string(Timestamp.format(Micros.from(event.recordedAt)))),
            ("actor", .string(event.actor)),
            ("correlationID", event.correlationID.map { .string($0.uuidString.lowercased()) } ?? .null),
            ("causationID", event.causationID.map { .string($0.uuidString.lowercased()) } ?? .null),
        ]
        var decoded = try registry.decode(event)
        if let protector { decoded = try decoded.erasingForgottenPersonalData(with: protector) }
        switch decoded {
        case .unknown(let unknown):
            members.append(("payloadBase64", .string(Data(unknown.payload).base64EncodedString())))
        case .extensionEvent(let value):
            members.append(("data", try JSONValue.parse(value.payload)))
        case let known:
            // Catalog events are written in their current schema; the line says so.
            let message = known.catalogMessage!
            members[5] = ("schemaVersion", .integer(Int64(type(of: message).schemaVersion)))
            members.append(("data", message.json))
        }
        JSONValue.object(members).write(into: &out)
    }

    /// Writes the log (or positions `from...through`) to `path`, one event per line.
    ///
    /// Personal data is written as stored (sealed values stay sealed). With a `protector`, the
    /// sealed values of forgotten subjects are written as erased (`{"sealed": ""}`).
    ///
    /// - Returns: the number of events written.
    @discardableResult
    public static func export(from store: any EventLogStore, to path: String, from: UInt64? = nil, through: UInt64? = nil,
                              registry: EventRegistry = EventRegistry(), protector: (any PersonalDataProtector)? = nil) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw JSONLinesError.io(path: path, reason: "cannot create the file") }
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var count = 0
        for event in try store.events(.all, from: from, through: through) {
            try write(event, registry: registry, protector: protector, into: &buffer)
            buffer.append(0x0A)
            count += 1
            if buffer.count >= 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
        return count
    }

    // MARK: Import

    /// Reads one JSON line into the event it describes, validating every field.
    public static func event(fromLine text: some Collection<UInt8>, registry: EventRegistry = EventRegistry()) throws -> ImportedEvent {
        let json = try JSONValue.parse(text)
        guard case .object(let members) = json else { throw LineError("the line is not a JSON object") }
        let allowed: Set<String> = ["position", "id", "stream", "streamVersion", "type", "schemaVersion", "occurredAt",
                                    "recordedAt", "actor", "correlationID", "causationID", "data", "payloadBase64"]
        if let unknown = members.first(where: { !allowed.contains($0.0) }) { throw LineError("unknown member '\(unknown.0)'") }

        func integer(_ name: String) throws -> Int64 {
            guard case .integer(let value)? = json[name] else { throw LineError("'\(name)' must be an integer") }
            return value
        }
        func string(_ name: String) throws -> String {
            guard case .string(let value)? = json[name] else { throw LineError("'\(name)' must be a string") }
            return value
        }
        func uuid(_ name: String, optional: Bool) throws -> UUID? {
            guard let value = json[name], value != .null else {
                if optional { return nil }
                throw LineError("'\(name)' is missing")
            }
            guard case .string(let text) = value, let id = UUID(uuidString: text) else { throw LineError("'\(name)' must be a UUID") }
            return id
        }
        func time(_ name: String) throws -> Date {
            let text = try string(name)
            guard let micros = Timestamp.parse(text) else {
                throw LineError("'\(name)' must be a UTC time YYYY-MM-DDThh:mm:ss.ffffffZ, found '\(text)'")
            }
            return Micros.date(micros)
        }

        let position = try integer("position")
        guard position >= 1 else { throw LineError("'position' must be ≥ 1") }
        let streamVersion = try integer("streamVersion")
        guard streamVersion >= 1 else { throw LineError("'streamVersion' must be ≥ 1") }
        let schema = try integer("schemaVersion")
        guard let schemaVersion = UInt32(exactly: schema) else { throw LineError("'schemaVersion' must be 0…4294967295") }
        let type = try string("type")
        let payload: [UInt8]
        switch (json["data"], json["payloadBase64"]) {
        case (let data?, nil):
            payload = try Self.payload(type: type, schemaVersion: schemaVersion, data: data, registry: registry)
        case (nil, .string(let base64)?):
            guard let bytes = Data(base64Encoded: base64) else { throw LineError("'payloadBase64' is not base64") }
            payload = Array(bytes)
        default:
            throw LineError("exactly one of 'data' and 'payloadBase64' must be given")
        }
        return ImportedEvent(
            position: UInt64(position), stream: try string("stream"), streamVersion: UInt64(streamVersion),
            id: try uuid("id", optional: false)!, type: type, schemaVersion: schemaVersion,
            occurredAt: try time("occurredAt"), recordedAt: try time("recordedAt"), actor: try string("actor"),
            correlationID: try uuid("correlationID", optional: true), causationID: try uuid("causationID", optional: true),
            payload: payload)
    }

    /// The binary payload for `data` of `type`.
    static func payload(type: String, schemaVersion: UInt32, data: JSONValue, registry: EventRegistry) throws -> [UInt8] {
        if let index = CatalogIndex.index(ofName: type) {
            let message = CatalogTypes.all[index]
            guard schemaVersion == message.schemaVersion else {
                throw LineError("'data' of \(type) must be in its current schema version \(message.schemaVersion)")
            }
            return try decodeCatalog(message, data)
        }
        guard registry.knows(type) else { throw CodecError.unknownEventType(type) }
        var bytes: [UInt8] = []
        data.write(into: &bytes)
        // Decoding checks the JSON against the registered type.
        _ = try withBytes(bytes) { pointer throws(CodecError) in
            try registry.decode(eventType: type, schemaVersion: schemaVersion, payload: pointer)
        }
        return bytes
    }

    private static func decodeCatalog<T: CatalogMessage>(_: T.Type, _ data: JSONValue) throws -> [UInt8] {
        try T.decode(json: data).encodedPayload()
    }

    /// Imports a JSON Lines file into `store`.
    ///
    /// Every line is validated first (JSON, metadata, the event's fields against its type,
    /// positions continuing the store's head without gaps, stream versions continuing each
    /// stream); the first bad line is reported with its number and nothing is appended. Then
    /// the events are appended with the positions, ids and times the file gives, in one
    /// transaction or in chunks.
    ///
    /// - Parameters:
    ///   - path: the JSON Lines file.
    ///   - store: the store whose head the file continues.
    ///   - mode: one transaction for the whole file, or chunks (see ``JSONLinesImportMode``).
    ///   - startingAtLine: the first line to import (1-based), to resume a chunked import.
    ///   - registry: validates each event's fields against its type; the catalog by default.
    ///   - protector: the target store's key management when it seals personal data: personal
    ///     fields the file holds in the clear are sealed before they are stored (see
    ///     ``sealingPersonalData(of:with:registry:)``); `nil` stores them as the file gives them.
    /// - Returns: the number of events imported.
    @discardableResult
    public static func importFile(_ path: String, into store: any EventLogStore, mode: JSONLinesImportMode = .singleTransaction,
                                  startingAtLine: Int = 1, registry: EventRegistry = EventRegistry(),
                                  protector: (any PersonalDataProtector)? = nil) async throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JSONLinesError.io(path: path, reason: "cannot read the file")
        }
        let events = try validate(Array(data), into: store, startingAtLine: startingAtLine, registry: registry)
        guard !events.isEmpty else { throw JSONLinesError.emptyFile }
        let chunk: Int
        switch mode {
        case .singleTransaction: chunk = events.count
        case .chunks(let lines): chunk = max(1, lines)
        }
        var imported = 0
        while imported < events.count {
            let slice = Array(events[imported..<min(events.count, imported + chunk)])
            do {
                var chunkEvents = slice.map(\.event)
                if let protector { chunkEvents = try await sealingPersonalData(of: chunkEvents, with: protector, registry: registry) }
                try await store.importEvents(chunkEvents)
            } catch {
                if imported == 0 && chunk >= events.count { throw error }
                throw JSONLinesError.interrupted(importedLines: imported, resumeAtLine: slice[0].line, reason: "\(error)")
            }
            imported += slice.count
        }
        return imported
    }

    /// Parses and checks every line; the events with their line numbers.
    static func validate(_ bytes: [UInt8], into store: any EventLogStore, startingAtLine: Int,
                         registry: EventRegistry) throws -> [(line: Int, event: ImportedEvent)] {
        var result: [(line: Int, event: ImportedEvent)] = []
        var nextPosition = try store.head() + 1
        var versions: [String: UInt64] = [:]
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            defer { start = end + 1 }
            guard lineNumber >= startingAtLine else { continue }
            var line = bytes[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let event: ImportedEvent
            do {
                event = try Self.event(fromLine: line, registry: registry)
            } catch {
                throw JSONLinesError.invalidLine(line: lineNumber, reason: "\(error)")
            }
            guard event.position == nextPosition else {
                throw JSONLinesError.invalidLine(line: lineNumber, reason: "position \(event.position) does not continue the log at \(nextPosition)")
            }
            let current = try versions[event.stream] ?? store.streamVersion(of: event.stream)
            guard event.streamVersion == current + 1 else {
                throw JSONLinesError.invalidLine(
                    line: lineNumber, reason: "stream \(event.stream) version \(event.streamVersion) does not follow version \(current)")
            }
            versions[event.stream] = event.streamVersion
            nextPosition += 1
            result.append((lineNumber, event))
        }
        return result
    }
}

/// A reason a line is invalid (wrapped into ``JSONLinesError/invalidLine(line:reason:)``).
struct LineError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `YYYY-MM-DDThh:mm:ss.ffffffZ` for microseconds since 1970.
enum Timestamp {
    static func format(_ micros: Int64) -> String {
        let day = CalendarDay.containing(micros: micros)
        let within = micros - Int64(day.daysSince1970) * 86_400_000_000
        let seconds = within / 1_000_000
        let fraction = within % 1_000_000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(day)T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(fraction, 6))Z"
    }

    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 27, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
              bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[26] == UInt8(ascii: "Z"),
              let day = CalendarDay(iso: String(decoding: bytes[0..<10], as: UTF8.self))
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            guard bytes[range].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
            return Int64(String(decoding: bytes[range], as: UTF8.self))
        }
        guard let hour = number(11..<13), hour < 24, let minute = number(14..<16), minute < 60,
              let second = number(17..<19), second < 60, let fraction = number(20..<26)
        else { return nil }
        return Int64(day.daysSince1970) * 86_400_000_000 + ((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction
    }
}
