import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation

/// What a store holds (`crm stats --json`): events, streams, size, events by stream category
/// and by type, and how far the persisted read models lag behind the log.
public struct StoreStatistics: Codable, Sendable, Hashable {
    /// A name with a count.
    public struct NamedCount: Codable, Sendable, Hashable {
        /// The category or type.
        public let name: String
        /// Events.
        public let count: Int
    }

    /// The persisted read models.
    public struct Projection: Codable, Sendable, Hashable {
        /// The model, `crm`.
        public let model: String
        /// The active generation, e.g. `r1`.
        public let generation: String
        /// The rules version it was built with.
        public let rulesVersion: Int
        /// The last position folded into the stored state.
        public let checkpoint: UInt64
        /// head − checkpoint: events not yet folded into the stored state.
        public let lag: UInt64
    }

    /// Events in the log (= the head position).
    public let events: UInt64
    /// Distinct streams.
    public let streams: Int
    /// Size of the data file in bytes (on PostgreSQL: of the events table with its indexes).
    public let bytes: Int
    /// The business time of the first and the last event, ISO 8601 days (absent when empty).
    public let firstDay: String?
    /// The business day of the last event.
    public let lastDay: String?
    /// Events by stream category, most first (then by name).
    public let categories: [NamedCount]
    /// Events by type, most first (then by name).
    public let types: [NamedCount]
    /// The persisted read models; absent when none were built (`crm demo` or `crm rebuild`).
    public let projection: Projection?

    /// Reads the statistics of `store` in one pass over the log, with the read models of its
    /// own environment and the size of its data file.
    public init(store: EventStore) throws {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: store.path + "/data.mdb")[.size] as? Int) ?? 0
        try self.init(store: store, state: StateStore(environment: store.environment), bytes: bytes)
    }

    /// Reads the statistics of a log on any backend in one pass, with the read models persisted
    /// in `state` (none when `nil`) and `bytes`, the size its backend reports.
    public init(store: any EventLogStore, state: StateStore?, bytes: Int) throws {
        var categories: [String: Int] = [:]
        var types: [String: Int] = [:]
        var streams = 0
        var first: Int64?
        var last: Int64?
        let head = try store.head()
        try store.scan(through: head) { view in
            let stream = view.streamBytes
            let end = stream.firstIndex(of: UInt8(ascii: "-")) ?? stream.endIndex
            categories[String(decoding: stream[stream.startIndex..<end], as: UTF8.self), default: 0] += 1
            types[String(decoding: view.typeBytes, as: UTF8.self), default: 0] += 1
            if view.streamVersion == 1 { streams += 1 }
            let occurred = view.occurredAtMicros
            first = min(first ?? occurred, occurred)
            last = max(last ?? occurred, occurred)
        }
        func sorted(_ counts: [String: Int]) -> [NamedCount] {
            counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { NamedCount(name: $0.key, count: $0.value) }
        }
        events = head
        self.streams = streams
        self.bytes = bytes
        firstDay = first.map { CalendarDay.containing(micros: $0).description }
        lastDay = last.map { CalendarDay.containing(micros: $0).description }
        self.categories = sorted(categories)
        self.types = sorted(types)
        projection = try state.flatMap { try StoredGeneration.active(CRMReadModels.self, in: $0) }.map {
            Projection(model: CRMReadModels.name, generation: $0.generation, rulesVersion: $0.rules.version,
                       checkpoint: $0.checkpoint, lag: head > $0.checkpoint ? head - $0.checkpoint : 0)
        }
    }
}

/// What `crm rebuild` did (`crm rebuild --json`): the generation built and, with new rules,
/// every customer, lead and KPI whose figure changed.
public struct RebuildReport: Codable, Sendable, Hashable {
    /// A customer's or lead's changed figure.
    public struct Change: Codable, Sendable, Hashable {
        /// `customer-<uuid>` or `lead-<uuid>`.
        public let subject: String
        /// `stage`, `segment`, `churnRisk` or `leadScore`.
        public let figure: String
        /// Under the old rules.
        public let old: String
        /// Under the new rules.
        public let new: String
    }

    /// A KPI that changed in a period.
    public struct KPIChange: Codable, Sendable, Hashable {
        /// The period, e.g. `2026-Q3`.
        public let period: String
        /// The KPI.
        public let kpi: String
        /// Old value (absent: no data).
        public let oldValue: Double?
        /// New value (absent: no data).
        public let newValue: Double?
        /// Old status.
        public let oldStatus: String
        /// New status.
        public let newStatus: String
    }

    /// The generation now served.
    public let generation: String
    /// The generation served before, if any.
    public let previousGeneration: String?
    /// The rules version of the previous generation (absent when there was none).
    public let oldRulesVersion: Int?
    /// The rules version now served.
    public let rulesVersion: Int
    /// The log position the new generation was built through.
    public let position: UInt64
    /// Seconds the rebuild took.
    public let seconds: Double
    /// Whether a difference was computed (`--diff` with a previous generation).
    public let compared: Bool
    /// The day figures were compared on (present when ``compared``).
    public let comparedOn: String?
    /// Changed customer and lead figures, by subject and figure (empty unless ``compared``).
    public let changes: [Change]
    /// Changed KPIs (empty unless ``compared``).
    public let kpiChanges: [KPIChange]
    /// Whether readers now read ``generation``: `false` for a preview (`crm rebuild --dry-run`),
    /// which builds the new read models in memory and leaves the served ones as they were.
    public let switched: Bool

    /// A report of a rebuild, with the difference when one was computed.
    public init(generation: String, previousGeneration: String?, oldRulesVersion: Int?, rulesVersion: Int, position: UInt64,
                seconds: Double, difference: RuleChangeReport?, switched: Bool = true) {
        self.switched = switched
        self.generation = generation
        self.previousGeneration = previousGeneration
        self.oldRulesVersion = oldRulesVersion
        self.rulesVersion = rulesVersion
        self.position = position
        self.seconds = seconds
        compared = difference != nil
        comparedOn = difference?.asOf.description
        changes = difference?.changes.map { Change(subject: $0.subject, figure: $0.figure, old: $0.old, new: $0.new) } ?? []
        kpiChanges = difference?.kpiChanges.map {
            KPIChange(period: $0.period.description, kpi: $0.kpi, oldValue: $0.old.value, newValue: $0.new.value,
                      oldStatus: $0.old.status.rawValue, newStatus: $0.new.status.rawValue)
        } ?? []
    }
}
