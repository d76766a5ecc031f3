import CRMEventLog
import Foundation
import CRMLMDB

/// What the writer knows while it fills one write transaction: the head, the chain hash, the
/// time it records, and stream versions changed earlier in the same transaction.
struct BatchState {
    private(set) var head: UInt64
    private var previousHash: [UInt8]
    private let recordedAt: Int64
    /// The recorded time of the last record, in the store or written by this transaction.
    private var lastRecordedAt: Int64
    private var streamHeads: [[UInt8]: UInt64] = [:]
    private var scratchKey: [UInt8] = []

    init(txn: WriteTransaction, databases: Databases) throws {
        var head: UInt64 = 0
        var hash = RecordFormat.genesisHash
        var lastRecordedAt = Int64.min
        try txn.withCursor(on: databases.log) { cursor in
            guard let last = try cursor.last() else { return }
            head = try Databases.position(last.key, in: "the last log key")
            let view = try RecordView(validating: last.value, at: head)
            hash = Array(view.hash)
            lastRecordedAt = view.recordedAtMicros
        }
        self.head = head
        self.previousHash = hash
        self.lastRecordedAt = lastRecordedAt
        // Recorded time never decreases along the log, even when the wall clock steps back.
        self.recordedAt = max(Micros.now(), lastRecordedAt)
        scratchKey.reserveCapacity(512)
    }

    /// Applies one append: claims its event ids, checks expected versions, then writes its events.
    ///
    /// A validation failure is returned and leaves the transaction as it was; an LMDB failure is
    /// thrown and aborts the whole transaction.
    mutating func apply(_ request: PreparedAppend, txn: WriteTransaction, databases: Databases) throws -> Result<AppendResult, EventLogError> {
        // Claim every id with MDB_NOOVERWRITE first: one B-tree operation per event on the common
        // path. An id that is already stored undoes the claims and decides the retry below.
        var claimed = 0
        var position = head
        claiming: for stream in request.streams {
            for event in stream.events {
                position += 1
                if try !claim(event.event.id, position: position, txn: txn, databases: databases) { break claiming }
                claimed += 1
            }
        }
        if claimed < request.eventCount {
            try releaseClaims(request, count: claimed, txn: txn, databases: databases)
            return try retryOutcome(request, txn: txn, databases: databases)
        }

        var currentVersions: [UInt64] = []
        currentVersions.reserveCapacity(request.streams.count)
        for stream in request.streams {
            let current = try streamHeads[stream.nameBytes] ?? databases.streamVersion(of: stream.nameBytes, in: txn)
            guard stream.expectedVersion.isSatisfied(by: current) else {
                try releaseClaims(request, count: claimed, txn: txn, databases: databases)
                return .failure(.wrongExpectedVersion(stream: stream.name, expected: stream.expectedVersion, actual: current))
            }
            currentVersions.append(current)
        }

        var appended: [AppendedEvent] = []
        appended.reserveCapacity(request.eventCount)
        for (stream, current) in zip(request.streams, currentVersions) {
            var version = current
            for event in stream.events {
                head += 1
                version += 1
                try write(event, position: head, streamVersion: version, recordedAt: recordedAt, txn: txn, databases: databases)
                appended.append(AppendedEvent(id: event.event.id, stream: stream.name, position: head, streamVersion: version))
            }
            streamHeads[stream.nameBytes] = version
        }
        lastRecordedAt = recordedAt
        return .success(AppendResult(events: appended, wasAlreadyStored: false))
    }

    /// Applies one import: checks that it continues the log at the head, that each event
    /// continues its stream and the recorded time, and that its ids are new, while it writes the
    /// records with the positions, versions and times they carry. Returns the new head.
    ///
    /// A rejection is returned, but records and id claims of the import may already be written:
    /// the caller must abort the transaction, which the import therefore has to itself. An LMDB
    /// failure is thrown.
    mutating func applyImport(_ request: PreparedImport, txn: WriteTransaction, databases: Databases) throws -> Result<UInt64, EventLogError> {
        let firstPosition = request.events.first?.position ?? 0
        guard firstPosition == head + 1 else {
            return .failure(.importPositionMismatch(expected: head + 1, found: firstPosition))
        }
        for event in request.events {
            let streamBytes = event.encodable.stream
            let current = try streamHeads[streamBytes] ?? databases.streamVersion(of: streamBytes, in: txn)
            if let violation = event.orderViolation(currentVersion: current, lastRecordedAt: lastRecordedAt) {
                return .failure(violation)
            }
            let id = event.encodable.event.id
            // Positions are contiguous from head + 1 (checked before the writer and above).
            head += 1
            if try !claim(id, position: head, txn: txn, databases: databases) {
                let storedAt = try databases.position(ofEventID: id, in: txn) ?? 0
                return .failure(.importEventIDAlreadyStored(id: id, storedAt: storedAt))
            }
            try write(event.encodable, position: head, streamVersion: event.streamVersion, recordedAt: event.recordedAtMicros, txn: txn, databases: databases)
            streamHeads[streamBytes] = event.streamVersion
            lastRecordedAt = event.recordedAtMicros
        }
        return .success(head)
    }

    /// Stores `id → position` unless the id is already stored; returns whether it was new.
    private func claim(_ id: UUID, position: UInt64, txn: WriteTransaction, databases: Databases) throws -> Bool {
        var raw = id.uuid
        var positionBE = position.bigEndian
        do {
            try withUnsafeBytes(of: &raw) { key in
                try withUnsafeBytes(of: &positionBE) { value in
                    try txn.put(in: databases.eventIDs, key: key, value: value, flags: .noOverwrite)
                }
            }
            return true
        } catch let error as LMDBError where error.kind == .keyExists {
            return false
        }
    }

    /// Removes the first `count` id claims of `request` (they were all new).
    private func releaseClaims(_ request: PreparedAppend, count: Int, txn: WriteTransaction, databases: Databases) throws {
        var remaining = count
        for stream in request.streams {
            for event in stream.events {
                guard remaining > 0 else { return }
                var raw = event.event.id.uuid
                try withUnsafeBytes(of: &raw) { key in _ = try txn.delete(in: databases.eventIDs, key: key) }
                remaining -= 1
            }
        }
    }

    /// The outcome of an append some of whose ids are already stored (see
    /// `PreparedAppend.retryOutcome`): the stored records looked up in this transaction.
    private func retryOutcome(_ request: PreparedAppend, txn: WriteTransaction, databases: Databases) throws -> Result<AppendResult, EventLogError> {
        try request.retryOutcome(head: head, noneStored: "an event id claim failed but no id of the append is stored") { event in
            guard let position = try databases.position(ofEventID: event.event.id, in: txn) else { return nil }
            let version = try databases.withRecord(at: position, in: txn) { view in
                view.hasSameContent(as: event) ? view.streamVersion : nil
            }
            return (position, version ?? nil)
        }
    }

    /// Writes the record of `event` (hash chained to the previous one) and its `streams` entry.
    private mutating func write(
        _ event: EncodableEvent, position: UInt64, streamVersion: UInt64, recordedAt: Int64,
        txn: WriteTransaction, databases: Databases
    ) throws {
        var positionBE = position.bigEndian
        try withUnsafeBytes(of: &positionBE) { positionKey in
            try txn.putReserved(in: databases.log, key: positionKey, count: event.encodedSize, flags: .append) { buffer in
                previousHash.withUnsafeBytes { previous in
                    event.encode(into: buffer, position: position, streamVersion: streamVersion, recordedAtMicros: recordedAt, previousHash: previous)
                }
                previousHash.withUnsafeMutableBytes { hash in
                    hash.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[(buffer.count - RecordFormat.hashSize)...]))
                }
            }

            scratchKey.removeAll(keepingCapacity: true)
            Databases.appendStreamKey(event.stream, version: streamVersion, to: &scratchKey)
            try scratchKey.withUnsafeBytes { key in
                try txn.put(in: databases.streams, key: key, value: positionKey, flags: .noOverwrite)
            }
        }
    }
}
