import CRMKit
import Foundation

// The JSON shapes of the read endpoints. The read models are not `Codable` themselves (they are
// stored in CRMKit's own binary record format), so the service says here what it publishes.

/// `GET /customers/{id}`: one customer on one page.
public struct Customer360JSON: Codable, Sendable, Equatable {
    /// An order as the customer 360 lists it.
    public struct Order: Codable, Sendable, Equatable {
        /// The order id.
        public let id: String
        /// The day it was placed.
        public let placedOn: CalendarDay
        /// Its total.
        public let total: Money
        /// `placed`, `shipped`, `delivered`, `cancelled` or `returned`.
        public let status: String
    }

    /// A ticket with its service-level state.
    public struct Ticket: Codable, Sendable, Equatable {
        /// The ticket id.
        public let id: String
        /// Its category.
        public let category: String
        /// `low`, `normal`, `high` or `urgent`.
        public let priority: String
        /// `open`, `resolved` or `closed`.
        public let status: String
        /// `met`, `breached` or `running`.
        public let firstResponse: String
        /// `met`, `breached` or `running`.
        public let resolution: String
    }

    /// An opportunity of the customer.
    public struct Opportunity: Codable, Sendable, Equatable {
        /// The opportunity id.
        public let id: String
        /// Its title.
        public let title: String
        /// Expected revenue while open, the amount won once won.
        public let amount: Money
        /// `open`, `won` or `lost`.
        public let status: String
    }

    /// The customer id.
    public let id: String
    /// `person` or `account`.
    public let kind: String
    /// The name (a string, or `{"sealed": …}` when it is encrypted and the service has no key).
    public let name: PersonalText
    /// The country, when known.
    public let country: String?
    /// The day of registration.
    public let registeredOn: CalendarDay
    /// The lifecycle stage (`prospect`, `newCustomer`, `growingCustomer`, `starCustomer`, `lostCustomer`).
    public let stage: String?
    /// Customer lifetime value.
    public let clv: Money
    /// CLV segment.
    public let segment: ValueSegment
    /// Churn risk: score, level and reasons.
    public let churnRisk: ChurnRisk
    /// Open amount of the customer's invoices.
    public let openBalance: Money
    /// Of it, overdue.
    public let overdueBalance: Money
    /// The latest NPS answer.
    public let nps: Int?
    /// The customer's orders, newest last.
    public let orders: [Order]
    /// The customer's tickets.
    public let tickets: [Ticket]
    /// The customer's opportunities.
    public let opportunities: [Opportunity]

    /// The published form of a view, with `record` as it is shown (its personal data opened,
    /// or as stored; by default the view's own record).
    public init(_ view: Customer360View, record: CustomerRecord? = nil, currency: CurrencyCode) {
        let record = record ?? view.record
        id = view.id.description
        kind = record.kind.name
        name = record.name
        country = record.country
        registeredOn = record.registeredOn
        stage = view.stage.map { "\($0)" }
        clv = Money(minorUnits: view.clv, currency: currency)
        segment = view.segment
        churnRisk = view.churnRisk
        openBalance = view.openBalance
        overdueBalance = view.overdueBalance
        nps = record.nps
        orders = record.orders.map {
            Order(id: $0.orderID.description, placedOn: $0.placedOn, total: $0.total, status: "\($0.status)")
        }
        let sla = Dictionary(view.ticketSLA.map { ($0.ticket, $0) }, uniquingKeysWith: { first, _ in first })
        tickets = record.tickets.map {
            Ticket(id: $0.ticketID.description, category: $0.category, priority: $0.priority.name, status: "\($0.status)",
                   firstResponse: sla[$0.ticketID]?.firstResponse.rawValue ?? "running",
                   resolution: sla[$0.ticketID]?.resolution.rawValue ?? "running")
        }
        opportunities = record.opportunities.map {
            Opportunity(id: $0.id.uuidString.lowercased(), title: $0.title, amount: $0.amount, status: "\($0.status)")
        }
    }
}

/// `GET /pipeline`: the open pipeline by stage, the forecast by month, won and lost.
public struct PipelineJSON: Codable, Sendable, Equatable {
    /// Count, amount and probability-weighted amount of a set of open opportunities.
    public struct Figures: Codable, Sendable, Equatable {
        /// Open opportunities.
        public let count: Int
        /// Sum of their expected revenue.
        public let amount: Money
        /// Sum of their probability-weighted expected revenue.
        public let weightedAmount: Money

        init(_ figures: PipelineSummary.Figures) {
            count = figures.count
            amount = figures.amount
            weightedAmount = figures.weightedAmount
        }
    }

    /// The open opportunities of one stage.
    public struct Stage: Codable, Sendable, Equatable {
        /// The stage name (`prospecting` … `negotiation`).
        public let stage: String
        /// Its figures.
        public let figures: Figures
    }

    /// The open opportunities expected to close in one month.
    public struct Month: Codable, Sendable, Equatable {
        /// `YYYY-MM`.
        public let month: String
        /// Its figures.
        public let figures: Figures
    }

    /// The currency of every amount.
    public let currency: CurrencyCode
    /// All open opportunities.
    public let open: Figures
    /// Open opportunities per stage, in stage order, every stage present.
    public let byStage: [Stage]
    /// Open opportunities per expected close month.
    public let forecast: [Month]
    /// Won opportunities.
    public let won: Int
    /// Lost opportunities.
    public let lost: Int
    /// Revenue won.
    public let wonAmount: Money

    /// The published form of a summary.
    public init(_ summary: PipelineSummary) {
        currency = summary.currency
        open = Figures(summary.open)
        byStage = PipelineStage.allCases.compactMap { stage in
            summary.openByStage[stage].map { Stage(stage: stage.name, figures: Figures($0)) }
        }
        forecast = summary.forecast.map { Month(month: $0.month, figures: Figures($0.figures)) }
        won = summary.won
        lost = summary.lost
        wonAmount = summary.wonAmount
    }
}

/// `GET /scorecard?period=…`: the balanced scorecard of a period.
public struct ScorecardJSON: Codable, Sendable, Equatable {
    /// The period, `2026-Q3`, `2026-07` or `2026`.
    public let period: String
    /// Every KPI with perspective, value, target and status.
    public let kpis: [KPIValue]

    /// The published form of a report.
    public init(_ report: ScorecardReport) {
        period = report.period.description
        kpis = report.kpis
    }
}

/// The response of `POST /commands`.
public struct CommandResponse: Codable, Sendable, Equatable {
    /// One appended event.
    public struct Appended: Codable, Sendable, Equatable {
        /// Its global position.
        public let position: UInt64
        /// Its stream.
        public let stream: String
    }

    /// The id of the entity the command was about (generated for a new one when not given).
    public let id: String
    /// The events the command appended.
    public let events: [Appended]
}

extension Period {
    /// Parses `2026-Q3`, `2026-07` or `2026`.
    init?(text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, first.count == 4, let year = Int(first) else { return nil }
        switch parts.count {
        case 1:
            self = .year(year)
        case 2 where parts[1].count == 2 && parts[1].first == "Q":
            guard let quarter = Int(parts[1].dropFirst()), (1...4).contains(quarter) else { return nil }
            self = .quarter(year: year, quarter: quarter)
        case 2 where parts[1].count == 2:
            guard let month = Int(parts[1]), (1...12).contains(month) else { return nil }
            self = .month(year: year, month: month)
        default:
            return nil
        }
    }
}
