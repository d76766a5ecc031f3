import CRMDomain
import Foundation

/// A reporting period: a month, a quarter or a year.
public enum Period: Sendable, Hashable, CustomStringConvertible {
    /// A calendar month (1…12).
    case month(year: Int, month: Int)
    /// A calendar quarter (1…4).
    case quarter(year: Int, quarter: Int)
    /// A calendar year.
    case year(Int)

    /// Month indexes (year × 12 + month − 1) the period covers.
    public var months: ClosedRange<Int> {
        switch self {
        case .month(let year, let month): return (year * 12 + month - 1)...(year * 12 + month - 1)
        case .quarter(let year, let quarter): return (year * 12 + (quarter - 1) * 3)...(year * 12 + (quarter - 1) * 3 + 2)
        case .year(let year): return (year * 12)...(year * 12 + 11)
        }
    }

    /// The first day.
    public var start: CalendarDay {
        let first = months.lowerBound
        return CalendarDay(year: first / 12, month: first % 12 + 1, day: 1)!
    }

    /// The last day.
    public var end: CalendarDay {
        let last = months.upperBound
        let (year, month) = (last / 12, last % 12 + 1)
        return CalendarDay(year: year, month: month, day: CalendarDay.daysInMonth(year: year, month: month))!
    }

    /// The period of the same kind just before.
    public var previous: Period {
        switch self {
        case .month(let year, let month): return month == 1 ? .month(year: year - 1, month: 12) : .month(year: year, month: month - 1)
        case .quarter(let year, let quarter): return quarter == 1 ? .quarter(year: year - 1, quarter: 4) : .quarter(year: year, quarter: quarter - 1)
        case .year(let year): return .year(year - 1)
        }
    }

    /// `2026-03`, `2026-Q1`, `2026`.
    public var description: String {
        switch self {
        case .month(let year, let month): return "\(year)-\(month < 10 ? "0" : "")\(month)"
        case .quarter(let year, let quarter): return "\(year)-Q\(quarter)"
        case .year(let year): return "\(year)"
        }
    }
}

/// The month index (year × 12 + month − 1) of a day.
func monthIndex(_ day: CalendarDay) -> Int {
    let (year, month, _) = day.parts
    return year * 12 + month - 1
}

/// What the scorecard counts in one month.
public struct MonthTotals: RecordMessage, Hashable {
    /// Net revenue in the rules' currency: orders placed, minus cancellations (in the month the
    /// order was placed) and returns (in the month of the return).
    public var revenue: Int64 = 0
    /// Orders placed (not cancelled).
    public var orders = 0
    /// Campaign costs booked.
    public var campaignCost: Int64 = 0
    /// Cost to serve booked as sales or marketing (acquisition cost).
    public var acquisitionCost: Int64 = 0
    /// NPS answers 9–10.
    public var promoters = 0
    /// NPS answers 7–8.
    public var passives = 0
    /// NPS answers 0–6.
    public var detractors = 0
    /// Complaints received.
    public var complaints = 0
    /// Minutes to the first response, per ticket opened this month that got one.
    public var firstResponseMinutes: [Int] = []
    /// Tickets opened this month answered within the response target.
    public var answeredInTime = 0
    /// Tickets opened this month resolved (first resolution).
    public var resolved = 0
    /// Of those, resolved at the first contact.
    public var resolvedAtFirstContact = 0
    /// Tickets opened this month whose first response or resolution missed its SLA target.
    public var slaBreaches = 0
    /// Tickets opened this month.
    public var ticketsOpened = 0
    /// Days from order to delivery, per order placed this month that was delivered.
    public var deliveryDays: [Int] = []
    /// Employee-survey answers: sum of satisfaction (1…5) and count.
    public var satisfactionSum = 0
    /// Employee-survey answers.
    public var satisfactionAnswers = 0
    /// Interactions over digital channels.
    public var digitalInteractions = 0
    /// All interactions.
    public var interactions = 0

    /// Empty totals.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "revenue", &revenue)
        try v.field(2, "orders", &orders)
        try v.field(3, "campaignCost", &campaignCost)
        try v.field(4, "acquisitionCost", &acquisitionCost)
        try v.field(5, "promoters", &promoters)
        try v.field(6, "passives", &passives)
        try v.field(7, "detractors", &detractors)
        try v.field(8, "complaints", &complaints)
        try v.repeated(9, "firstResponseMinutes", &firstResponseMinutes)
        try v.field(10, "answeredInTime", &answeredInTime)
        try v.field(11, "resolved", &resolved)
        try v.field(12, "resolvedAtFirstContact", &resolvedAtFirstContact)
        try v.field(13, "slaBreaches", &slaBreaches)
        try v.field(14, "ticketsOpened", &ticketsOpened)
        try v.repeated(15, "deliveryDays", &deliveryDays)
        try v.field(16, "satisfactionSum", &satisfactionSum)
        try v.field(17, "satisfactionAnswers", &satisfactionAnswers)
        try v.field(18, "digitalInteractions", &digitalInteractions)
        try v.field(19, "interactions", &interactions)
    }
}

/// A ticket the scorecard still waits on (first response, first resolution).
public struct PendingTicket: RecordMessage, Hashable {
    /// Opened, microseconds since 1970.
    public var openedAtMicros: Int64 = 0
    /// First-response target in minutes.
    public var firstResponseTarget = 0
    /// Resolution target in minutes.
    public var resolutionTarget = 0
    /// Whether the first response was counted.
    public var responded = false
    /// Whether an SLA breach was counted.
    public var breached = false

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "openedAtMicros", &openedAtMicros)
        try v.field(2, "firstResponseTarget", &firstResponseTarget)
        try v.field(3, "resolutionTarget", &resolutionTarget)
        try v.field(4, "responded", &responded)
        try v.field(5, "breached", &breached)
    }
}

/// An employee, for the learning perspective.
public struct EmployeeRecord: RecordMessage, Hashable {
    /// Business day joined.
    public var joinedOn = CalendarDay.earliest
    /// Business day left.
    public var leftOn: CalendarDay?
    /// Business day of the first CRM training.
    public var crmTrainedOn: CalendarDay?

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "joinedOn", &joinedOn)
        try v.field(2, "leftOn", &leftOn)
        try v.field(3, "crmTrainedOn", &crmTrainedOn)
    }
}

/// Which month a customer's first order fell in and the months with orders (for the
/// repeat-purchase rate).
public struct BuyerRecord: RecordMessage, Hashable {
    /// Business days of the orders (not cancelled), in log order.
    public var orderDays: [CalendarDay] = []

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.repeated(1, "orderDays", &orderDays)
    }
}
