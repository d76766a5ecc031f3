import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing
@_exported import TestSupport

/// A store in a fresh directory with a command handler, closed when the test ends.
final class ProjectionTestStore: @unchecked Sendable {
    let directory = TemporaryDirectory("projections")
    let store: EventStore
    let handler: CommandHandler

    init() throws {
        store = try EventStore(path: directory.sub("store"))
        handler = CommandHandler(store: store)
    }

    deinit { store.close() }

    /// Runs `command` as of `day` (noon UTC, or `minutes` after midnight).
    @discardableResult
    func run(_ command: CRMCommand, on day: String, minutes: Int = 720) async throws -> AppendResult {
        let date = CalendarDay(iso: day)!.startDate.addingTimeInterval(Double(minutes) * 60)
        return try await handler.execute(command, context: CommandContext(actor: "test", occurredAt: date))
    }
}

func day(_ text: String) -> CalendarDay { CalendarDay(iso: text)! }
func eur(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .eur) }

/// Fixed ids for readable fixtures: `id(7)` is 00000000-0000-0000-0000-000000000007.
func id<K>(_ number: UInt8, _: K.Type = K.self) -> Identifier<K> {
    Identifier(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, number)))
}
