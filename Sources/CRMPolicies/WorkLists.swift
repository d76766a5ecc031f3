import CRMDomain
import CRMProjections
import Foundation

/// The lists the operative side works through every day: leads to call, customers at risk and
/// why, tickets near or over their SLA, and follow-ups due.
public struct WorkLists: Sendable, Hashable, Codable {
    /// A lead worth calling.
    public struct Lead: Sendable, Hashable, Codable {
        /// The lead.
        public let lead: LeadID
        /// Its score on the list's day.
        public let score: Int
        /// Its company, if known.
        public let company: String?
        /// `open`, `qualified` or `handedOver`.
        public let status: String
        /// The salesperson it was handed to, if any.
        public let handedTo: EmployeeID?
    }

    /// A customer whose churn risk is not low.
    public struct CustomerAtRisk: Sendable, Hashable, Codable {
        /// The customer.
        public let customer: CustomerID
        /// `medium` or `high`.
        public let level: String
        /// The risk score.
        public let score: Int
        /// The signals behind it.
        public let reasons: [String]
        /// Who looks after the customer, if anyone.
        public let accountManager: EmployeeID?
        /// The last order's business day, if any.
        public let lastOrderOn: CalendarDay?
    }

    /// An open ticket near or over a service-level deadline.
    public struct TicketAlert: Sendable, Hashable, Codable {
        /// The ticket.
        public let ticket: TicketID
        /// The customer.
        public let customer: CustomerID
        /// `low`, `normal`, `high` or `urgent`.
        public let priority: String
        /// `first-response` or `resolution`.
        public let deadline: String
        /// Minutes left until the deadline at the end of the list's day; negative when over.
        public let minutesLeft: Int
        /// The escalation level reached.
        public let escalationLevel: Int
    }

    /// An open task due on or before the list's day.
    public struct FollowUp: Sendable, Hashable, Codable {
        /// The task.
        public let task: TaskID
        /// What to do.
        public let kind: String
        /// The title.
        public let title: String
        /// The customer, if any.
        public let customer: CustomerID?
        /// The lead, if any.
        public let lead: LeadID?
        /// Who does it; `nil` for the team's queue.
        public let assignee: EmployeeID?
        /// When it is due.
        public let dueOn: CalendarDay
        /// Why it exists.
        public let reason: String
    }

    /// The day the lists are for.
    public let day: CalendarDay
    /// Open, qualified and handed-over leads whose score reaches the threshold, best first: the
    /// daily prioritised list for sales (seed 000).
    public let leads: [Lead]
    /// Customers at risk, highest score first.
    public let customersAtRisk: [CustomerAtRisk]
    /// Tickets near (within the warning minutes) or over a deadline, most urgent first.
    public let tickets: [TicketAlert]
    /// Open tasks due by the day, oldest first.
    public let followUps: [FollowUp]

    init(facts: PolicyFacts, rules: PolicyRules, day: CalendarDay) {
        self.day = day
        let models = facts.models
        let customer360 = models.customer360
        // Sales calls open and qualified leads above the threshold, and those handed to them.
        leads = CustomerAnalytics.prioritizedLeads(customer360.leads.records, rules: models.rules.leadScoring, asOf: day,
                                                   statuses: [.open, .qualified, .handedOver])
            .map { entry in
                let record = customer360.leads[entry.lead]
                return Lead(lead: entry.lead, score: entry.score, company: record?.company, status: "\(record?.status ?? .open)",
                            handedTo: record?.handedTo)
            }
        var atRisk: [CustomerAtRisk] = []
        var alerts: [TicketAlert] = []
        let endOfDay = (Int64(day.daysSince1970) + 1) * 86_400_000_000
        let warning = Int64(rules.sla.warningMinutes) * 60_000_000
        for (id, record) in customer360.customers.records where record.mergedInto == nil {
            if models.lifecycle.stage(of: id, on: day) != .lostCustomer {
                let risk = CustomerAnalytics.churnRisk(record, rules: models.rules.churn, asOf: day)
                if risk.level != .low {
                    atRisk.append(CustomerAtRisk(customer: id, level: risk.level.rawValue, score: risk.score, reasons: risk.reasons,
                                                 accountManager: record.accountManager, lastOrderOn: record.lastOrderOn))
                }
            }
            for ticket in record.tickets where ticket.status == .open {
                var worst: (String, Int64)?
                for deadline in ticket.openDeadlines {
                    let left = deadline.deadlineMicros - endOfDay
                    if left <= warning, worst.map({ left < $0.1 }) ?? true { worst = (deadline.target, left) }
                }
                if let worst {
                    alerts.append(TicketAlert(ticket: ticket.ticketID, customer: id, priority: "\(ticket.priority)", deadline: worst.0,
                                              minutesLeft: Int(worst.1 / 60_000_000), escalationLevel: ticket.escalationLevel))
                }
            }
        }
        customersAtRisk = atRisk.sorted { $0.score != $1.score ? $0.score > $1.score : $0.customer.description < $1.customer.description }
        tickets = alerts.sorted { $0.minutesLeft != $1.minutesLeft ? $0.minutesLeft < $1.minutesLeft : $0.ticket.description < $1.ticket.description }
        followUps = facts.tasks.values.filter { !$0.completed && $0.dueOn <= day }
            .sorted { $0.dueOn != $1.dueOn ? $0.dueOn < $1.dueOn : $0.id.description < $1.id.description }
            .map { FollowUp(task: $0.id, kind: "\($0.kind)", title: $0.title, customer: $0.customer, lead: $0.lead, assignee: $0.assignee,
                            dueOn: $0.dueOn, reason: $0.reason) }
    }
}

extension TicketEntry {
    /// The service-level deadlines still running: `first-response` until the first answer,
    /// `resolution` until resolved, each with its target and its moment in microseconds.
    var openDeadlines: [(target: String, minutes: Int, deadlineMicros: Int64)] {
        [("first-response", firstResponseTargetMinutes, firstResponseAtMicros), ("resolution", resolutionTargetMinutes, resolvedAtMicros)]
            .filter { $0.2 == nil }
            .map { ($0.0, $0.1, openedAtMicros + Int64($0.1) * 60_000_000) }
    }
}
