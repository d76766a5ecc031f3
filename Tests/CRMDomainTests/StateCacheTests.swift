@testable import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMSimulation
import Foundation
import Testing

@Suite("command handler state cache")
struct StateCacheTests {
    /// The seeded histories of a few customers, staff first.
    static func commands() -> [(CRMCommand, CommandContext)] {
        let staff = SimulatedStaff.make(seed: 5, count: 4)
        var commands = staff.commands
        for customer in 0..<12 {
            var generator = HistoryGenerator(customer: customer, seed: 5, events: 60, employees: staff.employees)
            while let next = generator.next() { commands.append(next) }
        }
        return commands
    }

    /// What a log holds, without the ids and recording times that differ between runs.
    static func content(of store: EventStore) throws -> [String] {
        try store.events(.all).map { "\($0.position) \($0.stream) v\($0.streamVersion) \($0.type) \($0.occurredAt) \($0.payload)" }
    }

    @Test("a handler that advances its cached states by its own appends decides exactly as a fresh handler per command")
    func cachedEqualsFresh() async throws {
        let commands = Self.commands()
        let cached = try TestStore()
        let fresh = try TestStore()
        var refusals: [String] = []
        for (command, context) in commands {
            var outcomes: [String] = []
            for handler in [cached.handler, CommandHandler(store: fresh.store)] {
                do {
                    outcomes.append("appended \(try await handler.execute(command, context: context).events.count)")
                } catch let refusal as DomainRuleError {
                    outcomes.append("refused \(refusal.rule)")
                }
            }
            #expect(outcomes[0] == outcomes[1], "\(command)")
            if outcomes[0].hasPrefix("refused") { refusals.append(outcomes[0]) }
        }
        // The cache was used: every stream the cached handler appended to is cached at its head.
        let streams = Set(try cached.store.events(.all).map(\.stream))
        for stream in streams {
            let version = try cached.store.streamVersion(of: stream)
            let entry = cached.handler.stateCache.version(of: stream)
            #expect(entry == version, "\(stream)")
        }
        #expect(try cached.store.head() == fresh.store.head())
        #expect(try Self.content(of: cached.store) == Self.content(of: fresh.store))
        #expect(try cached.store.head() > 500)
        #expect(refusals.isEmpty)
    }
}
