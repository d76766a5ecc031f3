import CRMDomain
import CRMProjections
import CRMEventLog
import Foundation

/// One fact in an entity's history, as an auditor reads it.
public struct AuditEntry: Sendable, Hashable {
    /// Global position.
    public let position: UInt64
    /// The stream, e.g. `order-…`.
    public let stream: String
    /// The version inside the stream.
    public let streamVersion: UInt64
    /// The event type.
    public let eventType: String
    /// When it happened (business time).
    public let occurredAt: Date
    /// When the log recorded it.
    public let recordedAt: Date
    /// Who caused it.
    public let actor: String
    /// The business conversation.
    public let correlationID: UUID?
    /// What caused it.
    public let causationID: UUID?
    /// The event's fields for people (personal data opened when the trail has a protector and
    /// the subject's key exists, `‹erased›` once forgotten).
    public let summary: String
}

/// Audit queries: an entity's full history, and what the CRM knew about a customer at a past
/// moment and who changed it since.
public struct AuditTrail: Sendable {
    /// The log (LMDB or PostgreSQL).
    public let store: any EventLogStore
    /// The event types read.
    public let registry: EventRegistry
    /// Opens personal data in summaries; `nil` shows it sealed.
    public let protector: (any PersonalDataProtector)?

    /// An audit trail over `store`.
    public init(store: any EventLogStore, registry: EventRegistry = EventRegistry(), protector: (any PersonalDataProtector)? = nil) {
        self.store = store
        self.registry = registry
        self.protector = protector
    }

    private func entry(_ event: RecordedEvent) throws -> AuditEntry {
        var decoded = try registry.decode(event)
        if let protector { decoded = try decoded.openingPersonalData(with: protector) }
        return AuditEntry(position: event.position, stream: event.stream, streamVersion: event.streamVersion, eventType: event.type,
                          occurredAt: event.occurredAt, recordedAt: event.recordedAt, actor: event.actor,
                          correlationID: event.correlationID, causationID: event.causationID, summary: decoded.summary)
    }

    /// Every event of `stream`, oldest first.
    public func history(of stream: String) throws -> [AuditEntry] {
        try store.events(.stream(stream)).map(entry)
    }

    /// Every event about a customer — its own stream and the streams of its orders, invoices,
    /// tickets, opportunities, quotes and contracts (found through `models`) — in log order.
    public func history(ofCustomer id: CustomerID, models: CRMReadModels) throws -> [AuditEntry] {
        var streams = [id.stream]
        let categories = [OrderKindTag.category, InvoiceKindTag.category, TicketKindTag.category, OpportunityKindTag.category,
                          QuoteKindTag.category, ContractKindTag.category]
        for (entity, owner) in models.customer360.owners.records where owner.customer == id {
            for category in categories {
                let stream = "\(category)-\(entity.uuidString.lowercased())"
                if try store.streamVersion(of: stream) > 0 { streams.append(stream) }
            }
        }
        var entries: [AuditEntry] = []
        for stream in streams { entries += try history(of: stream) }
        return entries.sorted { $0.position < $1.position }
    }

    /// The last position recorded at or before `date` (0 when none).
    public func position(recordedBy date: Date) throws -> UInt64 {
        var low: UInt64 = 0, high = try store.head()
        while low < high {
            let middle = (low + high + 1) / 2
            guard let event = try store.event(at: middle) else { break }
            if event.recordedAt <= date { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// What the CRM knew about a customer at `date`: the customer 360 built from the events
    /// recorded by then (business day = that date), and every event about the customer
    /// recorded since, with who recorded it.
    public func knowledge(of id: CustomerID, at date: Date, rules: CRMRules = .standard) throws
        -> (view: Customer360View?, changedSince: [AuditEntry]) {
        let position = try self.position(recordedBy: date)
        let then = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, rules: rules, asOf: .position(position), registry: registry)
        let now = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, rules: rules, registry: registry)
        var view = then.customer360(id, asOf: CalendarDay(containing: date))
        if let protector, let current = view {
            view = current.replacingRecord(try current.record.openingPersonalData(of: id, with: protector))
        }
        return (view, try history(ofCustomer: id, models: now).filter { $0.position > position })
    }
}

/// One consent change of a customer.
public struct ConsentChange: Sendable, Hashable {
    /// Global position of the event.
    public let position: UInt64
    /// When it was given or withdrawn (business time).
    public let occurredAt: Date
    /// When it was recorded.
    public let recordedAt: Date
    /// The purpose.
    public let purpose: ConsentPurpose
    /// The channel.
    public let channel: Channel
    /// Given (`true`) or withdrawn.
    public let given: Bool
    /// Who recorded it.
    public let actor: String
    /// Where a consent was collected.
    public let source: String?
}

/// Consent per customer, purpose and channel, with its history, from the consent events.
public struct ConsentLedger: Sendable {
    /// The log (LMDB or PostgreSQL).
    public let store: any EventLogStore
    /// The event types read.
    public let registry: EventRegistry

    /// A ledger over `store`.
    public init(store: any EventLogStore, registry: EventRegistry = EventRegistry()) {
        self.store = store
        self.registry = registry
    }

    /// Every consent given or withdrawn by the customer, in log order.
    public func history(of customer: CustomerID) throws -> [ConsentChange] {
        try store.events(.stream(customer.stream)).compactMap { event in
            switch try registry.decode(event) {
            case .consentGiven(let e):
                return ConsentChange(position: event.position, occurredAt: event.occurredAt, recordedAt: event.recordedAt,
                                     purpose: e.purpose, channel: e.channel, given: true, actor: event.actor, source: e.source)
            case .consentWithdrawn(let e):
                return ConsentChange(position: event.position, occurredAt: event.occurredAt, recordedAt: event.recordedAt,
                                     purpose: e.purpose, channel: e.channel, given: false, actor: event.actor, source: nil)
            default:
                return nil
            }
        }
    }

    /// The consents in force at `date` (business time; default now): for each purpose, the
    /// channels it was given for and not withdrawn since.
    public func current(of customer: CustomerID, at date: Date = Date()) throws -> [ConsentPurpose: Set<Channel>] {
        var result: [ConsentPurpose: Set<Channel>] = [:]
        for change in try history(of: customer).filter({ $0.occurredAt <= date }).sorted(by: { $0.occurredAt < $1.occurredAt }) {
            if change.given {
                result[change.purpose, default: []].insert(change.channel)
            } else {
                result[change.purpose]?.remove(change.channel)
                if result[change.purpose]?.isEmpty == true { result[change.purpose] = nil }
            }
        }
        return result
    }

    /// Whether the customer may be contacted for `purpose` on `channel` at `date`.
    public func mayContact(_ customer: CustomerID, for purpose: ConsentPurpose, on channel: Channel, at date: Date = Date()) throws -> Bool {
        try current(of: customer, at: date)[purpose]?.contains(channel) ?? false
    }
}
