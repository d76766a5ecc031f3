import CRMEventLog
import Foundation
import Logging
import Synchronization

/// Who sends a command, when it happened and what it belongs to: becomes the events' metadata.
public struct CommandContext: Sendable, Hashable {
    /// Who caused the events: a user, a service, a policy.
    public var actor: String
    /// Business time of the fact (may be back-dated); also the day rules compare with.
    public var occurredAt: Date
    /// The business conversation the events belong to.
    public var correlationID: UUID?
    /// The event or command that caused these events.
    public var causationID: UUID?
    /// Makes the command idempotent: its first event gets this id and the others ids derived
    /// from it (`NewEvent.derivedID(from:index:)`), so the same command sent again with the
    /// same key meets its events already stored. `nil` gives fresh ids.
    public var idempotencyKey: UUID?

    /// Creates a context; `occurredAt` defaults to now.
    public init(actor: String = "system", occurredAt: Date = Date(), correlationID: UUID? = nil, causationID: UUID? = nil,
                idempotencyKey: UUID? = nil) {
        self.actor = actor
        self.occurredAt = occurredAt
        self.correlationID = correlationID
        self.causationID = causationID
        self.idempotencyKey = idempotencyKey
    }

    /// The id of the command's event at `index` (over all its streams, in order).
    func eventID(at index: Int) -> UUID {
        idempotencyKey.map { NewEvent.derivedID(from: $0, index: index) } ?? NewEvent.makeID()
    }
}

/// Validates ``CRMCommand``s against the streams they touch and appends their events.
///
/// Each command reads the current state of the streams it touches, checks every domain rule,
/// and appends with the stream versions it read as expected versions, so a concurrent change
/// makes the append fail instead of slipping past a rule; the handler then reads and decides
/// again (up to ``maximumAttempts`` times). A rejected command throws ``DomainRuleError`` and
/// appends nothing.
public final class CommandHandler: Sendable {
    /// The log commands append to (LMDB or PostgreSQL).
    public let store: any EventLogStore
    /// The event types this handler reads and writes.
    public let registry: EventRegistry
    /// How often a command is decided again after a concurrent append to one of its streams.
    public let maximumAttempts: Int
    /// Seals personal data before it is appended; `nil` stores it in the clear.
    public let protector: (any PersonalDataProtector)?
    private let logger: Logger
    /// Folded write-side states by stream, with the stream version they reflect. A command
    /// folds only the events appended since; the log is append-only, so this is exact.
    let stateCache = StateCache()

    /// Creates a handler over `store`.
    ///
    /// - Parameters:
    ///   - store: the log the commands read their streams from and append to.
    ///   - registry: decodes the events of the streams a command reads; the catalog by default.
    ///   - protector: seals every personal-data field for its subject before appending
    ///     (crypto-shredding); without one, personal data is stored in the clear.
    ///   - maximumAttempts: how often a command is checked and appended again when another
    ///     writer changed one of its streams in between (at least 1).
    ///   - logger: where retries and rejections are logged; nowhere by default.
    public init(store: any EventLogStore, registry: EventRegistry = EventRegistry(), protector: (any PersonalDataProtector)? = nil,
                maximumAttempts: Int = 5,
                logger: Logger = Logger(label: "crmkit.commands", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.store = store
        self.registry = registry
        self.protector = protector
        self.maximumAttempts = max(1, maximumAttempts)
        self.logger = logger
    }

    /// Checks `command` and appends its events.
    ///
    /// - Returns: the positions of the appended events.
    /// - Throws: ``DomainRuleError`` naming the rule broken (nothing appended); ``CodecError``
    ///   if a stream it reads holds undecodable events; `EventLogError` from the log.
    @discardableResult
    public func execute(_ command: CRMCommand, context: CommandContext = CommandContext()) async throws -> AppendResult {
        var attempt = 1
        while true {
            let decider = try decideEvents(command, context: context)
            if let protector {
                let subjects = Set(decider.appends.flatMap { $0.1.compactMap(\.subjectToSeal) })
                if !subjects.isEmpty { try await protector.prepareKeys(for: subjects) }
            }
            var sealed: [(String, [DomainEvent])] = []
            let decision = try appends(of: decider, context: context, sealed: &sealed)
            do {
                let result = try await store.append(decision)
                if !result.wasAlreadyStored { decider.advanceCache(by: sealed, at: Micros.from(context.occurredAt)) }
                return result
            } catch let error as EventLogError {
                guard case .wrongExpectedVersion(let stream, _, _) = error, attempt < maximumAttempts else { throw error }
                logger.debug("concurrent append, deciding again", metadata: ["stream": "\(stream)", "attempt": "\(attempt)"])
                attempt += 1
            }
        }
    }

    /// Appends an extension event to `stream` (no domain rules apply to app-defined types).
    @discardableResult
    public func append<E: ExtensionEvent>(_ event: E, to stream: String, expectedVersion: ExpectedVersion = .any,
                                          context: CommandContext = CommandContext()) async throws -> AppendResult {
        guard registry.knows(E.eventType) else { throw CodecError.unknownEventType(E.eventType) }
        let value = try ExtensionEventValue(event)
        let new = NewEvent(type: value.eventType, schemaVersion: value.schemaVersion, occurredAt: context.occurredAt,
                           actor: context.actor, correlationID: context.correlationID, causationID: context.causationID,
                           payload: value.payload)
        return try await store.append(to: stream, expectedVersion: expectedVersion, events: [new])
    }

    /// Reads and folds the streams `command` touches and returns the appends it leads to.
    func decide(_ command: CRMCommand, context: CommandContext) throws -> [StreamAppend] {
        try appends(of: try decideEvents(command, context: context), context: context)
    }

    /// Reads and folds the streams `command` touches and decides its events (not yet sealed).
    func decideEvents(_ command: CRMCommand, context: CommandContext) throws -> Decider {
        var decider = Decider(store: store, registry: registry, today: CalendarDay(containing: context.occurredAt), cache: stateCache)
        decider.protector = protector
        try decider.decide(command)
        let micros = Micros.from(context.occurredAt)
        for (stream, events) in decider.appends {
            let times = decider.times[stream]
            for event in events { try BusinessOrder.check(event, to: stream, at: micros, first: times?.first, latest: times?.latest) }
        }
        return decider
    }

    /// A decision's events sealed, encoded and grouped into appends with the versions it read.
    func appends(of decider: Decider, context: CommandContext) throws -> [StreamAppend] {
        var sealed: [(String, [DomainEvent])] = []
        return try appends(of: decider, context: context, sealed: &sealed)
    }

    /// The appends, and in `sealed` each stream's events as they are stored (personal data sealed).
    func appends(of decider: Decider, context: CommandContext, sealed stored: inout [(String, [DomainEvent])]) throws -> [StreamAppend] {
        var index = 0
        return try decider.appends.map { stream, events in
            var storedEvents: [DomainEvent] = []
            defer { stored.append((stream, storedEvents)) }
            return StreamAppend(
                stream: stream,
                expectedVersion: decider.versions[stream].map { $0 == 0 ? .noStream : .exactly($0) } ?? .any,
                events: try events.map { event in
                    let sealed = try protector.map { try event.sealingPersonalData(with: $0) } ?? event
                    storedEvents.append(sealed)
                    let (type, version, payload) = registry.encode(sealed)
                    defer { index += 1 }
                    return NewEvent(id: context.eventID(at: index), type: type, schemaVersion: version, occurredAt: context.occurredAt,
                                    actor: context.actor, correlationID: context.correlationID, causationID: context.causationID,
                                    payload: payload)
                })
        }
    }
}

/// One command's decision: the states it read (with their versions) and the events it emits.
struct Decider {
    let store: any EventLogStore
    let registry: EventRegistry
    let today: CalendarDay
    let cache: StateCache
    var protector: (any PersonalDataProtector)?
    var versions: [String: UInt64] = [:]
    /// The business times of each read stream's first and latest events (``BusinessOrder``).
    var times: [String: StreamTimes] = [:]
    var appends: [(String, [DomainEvent])] = []
    /// The states read, by stream, as the decision saw them.
    var states: [String: any StreamState] = [:]

    init(store: any EventLogStore, registry: EventRegistry, today: CalendarDay, cache: StateCache) {
        self.store = store
        self.registry = registry
        self.today = today
        self.cache = cache
    }

    // MARK: Reading state

    /// The state of `stream`: the cached fold plus the events appended since.
    mutating func load<S: StreamState>(_ stream: String, as _: S.Type = S.self) throws -> S {
        var (state, version, times) = cache.state(of: stream, as: S.self) ?? (S(), 0, nil)
        let cachedVersion = version
        let registry = registry
        try store.scan(.stream(stream), from: version + 1) { view in
            state.apply(try registry.decode(view))
            version = view.streamVersion
            times.add(view.occurredAtMicros)
        }
        if version > cachedVersion { cache.store(state, version: version, times: times, for: stream) }
        versions[stream] = version
        self.times[stream] = times
        states[stream] = state
        return state
    }

    /// After the decision's events were appended: the cached states of the streams it read
    /// advance by the events as stored, so the next command on them reads nothing from the log.
    /// (The append succeeded with the versions read as expected versions, so these events
    /// directly follow the states read.)
    func advanceCache(by stored: [(String, [DomainEvent])], at micros: Int64) {
        for (stream, events) in stored {
            guard var state = states[stream], let read = versions[stream], !events.isEmpty else { continue }
            var times: StreamTimes? = self.times[stream]
            for event in events {
                state.apply(event)
                times.add(micros)
            }
            cache.store(state, version: read + UInt64(events.count), times: times, for: stream)
        }
    }

    /// The state of an entity that must exist.
    mutating func existing<S: StreamState, K>(_ id: Identifier<K>, as _: S.Type = S.self) throws -> S {
        let state: S = try load(id.stream)
        guard state.exists else { throw DomainRuleError.unknownEntity(kind: K.category, id: id.description) }
        return state
    }

    /// Checks that an entity does not exist yet.
    mutating func absent<S: StreamState, K>(_ id: Identifier<K>, as _: S.Type) throws {
        let state: S = try load(id.stream)
        guard !state.exists else { throw DomainRuleError.alreadyExists(kind: K.category, id: id.description) }
    }

    /// A customer that exists and was not merged away.
    mutating func customer(_ id: CustomerID) throws -> CustomerState {
        let state: CustomerState = try existing(id)
        if let survivor = state.mergedInto { throw DomainRuleError.customerMerged(id, survivor: survivor) }
        return state
    }

    /// An employee that exists and has not left.
    mutating func employee(_ id: EmployeeID) throws {
        let state: EmployeeState = try existing(id)
        guard !state.left else { throw DomainRuleError.employeeLeft(id) }
    }

    mutating func emit<K>(_ id: Identifier<K>, _ events: DomainEvent...) {
        appends.append((id.stream, events))
    }

    // MARK: Checks

    func text(_ field: String, _ value: String) throws {
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw DomainRuleError.emptyField(field) }
    }

    func text(_ field: String, _ value: PersonalText) throws {
        if case .plain(let plain) = value { try text(field, plain) }
    }

    func nonNegative(_ field: String, _ amount: Money) throws {
        guard !amount.isNegative else { throw DomainRuleError.negativeAmount(field: field, amount: amount) }
    }

    func positive(_ field: String, _ amount: Money) throws {
        guard amount.minorUnits > 0 else { throw DomainRuleError.nonPositiveAmount(field: field, amount: amount) }
    }

    func currency(_ field: String, _ amount: Money, _ expected: CurrencyCode) throws {
        guard amount.currency == expected else {
            throw DomainRuleError.currencyMismatch(field: field, expected: expected, found: amount.currency)
        }
    }

    func range(_ field: String, _ value: Int, _ allowed: ClosedRange<Int>) throws {
        guard allowed.contains(value) else { throw DomainRuleError.valueOutOfRange(field: field, value: value, allowed: allowed) }
    }

    func probability(_ value: Int) throws {
        guard (0...100).contains(value) else { throw DomainRuleError.probabilityOutOfRange(value) }
    }

    func dates(_ field: String, _ start: CalendarDay, _ end: CalendarDay) throws {
        guard end >= start else { throw DomainRuleError.dateRangeReversed(field: field, start: start, end: end) }
    }

    func transition<K>(_ id: Identifier<K>, _ state: String, _ action: String, allowed: Bool) throws {
        guard allowed else { throw DomainRuleError.invalidTransition(kind: K.category, id: id.description, state: state, action: action) }
    }

    /// Checks order or quote lines and returns their total.
    func total(of lines: [OrderLine]) throws -> Money {
        guard let first = lines.first else { throw DomainRuleError.emptyList("lines") }
        var sum: Int64 = 0
        for (index, line) in lines.enumerated() {
            try text("lines[\(index)].product", line.product)
            try range("lines[\(index)].quantity", line.quantity, 1...1_000_000_000)
            try nonNegative("lines[\(index)].unitPrice", line.unitPrice)
            try currency("lines[\(index)].unitPrice", line.unitPrice, first.unitPrice.currency)
            if let discount = line.discount {
                try nonNegative("lines[\(index)].discount", discount)
                try currency("lines[\(index)].discount", discount, first.unitPrice.currency)
            }
            guard let net = line.netAmount else { throw DomainRuleError.amountOverflow(field: "lines[\(index)]") }
            guard net >= 0 else {
                throw DomainRuleError.negativeAmount(field: "lines[\(index)] net amount", amount: Money(minorUnits: net, currency: first.unitPrice.currency))
            }
            let (next, overflow) = sum.addingReportingOverflow(net)
            guard !overflow else { throw DomainRuleError.amountOverflow(field: "total") }
            sum = next
        }
        return Money(minorUnits: sum, currency: first.unitPrice.currency)
    }
}

/// A bounded map from stream to its folded write-side state; shared by a handler's commands.
final class StateCache: Sendable {
    private let entries = Mutex<[String: (state: any StreamState, version: UInt64, times: StreamTimes?)]>([:])
    /// Above this many streams the cache starts over (a simple bound on memory).
    static let capacity = 200_000

    /// A stream's cached state, its version and the business times of its events.
    func state<S: StreamState>(of stream: String, as _: S.Type) -> (S, UInt64, StreamTimes?)? {
        entries.withLock { entries in
            guard let entry = entries[stream], let state = entry.state as? S else { return nil }
            return (state, entry.version, entry.times)
        }
    }

    /// The version a stream's cached state reflects, if it is cached.
    func version(of stream: String) -> UInt64? {
        entries.withLock { $0[stream]?.version }
    }

    func store<S: StreamState>(_ state: S, version: UInt64, times: StreamTimes?, for stream: String) {
        entries.withLock { entries in
            if let existing = entries[stream], existing.version >= version { return }
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[stream] = (state, version, times)
        }
    }
}
