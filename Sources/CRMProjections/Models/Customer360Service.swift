import CRMDomain
import Foundation

// Customer 360, the service: tickets with SLA state.

extension Customer360Model {
    @inline(__always)
    mutating func fold(_ e: TicketOpened, _ info: EventInfo) {
        own(e.ticketID.uuid, by: e.customerID)
        customers.modify(e.customerID) { record in
            var entry = TicketEntry()
            entry.ticketID = e.ticketID
            entry.openedAtMicros = info.occurredAtMicros
            entry.channel = e.channel
            entry.priority = e.priority
            entry.category = e.category
            entry.firstResponseTargetMinutes = e.firstResponseTargetMinutes
            entry.resolutionTargetMinutes = e.resolutionTargetMinutes
            record.tickets.appendGrowing(entry)
            record.tickets.trimClosed(keeping: Self.closedEntries) { $0.status == .closed }
        }
    }

    @inline(__always)
    mutating func fold(_ e: TicketAssigned, _ info: EventInfo) {
        withOwner(of: e.ticketID.uuid) { $0.tickets.modify(where: { $0.ticketID == e.ticketID }) { $0.assignee = e.employeeID } }
    }

    @inline(__always)
    mutating func fold(_ e: TicketFirstResponseGiven, _ info: EventInfo) {
        withOwner(of: e.ticketID.uuid) { record in
            record.tickets.modify(where: { $0.ticketID == e.ticketID }) { ticket in
                if ticket.firstResponseAtMicros == nil { ticket.firstResponseAtMicros = info.occurredAtMicros }
            }
        }
    }

    @inline(__always)
    mutating func fold(_ e: TicketEscalated, _ info: EventInfo) {
        withOwner(of: e.ticketID.uuid) { $0.tickets.modify(where: { $0.ticketID == e.ticketID }) { $0.escalationLevel = e.level } }
    }

    @inline(__always)
    mutating func fold(_ e: TicketResolved, _ info: EventInfo) {
        withOwner(of: e.ticketID.uuid) { record in
            record.tickets.modify(where: { $0.ticketID == e.ticketID }) { ticket in
                ticket.status = .resolved
                if ticket.resolvedAtMicros == nil { ticket.resolvedAtMicros = info.occurredAtMicros }
                ticket.firstContactResolution = e.firstContactResolution
            }
        }
    }

    @inline(__always)
    mutating func fold(_ e: TicketReopened, _ info: EventInfo) {
        withOwner(of: e.ticketID.uuid) { $0.tickets.modify(where: { $0.ticketID == e.ticketID }) { $0.status = .open } }
    }

    @inline(__always)
    mutating func fold(_ e: TicketClosed, _ info: EventInfo) {
        withOwner(of: e.ticketID.uuid) { record in
            record.tickets.modify(where: { $0.ticketID == e.ticketID }) { $0.status = .closed }
            record.tickets.trimClosed(keeping: Self.closedEntries) { $0.status == .closed }
        }
    }
}
