import Crypto
import Foundation
import Synchronization

/// An event to be appended: everything but what the log assigns (position, stream version,
/// recorded time).
public struct NewEvent: Sendable, Hashable {
    /// The event's unique id. Appending an id that is already stored with the same content is a
    /// no-op that returns the original positions (idempotent retry).
    public var id: UUID
    /// The event type name, e.g. `OrderPlaced`.
    public var type: String
    /// The version of the payload schema of `type`, for upcasting.
    public var schemaVersion: UInt32
    /// Business time: when the fact happened (may be back-dated). Stored in microseconds.
    public var occurredAt: Date
    /// Who caused the event: a user, a service, a policy.
    public var actor: String
    /// The id shared by every event of one business conversation.
    public var correlationID: UUID?
    /// The id of the event or command that caused this one.
    public var causationID: UUID?
    /// The encoded payload.
    public var payload: [UInt8]

    /// Creates an event to append. The default id is time-ordered (``makeID()``).
    public init(
        id: UUID = NewEvent.makeID(), type: String, schemaVersion: UInt32 = 1, occurredAt: Date = Date(),
        actor: String, correlationID: UUID? = nil, causationID: UUID? = nil, payload: [UInt8]
    ) {
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.occurredAt = occurredAt
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
        self.payload = payload
    }
}

extension NewEvent {
    /// A new time-ordered event id (UUID version 7, RFC 9562): 48 bits of Unix milliseconds,
    /// then random bits.
    ///
    /// Ids made this way land next to each other in the event-id index, so an append dirties a
    /// few index pages instead of one page per event: batched appends run about half again as
    /// fast as with random (version 4) ids. Any unique id works; this is only the default.
    public static func makeID() -> UUID {
        let millis = UInt64(Micros.now() / 1_000)
        // The 74 "random" bits are SplitMix64 outputs of a per-process random seed and a counter:
        // unique within the process, unpredictable across processes, and free of a system call
        // per id (UUID() opens /dev/urandom; getrandom enters the kernel).
        let sequence = IDSource.counter.add(1, ordering: .relaxed).newValue
        let a = IDSource.mix(IDSource.seed &+ sequence)
        let b = IDSource.mix(a ^ sequence)
        let bytes: uuid_t = (
            UInt8(truncatingIfNeeded: millis >> 40), UInt8(truncatingIfNeeded: millis >> 32),
            UInt8(truncatingIfNeeded: millis >> 24), UInt8(truncatingIfNeeded: millis >> 16),
            UInt8(truncatingIfNeeded: millis >> 8), UInt8(truncatingIfNeeded: millis),
            0x70 | UInt8(truncatingIfNeeded: a & 0x0F), UInt8(truncatingIfNeeded: a >> 8),
            0x80 | UInt8(truncatingIfNeeded: (a >> 16) & 0x3F), UInt8(truncatingIfNeeded: a >> 24),
            UInt8(truncatingIfNeeded: b), UInt8(truncatingIfNeeded: b >> 8),
            UInt8(truncatingIfNeeded: b >> 16), UInt8(truncatingIfNeeded: b >> 24),
            UInt8(truncatingIfNeeded: b >> 32), UInt8(truncatingIfNeeded: b >> 40))
        return UUID(uuid: bytes)
    }
}

extension NewEvent {
    /// A name-based event id (UUID version 8, RFC 9562): the first 16 bytes of SHA-256 over
    /// `name`'s UTF-8, with the version and variant bits set.
    ///
    /// The same name gives the same id in every process, which is what makes a reaction
    /// idempotent: derive its id from its cause (e.g. `policy/offer/<cause event id>`), and a
    /// second attempt — a replay, a restart, another instance — meets the id already stored.
    public static func derivedID(_ name: String) -> UUID {
        derivedID(bytes: Array(name.utf8))
    }

    /// The id of the event at `index` of an append whose first event has the id `key`: `key`
    /// itself for index 0, else a name-based id (``derivedID(_:)``) of `key` and `index`.
    public static func derivedID(from key: UUID, index: Int) -> UUID {
        guard index != 0 else { return key }
        return derivedID(bytes: withUnsafeBytes(of: key.uuid) { Array($0) } + Array("#\(index)".utf8))
    }

    private static func derivedID(bytes: [UInt8]) -> UUID {
        var digest = Array(SHA256.hash(data: bytes).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x80
        digest[8] = (digest[8] & 0x3F) | 0x80
        return UUID(uuid: (digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                           digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]))
    }
}

/// The state behind ``NewEvent/makeID()``.
enum IDSource {
    static let seed: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    static let counter = Atomic<UInt64>(0)

    /// SplitMix64's finaliser: a bijection that scatters consecutive inputs.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Events for one stream, with what the append expects of that stream's version.
public struct StreamAppend: Sendable, Hashable {
    /// The stream name, e.g. `customer-42`.
    public var stream: String
    /// The expectation checked before anything is written.
    public var expectedVersion: ExpectedVersion
    /// The events, in order.
    public var events: [NewEvent]

    /// Creates the part of an append that goes to one stream.
    public init(stream: String, expectedVersion: ExpectedVersion = .any, events: [NewEvent]) {
        self.stream = stream
        self.expectedVersion = expectedVersion
        self.events = events
    }
}

/// Where an appended event landed.
public struct AppendedEvent: Sendable, Hashable {
    /// The event's id.
    public let id: UUID
    /// The stream the event belongs to.
    public let stream: String
    /// The global position (1, 2, 3 … without gaps).
    public let position: UInt64
    /// The version inside its stream (1, 2, 3 …).
    public let streamVersion: UInt64

    package init(id: UUID, stream: String, position: UInt64, streamVersion: UInt64) {
        self.id = id
        self.stream = stream
        self.position = position
        self.streamVersion = streamVersion
    }
}

/// The outcome of one append.
public struct AppendResult: Sendable, Hashable {
    /// Every event of the append, in the order given.
    public let events: [AppendedEvent]
    /// `true` when every event was already stored with the same content, so nothing was
    /// appended and the original positions are returned.
    public let wasAlreadyStored: Bool

    package init(events: [AppendedEvent], wasAlreadyStored: Bool) {
        self.events = events
        self.wasAlreadyStored = wasAlreadyStored
    }

    /// The position of the first event of the append.
    public var firstPosition: UInt64 { events.first?.position ?? 0 }
    /// The position of the last event of the append.
    public var lastPosition: UInt64 { events.last?.position ?? 0 }
}

/// An event as stored in the log.
public struct RecordedEvent: Sendable, Hashable {
    /// The global position (1, 2, 3 … without gaps).
    public let position: UInt64
    /// The stream, e.g. `customer-42`.
    public let stream: String
    /// The version inside the stream (1, 2, 3 …).
    public let streamVersion: UInt64
    /// The event's unique id.
    public let id: UUID
    /// The event type name.
    public let type: String
    /// The payload schema version.
    public let schemaVersion: UInt32
    /// Business time, microsecond precision.
    public let occurredAt: Date
    /// When the log stored the event, microsecond precision; never decreases along the log.
    public let recordedAt: Date
    /// Who caused the event.
    public let actor: String
    /// The business conversation the event belongs to.
    public let correlationID: UUID?
    /// The event or command that caused this one.
    public let causationID: UUID?
    /// The encoded payload.
    public let payload: [UInt8]

    /// The category: the stream name up to its first `-` (the whole name when it has none).
    public var category: String { EventFilter.category(of: stream) }
}

/// An event exactly as another store recorded it, to be restored by ``EventLogStore/importEvents(_:)``.
///
/// Unlike a ``NewEvent``, it carries what the log normally assigns itself: the position, the
/// stream version and the recorded time. Both times are stored at microsecond precision.
public struct ImportedEvent: Sendable, Hashable {
    /// The global position the event had; an import continues the log at its head + 1.
    public var position: UInt64
    /// The stream, e.g. `customer-42`.
    public var stream: String
    /// The version inside the stream: the stream's current version + 1.
    public var streamVersion: UInt64
    /// The event's unique id; it must not be stored yet.
    public var id: UUID
    /// The event type name.
    public var type: String
    /// The payload schema version.
    public var schemaVersion: UInt32
    /// Business time.
    public var occurredAt: Date
    /// When the original log stored the event; must not be earlier than the record before it.
    public var recordedAt: Date
    /// Who caused the event.
    public var actor: String
    /// The business conversation the event belongs to.
    public var correlationID: UUID?
    /// The event or command that caused this one.
    public var causationID: UUID?
    /// The encoded payload.
    public var payload: [UInt8]

    /// Creates an event to import from each of its fields.
    public init(
        position: UInt64, stream: String, streamVersion: UInt64, id: UUID, type: String, schemaVersion: UInt32,
        occurredAt: Date, recordedAt: Date, actor: String, correlationID: UUID? = nil, causationID: UUID? = nil,
        payload: [UInt8]
    ) {
        self.position = position
        self.stream = stream
        self.streamVersion = streamVersion
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
        self.payload = payload
    }

    /// Creates an event to import from one read from a store, with every field as recorded.
    public init(_ recorded: RecordedEvent) {
        self.init(
            position: recorded.position, stream: recorded.stream, streamVersion: recorded.streamVersion,
            id: recorded.id, type: recorded.type, schemaVersion: recorded.schemaVersion,
            occurredAt: recorded.occurredAt, recordedAt: recorded.recordedAt, actor: recorded.actor,
            correlationID: recorded.correlationID, causationID: recorded.causationID, payload: recorded.payload)
    }
}

/// What an append authorizer sees: every stream and event of one append or import.
public struct AppendRequest: Sendable {
    /// One stream's events.
    public struct Stream: Sendable {
        /// The stream.
        public let name: String
        /// Its events, with their actors.
        public let events: [NewEvent]

        package init(name: String, events: [NewEvent]) {
            self.name = name
            self.events = events
        }
    }

    /// The streams, in append order.
    public let streams: [Stream]

    package init(streams: [Stream]) {
        self.streams = streams
    }

    /// Every distinct actor of the request.
    public var actors: Set<String> { Set(streams.flatMap { $0.events.map(\.actor) }) }
}

/// A check that may refuse an append by throwing; see `EventStore/setAppendAuthorizer(_:)` (module `CRMEventLogLMDB`).
public typealias AppendAuthorizer = @Sendable (AppendRequest) throws -> Void
