import CRMEventLog
import Foundation
import GRDB
import RawLMDB
import SQLitePeer

// MARK: - The shape of the workload, shared by CRMKit, the SQLite peer and raw LMDB

enum Workload {
    /// Events per transaction in the batched workload.
    static let batchSize = 10_000
    /// Streams one batch touches (`batchSize / batchStreams` events each).
    static let batchStreams = 1_000
    /// Customers the streams cycle through (`customer-0` … `customer-99999`).
    static let customers = 100_000
    /// Events in the store the full forward read scans.
    static let scanEvents = 1_000_000
    static let eventType = "CustomerEmailChanged"
    static let actor = "user-42"
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01

    static func stream(_ customer: Int) -> String { "customer-\(customer % customers)" }

    /// A JSON payload of about 150 bytes; 1,024 distinct ones are prepared once.
    static let payloadTexts: [String] = (0..<1_024).map { n in
        #"{"customerId":"customer-\#(n * 97 % customers)","email":"jane.doe\#(n)@example.com","name":"Jane Doe","plan":"professional","mrrMinor":\#(12_900 + n),"currency":"EUR","source":"web"}"#
    }
    static let payloads: [[UInt8]] = payloadTexts.map { Array($0.utf8) }

    static var meanPayloadBytes: Int { payloads.reduce(0) { $0 + $1.count } / payloads.count }

    /// The size of one CRMKit log record for a typical event (header 100 + names + payload + hash 32,
    /// see docs/log-format.md); raw LMDB writes values of this size so both move the same bytes.
    static var matchedRecordBytes: Int {
        100 + stream(12_345).utf8.count + eventType.utf8.count + actor.utf8.count + meanPayloadBytes + 32
    }

    /// An event with the library's default id (`NewEvent.makeID()`, time-ordered UUIDv7), or a
    /// random version-4 id for the diagnostic runs.
    static func newEvent(_ n: Int, randomID: Bool = false) -> NewEvent {
        NewEvent(
            id: randomID ? UUID() : NewEvent.makeID(), type: eventType, schemaVersion: 1,
            occurredAt: epoch.addingTimeInterval(Double(n)), actor: actor,
            correlationID: nil, causationID: nil, payload: payloads[n & 1_023])
    }

    /// One batch for CRMKit: `batchSize` events over `batchStreams` streams, starting at `first`.
    static func crmBatch(first: Int, randomIDs: Bool = false) -> [StreamAppend] {
        let perStream = batchSize / batchStreams
        return (0..<batchStreams).map { s in
            let customer = first / perStream + s
            return StreamAppend(
                stream: stream(customer), expectedVersion: .any,
                events: (0..<perStream).map { newEvent(first + s * perStream + $0, randomID: randomIDs) })
        }
    }

    /// The same batch for the SQLite peer.
    static func peerBatch(first: Int) -> [(stream: String, events: [PeerEvent])] {
        let perStream = batchSize / batchStreams
        return (0..<batchStreams).map { s in
            let customer = first / perStream + s
            return (stream(customer), (0..<perStream).map { PeerEvent(first + s * perStream + $0) })
        }
    }
}

/// One event as the SQLite peer stores it: a row with a JSON text payload.
struct PeerEvent: Sendable {
    let id: UUID
    let occurredAtMicros: Int64
    let payload: String

    init(_ n: Int) {
        id = UUID()
        occurredAtMicros = Int64(Workload.epoch.timeIntervalSince1970 * 1e6) + Int64(n) * 1_000_000
        payload = Workload.payloadTexts[n & 1_023]
    }
}

// MARK: - The SQLite peer's rows of this workload

extension SQLitePeer {
    static func insert(_ db: Database, stream: String, version: Int64, event: PeerEvent, recordedAt: Int64) throws {
        try insert(db, stream: stream, version: version, id: event.id, type: Workload.eventType, schemaVersion: 1,
                   occurredAt: event.occurredAtMicros, recordedAt: recordedAt, actor: Workload.actor, payload: event.payload)
    }

    /// Appends events to streams in one transaction, each stream's versions continuing its last.
    static func append(_ db: Database, _ streams: [(stream: String, events: [PeerEvent])]) throws {
        let recordedAt = Int64(Date().timeIntervalSince1970 * 1e6)
        for (stream, events) in streams {
            var version = try currentVersion(db, stream: stream)
            for event in events {
                version += 1
                try insert(db, stream: stream, version: version, event: event, recordedAt: recordedAt)
            }
        }
    }
}

// MARK: - Raw LMDB (the C ceiling)

final class RawStore: @unchecked Sendable {
    let handle: OpaquePointer
    let directory: String

    init(label: String, noSync: Bool = false) throws {
        directory = try makeTemporaryDirectory("raw-\(label)")
        guard let handle = raw_lmdb_open(directory, 8 << 30, noSync ? 1 : 0) else {
            removeDirectory(directory)
            throw BenchmarkFailure("raw_lmdb_open failed at \(directory)")
        }
        self.handle = handle
    }

    func close() {
        raw_lmdb_close(handle)
        removeDirectory(directory)
    }

    static func check(_ rc: Int32, _ what: String) throws {
        if rc != 0 { throw BenchmarkFailure("\(what): LMDB error \(rc)") }
    }
}

/// Raw LMDB with CRMKit's three-database layout (log, streams, event-ids; time-ordered ids) (see `raw_indexed_batch`).
final class RawIndexedStore: @unchecked Sendable {
    let handle: OpaquePointer
    let directory: String

    init(label: String) throws {
        directory = try makeTemporaryDirectory("rawidx-\(label)")
        guard let handle = raw_indexed_open(directory, 8 << 30, 0) else {
            removeDirectory(directory)
            throw BenchmarkFailure("raw_indexed_open failed at \(directory)")
        }
        self.handle = handle
    }

    func close() {
        raw_indexed_close(handle)
        removeDirectory(directory)
    }
}
