import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing
@_exported import TestSupport

/// A test event with a recognisable payload.
func makeEvent(
    _ type: String = "CustomerRegistered", payload: String = "{}", id: UUID = UUID(),
    occurredAt: Date = Date(timeIntervalSince1970: 1_767_225_600), actor: String = "tester",
    correlationID: UUID? = nil, causationID: UUID? = nil
) -> NewEvent {
    NewEvent(id: id, type: type, schemaVersion: 1, occurredAt: occurredAt, actor: actor,
             correlationID: correlationID, causationID: causationID, payload: Array(payload.utf8))
}

/// How many trials the crash and tamper suites run: 100, or `CRMKIT_TRIALS`.
var trialCount: Int {
    ProcessInfo.processInfo.environment["CRMKIT_TRIALS"].flatMap(Int.init) ?? 100
}

extension EventStore.Configuration {
    /// Relaxed durability for tests that do not test durability: much faster on CI disks.
    static var fast: Self { .init(durability: .relaxed) }
}
