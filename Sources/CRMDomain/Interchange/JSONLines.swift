import CRMEventLog
import Foundation

/// Why a JSON Lines import or export failed.
public enum JSONLinesError: Error, Sendable, Hashable, CustomStringConvertible {
    // Field values quoted in these messages are cut to ``LineError/quoteLimit`` characters.
    /// A line is not a valid event; nothing of the file was imported.
    case invalidLine(line: Int, reason: String)
    /// The file holds no events.
    case emptyFile
    /// A chunked import stopped after `importedLines` lines; resume with
    /// `startingAtLine: resumeAtLine`.
    case interrupted(importedLines: Int, resumeAtLine: Int, reason: String)
    /// The file could not be read or written.
    case io(path: String, reason: String)
    /// A line's event breaks a domain rule (``DomainRuleError/rule``) given the events before
    /// it in the store and the file; nothing of the file was imported.
    case ruleViolation(line: Int, rule: String, reason: String)
    /// The first line imported lies at or below the store's head: the file (or its start) is
    /// already in the store, e.g. after a killed chunked import. `resumeAtLine` is the line of
    /// position head + 1, when the file's positions run consecutively.
    case alreadyImported(line: Int, position: UInt64, head: UInt64, resumeAtLine: Int)

    /// One sentence naming the line and what was wrong.
    public var description: String {
        switch self {
        case .invalidLine(let line, let reason): return "line \(line): \(reason); nothing was imported"
        case .emptyFile: return "the file holds no events"
        case .interrupted(let imported, let resume, let reason):
            return "import stopped after \(imported) lines (\(reason)); resume at line \(resume)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .ruleViolation(let line, let rule, let reason):
            return "line \(line): domain rule \(rule) broken: \(reason); nothing was imported"
        case .alreadyImported(let line, let position, let head, let resume):
            return "line \(line): position \(position) is already in the store (its head is \(head)); "
                + "to continue an import that stopped, resume at line \(resume); nothing was imported"
        }
    }
}

/// How far ``JSONLines/importFile(_:into:mode:startingAtLine:checkingDomainRules:registry:protector:progress:)``
/// has come, for a progress display.
public struct JSONLinesImportProgress: Sendable, Hashable {
    /// The two passes over the file.
    public enum Phase: Sendable, Hashable {
        /// The first pass: every line is parsed and checked; `done` and `total` count bytes of the file.
        case checking
        /// The second pass: the lines are read again and appended; `done` and `total` count events.
        case appending
    }

    /// The pass under way.
    public var phase: Phase
    /// How much of `total` is done.
    public var done: Int
    /// The whole of the pass (bytes while checking, events while appending).
    public var total: Int

    /// A progress report.
    public init(phase: Phase, done: Int, total: Int) {
        self.phase = phase
        self.done = done
        self.total = total
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
            ("id", .string(event.id.lowercasedText)),
            ("stream", .string(event.stream)),
            ("streamVersion", .integer(Int64(event.streamVersion))),
            ("type", .string(event.type)),
            ("schemaVersion", .integer(Int64(event.schemaVersion))),
            ("occurredAt", .string(Timestamp.format(Micros.from(event.occurredAt)))),
            ("recordedAt", .string(Timestamp.format(Micros.from(event.recordedAt)))),
            ("actor", .string(event.actor)),
            ("correlationID", event.correlationID.map { .string($0.lowercasedText) } ?? .null),
            ("causationID", event.causationID.map { .string($0.lowercasedText) } ?? .null),
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
    /// The file is written under a temporary name beside `path` and renamed into place when
    /// complete and synced: a failure (a full disk) leaves no partial file.
    ///
    /// - Returns: the number of events written.
    @discardableResult
    public static func export(from store: any EventLogStore, to path: String, from: UInt64? = nil, through: UInt64? = nil,
                              registry: EventRegistry = EventRegistry(), protector: (any PersonalDataProtector)? = nil,
                              progress: (Int) -> Void = { _ in }) throws -> Int {
        let temporary = path + ".partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JSONLinesError.io(path: path, reason: "cannot create the file: \(String(cString: strerror(errno)))") }
        var done = false
        defer {
            if !done {
                Foundation.close(fd)
                unlink(temporary)
            }
        }
        let count = try export(from: store, from: from, through: through, registry: registry, protector: protector,
                               progress: progress) { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw JSONLinesError.io(path: path, reason: "cannot write the file: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw JSONLinesError.io(path: path, reason: "cannot write the file: \(String(cString: strerror(errno)))") }
        done = true
        Foundation.close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw JSONLinesError.io(path: path, reason: "cannot rename the file into place: \(String(cString: strerror(code)))")
        }
        return count
    }

    /// Writes the log (or positions `from...through`) as JSON Lines into `sink`, in pieces of
    /// about 1 MiB, one event per line; see ``export(from:to:from:through:registry:protector:progress:)``.
    /// `progress` is called with the number of events written after each piece.
    ///
    /// - Returns: the number of events written.
    @discardableResult
    public static func export(from store: any EventLogStore, from: UInt64? = nil, through: UInt64? = nil,
                              registry: EventRegistry = EventRegistry(), protector: (any PersonalDataProtector)? = nil,
                              progress: (Int) -> Void = { _ in }, into sink: ([UInt8]) throws -> Void) throws -> Int {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var count = 0
        for event in try store.events(.all, from: from, through: through) {
            try write(event, registry: registry, protector: protector, into: &buffer)
            buffer.append(0x0A)
            count += 1
            if buffer.count >= 1 << 20 {
                try sink(buffer)
                buffer.removeAll(keepingCapacity: true)
                progress(count)
            }
        }
        if !buffer.isEmpty { try sink(buffer) }
        progress(count)
        return count
    }

    // MARK: Import

    /// The members a line may have.
    static let lineMembers: Set<String> = ["position", "id", "stream", "streamVersion", "type", "schemaVersion", "occurredAt",
                                           "recordedAt", "actor", "correlationID", "causationID", "data", "payloadBase64"]

    /// Reads one JSON line into the event it describes, validating every field.
    public static func event(fromLine text: some Collection<UInt8>, registry: EventRegistry = EventRegistry()) throws -> ImportedEvent {
        let json = try JSONValue.parse(text)
        guard case .object(let members) = json else { throw LineError("the line is not a JSON object") }
        if let unknown = members.first(where: { !Self.lineMembers.contains($0.0) }) { throw LineError("unknown member \(LineError.quote(unknown.0))") }

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
            guard case .string(let text) = value, let id = UUID(text: text) else { throw LineError("'\(name)' must be a UUID") }
            return id
        }
        func time(_ name: String) throws -> Date {
            let text = try string(name)
            guard let micros = Timestamp.parse(text) else {
                throw LineError("'\(name)' must be a UTC time YYYY-MM-DDThh:mm:ss.ffffffZ, found \(LineError.quote(text))")
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
            // A type the registry knows is decoded whatever its encoding: the log must never
            // hold an event that export, rebuilds and reports cannot decode.
            if CatalogIndex.index(ofName: type) != nil || registry.knows(type) {
                do {
                    _ = try withBytes(payload) { pointer throws(CodecError) in
                        try registry.decode(eventType: type, schemaVersion: schemaVersion, payload: pointer)
                    }
                } catch {
                    throw LineError("'payloadBase64' does not decode as \(LineError.quote(type)) schema version \(schemaVersion): \(error)")
                }
            }
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
    /// Every line is validated first (JSON, metadata, the event's fields against its type —
    /// also a known type given as `payloadBase64` must decode —, positions continuing the
    /// store's head without gaps, stream versions continuing each stream, and with
    /// `checkingDomainRules` the domain rules of `ImportRuleCheck`); the first bad line is
    /// reported with its number and nothing is appended. Then the events are appended with
    /// the positions, ids and times the file gives, in one transaction or in chunks.
    ///
    /// The file is streamed: validation reads it line by line, and a chunked import reads it
    /// again and holds one chunk at a time, so memory stays bounded by the chunk (and the
    /// per-stream states of the checks), not by the file.
    ///
    /// - Parameters:
    ///   - path: the JSON Lines file.
    ///   - store: the store whose head the file continues.
    ///   - mode: one transaction for the whole file, or chunks (see ``JSONLinesImportMode``).
    ///   - startingAtLine: the first line to import (1-based), to resume a chunked import.
    ///   - checkingDomainRules: also check each event against the domain rules (default);
    ///     `false` keeps the format-only check, for trusted dumps.
    ///   - registry: validates each event's fields against its type; the catalog by default.
    ///   - protector: the target store's key management when it seals personal data: personal
    ///     fields the file holds in the clear are sealed before they are stored (see
    ///     ``sealingPersonalData(of:with:registry:)``); `nil` stores them as the file gives them.
    ///   - progress: called as the import goes on (every few thousand lines and after each
    ///     stored chunk), first while the file is checked, then while it is appended; for a
    ///     progress display.
    /// - Returns: the number of events imported.
    /// - Throws: ``JSONLinesError`` naming the line (``JSONLinesError/interrupted(importedLines:resumeAtLine:reason:)``
    ///   with the line to resume at when a chunk failed after earlier chunks were stored).
    @discardableResult
    public static func importFile(_ path: String, into store: any EventLogStore, mode: JSONLinesImportMode = .singleTransaction,
                                  startingAtLine: Int = 1, checkingDomainRules: Bool = true,
                                  registry: EventRegistry = EventRegistry(),
                                  protector: (any PersonalDataProtector)? = nil,
                                  progress: (JSONLinesImportProgress) -> Void = { _ in }) async throws -> Int {
        // One transaction holds every event anyway: the validating pass keeps them, and the
        // file is read once. Chunks read it twice, holding one chunk at a time.
        let single = mode == .singleTransaction
        var validated: [(line: Int, event: ImportedEvent)] = []
        let count = try validate(path, into: store, startingAtLine: startingAtLine, checkingDomainRules: checkingDomainRules,
                                 registry: registry, progress: progress, keep: single ? { validated.append(($0, $1)) } : nil)
        guard count > 0 else { throw JSONLinesError.emptyFile }
        let chunk: Int
        switch mode {
        case .singleTransaction: chunk = count
        case .chunks(let lines): chunk = max(1, lines)
        }
        var imported = 0
        var pending: [(line: Int, event: ImportedEvent)] = []
        pending.reserveCapacity(min(chunk, 100_000))
        func flush() async throws {
            guard !pending.isEmpty else { return }
            do {
                var chunkEvents = pending.map(\.event)
                if let protector { chunkEvents = try await sealingPersonalData(of: chunkEvents, with: protector, registry: registry) }
                try await store.importEvents(chunkEvents)
            } catch {
                if imported == 0 && chunk >= count { throw error }
                throw JSONLinesError.interrupted(importedLines: imported, resumeAtLine: pending[0].line, reason: "\(error)")
            }
            imported += pending.count
            pending.removeAll(keepingCapacity: true)
            progress(JSONLinesImportProgress(phase: .appending, done: imported, total: count))
            CrashPoints.reach("import.chunk")
        }
        if single {
            pending = validated
            validated = []
            progress(JSONLinesImportProgress(phase: .appending, done: 0, total: count))
            try await flush()
            return imported
        }
        let reader = try LineReader(path: path)
        defer { reader.close() }
        while let (number, line) = try reader.next() {
            guard number >= startingAtLine, let line = Self.content(of: line) else { continue }
            // Validated above; parsed again so that only one chunk is held at a time.
            let event: ImportedEvent
            do {
                event = try Self.event(fromLine: line, registry: registry)
            } catch {
                throw JSONLinesError.interrupted(importedLines: imported, resumeAtLine: number, reason: "the file changed during the import: \(error)")
            }
            pending.append((number, event))
            if pending.count >= chunk { try await flush() } else if pending.count % Self.progressInterval == 0 {
                progress(JSONLinesImportProgress(phase: .appending, done: imported + pending.count, total: count))
            }
        }
        try await flush()
        return imported
    }

    /// Lines between two progress reports.
    static let progressInterval = 4_096

    /// A line without its carriage return; `nil` for a blank line.
    static func content(of line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var line = line
        if line.last == 0x0D { line = line.dropLast() }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        return line
    }

    /// Parses and checks every line of the file, streaming; the number of events.
    static func validate(_ path: String, into store: any EventLogStore, startingAtLine: Int, checkingDomainRules: Bool,
                         registry: EventRegistry, progress: (JSONLinesImportProgress) -> Void = { _ in },
                         keep: ((Int, ImportedEvent) -> Void)? = nil) throws -> Int {
        let head = try store.head()
        var nextPosition = head + 1
        var versions: [String: UInt64] = [:]
        var rules = ImportRuleCheck(store: store, registry: registry)
        var count = 0
        let reader = try LineReader(path: path)
        defer { reader.close() }
        while let (lineNumber, raw) = try reader.next() {
            guard lineNumber >= startingAtLine, let line = Self.content(of: raw) else { continue }
            let event: ImportedEvent
            do {
                event = try Self.event(fromLine: line, registry: registry)
            } catch {
                throw JSONLinesError.invalidLine(line: lineNumber, reason: "\(error)")
            }
            guard event.position == nextPosition else {
                if count == 0 && event.position <= head {
                    throw JSONLinesError.alreadyImported(line: lineNumber, position: event.position, head: head,
                                                         resumeAtLine: lineNumber + Int(head + 1 - event.position))
                }
                throw JSONLinesError.invalidLine(line: lineNumber, reason: "position \(event.position) does not continue the log at \(nextPosition)")
            }
            let current = try versions[event.stream] ?? store.streamVersion(of: event.stream)
            guard event.streamVersion == current + 1 else {
                throw JSONLinesError.invalidLine(
                    line: lineNumber, reason: "stream \(LineError.quote(event.stream)) version \(event.streamVersion) does not follow version \(current)")
            }
            if checkingDomainRules {
                do {
                    try rules.check(event)
                } catch let error as DomainRuleError {
                    throw JSONLinesError.ruleViolation(line: lineNumber, rule: error.rule, reason: error.description)
                } catch {
                    throw JSONLinesError.invalidLine(line: lineNumber, reason: "\(error)")
                }
            }
            versions[event.stream] = event.streamVersion
            nextPosition += 1
            count += 1
            keep?(lineNumber, event)
            if count % progressInterval == 0 { progress(JSONLinesImportProgress(phase: .checking, done: reader.bytesRead, total: reader.size)) }
        }
        progress(JSONLinesImportProgress(phase: .checking, done: reader.size, total: reader.size))
        return count
    }
}

/// Reads a file line by line through a fixed buffer (a line is held whole, the file never).
final class LineReader {
    private let fd: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var number = 0
    /// The bytes read from the file so far (a progress measure: at most 1 MiB ahead of the lines returned).
    private(set) var bytesRead = 0
    /// The size of the file when it was opened.
    let size: Int

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        self.path = path
        guard fd >= 0 else { throw JSONLinesError.io(path: path, reason: "cannot read the file: \(String(cString: strerror(errno)))") }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            Foundation.close(fd)
            throw JSONLinesError.io(path: path, reason: "cannot read the file: it is a directory")
        }
        size = Int(info.st_size)
    }

    func close() { Foundation.close(fd) }

    /// The next line (without its newline) and its 1-based number; `nil` at the end.
    func next() throws -> (Int, ArraySlice<UInt8>)? {
        while true {
            if let end = buffer[start...].firstIndex(of: 0x0A) {
                let line = buffer[start..<end]
                start = end + 1
                number += 1
                return (number, line)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                number += 1
                return (number, line)
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let chunk = 1 << 20
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            let read = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + old, chunk) }
            if read < 0 {
                let code = errno
                buffer.removeLast(chunk)
                if code == EINTR { continue }
                throw JSONLinesError.io(path: path, reason: "cannot read the file: \(String(cString: strerror(code)))")
            }
            buffer.removeLast(chunk - read)
            bytesRead += read
            if read == 0 { atEnd = true }
        }
    }
}

/// A reason a line is invalid (wrapped into ``JSONLinesError/invalidLine(line:reason:)``).
struct LineError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// Field values quoted in messages are cut to this many characters.
    static let quoteLimit = 80

    /// A value from the file for a message: quoted, cut to ``quoteLimit`` characters.
    static func quote(_ value: String) -> String {
        value.count <= quoteLimit ? "'\(value)'" : "'\(value.prefix(quoteLimit))…' (\(value.count) characters)"
    }
}

/// `YYYY-MM-DDThh:mm:ss.ffffffZ` for microseconds since 1970.
enum Timestamp {
    static func format(_ micros: Int64) -> String {
        let day = CalendarDay.containing(micros: micros)
        let within = micros - Int64(day.daysSince1970) * 86_400_000_000
        // Outside years 1…9999 the day is clamped: written with every digit, which import refuses.
        guard (0..<86_400_000_000).contains(within) else { return formatOutOfRange(day, within) }
        let seconds = Int(within / 1_000_000)
        let fraction = Int(within % 1_000_000)
        return String(unsafeUninitializedCapacity: 27) { buffer in
            day.writeISO(into: buffer)
            buffer[10] = UInt8(ascii: "T")
            writeDigits(seconds / 3600, 2, into: buffer, at: 11)
            buffer[13] = UInt8(ascii: ":")
            writeDigits(seconds / 60 % 60, 2, into: buffer, at: 14)
            buffer[16] = UInt8(ascii: ":")
            writeDigits(seconds % 60, 2, into: buffer, at: 17)
            buffer[19] = UInt8(ascii: ".")
            writeDigits(fraction, 6, into: buffer, at: 20)
            buffer[26] = UInt8(ascii: "Z")
            return 27
        }
    }

    private static func formatOutOfRange(_ day: CalendarDay, _ within: Int64) -> String {
        let seconds = within / 1_000_000
        let fraction = within % 1_000_000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(day)T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(fraction, 6))Z"
    }

    static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { bytes -> Int64? in
            guard bytes.count == 27, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
                  bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[26] == UInt8(ascii: "Z"),
                  let day = CalendarDay(isoBytes: UnsafeBufferPointer(rebasing: bytes[0..<10])),
                  let hour = Int64(decimalDigits: bytes[11..<13]), hour < 24, let minute = Int64(decimalDigits: bytes[14..<16]), minute < 60,
                  let second = Int64(decimalDigits: bytes[17..<19]), second < 60, let fraction = Int64(decimalDigits: bytes[20..<26])
            else { return nil }
            return Int64(day.daysSince1970) * 86_400_000_000 + ((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction
        }
    }
}
