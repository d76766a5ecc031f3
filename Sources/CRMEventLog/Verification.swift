import Crypto
import Foundation
import CRMLMDB

/// A head hash kept outside the system, against which ``EventStore/verify(anchor:)`` proves that
/// the log up to `position` is unchanged and not cut short.
public struct HeadAnchor: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The position the hash was read at.
    public let position: UInt64
    /// The 32-byte chain hash at `position`.
    public let hash: [UInt8]

    /// Creates an anchor.
    public init(position: UInt64, hash: [UInt8]) {
        self.position = position
        self.hash = hash
    }

    /// Parses the `position:hex-hash` form of ``description``; `nil` when it is not one.
    public init?(_ text: String) {
        let parts = text.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 2, let position = UInt64(String(decoding: parts[0], as: UTF8.self)) else { return nil }
        let digits = Array(parts[1])
        guard digits.count == 64 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var hash: [UInt8] = []
        hash.reserveCapacity(32)
        for pair in stride(from: 0, to: 64, by: 2) {
            guard let high = value(digits[pair]), let low = value(digits[pair + 1]) else { return nil }
            hash.append(high << 4 | low)
        }
        self.init(position: position, hash: hash)
    }

    /// `position:hex-hash`.
    public var description: String { "\(position):\(hash.hexString)" }
}

/// What ``EventStore/verify(anchor:)`` found.
public struct VerificationReport: Sendable, Hashable {
    /// The last position checked (the head when the log is intact).
    public let head: UInt64
    /// The chain hash at ``head``.
    public let headHash: [UInt8]
    /// The first problem found, or `nil` when the whole log and its indexes check out.
    public let problem: VerificationProblem?

    /// Whether no problem was found.
    public var isIntact: Bool { problem == nil }

    package init(head: UInt64, headHash: [UInt8], problem: VerificationProblem?) {
        self.head = head
        self.headHash = headHash
        self.problem = problem
    }
}

/// The first place where the log does not match its hash chain, order or indexes.
public struct VerificationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The kind of mismatch.
    public enum Kind: Sendable, Hashable {
        /// A position is missing (a deleted record: the positions have a gap).
        case missingRecord
        /// A key in the log is not a position in ascending order.
        case unexpectedKey
        /// The position inside the record differs from the position it is stored under (moved or reordered).
        case positionMismatch
        /// The record's bytes do not parse.
        case malformedRecord
        /// The record's stored hash differs from SHA-256(previous hash ‖ record bytes).
        case hashMismatch
        /// The stream index or stream versions disagree with the log.
        case streamIndexMismatch
        /// The event-id index disagrees with the log.
        case eventIDIndexMismatch
        /// The hash at the anchor's position differs from the anchor.
        case anchorMismatch
        /// The log ends before the anchor's position.
        case truncated
    }

    /// The position where the problem is.
    public let position: UInt64
    /// The kind of mismatch.
    public let kind: Kind
    /// What exactly differs.
    public let detail: String

    /// `position N: detail`.
    public var description: String { "position \(position): \(detail)" }

    package init(position: UInt64, kind: Kind, detail: String) {
        self.position = position
        self.kind = kind
        self.detail = detail
    }
}

extension EventStore {
    /// Walks the whole log in one read snapshot: checks positions are 1, 2, 3 … without gaps,
    /// every record parses and carries its own position, every hash equals SHA-256 of the
    /// previous hash and the record's bytes, and the stream and event-id indexes agree with the
    /// log. With an `anchor`, also checks the log reaches the anchor and has its hash there.
    ///
    /// Returns the first problem found, or the head and its hash.
    public func verify(anchor: HeadAnchor? = nil) async throws -> VerificationReport {
        try await Self.offPool { [self] in try verifyNow(anchor: anchor) }
    }

    /// The blocking form of ``verify(anchor:)``, for command-line tools and tests.
    public func verifyNow(anchor: HeadAnchor? = nil) throws -> VerificationReport {
        try Self.mapStorage {
            try environment.read { txn in try Verifier(databases: databases, txn: txn, anchor: anchor).run() }
        }
    }
}

private struct Verifier {
    /// An index value is exactly one big-endian UInt64; any other length is damage.
    static func exactPosition(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        bytes.count == 8 ? Databases.uint64(bigEndian: bytes) : nil
    }

    let databases: Databases
    let txn: ReadTransaction
    let anchor: HeadAnchor?

    func run() throws -> VerificationReport {
        var expected: UInt64 = 1
        var previous = RecordFormat.genesisHash
        var versions: [[UInt8]: UInt64] = [:]
        var lastRecordedAt = Int64.min

        func report(_ position: UInt64, _ kind: VerificationProblem.Kind, _ detail: String) -> VerificationReport {
            VerificationReport(head: expected - 1, headHash: previous, problem: VerificationProblem(position: position, kind: kind, detail: detail))
        }

        let walked: VerificationReport? = try txn.withCursor(on: databases.log) { cursor in
            var entry = try cursor.first()
            while let current = entry {
                guard current.key.count == 8 else {
                    return report(expected, .unexpectedKey, "a log key of \(current.key.count) bytes is not a position")
                }
                let position = Databases.uint64(bigEndian: current.key)
                if position > expected {
                    return report(expected, .missingRecord, "position \(expected) is missing; the next record is at \(position)")
                }
                if position < expected {
                    return report(expected, .unexpectedKey, "position \(position) is stored out of order")
                }
                let view: RecordView
                do {
                    view = try RecordView(validating: current.value, at: position)
                } catch {
                    return report(position, .malformedRecord, "\(error)")
                }
                if view.recordedAtMicros < lastRecordedAt {
                    return report(position, .malformedRecord, "recorded time \(view.recordedAtMicros) µs is earlier than the previous record's \(lastRecordedAt) µs")
                }
                lastRecordedAt = view.recordedAtMicros
                if view.position != position {
                    return report(position, .positionMismatch, "the record stored at \(position) says it is at position \(view.position)")
                }
                var hasher = SHA256()
                hasher.update(data: previous)
                hasher.update(bufferPointer: view.body)
                let digest = Array(hasher.finalize())
                if !view.hash.elementsEqual(digest) {
                    return report(position, .hashMismatch, "stored hash \(Array(view.hash).hexString) differs from the computed \(digest.hexString)")
                }
                let stream = Array(view.streamBytes)
                let version = view.streamVersion
                let priorVersion = versions[stream] ?? 0
                if version != priorVersion + 1 {
                    return report(position, .streamIndexMismatch, "stream version \(version) follows version \(priorVersion) of its stream")
                }
                versions[stream] = version
                let indexed = try Databases.streamKey(stream, version: version).withUnsafeBytes { key in
                    try txn.withValue(in: databases.streams, key: key, Self.exactPosition)
                } ?? nil
                if indexed != position {
                    return report(position, .streamIndexMismatch, "the stream index maps this version to \(indexed.map(String.init) ?? "nothing")")
                }
                let byID = try txn.withValue(in: databases.eventIDs, key: view.idBytes, Self.exactPosition) ?? nil
                if byID != position {
                    return report(position, .eventIDIndexMismatch, "the event-id index maps this event's id to \(byID.map(String.init) ?? "nothing")")
                }
                if let anchor, anchor.position == position, anchor.hash != digest {
                    return report(position, .anchorMismatch, "the hash \(digest.hexString) differs from the anchored \(anchor.hash.hexString)")
                }
                previous = digest
                expected += 1
                entry = try cursor.next()
            }
            return nil
        }
        if let walked { return walked }
        if let anchor, anchor.position == 0, anchor.hash != RecordFormat.genesisHash {
            return report(0, .anchorMismatch, "an anchor at position 0 must hold the 32 zero bytes the chain starts from")
        }
        let head = expected - 1

        let streamEntries = try txn.count(of: databases.streams)
        if streamEntries != Int(head) {
            return report(head, .streamIndexMismatch, "the stream index has \(streamEntries) entries for \(head) records")
        }
        let idEntries = try txn.count(of: databases.eventIDs)
        if idEntries != Int(head) {
            return report(head, .eventIDIndexMismatch, "the event-id index has \(idEntries) entries for \(head) records")
        }
        if let anchor, anchor.position > head {
            return report(head + 1, .truncated, "the log ends at \(head), before the anchored position \(anchor.position)")
        }
        return VerificationReport(head: head, headHash: previous, problem: nil)
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal digits.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
