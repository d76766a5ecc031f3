import CRMDomain
import Foundation

/// The balanced scorecard's four perspectives (seed 004).
public enum Perspective: String, Sendable, Hashable, CaseIterable, Codable {
    /// Financial.
    case financial
    /// Customer.
    case customer
    /// Internal process.
    case process
    /// Learning and growth.
    case learning
}

/// Whether a KPI reached its target.
public enum KPIStatus: String, Sendable, Hashable, Codable {
    /// At or better than the target.
    case onTarget
    /// Worse than the target by at most the tolerance.
    case atRisk
    /// Worse than the target by more than the tolerance.
    case offTarget
    /// No value in the period (nothing to measure).
    case noData
}

/// One KPI of a scorecard.
public struct KPIValue: Sendable, Hashable, Codable {
    /// The KPI's name (the key of its target in ``ScorecardTargets``).
    public let name: String
    /// Its perspective.
    public let perspective: Perspective
    /// The value; `nil` when there was nothing to measure.
    public let value: Double?
    /// The target, if one is set.
    public let target: KPITarget?
    /// Value against target.
    public let status: KPIStatus

    init(_ name: String, _ perspective: Perspective, _ value: Double?, targets: ScorecardTargets) {
        self.name = name
        self.perspective = perspective
        self.value = value
        target = targets.targets[name]
        guard let value, let target else {
            status = value == nil ? .noData : .onTarget
            return
        }
        let shortfall = target.higherIsBetter ? target.target - value : value - target.target
        status = shortfall <= 0 ? .onTarget : shortfall <= target.tolerance ? .atRisk : .offTarget
    }
}

/// The balanced scorecard of one period.
///
/// Definitions (money in minor units of the rules' currency; "customers at day D" are those
/// registered by D, not merged, and not in the lost stage on D):
/// - financial: `revenue` = net revenue of the period (orders placed − cancelled − returned);
///   `revenuePerCustomer` = revenue / customers at the period's end; `revenuePerCustomerChange`
///   = its relative change against the previous period; `averageCLV` = mean discounted CLV of
///   the customers at the end; `customerAcquisitionCost` = (campaign costs + sales and
///   marketing cost to serve) / new customers; ``segmentProfit`` = net revenue − cost to serve
///   of the period's calendar years per CLV segment;
/// - customer: `nps` = % promoters (9–10) − % detractors (0–6); `churnRate` = customers at the
///   start who are lost at the end / customers at the start; `retentionRate` = (customers at
///   the end − new customers) / customers at the start; `netCustomerGrowth` = new − lost;
///   `repeatPurchaseRate` = buyers of the period with an earlier order or a second order in
///   the period / buyers of the period; `complaintRate` = complaints / customers at the end;
/// - process: `medianFirstResponseMinutes` and `p90FirstResponseMinutes` (nearest rank) over
///   the tickets opened in the period that were answered; `answeredWithinTarget` = those
///   answered within ``ScorecardTargets/responseTargetMinutes`` / tickets opened;
///   `firstContactResolutionRate` = resolved at first contact / resolved;
///   `slaBreachRate` = tickets whose first response or resolution missed its target / tickets
///   opened; `orderToDeliveryDays` = mean days from order to delivery of the period's orders;
/// - learning: `crmTrainingRate` = employees at the end with a CRM training / employees at the
///   end; `employeeSatisfaction` = mean survey satisfaction (1–5); `dataCompleteness` = share
///   of customers at the end whose record has e-mail, phone, address and country (accounts
///   also industry).
/// Start means the day before the period's first day; end its last day.
public struct ScorecardReport: Sendable, Hashable {
    /// The period.
    public let period: Period
    /// Every KPI, in perspective order.
    public let kpis: [KPIValue]
    /// Net revenue − cost to serve per CLV segment, for the period's calendar years.
    public let segmentProfit: [ValueSegment: Int64]

    /// The KPI called `name`.
    public subscript(name: String) -> KPIValue? { kpis.first { $0.name == name } }

    /// The KPIs of one perspective.
    public func kpis(of perspective: Perspective) -> [KPIValue] { kpis.filter { $0.perspective == perspective } }

    init(period: Period, models: CRMReadModels, asOf: CalendarDay?) {
        self.period = period
        let reportDay = asOf ?? models.lifecycle.latestDay ?? period.end
        let rules = models.rules
        let targets = rules.scorecard
        let months = period.months.compactMap { models.scorecard.months[$0] }
        func sum<T: AdditiveArithmetic>(_ key: (MonthTotals) -> T) -> T { months.reduce(.zero) { $0 + key($1) } }
        func ratio(_ a: Double, _ b: Double) -> Double? { b == 0 ? nil : a / b }

        let start = period.start.adding(days: -1), end = period.end
        func customers(on day: CalendarDay) -> Set<CustomerID> {
            var result = Set<CustomerID>()
            // Registered by `day` and not merged by `day` (the lifecycle model dates merges).
            for (id, stage) in models.lifecycle.stages(asOf: day) where stage != .lostCustomer { result.insert(id) }
            return result
        }
        let atStart = customers(on: start), atEnd = customers(on: end)
        let newCustomers = models.lifecycle.customersRegistered(through: end).filter { id in
            guard let registered = models.lifecycle.record(of: id)?.registeredOn else { return false }
            return registered >= period.start
        }.count
        let lost = atStart.filter { models.lifecycle.stage(of: $0, on: end) == .lostCustomer }.count

        // Financial
        let revenue = sum { $0.revenue }
        let revenuePerCustomer = ratio(Double(revenue), Double(atEnd.count))
        // The previous period ends the day before this one starts: its customers are `atStart`.
        let previousRevenue = period.previous.months.compactMap { models.scorecard.months[$0]?.revenue }.reduce(0, &+)
        let previous = ratio(Double(previousRevenue), Double(atStart.count))
        let change = revenuePerCustomer.flatMap { now in previous.flatMap { $0 == 0 ? nil : (now - $0) / $0 } }
        let clvs = atEnd.compactMap { models.customer360.customer($0) }.map { CustomerAnalytics.clv($0, rules: rules.value, asOf: end) }
        let averageCLV = clvs.isEmpty ? nil : Double(clvs.reduce(0, &+)) / Double(clvs.count)
        let cac = ratio(Double(sum { $0.campaignCost } &+ sum { $0.acquisitionCost }), Double(newCustomers))

        // Customer
        let answers = sum { $0.promoters } + sum { $0.passives } + sum { $0.detractors }
        let nps = ratio(Double(sum { $0.promoters } - sum { $0.detractors }) * 100, Double(answers))
        let churn = ratio(Double(lost), Double(atStart.count))
        let retention = ratio(Double(atEnd.count - newCustomers), Double(atStart.count))
        var buyers = 0, repeatBuyers = 0
        for buyer in models.scorecard.buyers.records.values {
            let inPeriod = buyer.orderDays.filter { $0 >= period.start && $0 <= end }.count
            guard inPeriod > 0 else { continue }
            buyers += 1
            if inPeriod >= 2 || buyer.orderDays.contains(where: { $0 < period.start }) { repeatBuyers += 1 }
        }
        let complaints = ratio(Double(sum { $0.complaints }), Double(atEnd.count))

        // Process
        let responses = months.flatMap(\.firstResponseMinutes).sorted()
        func percentile(_ p: Double) -> Double? {
            guard !responses.isEmpty else { return nil }
            let rank = Int((p * Double(responses.count)).rounded(.up))
            return Double(responses[max(0, rank - 1)])
        }
        let opened = Double(sum { $0.ticketsOpened })
        // Tickets of the period still waiting for their first response or first resolution at
        // the end of the report day, past that deadline then: breached (the month counts hold
        // the tickets whose response or resolution came late).
        let now = (Int64(reportDay.daysSince1970) + 1) * 86_400_000_000
        let firstMicros = Int64(period.start.daysSince1970) * 86_400_000_000
        let endMicros = (Int64(end.daysSince1970) + 1) * 86_400_000_000
        var openBreaches = 0
        for ticket in models.scorecard.pendingTickets.records.values
        where !ticket.breached && ticket.openedAtMicros >= firstMicros && ticket.openedAtMicros < endMicros {
            let response = ticket.openedAtMicros + Int64(ticket.firstResponseTarget) * 60_000_000
            let resolution = ticket.openedAtMicros + Int64(ticket.resolutionTarget) * 60_000_000
            if (!ticket.responded && now > response) || now > resolution { openBreaches += 1 }
        }
        let deliveries = months.flatMap(\.deliveryDays)

        // Learning
        let employees = models.scorecard.employees.records.values.filter { $0.joinedOn <= end && ($0.leftOn.map { $0 > end } ?? true) }
        let trained = employees.filter { $0.crmTrainedOn.map { $0 <= end } ?? false }.count
        let complete = atEnd.compactMap { models.customer360.customer($0) }.filter { $0.isComplete(on: end) }.count

        kpis = [
            KPIValue("revenue", .financial, Double(revenue), targets: targets),
            KPIValue("revenuePerCustomer", .financial, revenuePerCustomer, targets: targets),
            KPIValue("revenuePerCustomerChange", .financial, change, targets: targets),
            KPIValue("averageCLV", .financial, averageCLV, targets: targets),
            KPIValue("customerAcquisitionCost", .financial, cac, targets: targets),
            KPIValue("nps", .customer, nps, targets: targets),
            KPIValue("churnRate", .customer, churn, targets: targets),
            KPIValue("retentionRate", .customer, retention, targets: targets),
            KPIValue("netCustomerGrowth", .customer, Double(newCustomers - lost), targets: targets),
            KPIValue("repeatPurchaseRate", .customer, ratio(Double(repeatBuyers), Double(buyers)), targets: targets),
            KPIValue("complaintRate", .customer, complaints, targets: targets),
            KPIValue("medianFirstResponseMinutes", .process, percentile(0.5), targets: targets),
            KPIValue("p90FirstResponseMinutes", .process, percentile(0.9), targets: targets),
            KPIValue("answeredWithinTarget", .process, ratio(Double(sum { $0.answeredInTime }), opened), targets: targets),
            KPIValue("firstContactResolutionRate", .process,
                     ratio(Double(sum { $0.resolvedAtFirstContact }), Double(sum { $0.resolved })), targets: targets),
            KPIValue("slaBreachRate", .process, ratio(Double(sum { $0.slaBreaches } + openBreaches), opened), targets: targets),
            KPIValue("orderToDeliveryDays", .process,
                     deliveries.isEmpty ? nil : Double(deliveries.reduce(0, +)) / Double(deliveries.count), targets: targets),
            KPIValue("crmTrainingRate", .learning, ratio(Double(trained), Double(employees.count)), targets: targets),
            KPIValue("employeeSatisfaction", .learning,
                     ratio(Double(sum { $0.satisfactionSum }), Double(sum { $0.satisfactionAnswers })), targets: targets),
            KPIValue("dataCompleteness", .learning, ratio(Double(complete), Double(atEnd.count)), targets: targets),
        ]

        var profit: [ValueSegment: Int64] = [:]
        let years = Set(period.months.map { $0 / 12 })
        for id in atEnd {
            guard let record = models.customer360.customer(id) else { continue }
            let segment = CustomerAnalytics.segment(record, rules: rules, asOf: end)
            let margin = record.years.filter { years.contains($0.year) }.reduce(Int64(0)) { $0 &+ $1.revenue &- $1.cost }
            profit[segment, default: 0] &+= margin
        }
        segmentProfit = profit
    }
}
