import CRMDomain
import CRMProjections
import Foundation

/// An amount of money, the one JSON shape of every report: `{"currency": "EUR", "minorUnits": 123450}`
/// (integer minor units of the ISO 4217 currency; see docs/cli.md).
public struct MoneyAmount: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Minor units (cents for EUR, yen for JPY).
    public let minorUnits: Int64
    /// ISO 4217 code.
    public let currency: String

    init(_ money: Money) {
        minorUnits = money.minorUnits
        currency = money.currency.code
    }

    /// An amount of `minorUnits` in `currency`.
    public init(minorUnits: Int64, currency: String) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// An amount given in major units (e.g. a model's expected value in EUR), rounded to the
    /// currency's minor units (ISO 4217: cents for EUR, none for JPY).
    public init(major: Double, currency: String) {
        minorUnits = Int64((major * Format.scale(currency)).rounded())
        self.currency = currency
    }

    /// `1,234.50 EUR`, `1,235 JPY`: grouped, with the currency's minor digits.
    public var description: String { Format.money(minorUnits, currency) }
}

/// One customer on one page (`crm customer ID --json`): master data, lifecycle, value and risk,
/// balances, and the latest orders, invoices, tickets with their SLA state, opportunities and
/// interactions.
public struct Customer360Report: Codable, Sendable, Hashable {
    /// A lifecycle transition.
    public struct Transition: Codable, Sendable, Hashable {
        /// The day it happened.
        public let day: String
        /// The stage before (absent for the first).
        public let from: String?
        /// The stage after.
        public let to: String
        /// The rule that fired, e.g. `first-order`, `no-order-for-365-days`.
        public let rule: String
    }

    /// Churn risk with the signals that fired.
    public struct Risk: Codable, Sendable, Hashable {
        /// `low`, `medium` or `high`.
        public let level: String
        /// Points.
        public let score: Int
        /// The signals that fired.
        public let reasons: [String]
    }

    /// An order.
    public struct Order: Codable, Sendable, Hashable {
        /// The order id.
        public let id: String
        /// Placed on.
        public let placedOn: String
        /// Its total.
        public let total: MoneyAmount
        /// `placed`, `shipped`, `delivered` or `cancelled`; a return does not change it (see
        /// ``returned``).
        public let status: String
        /// Delivered on, when it was.
        public let deliveredOn: String?
        /// The amount returned so far, absent when nothing was.
        public let returned: MoneyAmount?
    }

    /// An invoice.
    public struct Invoice: Codable, Sendable, Hashable {
        /// The invoice id.
        public let id: String
        /// Issued on.
        public let issuedOn: String
        /// Due on.
        public let dueOn: String
        /// Its amount.
        public let amount: MoneyAmount
        /// What is still open.
        public let open: MoneyAmount
        /// Whether it was marked overdue.
        public let markedOverdue: Bool
    }

    /// A ticket and its service-level state.
    public struct Ticket: Codable, Sendable, Hashable {
        /// The ticket id.
        public let id: String
        /// Opened on.
        public let openedOn: String
        /// Its category.
        public let category: String
        /// `low`, `normal`, `high`, `urgent`.
        public let priority: String
        /// `open`, `resolved`, `closed` …
        public let status: String
        /// First response against its target: `met`, `breached` or `running`.
        public let firstResponse: String
        /// Resolution against its target: `met`, `breached` or `running`.
        public let resolution: String
    }

    /// An opportunity.
    public struct Opportunity: Codable, Sendable, Hashable {
        /// Its title.
        public let title: String
        /// Expected or won amount.
        public let amount: MoneyAmount
        /// `open`, `won` or `lost` …
        public let status: String
        /// Its current stage; for a closed opportunity, the stage it was closed in.
        public let stage: String?
    }

    /// An interaction on the timeline.
    public struct Interaction: Codable, Sendable, Hashable {
        /// The day.
        public let day: String
        /// `phone`, `email`, `chat`, `visit`, …
        public let channel: String
        /// `inbound` or `outbound`.
        public let direction: String
        /// The subject, if any.
        public let subject: String?
    }

    /// The customer id (UUID, lower case).
    public let id: String
    /// The customer's stream, `customer-<uuid>`.
    public let stream: String
    /// The business day described.
    public let asOf: String
    /// The last log position folded in.
    public let position: UInt64
    /// The name (`‹sealed›` without the store's master key, `‹erased›` once forgotten).
    public let name: String
    /// `person` or `account`.
    public let kind: String
    /// The e-mail address, if known.
    public let email: String?
    /// Registered on.
    public let registeredOn: String
    /// Lifecycle stage on ``asOf`` (absent when merged).
    public let stage: String?
    /// The stage's German name.
    public let stageName: String?
    /// Lifecycle transitions, oldest first.
    public let stageHistory: [Transition]
    /// Discounted customer lifetime value.
    public let clv: MoneyAmount
    /// The currency of ``clv``.
    public let currency: String
    /// `champions`, `loyal`, `potential` or `atRisk`.
    public let segment: String
    /// Churn risk.
    public let churnRisk: Risk
    /// The score of the lead the customer came from, if any.
    public let leadScore: Int?
    /// Open invoice amounts.
    public let openBalance: MoneyAmount
    /// Open amounts of overdue invoices.
    public let overdueBalance: MoneyAmount
    /// Orders ever placed.
    public let orderCount: Int
    /// The latest order's day.
    public let lastOrderOn: String?
    /// The latest NPS answer (0–10).
    public let nps: Int?
    /// Orders: every open one and the latest closed ones.
    public let orders: [Order]
    /// Invoices: every open one and the latest settled ones.
    public let invoices: [Invoice]
    /// Tickets: every open one and the latest closed ones.
    public let tickets: [Ticket]
    /// Opportunities.
    public let opportunities: [Opportunity]
    /// The latest interactions, newest first.
    public let timeline: [Interaction]

    /// The customer 360 of `id` in `source`.
    ///
    /// - Throws: ``ReportError/unknownCustomer(_:)`` when the models do not know the customer.
    public init(_ source: ReportSource, customer id: CustomerID) throws(ReportError) {
        guard let view = source.models.customer360(id, asOf: source.day) else { throw .unknownCustomer(id.description) }
        let record = view.record
        let subject = DataSubject.customer(id)
        self.id = id.description
        stream = id.stream
        asOf = source.day.description
        position = source.position
        name = source.display(record.name, subject)
        kind = "\(record.kind)"
        email = record.email.map { source.display($0, subject) }
        registeredOn = record.registeredOn.description
        stage = view.stage.map { "\($0)" }
        stageName = view.stage?.germanName
        stageHistory = view.stageHistory.map { Transition(day: $0.day.description, from: $0.from.map { "\($0)" }, to: "\($0.to)", rule: $0.rule) }
        clv = MoneyAmount(minorUnits: view.clv, currency: source.models.rules.currency.code)
        currency = source.models.rules.currency.code
        segment = view.segment.rawValue
        churnRisk = Risk(level: view.churnRisk.level.rawValue, score: view.churnRisk.score, reasons: view.churnRisk.reasons)
        leadScore = view.leadScore
        openBalance = MoneyAmount(view.openBalance)
        overdueBalance = MoneyAmount(view.overdueBalance)
        orderCount = record.orderCount
        lastOrderOn = record.lastOrderOn?.description
        nps = record.nps
        orders = record.orders.map {
            Order(id: $0.orderID.description, placedOn: $0.placedOn.description, total: MoneyAmount($0.total), status: "\($0.status)",
                  deliveredOn: $0.deliveredOn?.description, returned: $0.returned.map(MoneyAmount.init))
        }
        invoices = record.invoices.map {
            Invoice(id: $0.invoiceID.description, issuedOn: $0.issuedOn.description, dueOn: $0.dueOn.description,
                    amount: MoneyAmount($0.amount), open: MoneyAmount($0.open), markedOverdue: $0.markedOverdue)
        }
        let sla = Dictionary(view.ticketSLA.map { ($0.ticket, $0) }, uniquingKeysWith: { first, _ in first })
        tickets = record.tickets.map {
            Ticket(id: $0.ticketID.description, openedOn: CalendarDay.containing(micros: $0.openedAtMicros).description,
                   category: $0.category, priority: "\($0.priority)", status: "\($0.status)",
                   firstResponse: sla[$0.ticketID]?.firstResponse.rawValue ?? "running",
                   resolution: sla[$0.ticketID]?.resolution.rawValue ?? "running")
        }
        opportunities = record.opportunities.map {
            Opportunity(title: $0.title, amount: MoneyAmount($0.amount), status: "\($0.status)", stage: $0.stage.map { "\($0)" })
        }
        timeline = record.timeline.reversed().map {
            Interaction(day: $0.day.description, channel: "\($0.channel)", direction: "\($0.direction)", subject: $0.subject)
        }
    }
}
