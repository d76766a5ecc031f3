import CRMDomain
import CRMProjections
import Foundation

// The naive reference of the differential test (FigureReferenceTests): every figure recomputed
// from the plain list of decoded events, written from docs/projections.md ("Figure reference").

// MARK: - The reference

/// One decoded event with its business time and position.
struct ReferenceEvent {
    let event: DomainEvent
    let micros: Int64
    let position: UInt64
    var day: Int32 { CalendarDay.containing(micros: micros).daysSince1970 }
}

/// Every figure recomputed from a plain list of events, sorted by business time (ties by
/// position), with no state carried between figures.
struct Reference {
    let events: [ReferenceEvent]
    let rules: CRMRules

    init(_ events: [ReferenceEvent], rules: CRMRules) {
        self.events = events.sorted { ($0.micros, $0.position) < ($1.micros, $1.position) }
        self.rules = rules
    }

    /// The events on or before `day`.
    func through(_ day: Int32) -> Reference { Reference(events.filter { $0.day <= day }, rules: rules) }

    var reportDay: Int32? { events.map(\.day).max() }

    static func endMicros(_ day: Int32) -> Int64 { (Int64(day) + 1) * 86_400_000_000 }
    static func monthIndex(_ day: Int32) -> Int {
        let (y, m, _) = CalendarDay(daysSince1970: day)!.parts
        return y * 12 + m - 1
    }

    // MARK: Customers and orders

    var customers: [CustomerID] {
        events.compactMap { if case .customerRegistered(let e) = $0.event { return e.customerID } else { return nil } }
    }

    func registeredOn(_ c: CustomerID) -> Int32? {
        events.first { if case .customerRegistered(let e) = $0.event { return e.customerID == c } else { return false } }?.day
    }

    func mergedOn(_ c: CustomerID) -> Int32? {
        events.first { if case .customersMerged(let e) = $0.event { return e.duplicateID == c } else { return false } }?.day
    }

    struct Order { let id: OrderID; let customer: CustomerID; let day: Int32; let total: Money }

    func placed() -> [Order] {
        events.compactMap {
            if case .orderPlaced(let e) = $0.event { return Order(id: e.orderID, customer: e.customerID, day: $0.day, total: e.total) }
            return nil
        }
    }

    func cancelled() -> Set<OrderID> {
        Set(events.compactMap { if case .orderCancelled(let e) = $0.event { return e.orderID } else { return nil } })
    }

    /// Orders not cancelled, any currency.
    func liveOrders(of c: CustomerID) -> [Order] {
        let gone = cancelled()
        return placed().filter { $0.customer == c && !gone.contains($0.id) }
    }

    /// Net revenue and cost in the rules' currency per month index of one customer.
    func margins(of c: CustomerID) -> [Int: Int64] {
        let currency = rules.currency
        var result: [Int: Int64] = [:]
        let orders = placed().filter { $0.customer == c }
        let gone = cancelled()
        for order in orders where order.total.currency == currency && !gone.contains(order.id) {
            result[Self.monthIndex(order.day), default: 0] += order.total.minorUnits
        }
        for item in events {
            switch item.event {
            case .orderReturned(let e):
                if orders.contains(where: { $0.id == e.orderID }), e.amount.currency == currency {
                    result[Self.monthIndex(item.day), default: 0] -= e.amount.minorUnits
                }
            case .costToServeBooked(let e) where e.customerID == c && e.amount.currency == currency:
                result[Self.monthIndex(item.day), default: 0] -= e.amount.minorUnits
            default: break
            }
        }
        return result
    }

    func clv(_ c: CustomerID, on day: Int32) -> Int64 {
        let month = Self.monthIndex(day)
        let margin = margins(of: c).filter { $0.key <= month }.values.reduce(0, +)
        let active = max(365, Int(day) - Int(registeredOn(c)!) + 1)
        let yearly = Double(margin) * 365 / Double(active)
        var total = 0.0
        for t in 1...max(1, rules.value.horizonYears) { total += yearly / pow(1 + rules.value.discountRate, Double(t)) }
        return Int64(total.rounded(.toNearestOrAwayFromZero))
    }

    // MARK: Lifecycle

    struct Transition: Equatable, CustomStringConvertible {
        let day: Int32, from: LifecycleStage?, to: LifecycleStage, rule: String
        var description: String { "\(CalendarDay(daysSince1970: day)!) \(from.map { "\($0)" } ?? "—")→\(to) \(rule)" }
    }

    /// The lifecycle events of customer `c` (registration, merge, its orders and contracts), by
    /// business day, in business-time order.
    func lifecycleEvents(of c: CustomerID) -> [Int32: [DomainEvent]] {
        var mine: Set<UUID> = []
        var result: [Int32: [DomainEvent]] = [:]
        for item in events {
            var belongs = false
            switch item.event {
            case .customerRegistered(let e): belongs = e.customerID == c
            case .customersMerged(let e): belongs = e.duplicateID == c
            case .orderPlaced(let e):
                belongs = e.customerID == c
                if belongs { mine.insert(e.orderID.uuid) }
            case .contractSigned(let e):
                belongs = e.customerID == c
                if belongs { mine.insert(e.contractID.uuid) }
            case .orderCancelled(let e): belongs = mine.contains(e.orderID.uuid)
            case .orderReturned(let e): belongs = mine.contains(e.orderID.uuid)
            case .contractRenewed(let e): belongs = mine.contains(e.contractID.uuid)
            case .contractTerminated(let e): belongs = mine.contains(e.contractID.uuid)
            default: break
            }
            if belongs { result[item.day, default: []].append(item.event) }
        }
        return result
    }

    /// The stage history of `c` through day `end`, simulated one calendar day at a time from
    /// the rules as docs/projections.md writes them (no pending state, no journal): each
    /// morning the inactivity rule, then each event of the day with the rules after it.
    /// Events after `end` are never looked at.
    func journey(of c: CustomerID, through end: Int32) -> (registeredOn: Int32, mergedOn: Int32?, transitions: [Transition])? {
        let byDay = lifecycleEvents(of: c)
        guard let start = byDay.keys.min(), start <= end else { return nil }
        let rules = rules.lifecycle
        let lostRule = "no-order-for-\(rules.lostAfterDaysWithoutOrder)-days"
        var stage = LifecycleStage.prospect
        var transitions = [Transition(day: start, from: nil, to: .prospect, rule: "registered")]
        var orders: [OrderID: (day: Int32, net: Int64)] = [:]
        var contracts: Set<ContractID> = []
        func move(_ to: LifecycleStage, _ day: Int32, _ rule: String) {
            guard stage != to else { return }
            transitions.append(Transition(day: day, from: stage, to: to, rule: rule))
            stage = to
        }
        // More than N days without an order on `day`, for a customer in an ordering stage.
        func inactive(_ day: Int32) -> Bool {
            let ordering = stage == .newCustomer || stage == .growingCustomer || stage == .starCustomer
            return ordering && !orders.values.contains { day - $0.day <= Int32(rules.lostAfterDaysWithoutOrder) }
        }
        for day in start...end {
            if inactive(day) { move(.lostCustomer, day, lostRule) }
            for event in byDay[day] ?? [] {
                var placed = false, terminated = false
                switch event {
                case .customersMerged: return (start, day, transitions)
                case .orderPlaced(let e):
                    orders[e.orderID] = (day, e.total.currency == self.rules.currency ? e.total.minorUnits : 0)
                    placed = true
                case .orderCancelled(let e): orders[e.orderID] = nil
                case .orderReturned(let e):
                    orders[e.orderID]?.net -= e.amount.currency == self.rules.currency ? e.amount.minorUnits : 0
                case .contractSigned(let e): contracts.insert(e.contractID)
                case .contractTerminated(let e): terminated = contracts.remove(e.contractID) != nil
                default: break
                }
                if terminated, rules.contractTerminationLoses, contracts.isEmpty { move(.lostCustomer, day, "contract-terminated") }
                if stage == .lostCustomer {
                    guard placed else { continue }
                    move(.newCustomer, day, "reactivated")
                }
                let window = orders.values.filter { $0.day >= day - 364 && $0.day <= day }
                let revenue = window.map(\.net).reduce(0, +)
                var target = LifecycleStage.prospect
                if orders.count >= rules.newCustomerMinOrders {
                    target = .newCustomer
                    if window.count >= rules.growingMinOrders && revenue >= rules.growingMinRevenue { target = .growingCustomer }
                    if target == .growingCustomer && window.count >= rules.starMinOrders && revenue >= rules.starMinRevenue {
                        target = .starCustomer
                    }
                }
                let rule: String
                switch target {
                case .prospect: rule = "below-new-customer-threshold"
                case .newCustomer: rule = stage == .prospect ? "first-order" : "below-growing-threshold"
                case .growingCustomer: rule = stage == .starCustomer ? "below-star-threshold" : "growing-threshold"
                case .starCustomer: rule = "star-threshold"
                case .lostCustomer: rule = "contract-terminated"
                }
                move(target, day, rule)
                if inactive(day) { move(.lostCustomer, day, lostRule) }
            }
        }
        return (start, nil, transitions)
    }

    /// Every transition on or before `day`.
    func history(of c: CustomerID, asOf day: Int32) -> [Transition] {
        journey(of: c, through: day)?.transitions ?? []
    }

    /// The stage on `day`; `nil` before registration or from the merge day on.
    func stage(of c: CustomerID, on day: Int32) -> LifecycleStage? {
        guard let journey = journey(of: c, through: day), journey.mergedOn == nil else { return nil }
        return journey.transitions.last?.to
    }

    func counts(on day: Int32) -> [Int] {
        var counts = [Int](repeating: 0, count: 5)
        for c in Set(lifecycleCustomers) { if let stage = stage(of: c, on: day) { counts[Int(stage.rawValue)] += 1 } }
        return counts
    }

    var lifecycleCustomers: [CustomerID] {
        events.compactMap {
            switch $0.event {
            case .customerRegistered(let e): return e.customerID
            case .orderPlaced(let e): return e.customerID
            case .contractSigned(let e): return e.customerID
            case .customersMerged(let e): return e.duplicateID
            default: return nil
            }
        }
    }

    // MARK: Customer 360 figures on the report day

    struct Customer: Equatable {
        var stage: String?
        var history: [String]
        var clv: Int64
        var segment: String
        var churnScore: Int
        var churnLevel: String
        var churnReasons: [String]
        var leadScore: Int?
        var openBalance: Int64
        var overdueBalance: Int64
        var orderCount: Int
        var lastOrderOn: String?
        var nps: Int?
        var sla: [String: String]
    }

    /// The churn signals that fire on `day`: each one's points and its written text.
    func churnSignals(_ c: CustomerID, on day: Int32) -> [(points: Int, reason: String)] {
        let churn = rules.churn
        var signals: [(points: Int, reason: String)] = []
        func counted(_ n: Int, _ noun: String, _ window: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s") in \(window)" }
        let days = liveOrders(of: c).map(\.day).filter { $0 <= day }.sorted()
        if days.count >= 2 {
            let cadence = Double(days.last! - days.first!) / Double(days.count - 1)
            let gap = day - days.last!
            if cadence > 0, Double(gap) > churn.gapFactor * cadence {
                let factor = churn.gapFactor == churn.gapFactor.rounded() ? String(Int(churn.gapFactor)) : String(churn.gapFactor)
                signals.append((churn.gapPoints,
                                "order gap \(gap) d > \(factor) × cadence \(Int(cadence.rounded(.toNearestOrAwayFromZero))) d"))
            }
        }
        var invoices: Set<InvoiceID> = []
        for item in events { if case .invoiceIssued(let e) = item.event, e.customerID == c { invoices.insert(e.invoiceID) } }
        let marks = min(3, events.filter {
            if case .invoiceOverdue(let e) = $0.event { return invoices.contains(e.invoiceID) && $0.day <= day && $0.day >= day - 364 }
            return false
        }.count)
        if marks > 0 { signals.append((marks * churn.latePaymentPoints, counted(marks, "late payment", "365 d"))) }
        let month = Self.monthIndex(day)
        let interactions = events.compactMap { item -> Int? in
            if case .interactionRecorded(let e) = item.event, e.customerID == c { return Self.monthIndex(item.day) }
            return nil
        }
        let recent = interactions.filter { (month - 2...month).contains($0) }.count
        let before = interactions.filter { (month - 5...month - 3).contains($0) }.count
        if before > 0, recent * 2 < before {
            signals.append((churn.interactionDropPoints, "interactions fell from \(before) to \(recent) per 3 months"))
        }
        let complaints = min(3, events.filter {
            if case .feedbackReceived(let e) = $0.event { return e.customerID == c && e.kind == .complaint && $0.day <= day && $0.day >= day - 179 }
            return false
        }.count)
        if complaints > 0 { signals.append((complaints * churn.complaintPoints, counted(complaints, "complaint", "180 d"))) }
        return signals
    }

    func churnScore(_ c: CustomerID, on day: Int32) -> Int { churnSignals(c, on: day).reduce(0) { $0 + $1.points } }

    func level(_ score: Int) -> String {
        score >= rules.churn.highFrom ? "high" : score >= rules.churn.mediumFrom ? "medium" : "low"
    }

    /// Net revenue − cost to serve per calendar year of one customer, in the rules' currency:
    /// orders not cancelled in the order's year, returns in the return's year, cost in its year.
    func yearMargins(of c: CustomerID) -> [Int: Int64] {
        var years: [Int: Int64] = [:]
        let currency = rules.currency
        let orders = placed().filter { $0.customer == c }
        for order in orders where order.total.currency == currency {
            years[CalendarDay(daysSince1970: order.day)!.parts.year, default: 0] += cancelled().contains(order.id) ? 0 : order.total.minorUnits
        }
        for item in events {
            let y = CalendarDay(daysSince1970: item.day)!.parts.year
            switch item.event {
            case .orderReturned(let e) where e.amount.currency == currency && orders.contains(where: { $0.id == e.orderID }):
                years[y, default: 0] -= e.amount.minorUnits
            case .costToServeBooked(let e) where e.customerID == c && e.amount.currency == currency:
                years[y, default: 0] -= e.amount.minorUnits
            default: break
            }
        }
        return years
    }

    func segment(_ c: CustomerID, on day: Int32) -> String {
        let year = CalendarDay(daysSince1970: day)!.parts.year
        let years = yearMargins(of: c)
        var falling = false
        if let last = years[year - 1], let before = years[year - 2] {
            falling = Double(last) < Double(before) - rules.value.fallingMinDrop * abs(Double(before))
        }
        if level(churnScore(c, on: day)) != "low" || falling { return "atRisk" }
        let value = clv(c, on: day)
        let stable = liveOrders(of: c).filter { $0.day <= day && $0.day >= day - 364 }.count >= rules.value.loyalMinOrders
        if stable, value >= rules.value.championMinCLV { return "champions" }
        if stable, value >= rules.value.loyalMinCLV { return "loyal" }
        return "potential"
    }

    struct Ticket {
        let id: TicketID, customer: CustomerID, opened: Int64, responseTarget: Int, resolutionTarget: Int
        var response: Int64?, resolution: Int64?, firstContact: Bool?
    }

    var tickets: [Ticket] {
        var result: [TicketID: Ticket] = [:]
        var order: [TicketID] = []
        for item in events {
            switch item.event {
            case .ticketOpened(let e):
                result[e.ticketID] = Ticket(id: e.ticketID, customer: e.customerID, opened: item.micros,
                                            responseTarget: e.firstResponseTargetMinutes, resolutionTarget: e.resolutionTargetMinutes)
                order.append(e.ticketID)
            case .ticketFirstResponseGiven(let e):
                if result[e.ticketID]?.response == nil { result[e.ticketID]?.response = item.micros }
            case .ticketResolved(let e):
                if result[e.ticketID]?.resolution == nil {
                    result[e.ticketID]?.resolution = item.micros
                    result[e.ticketID]?.firstContact = e.firstContactResolution
                }
            default: break
            }
        }
        return order.compactMap { result[$0] }
    }

    static func sla(_ opened: Int64, _ minutes: Int, _ done: Int64?, now: Int64) -> String {
        let deadline = opened + Int64(minutes) * 60_000_000
        if let done { return done <= deadline ? "met" : "breached" }
        return now > deadline ? "breached" : "running"
    }

    func customer(_ c: CustomerID, on day: Int32) -> Customer {
        let currency = rules.currency
        var open: Int64 = 0, overdue: Int64 = 0
        for item in events {
            guard case .invoiceIssued(let e) = item.event, e.customerID == c, e.amount.currency == currency else { continue }
            let paid = events.reduce(Int64(0)) {
                if case .paymentReceived(let p) = $1.event, p.invoiceID == e.invoiceID { return $0 + p.amount.minorUnits }
                return $0
            }
            let marked = events.contains { if case .invoiceOverdue(let o) = $0.event { return o.invoiceID == e.invoiceID } else { return false } }
            let amount = max(0, e.amount.minorUnits - paid)
            open += amount
            if amount > 0, marked || e.dueOn.daysSince1970 < day { overdue += amount }
        }
        let orders = liveOrders(of: c)
        var nps: Int?
        for item in events { if case .npsAnswered(let e) = item.event, e.customerID == c { nps = e.score } }
        let score = churnScore(c, on: day)
        var sla: [String: String] = [:]
        let now = Self.endMicros(day)
        for ticket in tickets where ticket.customer == c {
            sla[ticket.id.description] = Self.sla(ticket.opened, ticket.responseTarget, ticket.response, now: now) + "/"
                + Self.sla(ticket.opened, ticket.resolutionTarget, ticket.resolution, now: now)
        }
        return Customer(stage: stage(of: c, on: day).map { "\($0)" }, history: history(of: c, asOf: day).map(\.description),
                        clv: clv(c, on: day), segment: segment(c, on: day), churnScore: score, churnLevel: level(score),
                        churnReasons: churnSignals(c, on: day).map(\.reason), leadScore: leadScore(c, on: day), openBalance: open, overdueBalance: overdue, orderCount: orders.count,
                        lastOrderOn: orders.map(\.day).max().map { CalendarDay(daysSince1970: $0)!.description }, nps: nps, sla: sla)
    }

    /// An order's status (`placed`, `shipped`, `delivered`, `cancelled`) and the sum of its
    /// returns (`nil` without any), from its events.
    func orderState(_ id: String) -> (status: String, returned: Int64?) {
        var status = "placed"
        var returned: Int64?
        for item in events {
            switch item.event {
            case .orderShipped(let e) where e.orderID.description == id: status = "shipped"
            case .orderDelivered(let e) where e.orderID.description == id: status = "delivered"
            case .orderCancelled(let e) where e.orderID.description == id: status = "cancelled"
            case .orderReturned(let e) where e.orderID.description == id: returned = (returned ?? 0) + e.amount.minorUnits
            default: break
            }
        }
        return (status, returned)
    }

    // MARK: Scorecard

    func customersAt(_ day: Int32) -> Set<CustomerID> {
        Set(Set(lifecycleCustomers).filter { c in stage(of: c, on: day).map { $0 != .lostCustomer } ?? false })
    }

    func isComplete(_ c: CustomerID, by day: Int32) -> Bool {
        var email = false, phone = false, address = false, country = false, industry = false, account = false
        for item in events where item.day <= day {
            switch item.event {
            case .customerRegistered(let e) where e.customerID == c:
                account = e.kind == .account
                email = email || e.email != nil; phone = phone || e.phone != nil; address = address || e.address != nil
                country = country || e.country != nil; industry = industry || e.industry != nil
            case .customerDetailsChanged(let e) where e.customerID == c:
                email = email || e.email != nil; phone = phone || e.phone != nil; address = address || e.address != nil
                country = country || e.country != nil; industry = industry || e.industry != nil
            default: break
            }
        }
        return email && phone && address && country && (!account || industry)
    }

    /// The KPIs of `period` as known on `day` (the report day), by name.
    func scorecard(_ period: Period, on day: Int32) -> [String: Double?] {
        let first = period.start.daysSince1970, end = period.end.daysSince1970
        let inPeriod = { (d: Int32) in d >= first && d <= end }
        func ratio(_ a: Double, _ b: Double) -> Double? { b == 0 ? nil : a / b }
        let currency = rules.currency
        let atStart = customersAt(first - 1), atEnd = customersAt(end)
        let newCustomers = Set(lifecycleCustomers).filter { c in
            guard let journey = journey(of: c, through: end) else { return false }
            return journey.registeredOn >= first && journey.mergedOn == nil
        }.count
        let lost = atStart.filter { stage(of: $0, on: end) == .lostCustomer }.count
        let gone = cancelled()
        func revenue(_ from: Int32, _ to: Int32) -> Int64 {
            var total: Int64 = 0
            for order in placed() where order.total.currency == currency && order.day >= from && order.day <= to && !gone.contains(order.id) {
                total += order.total.minorUnits
            }
            for item in events where item.day >= from && item.day <= to {
                if case .orderReturned(let e) = item.event, e.amount.currency == currency { total -= e.amount.minorUnits }
            }
            return total
        }
        let income = revenue(first, end)
        let previous = period.previous
        let previousIncome = revenue(previous.start.daysSince1970, previous.end.daysSince1970)
        let perCustomer = ratio(Double(income), Double(atEnd.count))
        let previousPerCustomer = ratio(Double(previousIncome), Double(atStart.count))
        let change = perCustomer.flatMap { now in previousPerCustomer.flatMap { $0 == 0 ? nil : (now - $0) / $0 } }
        let clvs = atEnd.map { clv($0, on: end) }
        var cost: Int64 = 0
        var promoters = 0, detractors = 0, answers = 0, complaints = 0
        for item in events where inPeriod(item.day) {
            switch item.event {
            case .campaignCostBooked(let e) where e.amount.currency == currency: cost += e.amount.minorUnits
            case .costToServeBooked(let e) where (e.activity == .sales || e.activity == .marketing) && e.amount.currency == currency:
                cost += e.amount.minorUnits
            case .npsAnswered(let e):
                answers += 1
                if e.score >= 9 { promoters += 1 } else if e.score <= 6 { detractors += 1 }
            case .feedbackReceived(let e) where e.kind == .complaint: complaints += 1
            default: break
            }
        }
        var buyers = 0, repeaters = 0
        for c in Set(placed().map(\.customer)) {
            let days = liveOrders(of: c).map(\.day)
            let count = days.filter(inPeriod).count
            guard count > 0 else { continue }
            buyers += 1
            if count >= 2 || days.contains(where: { $0 < first }) { repeaters += 1 }
        }
        let opened = tickets.filter { inPeriod(CalendarDay.containing(micros: $0.opened).daysSince1970) }
        let responses = opened.compactMap { ticket in ticket.response.map { Int(($0 - ticket.opened) / 60_000_000) } }.sorted()
        func percentile(_ p: Double) -> Double? {
            guard !responses.isEmpty else { return nil }
            return Double(responses[max(0, Int((p * Double(responses.count)).rounded(.up)) - 1)])
        }
        let now = Self.endMicros(day)
        let target = Int64(rules.scorecard.responseTargetMinutes) * 60_000_000
        let inTime = opened.filter { ticket in ticket.response.map { $0 - ticket.opened <= target } ?? false }.count
        let resolved = opened.filter { $0.resolution != nil }
        let breached = opened.filter {
            Self.sla($0.opened, $0.responseTarget, $0.response, now: now) == "breached"
                || Self.sla($0.opened, $0.resolutionTarget, $0.resolution, now: now) == "breached"
        }.count
        var deliveries: [Int] = []
        for order in placed() where inPeriod(order.day) {
            if let delivered = events.first(where: { if case .orderDelivered(let e) = $0.event { return e.orderID == order.id } else { return false } }) {
                deliveries.append(Int(delivered.day - order.day))
            }
        }
        let complete = atEnd.filter { isComplete($0, by: end) }.count
        var figures: [String: Double?] = [
            "revenue": Double(income), "revenuePerCustomer": perCustomer, "revenuePerCustomerChange": change,
            "averageCLV": clvs.isEmpty ? nil : Double(clvs.reduce(0, +)) / Double(clvs.count),
            "customerAcquisitionCost": ratio(Double(cost), Double(newCustomers)),
            "nps": ratio(Double(promoters - detractors) * 100, Double(answers)),
            "churnRate": ratio(Double(lost), Double(atStart.count)),
            "retentionRate": ratio(Double(atEnd.count - newCustomers), Double(atStart.count)),
            "netCustomerGrowth": Double(newCustomers - lost),
            "repeatPurchaseRate": ratio(Double(repeaters), Double(buyers)),
            "complaintRate": ratio(Double(complaints), Double(atEnd.count)),
            "medianFirstResponseMinutes": percentile(0.5), "p90FirstResponseMinutes": percentile(0.9),
            "answeredWithinTarget": ratio(Double(inTime), Double(opened.count)),
            "firstContactResolutionRate": ratio(Double(resolved.filter { $0.firstContact == true }.count), Double(resolved.count)),
            "slaBreachRate": ratio(Double(breached), Double(opened.count)),
            "orderToDeliveryDays": deliveries.isEmpty ? nil : Double(deliveries.reduce(0, +)) / Double(deliveries.count),
            "dataCompleteness": ratio(Double(complete), Double(atEnd.count)),
        ]
        for (name, value) in learning(first, end) { figures[name] = value }
        return figures
    }
}
