// The live path (P5): `Projector` catching up and following, each beside a SQLite peer that
// does the same work the way a SQLite-based projector would, in the same run.
//
//     cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target ProjectionBenchmarks --filter "P5.*" --no-progress
import Benchmark
import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMProjections
import Foundation
import GRDB
import Metrics
import ProjectionData
import Synchronization

/// The live-path benchmarks of issue "Every figure right on the business timeline".
///
/// ## P5 live catch-up 1M
///
/// A `Projector<CRMReadModels>` (all four read models, standard rules) whose stored state stands
/// at position *head − 1,000,000* of the cached 10 M-event dataset catches up the last
/// 1,000,000 events with `catchUp(batchSize: 50_000)` (its default): the log read in place,
/// each event decoded and folded, and the changed records written with the checkpoint in one
/// LMDB write transaction per batch (20 batches, each synced: the state store is a fresh
/// directory opened with `StateStore(path:)`, which syncs every commit). Measured: from the call
/// to its return; events/s = 1,000,000 ÷ that time.
///
/// `Projector` catches up to the head as it finds it and cannot stop short of it, and the
/// dataset store is read-only and shared, so the benchmark reads the dataset through
/// ``LogPrefix``, a view of the log that ends at a chosen position. In setup (not measured),
/// `Projector.rebuild` over the view ending at head − 1 M stores the state of that point in a
/// seed directory. Each iteration copies the seed's `data.mdb` to a fresh directory (synced, so
/// the copy's dirty pages are not flushed by the measured commits), opens a `Projector` on it
/// (restoring the model) and a view ending at the real head, and then measures the catch-up.
/// The view forwards one scan call per batch to the store's own scan and counts the records it
/// hands over: the preconditions check that exactly 1,000,000 were folded and that the
/// checkpoint is the head.
///
/// Its peer, **P5 live catch-up 1M: SQLite peer**: the same model restored (setup) from the
/// same state (`ProjectionEngine.rebuild(asOf: .position(head − 1 M))`, its `entries()` written
/// to a fresh SQLite state database and restored with `CRMReadModels(rules:entries:)`), then
/// batches of 50,000 rows `SELECT position, type, occurred_at, payload FROM events WHERE
/// position > ? ORDER BY position LIMIT 50000` from `peer.sqlite` through GRDB, each payload
/// decoded by `JSONDecoder` into its catalog struct and folded by the same `apply`, then the
/// model's `takeChanges()` (the same record bytes CRMKit stores) UPSERTed into
/// `projection_state(key BLOB PRIMARY KEY, value BLOB)` with the checkpoint in one transaction
/// of the state database (WAL, `synchronous = FULL`). The state database is a separate file,
/// as CRMKit's state store is a separate directory: `peer.sqlite` is shared and not written.
///
/// ## P5 live follow 100x1k
///
/// A fresh, durable `EventStore` (default configuration: every commit synced) and a
/// `Projector<CRMReadModels>` keeping its state in the store's own environment
/// (`StateStore(environment: store.environment)`, as an LMDB log's projections are kept) runs
/// `follow(batchSize: 1_000)` in a task. A writer task then appends 100 commits of 1,000
/// events, one after another without waiting for the projector: the first 100,000 events of
/// the dataset, each commit grouped by stream (``LiveWorkload``). Measured: from the first
/// append until the projector has stored the state of the last event; events/s = 100,000 ÷
/// that time. The projector says when it stored a batch through its own swift-metrics counter
/// (`crmkit_projection_folded_events_total`, incremented right after the state and
/// checkpoint are committed): a metrics backend bootstrapped in this process records each
/// increment with the time, and the benchmark waits for the count to reach 100,000 — no sleep
/// and no polling. From the same records, **lag commit to folded (us)**: for each commit, the time from
/// its `append` returning (durable) to the projector having stored it (0 when the projector
/// stored it before the writer resumed); one sample per commit, 100 per iteration. And
/// **append per commit (us)**: how long each `append` call took (commit synced), to tell a
/// writer-bound run (lag near 0) from a projector-bound one (lag growing along the run).
///
/// The projector and the writer run as tasks with a thread each (``ThreadExecutor``), not on
/// Swift's cooperative pool, one of whose two threads package-benchmark blocks while an async
/// benchmark runs (without this, the two took turns on one thread: 13.8 k events/s, appends
/// of 50 ms waiting for the projector's batches).
///
/// Its peer, **P5 live follow 100x1k: SQLite peer**: one fresh SQLite database in WAL mode
/// with `synchronous = FULL` (a GRDB `DatabasePool`: the writer and the projector's reads
/// apart, writes serialised, as in LMDB) holding the log table (the columns of EventLogBenchmarks'
/// peer: unique event id, `UNIQUE (stream, version)`, JSON payload) and the projector's state.
/// The writer inserts the same 100,000 events in the same order, one transaction per commit,
/// and after each commit signals the peer projector (an `AsyncStream`, as CRMKit's
/// subscription is woken by its commits); the projector reads up to 1,000 new rows at a time
/// (`WHERE position > ? ORDER BY position LIMIT 1000`), decodes and folds them as above, and
/// UPSERTs the changes with its checkpoint in one transaction. Same three figures.
enum Live {
    /// Events the catch-up folds: the last million of the dataset.
    static let catchUpEvents: UInt64 = 1_000_000
    /// `Projector.catchUp`'s default batch.
    static let catchUpBatch = 50_000
    static let commits = 100
    static let perCommit = 1_000
    /// `Projector.follow`'s default batch.
    static let followBatch = 1_000
    static let generation = "live"
}

let lagMicros = BenchmarkMetric.custom("lag commit to folded (us)", polarity: .prefersSmaller, useScalingFactor: false)
let appendMicros = BenchmarkMetric.custom("append per commit (us)", polarity: .prefersSmaller, useScalingFactor: false)
let mapGrowths = BenchmarkMetric.custom("state map growths", polarity: .prefersSmaller, useScalingFactor: false)

/// One commit of a follow benchmark's writer: its last position, when its append was called
/// and when it returned.
typealias CommitMark = (position: UInt64, called: ContinuousClock.Instant, at: ContinuousClock.Instant)

/// Per-process state of the P5 benchmarks.
final class LiveFixture: @unchecked Sendable {
    var dataset: EventStore?
    var head: UInt64 = 0
    /// CRMKit catch-up: the state store holding the state at head − 1 M.
    var seedDirectory: String?
    /// SQLite catch-up: the state at head − 1 M.
    var seedEntries: [ReadModelEntry] = []
    var peerLog: DatabaseQueue?
    var workload: LiveWorkload?

    func openDataset() async throws -> EventStore {
        let marker = try await Dataset.ensure()
        let store = try EventStore.openReadOnly(path: Dataset.storePath)
        dataset = store
        head = try store.head()
        precondition(head == marker.events && head > Live.catchUpEvents, "head \(head), marker \(marker.events)")
        return store
    }

    func tearDown() {
        dataset?.close()
        dataset = nil
        removeDirectory(seedDirectory)
        seedDirectory = nil
        seedEntries = []
        try? peerLog?.close()
        peerLog = nil
        workload = nil
    }
}

let live = LiveFixture()

// MARK: - When a projector stored a batch

/// Counts the events a projector reports stored and when: the CRMKit projector through its
/// swift-metrics counter, the SQLite peer by calling ``stored(_:)`` after its commit. In a
/// fresh log the count is the checkpoint.
final class FoldProbe: Sendable {
    private struct State {
        var folded: UInt64 = 0
        var marks: [(checkpoint: UInt64, at: ContinuousClock.Instant)] = []
        var target: UInt64 = .max
        var failed = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Starts counting from 0 towards `target`.
    func reset(target: UInt64) {
        state.withLock { state in
            state = State()
            state.target = target
            state.marks.reserveCapacity(4_096)
        }
    }

    /// A batch of `events` events was stored.
    func stored(_ events: Int) {
        let now = ContinuousClock.now
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.folded += UInt64(events)
            state.marks.append((state.folded, now))
            guard state.folded >= state.target, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// The writer or the projector failed: wake the waiter (the benchmark then rethrows).
    func abort() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.failed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns once the count reached the target (or a task failed).
    func waitForTarget() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.folded >= state.target || state.failed { return true }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    var folded: UInt64 { state.withLock { $0.folded } }

    /// For each commit (its last position, when its append returned): the time until the first
    /// stored batch at or past it, 0 when that was before the append returned.
    func lags(_ commits: [CommitMark]) -> [Duration] {
        let marks = state.withLock { $0.marks }
        var index = 0
        return commits.map { commit in
            while index < marks.count, marks[index].checkpoint < commit.position { index += 1 }
            precondition(index < marks.count, "commit through \(commit.position) never stored")
            return max(.zero, marks[index].at - commit.at)
        }
    }
}

let foldProbe = FoldProbe()

/// The projector's folded-events counter, handed to ``foldProbe``.
final class FoldedEventsHandler: CounterHandler, Sendable {
    func increment(by amount: Int64) { foldProbe.stored(Int(amount)) }
    func reset() {}
}

/// A metrics backend that only listens to `CRMReadModels`' folded-events counter.
struct ProbeMetrics: MetricsFactory {
    func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        guard label == CRMMetrics.foldedEvents, dimensions.contains(where: { $0.0 == "model" && $0.1 == CRMReadModels.name }) else {
            return NOOPMetricsHandler.instance
        }
        return FoldedEventsHandler()
    }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler { NOOPMetricsHandler.instance }
    func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: CounterHandler) {}
    func destroyRecorder(_ handler: RecorderHandler) {}
    func destroyTimer(_ handler: TimerHandler) {}
}

enum ProbeMetricsSystem {
    /// Bootstraps ``ProbeMetrics`` once per process (before any projector is made).
    static let installed: Bool = {
        MetricsSystem.bootstrap(ProbeMetrics())
        return true
    }()
}

/// A task executor with one thread of its own: the follow benchmarks run the projector and the
/// writer each on one, off Swift's cooperative pool. package-benchmark runs an async benchmark
/// by blocking a thread of that pool on a semaphore until the closure ends (`Benchmark.runAsync`,
/// called from the async `Benchmark.Runner.run`), so on this 2-core machine the projector and
/// the writer would otherwise share the one thread left, taking turns.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once its queue is empty.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Records a follow iteration's figures.
func recordFollow(_ benchmark: Benchmark, events: Int, elapsed: Duration, commits: [CommitMark]) {
    benchmark.measurement(eventsPerSecond, rate(events, elapsed))
    for lag in foldProbe.lags(commits) {
        benchmark.measurement(lagMicros, Int(seconds(lag) * 1e6))
    }
    for commit in commits {
        benchmark.measurement(appendMicros, Int(seconds(commit.at - commit.called) * 1e6))
    }
}

/// Forces a file's pages to disk.
func syncFile(_ path: String) throws {
    guard let handle = FileHandle(forUpdatingAtPath: path) else { throw DatasetError("cannot open \(path)") }
    defer { try? handle.close() }
    try handle.synchronize()
}

// MARK: - The benchmarks

func liveBenchmarks() {
    let catchUpMetrics: [BenchmarkMetric] = [eventsPerSecond, .wallClock, .mallocCountTotal, .peakMemoryResident]
    var catchUpUnits = countUnits
    catchUpUnits[mapGrowths] = .count
    let catchUp = Benchmark.Configuration(metrics: catchUpMetrics + [mapGrowths], timeUnits: .milliseconds, units: catchUpUnits,
                                          warmupIterations: 1, maxDuration: .seconds(300), maxIterations: 5)
    let peerCatchUp = Benchmark.Configuration(metrics: catchUpMetrics, timeUnits: .milliseconds, units: countUnits,
                                              warmupIterations: 0, maxDuration: .seconds(300), maxIterations: 2)
    var followUnits = countUnits
    followUnits[lagMicros] = .count
    followUnits[appendMicros] = .count
    let follow = Benchmark.Configuration(metrics: [eventsPerSecond, lagMicros, appendMicros, .wallClock, .peakMemoryResident], timeUnits: .milliseconds,
                                         units: followUnits, warmupIterations: 1, maxDuration: .seconds(300), maxIterations: 10)
    let peerFollow = Benchmark.Configuration(metrics: [eventsPerSecond, lagMicros, appendMicros, .wallClock, .peakMemoryResident], timeUnits: .milliseconds,
                                             units: followUnits, warmupIterations: 1, maxDuration: .seconds(300), maxIterations: 5)

    Benchmark("P5 live catch-up 1M: CRMKit Projector<CRMReadModels>, 50k-event batches", configuration: catchUp) { benchmark in
        let head = live.head, start = head - Live.catchUpEvents
        let directory = try makeTemporaryDirectory("live-catchup")
        defer { removeDirectory(directory) }
        try FileManager.default.copyItem(atPath: live.seedDirectory! + "/data.mdb", toPath: directory + "/data.mdb")
        try syncFile(directory + "/data.mdb")
        let state = try StateStore(path: directory)
        defer { state.close() }
        let log = LogPrefix(live.dataset!, limit: head)
        let projector = try Projector<CRMReadModels>(store: log, state: state, rules: .standard, generation: Live.generation)
        precondition(projector.checkpoint == start, "restored checkpoint \(projector.checkpoint), expected \(start)")
        var processed = 0
        try measure(benchmark, events: Int(Live.catchUpEvents)) {
            processed = try projector.catchUp(batchSize: Live.catchUpBatch)
        }
        precondition(processed == Int(Live.catchUpEvents) && log.visited == Int(Live.catchUpEvents),
                     "caught up \(processed) positions, folded \(log.visited) events, expected \(Live.catchUpEvents)")
        precondition(projector.checkpoint == head, "checkpoint \(projector.checkpoint), head \(head)")
        // A state store opened again maps its file's size and grows the map (a write transaction
        // aborted and run again each time) when a batch needs more room, as in live use.
        benchmark.measurement(mapGrowths, state.environment.mapGrowths)
    } setup: {
        let dataset = try await live.openDataset()
        let seed = try makeTemporaryDirectory("live-seed")
        live.seedDirectory = seed
        let started = ContinuousClock.now
        let state = try StateStore(path: seed)
        let projector = try Projector<CRMReadModels>.rebuild(store: LogPrefix(dataset, limit: live.head - Live.catchUpEvents), state: state,
                                                             rules: .standard, generation: Live.generation)
        precondition(projector.checkpoint == live.head - Live.catchUpEvents)
        state.close()
        say("P5 setup: state at position \(live.head - Live.catchUpEvents) stored in \(String(format: "%.1f", seconds(ContinuousClock.now - started))) s, "
            + "\((fileSizeMB(seed + "/data.mdb"))) MB")
    } teardown: {
        live.tearDown()
    }

    Benchmark("P5 live catch-up 1M: SQLite peer (GRDB + JSONDecoder, UPSERT state), 50k-row batches", configuration: peerCatchUp) { benchmark in
        let head = Int64(live.head), start = head - Int64(Live.catchUpEvents)
        let directory = try makeTemporaryDirectory("live-catchup-sqlite")
        defer { removeDirectory(directory) }
        let state = try SQLiteProjector.openDurable(path: directory + "/state.sqlite", pool: false)
        defer { try? state.close() }
        try state.write { db in
            try SQLiteProjector.createState(db, checkpoint: start)
            try SQLiteProjector.insert(db, entries: live.seedEntries)
        }
        _ = try state.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        var model = try CRMReadModels(rules: .standard, entries: live.seedEntries)
        let log = live.peerLog!
        let decoder = JSONDecoder()
        var rows = 0, checkpoint = start
        try measure(benchmark, events: Int(Live.catchUpEvents)) {
            while checkpoint < head {
                let (read, last) = try log.read { db in
                    try SQLiteProjector.fold(db, after: checkpoint, limit: Live.catchUpBatch, decoder: decoder, into: &model)
                }
                precondition(read > 0, "no rows after \(checkpoint)")
                let changes = model.takeChanges()
                try state.write { db in try SQLiteProjector.persist(db, changes: changes, checkpoint: last) }
                rows += read
                checkpoint = last
            }
        }
        precondition(rows == Int(Live.catchUpEvents) && checkpoint == head, "folded \(rows) rows to \(checkpoint), head \(head)")
        let stored = try state.read { db in try Int64.fetchOne(db, sql: "SELECT position FROM projection_checkpoint") }
        precondition(stored == head)
    } setup: {
        let dataset = try await live.openDataset()
        let started = ContinuousClock.now
        let model = try ProjectionEngine.rebuild(CRMReadModels.self, store: dataset, asOf: .position(live.head - Live.catchUpEvents))
        live.seedEntries = model.entries()
        live.peerLog = try SQLitePeerRead.open()
        say("P5 setup: state at position \(live.head - Live.catchUpEvents): \(live.seedEntries.count) entries in "
            + String(format: "%.1f s", seconds(ContinuousClock.now - started)))
    } teardown: {
        live.tearDown()
    }

    Benchmark("P5 live follow 100x1k: CRMKit Projector.follow, durable appends", configuration: follow) { benchmark in
        let workload = live.workload!
        let total = UInt64(workload.events)
        let directory = try makeTemporaryDirectory("live-follow")
        defer { removeDirectory(directory) }
        let store = try EventStore(path: directory)
        defer { store.close() }
        let projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment))
        foldProbe.reset(target: total)
        let projectorThread = ThreadExecutor(name: "projector"), writerThread = ThreadExecutor(name: "writer")
        defer {
            projectorThread.stop()
            writerThread.stop()
        }
        let follower = Task.detached(executorPreference: projectorThread) {
            do { try await projector.follow(batchSize: Live.followBatch) } catch is CancellationError {
                return
            } catch {
                foldProbe.abort()
                throw error
            }
        }
        let commits = workload.commits
        benchmark.startMeasurement()
        let started = ContinuousClock.now
        let writer = Task.detached(executorPreference: writerThread) { () async throws -> [CommitMark] in
            var marks: [CommitMark] = []
            do {
                for commit in commits {
                    let called = ContinuousClock.now
                    let result = try await store.append(commit)
                    marks.append((result.lastPosition, called, ContinuousClock.now))
                }
            } catch {
                foldProbe.abort()
                throw error
            }
            return marks
        }
        await foldProbe.waitForTarget()
        let elapsed = ContinuousClock.now - started
        benchmark.stopMeasurement()
        let marks = try await writer.value
        follower.cancel()
        try await follower.value
        let head = try store.head()
        precondition(foldProbe.folded == total && projector.checkpoint == total && head == total,
                     "stored \(foldProbe.folded), checkpoint \(projector.checkpoint), head \(head), expected \(total)")
        precondition(marks.count == Live.commits)
        recordFollow(benchmark, events: Int(total), elapsed: elapsed, commits: marks)
    } setup: {
        _ = ProbeMetricsSystem.installed
        let dataset = try await live.openDataset()
        live.workload = try LiveWorkload(store: dataset, peer: nil, commits: Live.commits, perCommit: Live.perCommit)
        dataset.close()
        live.dataset = nil
        precondition(live.workload!.events == Live.commits * Live.perCommit)
    } teardown: {
        live.tearDown()
    }

    Benchmark("P5 live follow 100x1k: SQLite peer (GRDB + JSONDecoder, UPSERT state), synchronous=FULL", configuration: peerFollow) { benchmark in
        let workload = live.workload!
        let total = UInt64(workload.events)
        let directory = try makeTemporaryDirectory("live-follow-sqlite")
        defer { removeDirectory(directory) }
        let pool = try SQLiteProjector.openDurable(path: directory + "/live.sqlite", pool: true)
        defer { try? pool.close() }
        try PeerFollowSteps.create(pool)
        foldProbe.reset(target: total)
        let (signal, notify) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let projectorThread = ThreadExecutor(name: "projector"), writerThread = ThreadExecutor(name: "writer")
        defer {
            projectorThread.stop()
            writerThread.stop()
        }
        let follower = Task.detached(executorPreference: projectorThread) { () async throws -> Int64 in
            var model = CRMReadModels(rules: .standard)
            let decoder = JSONDecoder()
            var checkpoint: Int64 = 0
            do {
                for await _ in signal {
                    try PeerFollowSteps.drain(pool, model: &model, checkpoint: &checkpoint, decoder: decoder)
                }
            } catch {
                foldProbe.abort()
                throw error
            }
            return checkpoint
        }
        let commits = workload.peerCommits
        benchmark.startMeasurement()
        let started = ContinuousClock.now
        let writer = Task.detached(executorPreference: writerThread) { () async throws -> [CommitMark] in
            var marks: [CommitMark] = []
            do {
                for rows in commits {
                    let called = ContinuousClock.now
                    try PeerFollowSteps.append(pool, rows)
                    marks.append((UInt64(rows.last!.position), called, ContinuousClock.now))
                    notify.yield()
                }
            } catch {
                foldProbe.abort()
                throw error
            }
            return marks
        }
        await foldProbe.waitForTarget()
        let elapsed = ContinuousClock.now - started
        benchmark.stopMeasurement()
        let marks = try await writer.value
        notify.finish()
        let checkpoint = try await follower.value
        let head = try PeerFollowSteps.head(pool)
        precondition(foldProbe.folded == total && checkpoint == Int64(total) && head == Int64(total),
                     "stored \(foldProbe.folded), checkpoint \(checkpoint), head \(String(describing: head)), expected \(total)")
        precondition(marks.count == Live.commits)
        recordFollow(benchmark, events: Int(total), elapsed: elapsed, commits: marks)
    } setup: {
        let dataset = try await live.openDataset()
        let peer = try SQLitePeerRead.open()
        live.workload = try LiveWorkload(store: dataset, peer: peer, commits: Live.commits, perCommit: Live.perCommit)
        try peer.close()
        dataset.close()
        live.dataset = nil
        precondition(live.workload!.events == Live.commits * Live.perCommit)
    } teardown: {
        live.tearDown()
    }
}

/// The SQLite peer's follow steps, synchronous (GRDB's blocking `read`/`write`, as the CRMKit
/// projector's fold blocks its thread too).
enum PeerFollowSteps {
    static func create(_ pool: any DatabaseWriter) throws {
        try pool.write { db in
            try SQLiteProjector.createLog(db)
            try SQLiteProjector.createState(db, checkpoint: 0)
        }
    }

    /// The writer's commit.
    static func append(_ pool: any DatabaseWriter, _ rows: [LiveWorkload.PeerRow]) throws {
        try pool.write { db in try SQLiteProjector.append(db, rows) }
    }

    /// The projector's step after a commit signal: reads, folds and stores up to 1,000 new rows
    /// per transaction until none is left.
    static func drain(_ pool: any DatabaseWriter, model: inout CRMReadModels, checkpoint: inout Int64, decoder: JSONDecoder) throws {
        while true {
            let after = checkpoint
            let (read, last) = try pool.read { db in
                try SQLiteProjector.fold(db, after: after, limit: Live.followBatch, decoder: decoder, into: &model)
            }
            if read == 0 { return }
            let changes = model.takeChanges()
            try pool.write { db in try SQLiteProjector.persist(db, changes: changes, checkpoint: last) }
            checkpoint = last
            foldProbe.stored(read)
        }
    }

    static func head(_ pool: any DatabaseWriter) throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events") }
    }
}

func fileSizeMB(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_000_000
}
