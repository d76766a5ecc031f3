import Crypto
import Foundation

/// A head hash kept outside the system, against which a store's `verify(anchor:)` (``EventLogStore/verify(anchor:)``) proves that
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

/// What ``EventLogStore/verify(anchor:)`` found.
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

/// The checks every backend's verification makes of the chain, record by record: positions 1,
/// 2, 3 … without gaps, each record parses and carries its own position, recorded times never
/// decrease, each hash equals SHA-256 of the previous hash and the record's bytes, stream
/// versions run 1, 2, 3 … per stream, and the anchor's hash where the anchor is. A backend walks
/// its stored records in position order, hands each to ``check(position:record:indexes:)`` with
/// the checks of its own indexes, and ends with ``finish(_:)``.
package struct ChainWalk {
    package let anchor: HeadAnchor?
    /// The next position expected.
    package private(set) var expected: UInt64 = 1
    /// The chain hash of the last record that checked out.
    package private(set) var previous = RecordFormat.genesisHash
    private var versions: [[UInt8]: UInt64] = [:]
    private var lastRecordedAt = Int64.min
    /// The first problem found.
    package private(set) var problem: VerificationProblem?

    package init(anchor: HeadAnchor?) {
        self.anchor = anchor
    }

    /// Records a problem the backend found itself (for example a key that is not a position).
    /// Returns `false`, so a walk can `guard` on it.
    @discardableResult
    package mutating func fail(_ position: UInt64, _ kind: VerificationProblem.Kind, _ detail: String) -> Bool {
        if problem == nil { problem = VerificationProblem(position: position, kind: kind, detail: detail) }
        return false
    }

    /// Checks the record stored under `position`, then the backend's indexes of it: `indexes`
    /// gets the parsed record and its computed hash and returns the kind and detail of a
    /// mismatch, or `nil`. Returns whether the walk may go on (`false` after the first problem).
    package mutating func check(
        position: UInt64, record: UnsafeRawBufferPointer,
        indexes: (RecordView, [UInt8]) throws -> (VerificationProblem.Kind, String)?
    ) rethrows -> Bool {
        guard problem == nil else { return false }
        if position > expected { return fail(expected, .missingRecord, "position \(expected) is missing; the next record is at \(position)") }
        if position < expected { return fail(expected, .unexpectedKey, "position \(position) is stored out of order") }
        let view: RecordView
        do {
            view = try RecordView(validating: record, at: position)
        } catch {
            return fail(position, .malformedRecord, "\(error)")
        }
        if view.recordedAtMicros < lastRecordedAt {
            return fail(position, .malformedRecord, "recorded time \(view.recordedAtMicros) µs is earlier than the previous record's \(lastRecordedAt) µs")
        }
        lastRecordedAt = view.recordedAtMicros
        if view.position != position {
            return fail(position, .positionMismatch, "the record stored at \(position) says it is at position \(view.position)")
        }
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(bufferPointer: view.body)
        let digest = Array(hasher.finalize())
        if !view.hash.elementsEqual(digest) {
            return fail(position, .hashMismatch, "stored hash \(Array(view.hash).hexString) differs from the computed \(digest.hexString)")
        }
        let stream = Array(view.streamBytes)
        let version = view.streamVersion
        let priorVersion = versions[stream] ?? 0
        if version != priorVersion + 1 {
            return fail(position, .streamIndexMismatch, "stream version \(version) follows version \(priorVersion) of its stream")
        }
        versions[stream] = version
        if let (kind, detail) = try indexes(view, digest) {
            return fail(position, kind, detail)
        }
        if let anchor, anchor.position == position, anchor.hash != digest {
            return fail(position, .anchorMismatch, "the hash \(digest.hexString) differs from the anchored \(anchor.hash.hexString)")
        }
        previous = digest
        expected += 1
        return true
    }

    /// The report after the walk: the first problem, else the anchor's checks and the
    /// backend's whole-log checks (`extra`, given the head), else the head and its hash.
    package func finish(_ extra: (UInt64) throws -> (UInt64, VerificationProblem.Kind, String)? = { _ in nil }) rethrows -> VerificationReport {
        let head = expected - 1
        func report(_ position: UInt64, _ kind: VerificationProblem.Kind, _ detail: String) -> VerificationReport {
            VerificationReport(head: head, headHash: previous, problem: VerificationProblem(position: position, kind: kind, detail: detail))
        }
        if let problem { return VerificationReport(head: head, headHash: previous, problem: problem) }
        if let anchor, anchor.position == 0, anchor.hash != RecordFormat.genesisHash {
            return report(0, .anchorMismatch, "an anchor at position 0 must hold the 32 zero bytes the chain starts from")
        }
        if let (position, kind, detail) = try extra(head) { return report(position, kind, detail) }
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
