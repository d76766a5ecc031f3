import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import GRDB
import Synchronization

/// The read models the benchmarks rebuild, by name.
public enum ModelChoice: String, CaseIterable, Sendable {
    case crm, customer360, pipeline, lifecycle, scorecard

    /// Rebuilds this model from `store` and returns a size figure (records kept), so the
    /// fold cannot be optimised away.
    public func rebuild(_ store: EventStore) throws -> Int {
        switch self {
        case .crm:
            let model = try ProjectionEngine.rebuild(CRMReadModels.self, store: store)
            return model.customer360.customers.count + model.customer360.owners.count + model.pipeline.opportunities.count
        case .customer360: return try ProjectionEngine.rebuild(Customer360Model.self, store: store).customers.count
        case .pipeline: return try ProjectionEngine.rebuild(PipelineModel.self, store: store).opportunities.count
        case .lifecycle: return try ProjectionEngine.rebuild(LifecycleModel.self, store: store).latestDay.map { Int($0.daysSince1970) } ?? 0
        case .scorecard: return try ProjectionEngine.rebuild(ScorecardModel.self, store: store).months.count
        }
    }

    /// The rebuild of all four models on one thread, through the public fold API (the path
    /// ``ProjectionEngine`` took before it folded customer 360 on a second thread), for
    /// comparisons; returns the same size figure as ``rebuild(_:)`` for `.crm`.
    public static func rebuildAllOnOneThread(_ store: EventStore) throws -> Int {
        var model = CRMReadModels(rules: .standard)
        model.setTracksChanges(false)
        let registry = EventRegistry()
        try store.scan(.all) { view in
            guard let event = try registry.decode(view, ifIn: CRMReadModels.eventTypes) else { return }
            model.apply(event, EventInfo(position: view.position, occurredAtMicros: view.occurredAtMicros))
        }
        model.setTracksChanges(true)
        return model.customer360.customers.count + model.customer360.owners.count + model.pipeline.opportunities.count
    }

    /// Rebuilds this model from the SQLite peer; returns a size figure and the rows read.
    public func rebuildFromSQLite(_ queue: DatabaseQueue) throws -> (size: Int, rows: Int) {
        switch self {
        case .crm:
            let (model, rows) = try SQLitePeerRead.rebuild(CRMReadModels.self, queue)
            return (model.customer360.customers.count + model.customer360.owners.count + model.pipeline.opportunities.count, rows)
        case .customer360:
            let (model, rows) = try SQLitePeerRead.rebuild(Customer360Model.self, queue)
            return (model.customers.count, rows)
        case .pipeline:
            let (model, rows) = try SQLitePeerRead.rebuild(PipelineModel.self, queue)
            return (model.opportunities.count, rows)
        case .lifecycle:
            let (model, rows) = try SQLitePeerRead.rebuild(LifecycleModel.self, queue)
            return (model.latestDay.map { Int($0.daysSince1970) } ?? 0, rows)
        case .scorecard:
            let (model, rows) = try SQLitePeerRead.rebuild(ScorecardModel.self, queue)
            return (model.months.count, rows)
        }
    }

    /// The event types the model folds.
    public var eventTypes: EventTypeFilter {
        switch self {
        case .crm: return CRMReadModels.eventTypes
        case .customer360: return Customer360Model.eventTypes
        case .pipeline: return PipelineModel.eventTypes
        case .lifecycle: return LifecycleModel.eventTypes
        case .scorecard: return ScorecardModel.eventTypes
        }
    }
}

/// Reading the SQLite peer: rows in position order, each payload decoded with `JSONDecoder`
/// into its catalog struct and wrapped as a `DomainEvent`, folded by the same `apply` the
/// CRMKit rebuild calls.
public enum SQLitePeerRead {
    public static func open() throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: Dataset.sqlitePath) else { throw DatasetError("no SQLite peer at \(Dataset.sqlitePath)") }
        return try DatabaseQueue(path: Dataset.sqlitePath)
    }

    static let sql = "SELECT position, type, occurred_at, payload FROM events ORDER BY position"

    /// Reads every row, touching the payload bytes; returns the row count.
    public static func scan(_ queue: DatabaseQueue) throws -> (rows: Int, bytes: Int) {
        try queue.read { db in
            var count = 0, bytes = 0
            let rows = try Row.fetchCursor(db, sql: sql)
            while let row = try rows.next() {
                count += 1
                let type: String = row[1]
                bytes &+= type.utf8.count
                bytes &+= try row.withUnsafeData(atIndex: 3) { $0?.count ?? 0 }
            }
            return (count, bytes)
        }
    }

    /// Reads and decodes every row the model folds (`fold` nil: decodes all, folds nothing).
    public static func read(_ queue: DatabaseQueue, filter: EventTypeFilter, _ fold: ((DomainEvent, EventInfo) -> Void)?) throws -> Int {
        try queue.read { db in
            let decoder = JSONDecoder()
            let table = CatalogJSON.decoders.filter { name, _ in Array(name.utf8).withUnsafeBytes { filter.contains(typeBytes: $0) } }
            var count = 0
            let rows = try Row.fetchCursor(db, sql: sql)
            while let row = try rows.next() {
                let type: String = row[1]
                let decode = table[type]
                if decode == nil, CatalogJSON.decoders[type] == nil { throw DatasetError("unknown event type \(type)") }
                count += 1
                guard let decode else { continue }
                let event = try row.withUnsafeData(atIndex: 3) { data -> DomainEvent in
                    guard let data else { throw DatasetError("row without payload") }
                    return try decode(decoder, data)
                }
                fold?(event, EventInfo(position: UInt64(row[0] as Int64), occurredAtMicros: row[2]))
            }
            return count
        }
    }

    /// The rebuild of `Model` from the SQLite table.
    public static func rebuild<Model: ReadModel>(_: Model.Type, _ queue: DatabaseQueue, rules: CRMRules = .standard) throws -> (Model, Int) {
        var model = Model(rules: rules)
        let count = try read(queue, filter: Model.eventTypes) { event, info in model.apply(event, info) }
        return (model, count)
    }
}

// MARK: - Memory

/// Figures from `/proc/self/status`, in KiB.
public struct ProcessMemory: Sendable {
    public var hwm = 0, rss = 0, anon = 0, file = 0

    public static func now() -> ProcessMemory {
        var memory = ProcessMemory()
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return memory }
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count > 1, let value = Int(fields[1]) else { continue }
            switch fields[0] {
            case "VmHWM:": memory.hwm = value
            case "VmRSS:": memory.rss = value
            case "RssAnon:": memory.anon = value
            case "RssFile:": memory.file = value
            default: break
            }
        }
        return memory
    }
}

/// Samples resident memory every few milliseconds on its own thread and keeps the peaks of
/// the anonymous part (heap) and the file-backed part (mapped LMDB pages).
public final class MemorySampler: @unchecked Sendable {
    private let peaks = Mutex<(anon: Int, file: Int, rss: Int, anonAt: Double)>((0, 0, 0, 0))
    private let running = Atomic<Bool>(true)
    private var thread: Thread?
    private let started = ContinuousClock.now

    public init(interval: TimeInterval = 0.005) {
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                let now = ProcessMemory.now()
                let at = seconds(ContinuousClock.now - started)
                peaks.withLock { $0 = (max($0.anon, now.anon), max($0.file, now.file), max($0.rss, now.rss), now.anon > $0.anon ? at : $0.anonAt) }
                Thread.sleep(forTimeInterval: interval)
            }
        }
        self.thread = thread
        thread.start()
    }

    /// Stops sampling; returns the peaks in KiB.
    public func stop() -> (anon: Int, file: Int, rss: Int) {
        running.store(false, ordering: .relaxed)
        Thread.sleep(forTimeInterval: 0.02)
        let now = ProcessMemory.now()
        return peaks.withLock { (max($0.anon, now.anon), max($0.file, now.file), max($0.rss, now.rss)) }
    }

    /// Seconds from the sampler's start to the highest anonymous (heap) sample.
    public var anonPeakSeconds: Double { peaks.withLock { $0.anonAt } }
}
