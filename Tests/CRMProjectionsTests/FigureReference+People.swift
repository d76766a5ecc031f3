import CRMDomain
import CRMProjections
import Foundation

// The naive reference, continued: the lead score, the learning KPIs and the
// profit per value segment, from their definitions in docs/projections.md ("Figure reference").

extension Reference {
    // MARK: Lead score

    /// The score on `day` of the lead `c` was converted from; `nil` when `c` was not a lead.
    func leadScore(_ c: CustomerID, on day: Int32) -> Int? {
        let from = events.lazy.compactMap { item -> LeadID? in
            if case .customerRegistered(let e) = item.event, e.customerID == c { return e.convertedFromLead }
            return nil
        }.first
        guard let lead = from ?? nil else { return nil }
        let scoring = rules.leadScoring
        func decayed(_ points: Int, since recorded: Int32) -> Double {
            Double(points) * pow(0.5, Double(max(0, day - recorded)) / max(1, scoring.halfLifeDays))
        }
        var total = 0.0
        // Each attribute's value is that of the batch latest in business time (the events are
        // sorted by business time, ties by position); engagement: the latest 20 batches.
        var values: [String: (value: String, day: Int32)] = [:]
        var batches: [Int32] = []
        for item in events {
            switch item.event {
            case .leadCaptured(let e) where e.leadID == lead:
                if let points = scoring.sourcePoints["\(e.source)"] { total += decayed(points, since: item.day) }
            case .leadAttributesRecorded(let e) where e.leadID == lead:
                for attribute in e.attributes { values[attribute.name] = (attribute.value, item.day) }
                batches.append(item.day)
            default: break
            }
        }
        for (name, entry) in values {
            for rule in scoring.attributes where rule.name == name {
                var matches = false
                if let equals = rule.equals { matches = entry.value.lowercased() == equals.lowercased() }
                if let atLeast = rule.atLeast, let number = Double(entry.value) { matches = number >= atLeast }
                if matches { total += decayed(rule.points, since: entry.day) }
            }
        }
        for batch in batches.suffix(20) { total += decayed(scoring.engagementPoints, since: batch) }
        return Int(total.rounded(.toNearestOrAwayFromZero))
    }

    // MARK: Learning KPIs

    /// Employees at `day`: joined on or before it, not left on or before it.
    func employeesAt(_ day: Int32) -> Set<EmployeeID> {
        var joined: [EmployeeID: Int32] = [:], left: [EmployeeID: Int32] = [:]
        for item in events {
            switch item.event {
            case .employeeJoined(let e) where joined[e.employeeID] == nil: joined[e.employeeID] = item.day
            case .employeeLeft(let e): left[e.employeeID] = item.day
            default: break
            }
        }
        return Set(joined.filter { $0.value <= day && (left[$0.key].map { $0 > day } ?? true) }.keys)
    }

    /// `crmTrainingRate` and `employeeSatisfaction` of the days `first`…`end`.
    func learning(_ first: Int32, _ end: Int32) -> [String: Double?] {
        let staff = employeesAt(end)
        let trained = staff.filter { employee in
            events.contains {
                if case .trainingCompleted(let e) = $0.event { return e.employeeID == employee && e.crmTraining && $0.day <= end }
                return false
            }
        }
        let answers = events.compactMap { item -> Int? in
            if case .employeeSurveyAnswered(let e) = item.event, item.day >= first, item.day <= end { return e.satisfaction }
            return nil
        }
        return ["crmTrainingRate": staff.isEmpty ? nil : Double(trained.count) / Double(staff.count),
                "employeeSatisfaction": answers.isEmpty ? nil : Double(answers.reduce(0, +)) / Double(answers.count)]
    }

    // MARK: Profit per value segment

    /// Net revenue − cost to serve of the calendar years `period` touches, summed over the
    /// customers at the period's end by their segment on that day; every segment listed.
    func segmentProfit(_ period: Period) -> [String: Int64] {
        let end = period.end.daysSince1970
        let years = Set(period.start.parts.year...period.end.parts.year)
        var result = ["champions": Int64(0), "loyal": 0, "potential": 0, "atRisk": 0]
        for c in customersAt(end) {
            let margins = yearMargins(of: c)
            result[segment(c, on: end), default: 0] += years.reduce(Int64(0)) { $0 + (margins[$1] ?? 0) }
        }
        return result
    }
}

// MARK: - The customer 360's lists

extension Reference {
    /// The listed entries of a customer's 360 as comparable lines, each keyed by its id (orders,
    /// invoices, tickets) or by its figures (opportunities, which the report lists without an
    /// id), with the ids that must be listed: every order not delivered or cancelled, every
    /// invoice with an open amount, every ticket not closed, every open opportunity.
    struct Lists: Equatable {
        var orders: [String: String] = [:]
        var invoices: [String: String] = [:]
        var tickets: [String: String] = [:]
        var opportunities: [String] = []
        var mustList: Set<String> = []
    }

    static func money(_ minor: Int64, _ currency: String) -> String { "\(minor) \(currency)" }

    func lists(of c: CustomerID) -> Lists {
        var lists = Lists()
        func day(_ d: Int32) -> String { CalendarDay(daysSince1970: d)!.description }
        for order in placed() where order.customer == c {
            let state = orderState(order.id.description)
            let delivered = events.first { if case .orderDelivered(let e) = $0.event { return e.orderID == order.id } else { return false } }
            lists.orders[order.id.description] = "\(day(order.day)) \(Self.money(order.total.minorUnits, order.total.currency.code)) "
                + "\(state.status) \(delivered.map { day($0.day) } ?? "-") \(state.returned.map { String($0) } ?? "-")"
            if state.status != "delivered", state.status != "cancelled" { lists.mustList.insert(order.id.description) }
        }
        for item in events {
            guard case .invoiceIssued(let e) = item.event, e.customerID == c else { continue }
            var paid: Int64 = 0, marked = false
            for other in events {
                if case .paymentReceived(let p) = other.event, p.invoiceID == e.invoiceID { paid += p.amount.minorUnits }
                if case .invoiceOverdue(let o) = other.event, o.invoiceID == e.invoiceID { marked = true }
            }
            let open = max(0, e.amount.minorUnits - paid)
            lists.invoices[e.invoiceID.description] = "\(day(item.day)) \(e.dueOn) \(Self.money(e.amount.minorUnits, e.amount.currency.code)) "
                + "\(Self.money(open, e.amount.currency.code)) \(marked)"
            if open > 0 { lists.mustList.insert(e.invoiceID.description) }
        }
        var ticketStatus: [TicketID: String] = [:]
        for item in events {
            switch item.event {
            case .ticketOpened(let e) where e.customerID == c:
                ticketStatus[e.ticketID] = "open"
                lists.tickets[e.ticketID.description] = "\(day(item.day)) \(e.category) \(e.priority)"
            case .ticketResolved(let e) where ticketStatus[e.ticketID] != nil: ticketStatus[e.ticketID] = "resolved"
            case .ticketReopened(let e) where ticketStatus[e.ticketID] != nil: ticketStatus[e.ticketID] = "open"
            case .ticketClosed(let e) where ticketStatus[e.ticketID] != nil: ticketStatus[e.ticketID] = "closed"
            default: break
            }
        }
        for (ticket, status) in ticketStatus {
            lists.tickets[ticket.description]! += " \(status)"
            if status != "closed" { lists.mustList.insert(ticket.description) }
        }
        for item in events {
            guard case .opportunityOpened(let e) = item.event, e.customerID == c, let o = opportunity(e.opportunityID) else { continue }
            let amount = o.outcome == "won" ? Money(minorUnits: o.wonAmount, currency: o.wonCurrency ?? o.amount.currency) : o.amount
            lists.opportunities.append("\(e.title) \(Self.money(amount.minorUnits, amount.currency.code)) \(o.outcome) "
                + "\(o.stages.last!)")
        }
        lists.opportunities.sort()
        return lists
    }
}
