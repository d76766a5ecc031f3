import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

@Suite struct ConcurrencyTests {
    /// 64 tasks race for each version of one stream: one wins, 63 get the conflict with the
    /// actual version, and retrying the winners' appends changes nothing.
    @Test func sixtyFourTasksRaceForEachVersionOfOneStream() async throws {
        let dir = TemporaryDirectory()
        let store = try EventStore(path: dir.path, configuration: .fast)
        defer { store.close() }
        let tasks = 64, rounds = 10
        var winners: [(events: [NewEvent], expected: UInt64, result: AppendResult)] = []
        for round in 0..<rounds {
            let outcomes = await withTaskGroup(of: (Int, Result<AppendResult, any Error>, NewEvent).self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        let event = makeEvent("SlotClaimed", payload: "\(round)/\(task)")
                        do {
                            let result = try await store.append(to: "calendar-1", expectedVersion: .exactly(UInt64(round)), events: [event])
                            return (task, .success(result), event)
                        } catch {
                            return (task, .failure(error), event)
                        }
                    }
                }
                var all: [(Int, Result<AppendResult, any Error>, NewEvent)] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let successes = outcomes.filter { if case .success = $0.1 { true } else { false } }
            #expect(successes.count == 1, "round \(round)")
            var conflicts = 0
            for (_, result, _) in outcomes {
                if case .failure(let error) = result {
                    #expect(error as? EventLogError == .wrongExpectedVersion(stream: "calendar-1", expected: .exactly(UInt64(round)), actual: UInt64(round + 1)))
                    conflicts += 1
                }
            }
            #expect(conflicts == tasks - 1)
            if let winner = successes.first, case .success(let result) = winner.1 {
                #expect(result.events.map(\.streamVersion) == [UInt64(round + 1)])
                winners.append(([winner.2], UInt64(round), result))
            }
        }
        #expect(try store.head() == UInt64(rounds))
        for winner in winners {
            let retry = try await store.append(to: "calendar-1", expectedVersion: .exactly(winner.expected), events: winner.events)
            #expect(retry.wasAlreadyStored)
            #expect(retry.events == winner.result.events)
        }
        #expect(try store.head() == UInt64(rounds))
        #expect(try store.verifyNow().isIntact)
    }
}
