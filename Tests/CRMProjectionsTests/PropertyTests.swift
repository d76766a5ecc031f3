import CRMDomain
@testable import CRMProjections
import CRMSimulation
@testable import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// The number of random histories per property; `CRMKIT_TRIALS` raises it for long runs.
let historyTrials = max(2, (ProcessInfo.processInfo.environment["CRMKIT_TRIALS"].flatMap(Int.init) ?? 100) / 25)

/// Every stored byte of a model set: equal fingerprints mean equal read models.
func fingerprint(_ models: CRMReadModels) -> [[UInt8]: [UInt8]] {
    var result: [[UInt8]: [UInt8]] = [:]
    for entry in models.entries() { result[entry.key] = entry.value }
    return result
}

/// `models` with the journey's event positions renumbered through `numbering`.
func renumbered(_ models: CRMReadModels, _ numbering: [Int: Int]) -> CRMReadModels {
    var copy = models
    func renumber(_ record: inout JourneyRecord) {
        for index in record.touches.indices { record.touches[index].position = numbering[record.touches[index].position]! }
    }
    for key in copy.journey.customers.records.keys { copy.journey.customers.modify(key, renumber) }
    for key in copy.journey.leads.records.keys { copy.journey.leads.modify(key, renumber) }
    return copy
}

/// A random valid history: the commands of `customers` simulated customers, interleaved.
func simulatedCommands(seed: UInt64, customers: Int, eventsPerCustomer: Int) -> [(CRMCommand, CommandContext)] {
    let (employees, staff) = SimulatedStaff.make(seed: seed, count: 6)
    var generators = (0..<customers).map { HistoryGenerator(customer: $0, seed: seed, events: eventsPerCustomer, employees: employees) }
    var commands = staff
    var random = SeededGenerator(seed: seed ^ 0xABCD)
    while !generators.isEmpty {
        let index = Int(random.next() % UInt64(generators.count))
        if let next = generators[index].next() {
            commands.append(next)
        } else {
            generators.remove(at: index)
        }
    }
    return commands
}

/// Folds the log through the live path: owned events delivered in chunks, as a subscription
/// delivers them.
func feedLive(_ projector: Projector<CRMReadModels>, store: EventStore, chunk: Int) throws {
    let events = try store.events(from: projector.checkpoint + 1)
    var index = 0
    while index < events.count {
        try projector.apply(Array(events[index..<min(events.count, index + chunk)]))
        index += chunk
    }
}

@Suite("Projection properties")
struct PropertyTests {
    @Test("live incremental state equals a full rebuild, across restarts, for random histories")
    func liveEqualsRebuild() async throws {
        for trial in 0..<historyTrials {
            let seed = UInt64(1_000 + trial)
            let test = try ProjectionTestStore()
            var random = SeededGenerator(seed: seed)
            var projector = try Projector<CRMReadModels>(store: test.store, state: StateStore(environment: test.store.environment))
            let commands = simulatedCommands(seed: seed, customers: 12, eventsPerCustomer: 30)
            var index = 0
            while index < commands.count {
                let count = Int(random.next() % 40) + 1
                for (command, context) in commands[index..<min(commands.count, index + count)] {
                    try await test.handler.execute(command, context: context)
                }
                index += count
                switch random.next() % 3 {
                case 0: try projector.catchUp(batchSize: Int(random.next() % 25) + 1)
                case 1: try feedLive(projector, store: test.store, chunk: Int(random.next() % 10) + 1)
                default: projector = try Projector<CRMReadModels>(store: test.store, state: StateStore(environment: test.store.environment))  // restart: restore from LMDB
                }
            }
            try projector.catchUp()
            let rebuilt = try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store)
            let live = projector.read { fingerprint($0) }
            #expect(live == fingerprint(rebuilt), "seed \(seed)")
            // The stored state restores to the same models.
            let restored = try Projector<CRMReadModels>(store: test.store, state: StateStore(environment: test.store.environment))
            #expect(restored.read { fingerprint($0) } == live, "seed \(seed)")
            let head = try test.store.head()
            #expect(restored.checkpoint == head)
        }
    }

    @Test("the parallel rebuild (decoding threads, customer 360 on its own thread) equals the one-thread fold, also cut by day or position")
    func parallelRebuildEqualsOneThreadFold() async throws {
        func entryMap<Model: ReadModel>(_ model: Model) -> [[UInt8]: [UInt8]] {
            var result: [[UInt8]: [UInt8]] = [:]
            for entry in model.entries() { result[entry.key] = entry.value }
            return result
        }
        func check<Model: ReadModel>(_: Model.Type, _ store: EventStore, through: UInt64, cutoffMicros: Int64?, plan: ParallelRebuildPlan,
                                     _ label: String) throws {
            var single = Model(rules: .standard)
            let fold = Fold<Model>(registry: EventRegistry(), cutoffMicros: cutoffMicros)
            try store.scan(.all, through: through) { view in try fold.apply(view, to: &single) }
            var parallel = Model(rules: .standard)
            parallel.setTracksChanges(false)
            try ProjectionEngine.rebuildInParallel(&parallel, store: store, through: through, cutoffMicros: cutoffMicros,
                                                   registry: EventRegistry(), plan: plan)
            let expected = entryMap(single)
            #expect(!expected.isEmpty, "\(label)")
            #expect(entryMap(parallel) == expected, "\(label)")
        }
        for trial in 0..<historyTrials {
            let seed = UInt64(4_000 + trial)
            let test = try ProjectionTestStore()
            for (command, context) in simulatedCommands(seed: seed, customers: 40, eventsPerCustomer: 120) {
                try await test.handler.execute(command, context: context)
            }
            let head = try test.store.head()
            // Many chunks, more than the window, an uneven last chunk, and more workers than cores.
            let plan = ParallelRebuildPlan(workers: 3, chunkSize: 97, window: 4)
            #expect(head > 40 * 97)
            for cutoff in [nil, CalendarDay(iso: "2024-02-29")!] {
                let cutoffMicros = cutoff.map { Int64($0.daysSince1970 + 1) * 86_400_000_000 }
                for through in [head, head - 13] {
                    let label = "seed \(seed), cutoff \(String(describing: cutoff)), through \(through)"
                    try check(CRMReadModels.self, test.store, through: through, cutoffMicros: cutoffMicros, plan: plan, label)
                }
                // Each model on its own (the generic path), once with each cut.
                let through = cutoff == nil ? head : head - 13
                let label = "seed \(seed), cutoff \(String(describing: cutoff)), through \(through)"
                try check(PipelineModel.self, test.store, through: through, cutoffMicros: cutoffMicros, plan: plan, label)
                try check(LifecycleModel.self, test.store, through: through, cutoffMicros: cutoffMicros, plan: plan, label)
                try check(ScorecardModel.self, test.store, through: through, cutoffMicros: cutoffMicros, plan: plan, label)
                try check(Customer360Model.self, test.store, through: through, cutoffMicros: cutoffMicros, plan: plan, label)
            }
            // The public entry point takes the parallel path above 100,000 events only; here it folds on one thread.
            #expect(fingerprint(try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store)) == {
                var single = CRMReadModels(rules: .standard)
                let fold = Fold<CRMReadModels>(registry: EventRegistry(), cutoffMicros: nil)
                try? test.store.scan(.all) { view in try fold.apply(view, to: &single) }
                return fingerprint(single)
            }())
        }
    }

    @Test("a parallel rebuild reports the first undecodable event in log order and stops its threads")
    func parallelRebuildUndecodable() async throws {
        let test = try ProjectionTestStore()
        for (command, context) in simulatedCommands(seed: 4_100, customers: 10, eventsPerCustomer: 40) {
            try await test.handler.execute(command, context: context)
        }
        // Two catalog-typed events whose payload is no valid encoding, far apart.
        for round in 0..<2 {
            try await test.store.append(to: "opportunity-broken", events: [
                NewEvent(type: OpportunityOpened.eventType, actor: "test", payload: [0xFF, 0xFF, 0xFF])])
            for (command, context) in simulatedCommands(seed: 4_101 + UInt64(round), customers: 2, eventsPerCustomer: 20) {
                try await test.handler.execute(command, context: context)
            }
        }
        let broken = try test.store.events(.stream("opportunity-broken")).map(\.position)
        #expect(broken.count == 2)
        let head = try test.store.head()
        for workers in [1, 2, 4] {
            var models = PipelineModel(rules: .standard)
            do {
                try ProjectionEngine.rebuildInParallel(&models, store: test.store, through: head, cutoffMicros: nil, registry: EventRegistry(),
                                                       plan: ParallelRebuildPlan(workers: workers, chunkSize: 7, window: 2))
                Issue.record("no error with \(workers) workers")
            } catch ProjectionError.undecodable(let position, _) {
                #expect(position == broken[0], "\(workers) workers")
            }
            var all = CRMReadModels(rules: .standard)
            #expect(throws: ProjectionError.self) {
                try ProjectionEngine.rebuildInParallel(&all, store: test.store, through: head, cutoffMicros: nil, registry: EventRegistry(),
                                                       plan: ParallelRebuildPlan(workers: workers, chunkSize: 5, window: 3))
            }
        }
    }

    @Test("as of position p equals the rebuild of a log holding only the first p events")
    func asOfPosition() async throws {
        for trial in 0..<historyTrials {
            let seed = UInt64(2_000 + trial)
            let test = try ProjectionTestStore()
            for (command, context) in simulatedCommands(seed: seed, customers: 10, eventsPerCustomer: 30) {
                try await test.handler.execute(command, context: context)
            }
            let head = try test.store.head()
            var random = SeededGenerator(seed: seed)
            let p = random.next() % head + 1
            let asOf = try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store, asOf: .position(p))

            let prefix = try EventStore(path: test.directory.sub("prefix"))
            defer { prefix.close() }
            try await prefix.importEvents(try test.store.events(through: p).map(ImportedEvent.init))
            let rebuilt = try ProjectionEngine.rebuild(CRMReadModels.self, store: prefix)
            #expect(fingerprint(asOf) == fingerprint(rebuilt), "seed \(seed), p \(p) of \(head)")
        }
    }

    @Test("as of a business day equals the rebuild of a log holding only the events of up to that day")
    func asOfBusinessDay() async throws {
        let test = try ProjectionTestStore()
        for (command, context) in simulatedCommands(seed: 3_000, customers: 10, eventsPerCustomer: 40) {
            try await test.handler.execute(command, context: context)
        }
        let cutoff = CalendarDay(iso: "2024-02-29")!
        let asOf = try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store, asOf: .businessDay(cutoff))
        let earlier = try EventStore(path: test.directory.sub("earlier"))
        defer { earlier.close() }
        let kept = try test.store.events().filter { CalendarDay(containing: $0.occurredAt) <= cutoff }
        let head = try test.store.head()
        #expect(kept.count > 50 && kept.count < Int(head))
        for event in kept {
            try await earlier.append(to: event.stream, events: [NewEvent(
                id: event.id, type: event.type, schemaVersion: event.schemaVersion, occurredAt: event.occurredAt,
                actor: event.actor, payload: event.payload)])
        }
        let rebuilt = try ProjectionEngine.rebuild(CRMReadModels.self, store: earlier)
        // The journey keeps each event's log position, and the second log numbers the kept
        // events 1, 2, …: compare in that numbering.
        let numbering = Dictionary(uniqueKeysWithValues: kept.enumerated().map { (Int($0.element.position), $0.offset + 1) })
        #expect(fingerprint(renumbered(asOf, numbering)) == fingerprint(rebuilt))
    }

    @Test("killing the projecting process mid-update and restarting gives the rebuild's state")
    func killAndRestart() async throws {
        let trials = max(3, historyTrials)
        for trial in 0..<trials {
            let test = try ProjectionTestStore()
            for (command, context) in simulatedCommands(seed: UInt64(4_000 + trial), customers: 10, eventsPerCustomer: 40) {
                try await test.handler.execute(command, context: context)
            }
            let head = try test.store.head()
            test.store.close()
            let path = test.directory.sub("store")

            let (process, output) = try startHelper(["project", path, "7"])
            var seen: [UInt64] = []
            let stopAfter = trial % 4 + 2
            while seen.count < stopAfter, let line = output.nextLine() {
                if line.hasPrefix("checkpoint "), let value = UInt64(line.dropFirst(11)) { seen.append(value) }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let store = try EventStore(path: path)
            defer { store.close() }
            let projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment))
            // Exactly once: the stored checkpoint is one the child reported, or a later batch's.
            #expect(projector.checkpoint >= seen.last ?? 0)
            #expect(projector.checkpoint % 7 == 0 || projector.checkpoint == head)
            let partial = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, asOf: .position(projector.checkpoint))
            #expect(projector.read { fingerprint($0) } == fingerprint(partial), "trial \(trial): the stored state is the fold of its checkpoint")
            try projector.catchUp()
            let rebuilt = try ProjectionEngine.rebuild(CRMReadModels.self, store: store)
            #expect(projector.read { fingerprint($0) } == fingerprint(rebuilt), "trial \(trial)")
        }
    }

    @Test("killing a process that follows the log live, while appends continue, then restarting gives the rebuild's state")
    func killDuringLiveFollow() async throws {
        for trial in 0..<max(3, historyTrials) {
            let test = try ProjectionTestStore()
            let commands = simulatedCommands(seed: UInt64(5_000 + trial), customers: 10, eventsPerCustomer: 40)
            let half = commands.count / 2
            for (command, context) in commands[..<half] { try await test.handler.execute(command, context: context) }
            let path = test.directory.sub("store")
            let (process, output) = try startHelper(["follow", path, "3"])
            #expect(output.nextLine()?.hasPrefix("ready ") == true)
            let state = try PersistedState(state: StateStore(environment: test.store.environment), model: CRMReadModels.name, generation: "r1")
            let start = try state.checkpoint()
            var killedAt: UInt64?
            for (index, (command, context)) in commands[half...].enumerated() {
                try await test.handler.execute(command, context: context)
                // Kill once the child has stored a few live batches of the new events.
                if killedAt == nil, index >= 20 + trial * 7, try state.checkpoint() > start + UInt64(trial % 3) * 3 {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    killedAt = try state.checkpoint()
                }
            }
            if killedAt == nil {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            let projector = try Projector<CRMReadModels>(store: test.store, state: StateStore(environment: test.store.environment))
            let partial = try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store, asOf: .position(projector.checkpoint))
            #expect(projector.read { fingerprint($0) } == fingerprint(partial), "trial \(trial): stored state is the fold of its checkpoint")
            #expect(projector.checkpoint > start, "trial \(trial): the child folded live events before it was killed")
            try projector.catchUp()
            let rebuilt = try ProjectionEngine.rebuild(CRMReadModels.self, store: test.store)
            #expect(projector.read { fingerprint($0) } == fingerprint(rebuilt), "trial \(trial)")
        }
    }

    @Test("SIGKILL during appends and live projection in one process: after restart the projections equal a rebuild (CRMKIT_TRIALS trials)")
    func crashTrials() async throws {
        let trials = ProcessInfo.processInfo.environment["CRMKIT_TRIALS"].flatMap(Int.init) ?? 100
        var random = SeededGenerator(seed: 77)
        var checkpoints: [UInt64] = []
        for trial in 0..<trials {
            let directory = TemporaryDirectory("crash")
            let path = directory.sub("store")
            let (process, output) = try startHelper(["append-and-project", path, "\(trial + 1)"])
            let stopAfter = Int(random.next() % 120) + 5
            var lines = 0
            while lines < stopAfter, let line = output.nextLine() {
                if line.hasPrefix("appended ") { lines += 1 }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let store = try EventStore(path: path)
            defer { store.close() }
            let projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment))
            checkpoints.append(projector.checkpoint)
            // Exactly once: the stored state is the fold of exactly the events up to its checkpoint.
            let partial = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, asOf: .position(projector.checkpoint))
            #expect(projector.read { fingerprint($0) } == fingerprint(partial), "trial \(trial)")
            try projector.catchUp()
            let rebuilt = try ProjectionEngine.rebuild(CRMReadModels.self, store: store)
            #expect(projector.read { fingerprint($0) } == fingerprint(rebuilt), "trial \(trial)")
            #expect(try store.verifyNow().isIntact, "trial \(trial)")
        }
        // The kills landed at different points of the projection's progress.
        #expect(Set(checkpoints).count > trials / 4)
    }
}
