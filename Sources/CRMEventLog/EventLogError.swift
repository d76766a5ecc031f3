import Foundation

/// Everything that can go wrong with the event log, each case naming what was wrong.
///
/// A rejected append or import (any case other than ``storage(_:)`` after commit) appended
/// nothing.
public enum EventLogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stream's version did not match the append's expectation; `actual` is 0 when the
    /// stream does not exist.
    case wrongExpectedVersion(stream: String, expected: ExpectedVersion, actual: UInt64)
    /// An event id is already stored with different content (another stream, type, payload …).
    case eventIDConflict(id: UUID, storedAt: UInt64)
    /// Some events of one append are already stored and others are not: a retry must repeat the
    /// original append exactly.
    case partialRetry(storedID: UUID, storedAt: UInt64)
    /// The same event id appears twice in one append.
    case duplicateEventIDInAppend(UUID)
    /// The same stream appears twice in one append.
    case duplicateStreamInAppend(String)
    /// An append or import without events.
    case emptyAppend
    /// An imported event's position is not the next one: the first must be the head + 1, and
    /// the rest must follow without gaps.
    case importPositionMismatch(expected: UInt64, found: UInt64)
    /// An imported event's stream version is not its stream's current version + 1 (counting the
    /// import's earlier events of that stream).
    case importStreamVersionMismatch(stream: String, expected: UInt64, found: UInt64)
    /// An imported event's id is already stored, at `storedAt`.
    case importEventIDAlreadyStored(id: UUID, storedAt: UInt64)
    /// An imported event's recorded time (microsecond precision, as it would be stored) is
    /// earlier than that of the record before it, `previous`: recorded time never decreases
    /// along the log.
    case importRecordedAtDecreasing(position: UInt64, recordedAt: Date, previous: Date)
    /// A stream name is not acceptable; `reason` says why.
    case invalidStreamName(String, reason: String)
    /// An event type name is not acceptable; `reason` says why.
    case invalidEventType(String, reason: String)
    /// A field is longer than the record format allows.
    case fieldTooLong(field: String, length: Int, limit: Int)
    /// The store was written in a format this version does not read.
    case unsupportedFormat(found: UInt32, supported: UInt32)
    /// The directory holds an LMDB environment that is not an event store (LMDB backend).
    case notAnEventStore(path: String)
    /// The store was opened read-only and cannot append.
    case readOnly
    /// The append authorizer refused the append; nothing was appended.
    case appendRefused(reason: String)
    /// A time cannot be stored: the log keeps microseconds since 1970 in 64 bits (about
    /// ±290,000 years).
    case invalidTime(field: String, secondsSince1970: Double)
    /// The store has been closed.
    case closed
    /// A stored record cannot be decoded.
    case corruptRecord(position: UInt64, reason: String)
    /// A backup did not verify; nothing is reported as backed up.
    case backupVerificationFailed(directory: String, problem: String)
    /// The backup target is not an empty directory.
    case backupTargetNotEmpty(String)
    /// Two logs that should hold the same history differ (a migration target that is not a
    /// prefix of its source, or heads whose hashes differ after a copy).
    case logsDiverge(position: UInt64, reason: String)
    /// The storage engine failed (disk full, permissions, locked …); the failure carries the
    /// engine's code and message.
    case storage(StorageFailure)
    /// A file or directory operation outside the storage engine failed.
    case fileSystem(path: String, reason: String)
    /// The store's data file is shorter than its own meta page says (a copy that was cut off, a
    /// truncated or empty file): refused before it is mapped. `reason` names sizes.
    case truncatedDataFile(path: String, reason: String)

    /// A sentence a user can act on.
    public var description: String {
        switch self {
        case let .wrongExpectedVersion(stream, expected, actual):
            return "wrong expected version for stream '\(stream)': expected \(expected), actual \(actual == 0 ? "no stream" : "version \(actual)")"
        case let .eventIDConflict(id, position):
            return "event id \(id) is already stored at position \(position) with different content"
        case let .partialRetry(id, position):
            return "event id \(id) is already stored at position \(position) but other events of the same append are not: a retry must repeat the original append exactly"
        case let .duplicateEventIDInAppend(id):
            return "event id \(id) appears more than once in one append"
        case let .duplicateStreamInAppend(stream):
            return "stream '\(stream)' appears more than once in one append; put its events in one entry"
        case .emptyAppend:
            return "an append needs at least one event"
        case let .importPositionMismatch(expected, found):
            return "an imported event has position \(found) where position \(expected) comes next: an import continues the log at its head + 1, without gaps"
        case let .importStreamVersionMismatch(stream, expected, found):
            return "an imported event of stream '\(stream)' has stream version \(found) where version \(expected) comes next"
        case let .importEventIDAlreadyStored(id, position):
            return "imported event id \(id) is already stored at position \(position)"
        case let .importRecordedAtDecreasing(position, recordedAt, previous):
            return "the imported event at position \(position) was recorded at \(Micros.from(recordedAt)) µs, earlier than the previous record's \(Micros.from(previous)) µs: recorded time never decreases along the log"
        case let .invalidStreamName(name, reason):
            return "invalid stream name '\(name)': \(reason)"
        case let .invalidEventType(name, reason):
            return "invalid event type '\(name)': \(reason)"
        case let .fieldTooLong(field, length, limit):
            return "\(field) is \(length) bytes long; the limit is \(limit)"
        case let .unsupportedFormat(found, supported):
            return "the store has log format version \(found); this version of CRMKit reads version \(supported)"
        case let .notAnEventStore(path):
            return "\(path) holds an LMDB environment that is not a CRMKit event store"
        case .readOnly:
            return "the store is open read-only"
        case let .appendRefused(reason):
            return "the append was refused: \(reason)"
        case let .invalidTime(field, seconds):
            return "\(field) \(seconds) s since 1970 cannot be stored (microseconds since 1970 must fit 64 bits)"
        case .closed:
            return "the store is closed"
        case let .corruptRecord(position, reason):
            return "the record at position \(position) is corrupt: \(reason)"
        case let .backupVerificationFailed(directory, problem):
            return "the backup in \(directory) did not verify: \(problem)"
        case let .backupTargetNotEmpty(directory):
            return "the backup target \(directory) is not an empty directory"
        case let .logsDiverge(position, reason):
            return "the logs diverge at position \(position): \(reason)"
        case let .storage(error):
            return error.description
        case let .fileSystem(path, reason):
            return "\(path): \(reason)"
        case let .truncatedDataFile(_, reason):
            return "damaged store: \(reason)"
        }
    }
}

/// What an append expects of a stream's current version.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream must have at least one event.
    case streamExists
    /// The stream's last event must have exactly this version (versions start at 1).
    case exactly(UInt64)

    /// Whether a stream whose current version is `actual` (0: absent) satisfies the expectation.
    public func isSatisfied(by actual: UInt64) -> Bool {
        switch self {
        case .any: true
        case .noStream: actual == 0
        case .streamExists: actual > 0
        case .exactly(let version): actual == version
        }
    }

    /// `any`, `no stream`, `stream exists` or `version n`.
    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .streamExists: "stream exists"
        case .exactly(let version): "version \(version)"
        }
    }
}
