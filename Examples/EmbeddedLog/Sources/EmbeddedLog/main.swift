import CRMEventLog
import CRMEventLogLMDB
import Foundation

// A store in a fresh directory; a real service keeps one path and opens it once per process.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("embedded-log-\(UUID().uuidString)").path
defer { try? FileManager.default.removeItem(atPath: directory) }
let store = try EventStore(path: directory)

// A read model fed by a live subscription: open tickets per customer.
let openTickets = Task {
    var open: [String: Int] = [:]
    var seen = 0
    for try await event in store.subscribe(.category("ticket")) {
        let customer = String(decoding: event.payload, as: UTF8.self)
        open[customer, default: 0] += event.type == "TicketOpened" ? 1 : -1
        seen += 1
        if seen == 3 { break }
    }
    return open
}

func event(_ type: String, _ payload: String) -> NewEvent {
    NewEvent(type: type, actor: "service:helpdesk", payload: Array(payload.utf8))
}

// Optimistic concurrency: the first append creates the stream, the second expects version 1.
try await store.append(to: "ticket-1", expectedVersion: .noStream, events: [event("TicketOpened", "customer-7")])
do {
    try await store.append(to: "ticket-1", expectedVersion: .noStream, events: [event("TicketOpened", "customer-7")])
} catch let error as EventLogError {
    print("rejected as expected: \(error)")
}

// An idempotent retry: the same event id appends nothing and returns the first positions.
let opened = event("TicketOpened", "customer-9")
let first = try await store.append(to: "ticket-2", expectedVersion: .noStream, events: [opened])
let retry = try await store.append(to: "ticket-2", expectedVersion: .noStream, events: [opened])
print("retry stored nothing new: \(retry.wasAlreadyStored), same position: \(retry.lastPosition == first.lastPosition)")

try await store.append(to: "ticket-1", expectedVersion: .exactly(1), events: [event("TicketResolved", "customer-7")])
print("open tickets from the live read model: \(try await openTickets.value.filter { $0.value > 0 })")

// Tamper evidence: anchor the head outside the system, verify later against it.
let anchor = try store.headAnchor()
let report = try await store.verify(anchor: anchor)
print("verified \(report.head) events, intact: \(report.isIntact), anchor \(anchor)")

// A hot, verified backup.
let backup = try await store.backup(to: directory + "-backup")
defer { try? FileManager.default.removeItem(atPath: directory + "-backup") }
print("backup holds \(backup.head) events")
store.close()
