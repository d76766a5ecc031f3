import CRMDomain
import Foundation

/// The balanced scorecard's own counts per month (seed 004): revenue, acquisition cost, NPS,
/// complaints, service times and SLA, delivery times, employee satisfaction, channel use; plus
/// the employees and buyers its rates need. The report (``CRMReadModels/scorecard(_:asOf:)``)
/// combines them with the lifecycle and customer-360 models.
public struct ScorecardModel: ReadModel {
    /// `scorecard`.
    public static let name = "scorecard"
    /// The types the counts come from.
    public static let eventTypes = EventTypeFilter([
        OrderPlaced.self, OrderCancelled.self, OrderReturned.self, OrderDelivered.self, CampaignCostBooked.self,
        CostToServeBooked.self, NPSAnswered.self, FeedbackReceived.self, TicketOpened.self, TicketFirstResponseGiven.self,
        TicketResolved.self, EmployeeJoined.self, EmployeeLeft.self, TrainingCompleted.self, EmployeeSurveyAnswered.self,
        InteractionRecorded.self,
    ])

    /// The rules.
    public let rules: CRMRules
    /// Counts by month index (year × 12 + month − 1).
    public private(set) var months = RecordTable<Int, MonthTotals>(tag: 1)
    /// Orders not yet delivered or cancelled.
    public private(set) var pendingOrders = RecordTable<OrderID, PendingOrderOwner>(tag: 2)
    /// Tickets whose first response or first resolution is still to come.
    public private(set) var pendingTickets = RecordTable<TicketID, PendingTicket>(tag: 3)
    /// Employees.
    public private(set) var employees = RecordTable<EmployeeID, EmployeeRecord>(tag: 4)
    /// Each buyer's order days.
    public private(set) var buyers = RecordTable<CustomerID, BuyerRecord>(tag: 5)
    /// The month of each recently seen business day.
    private var monthPositions = MonthPositionCache()

    /// Turns change tracking of every table on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        months.tracksChanges = on
        pendingOrders.tracksChanges = on
        pendingTickets.tracksChanges = on
        employees.tracksChanges = on
        buyers.tracksChanges = on
    }

    /// An empty model.
    public init(rules: CRMRules) { self.rules = rules }

    /// Restores a stored model.
    public init(rules: CRMRules, entries: [ReadModelEntry]) throws {
        self.rules = rules
        try months.restore(from: entries)
        try pendingOrders.restore(from: entries)
        try pendingTickets.restore(from: entries)
        try employees.restore(from: entries)
        try buyers.restore(from: entries)
    }

    public mutating func takeChanges() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        months.takeChanges(into: &entries)
        pendingOrders.takeChanges(into: &entries)
        pendingTickets.takeChanges(into: &entries)
        employees.takeChanges(into: &entries)
        buyers.takeChanges(into: &entries)
        return entries
    }

    public func entries() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        months.entries(into: &entries)
        pendingOrders.entries(into: &entries)
        pendingTickets.entries(into: &entries)
        employees.entries(into: &entries)
        buyers.entries(into: &entries)
        return entries
    }

    private mutating func month(_ day: CalendarDay, _ body: (inout MonthTotals) -> Void) {
        let days = day.daysSince1970
        if let position = monthPositions.position(of: days) {
            months.modify(at: position, body)
            return
        }
        let (year, month, _) = day.parts
        let key = year * 12 + month - 1
        let position: Int
        if let found = months.position(of: key) {
            position = found
        } else {
            months.update(key, orInsert: MonthTotals()) { _ in }
            position = months.count - 1
        }
        monthPositions.remember(days, position)
        months.modify(at: position, body)
    }

    private func inCurrency(_ money: Money) -> Int64 { money.currency == rules.currency ? money.minorUnits : 0 }

    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        let day = info.day
        switch event {
        case .orderPlaced(let e):
            // The buyer is looked up before the order is inserted: the two index reads are
            // independent, so their cache misses overlap.
            let buyer = buyers.position(of: e.customerID)
            let amount = inCurrency(e.total)
            month(day) { $0.revenue &+= amount; $0.orders += 1 }
            pendingOrders.update(e.orderID, orInsert: PendingOrderOwner()) { pending in
                pending.customer = e.customerID
                pending.placedOn = day
                pending.amount = amount
            }
            if let buyer {
                buyers.modify(at: buyer) { $0.orderDays.append(day) }
            } else {
                buyers.update(e.customerID, orInsert: BuyerRecord()) { $0.orderDays.append(day) }
            }
        case .orderCancelled(let e):
            guard let position = pendingOrders.position(of: e.orderID) else { return }
            let pending = pendingOrders.records[position].value
            month(pending.placedOn) { $0.revenue &-= pending.amount; $0.orders -= 1 }
            buyers.modify(pending.customer) { buyer in
                if let index = buyer.orderDays.lastIndex(of: pending.placedOn) { buyer.orderDays.remove(at: index) }
            }
            pendingOrders.remove(e.orderID)
        case .orderDelivered(let e):
            guard let position = pendingOrders.position(of: e.orderID) else { return }
            let pending = pendingOrders.records[position].value
            month(pending.placedOn) { $0.deliveryDays.append(CustomerAnalytics.days(pending.placedOn, day)) }
            pendingOrders.remove(e.orderID)
        case .orderReturned(let e):
            let amount = inCurrency(e.amount)
            month(day) { $0.revenue &-= amount }
        case .campaignCostBooked(let e):
            let amount = inCurrency(e.amount)
            month(day) { $0.campaignCost &+= amount }
        case .costToServeBooked(let e):
            guard e.activity == .sales || e.activity == .marketing else { return }
            let amount = inCurrency(e.amount)
            month(day) { $0.acquisitionCost &+= amount }
        case .npsAnswered(let e):
            month(day) { totals in
                switch e.score {
                case 9...10: totals.promoters += 1
                case 7...8: totals.passives += 1
                default: totals.detractors += 1
                }
            }
        case .feedbackReceived(let e):
            if e.kind == .complaint { month(day) { $0.complaints += 1 } }
        case .interactionRecorded(let e):
            month(day) { totals in
                totals.interactions += 1
                if e.channel.isDigital { totals.digitalInteractions += 1 }
            }
        case .ticketOpened(let e):
            month(day) { $0.ticketsOpened += 1 }
            pendingTickets.update(e.ticketID, orInsert: PendingTicket()) { ticket in
                ticket.openedAtMicros = info.occurredAtMicros
                ticket.firstResponseTarget = e.firstResponseTargetMinutes
                ticket.resolutionTarget = e.resolutionTargetMinutes
            }
        case .ticketFirstResponseGiven(let e):
            guard let position = pendingTickets.position(of: e.ticketID) else { return }
            let ticket = pendingTickets.records[position].value
            guard !ticket.responded else { return }
            let elapsed = info.occurredAtMicros - ticket.openedAtMicros
            let minutes = Int(elapsed / 60_000_000)
            // Deadlines compare to the microsecond: exactly on the deadline is in time.
            let inTime = elapsed <= Int64(rules.scorecard.responseTargetMinutes) * 60_000_000
            let breach = !ticket.breached && elapsed > Int64(ticket.firstResponseTarget) * 60_000_000
            month(CalendarDay.containing(micros: ticket.openedAtMicros)) { totals in
                totals.firstResponseMinutes.append(minutes)
                if inTime { totals.answeredInTime += 1 }
                if breach { totals.slaBreaches += 1 }
            }
            pendingTickets.modify(at: position) { ticket in
                ticket.responded = true
                if breach { ticket.breached = true }
            }
        case .ticketResolved(let e):
            guard let ticket = pendingTickets[e.ticketID] else { return }
            let breach = !ticket.breached && info.occurredAtMicros - ticket.openedAtMicros > Int64(ticket.resolutionTarget) * 60_000_000
            month(CalendarDay.containing(micros: ticket.openedAtMicros)) { totals in
                totals.resolved += 1
                if e.firstContactResolution { totals.resolvedAtFirstContact += 1 }
                if breach { totals.slaBreaches += 1 }
            }
            // The first resolution counts; a reopened ticket's later resolutions do not.
            pendingTickets.remove(e.ticketID)
        case .employeeJoined(let e):
            employees.update(e.employeeID, orInsert: EmployeeRecord()) { $0.joinedOn = day }
        case .employeeLeft(let e):
            employees.modify(e.employeeID) { $0.leftOn = day }
        case .trainingCompleted(let e):
            guard e.crmTraining else { return }
            employees.modify(e.employeeID) { employee in
                if employee.crmTrainedOn.map({ $0 > day }) ?? true { employee.crmTrainedOn = day }
            }
        case .employeeSurveyAnswered(let e):
            month(day) { totals in
                totals.satisfactionSum += e.satisfaction
                totals.satisfactionAnswers += 1
            }
        default:
            break
        }
    }
}

/// An order the scorecard waits on, with its buyer.
public struct PendingOrderOwner: RecordMessage, Hashable {
    /// The buyer.
    public var customer = CustomerID(UUID.zero)
    /// Business day placed.
    public var placedOn = CalendarDay.earliest
    /// Total in the rules' currency (0 when in another currency).
    public var amount: Int64 = 0

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "customer", &customer)
        try v.field(2, "placedOn", &placedOn)
        try v.field(3, "amount", &amount)
    }
}

/// The position in ``ScorecardModel/months`` of the month of each recently seen day: a
/// direct-mapped cache of 1 024 days (months are never removed, so positions stay valid), so
/// that most events find their month without the date arithmetic of ``CalendarDay/parts`` or a
/// lookup, whatever the order of their business days.
struct MonthPositionCache: Sendable {
    /// Per slot `day & 1023`: the day (since 1970) in the high half, position + 1 in the low
    /// half; 0 when empty.
    private var slots = ContiguousArray<UInt64>(repeating: 0, count: 1_024)

    /// The position of `day`'s month, if cached.
    @inline(__always)
    func position(of day: Int32) -> Int? {
        let entry = slots[Int(day & 1_023)]
        guard entry != 0, UInt32(truncatingIfNeeded: entry >> 32) == UInt32(bitPattern: day) else { return nil }
        return Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
    }

    /// Caches `position` for `day`.
    mutating func remember(_ day: Int32, _ position: Int) {
        slots[Int(day & 1_023)] = UInt64(UInt32(bitPattern: day)) << 32 | UInt64(position + 1)
    }
}
