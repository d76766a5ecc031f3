import CRMDomain
import Foundation

/// The CLV segments of seed 000.
public enum ValueSegment: String, Sendable, Hashable, CaseIterable, Codable {
    /// High CLV, high loyalty.
    case champions
    /// Mid-to-high CLV, stable buying.
    case loyal
    /// Low current, high potential CLV.
    case potential
    /// Falling CLV or churn risk.
    case atRisk
}

/// The ABC class by share of revenue (seed 000's machine-builder example: A ≈ 20 % of customers
/// with 60 % of revenue).
public enum ABCClass: String, Sendable, Hashable, CaseIterable, Codable {
    /// The customers making up the first ``ValueRules/abcShareA`` of revenue.
    case a
    /// Those up to ``ValueRules/abcShareB``.
    case b
    /// The rest, and customers without revenue.
    case c
}

/// How likely a customer is to leave, and why.
public struct ChurnRisk: Sendable, Hashable, Codable {
    /// The level: low, medium (an offer by e-mail), high (the account manager calls).
    public enum Level: String, Sendable, Hashable, Codable, Comparable {
        /// Below ``ChurnRules/mediumFrom``.
        case low
        /// From ``ChurnRules/mediumFrom``.
        case medium
        /// From ``ChurnRules/highFrom``.
        case high

        public static func < (lhs: Level, rhs: Level) -> Bool {
            let order: [Level] = [.low, .medium, .high]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    /// Points from the signals.
    public let score: Int
    /// The level the score falls in.
    public let level: Level
    /// The signals that fired, e.g. `order gap 400 d > 2 × cadence 90 d`.
    public let reasons: [String]
}

/// Recency, frequency and monetary scores, 1 (worst) … 5 (best), by quintile among customers.
public struct RFMScore: Sendable, Hashable, Codable {
    /// Recency of the last order.
    public let recency: Int
    /// Orders in the last 365 days.
    public let frequency: Int
    /// Net revenue of this and last calendar year.
    public let monetary: Int

    /// `"545"`-style code.
    public var code: String { "\(recency)\(frequency)\(monetary)" }
}

/// The analytics of seed 000 and 004 over customer-360 records: discounted CLV, CLV segments,
/// ABC split, RFM, churn risk and lead scores. Pure functions of the records, the rules and the
/// as-of day, so every figure can be recomputed for any day and any rules.
public enum CustomerAnalytics {
    /// Days between two days.
    static func days(_ from: CalendarDay, _ to: CalendarDay) -> Int { Int(to.daysSince1970) - Int(from.daysSince1970) }

    /// The yearly margin (net revenue − cost to serve) the CLV projects: the margin of the
    /// customer's active time up to `asOf` (from registration), per 365 days, where active time
    /// counts at least 365 days: a customer's first orders are not projected from a few weeks
    /// of history onto a whole year (one order two weeks after registration is one order's
    /// margin a year, not 26).
    /// The margin is that of the months up to and including `asOf`'s month (exact for a
    /// month's last day, and for any day on or after the latest event folded).
    public static func yearlyMargin(_ record: CustomerRecord, asOf: CalendarDay) -> Double {
        let margin = record.margin(throughMonthOf: asOf)
        let active = max(365, days(record.registeredOn, asOf) + 1)
        return Double(margin) * 365 / Double(active)
    }

    /// Discounted customer lifetime value in minor units: CLV = Σₜ₌₁…H m / (1 + d)ᵗ with m the
    /// ``yearlyMargin(_:asOf:)``, d ``ValueRules/discountRate`` and H ``ValueRules/horizonYears``;
    /// rounded half away from zero.
    public static func clv(_ record: CustomerRecord, rules: ValueRules, asOf: CalendarDay) -> Int64 {
        let margin = yearlyMargin(record, asOf: asOf)
        var total = 0.0
        for t in 1...max(1, rules.horizonYears) {
            total += margin / pow(1 + rules.discountRate, Double(t))
        }
        return Int64(total.rounded(.toNearestOrAwayFromZero))
    }

    /// Orders (not cancelled) in the 365 days up to `asOf` (`asOf` − 364 … `asOf`).
    public static func recentOrders(_ record: CustomerRecord, asOf: CalendarDay) -> Int {
        let days = record.orderDays
        return days.partitioningIndex { $0 > asOf } - days.partitioningIndex { $0 >= asOf.adding(days: -364) }
    }

    /// Churn risk from the order gap against the customer's own cadence (days between the first
    /// and the last order not cancelled on or before `asOf` / (those orders − 1)), late payments,
    /// falling interaction frequency and complaints; see ``ChurnRules``.
    public static func churnRisk(_ record: CustomerRecord, rules: ChurnRules, asOf: CalendarDay) -> ChurnRisk {
        var score = 0
        var reasons: [String] = []
        // The orders (not cancelled) placed on or before `asOf`.
        let count = record.orderDays.partitioningIndex { $0 > asOf }
        if count >= 2, let first = record.orderDays.first {
            let last = record.orderDays[count - 1]
            let cadence = Double(days(first, last)) / Double(count - 1)
            let gap = days(last, asOf)
            if cadence > 0, Double(gap) > rules.gapFactor * cadence {
                score += rules.gapPoints
                reasons.append("order gap \(gap) d > \(rules.gapFactor.formatted()) × cadence \(Int(cadence.rounded())) d")
            }
        }
        let late = min(3, record.overdueDays.filter { (0...364).contains(days($0, asOf)) }.count)
        if late > 0 {
            score += late * rules.latePaymentPoints
            reasons.append("\(late) late payment\(late == 1 ? "" : "s") in 365 d")
        }
        let (year, month, _) = asOf.parts
        let current = year * 12 + month - 1
        let recent = record.interactionMonths.filter { (current - 2...current).contains($0.month) }.reduce(0) { $0 + $1.count }
        let before = record.interactionMonths.filter { (current - 5...current - 3).contains($0.month) }.reduce(0) { $0 + $1.count }
        if before > 0, recent * 2 < before {
            score += rules.interactionDropPoints
            reasons.append("interactions fell from \(before) to \(recent) per 3 months")
        }
        let complaints = min(3, record.complaintDays.filter { (0...179).contains(days($0, asOf)) }.count)
        if complaints > 0 {
            score += complaints * rules.complaintPoints
            reasons.append("\(complaints) complaint\(complaints == 1 ? "" : "s") in 180 d")
        }
        let level: ChurnRisk.Level = score >= rules.highFrom ? .high : score >= rules.mediumFrom ? .medium : .low
        return ChurnRisk(score: score, level: level, reasons: reasons)
    }

    /// Whether the value is falling: the margin (net revenue − cost to serve) of the last
    /// complete year before `asOf`'s year is below that of the year before it by more than
    /// ``ValueRules/fallingMinDrop`` of the year before's margin (its absolute value), both
    /// years with activity recorded.
    public static func valueFalling(_ record: CustomerRecord, rules: ValueRules, asOf: CalendarDay) -> Bool {
        let year = asOf.parts.year
        guard let last = record.years.first(where: { $0.year == year - 1 }),
              let before = record.years.first(where: { $0.year == year - 2 }) else { return false }
        let previous = Double(before.revenue &- before.cost)
        return Double(last.revenue &- last.cost) < previous - rules.fallingMinDrop * abs(previous)
    }

    /// The CLV segment: at risk when churn risk is not low or the value is falling
    /// (``valueFalling(_:rules:asOf:)``); otherwise champions (CLV ≥ ``ValueRules/championMinCLV``
    /// and stable buying: ``ValueRules/loyalMinOrders`` orders in 365 days), loyal (CLV ≥
    /// ``ValueRules/loyalMinCLV`` and stable buying) or potential.
    public static func segment(_ record: CustomerRecord, rules: CRMRules, asOf: CalendarDay) -> ValueSegment {
        let value = clv(record, rules: rules.value, asOf: asOf)
        let falling = valueFalling(record, rules: rules.value, asOf: asOf)
        if churnRisk(record, rules: rules.churn, asOf: asOf).level != .low || falling { return .atRisk }
        let stable = recentOrders(record, asOf: asOf) >= rules.value.loyalMinOrders
        if stable, value >= rules.value.championMinCLV { return .champions }
        if stable, value >= rules.value.loyalMinCLV { return .loyal }
        return .potential
    }

    /// Net revenue of all years up to `asOf`'s year.
    public static func lifetimeRevenue(_ record: CustomerRecord, asOf: CalendarDay) -> Int64 {
        let year = asOf.parts.year
        return record.years.filter { $0.year <= year }.reduce(0) { $0 &+ $1.revenue }
    }

    /// The ABC class of each customer by lifetime net revenue: sorted by revenue (ties by id),
    /// a customer is A while the revenue share of those before it is below
    /// ``ValueRules/abcShareA``, B below ``ValueRules/abcShareB``, else C; no revenue is C.
    public static func abc(_ customers: [CustomerID: CustomerRecord], rules: ValueRules, asOf: CalendarDay) -> [CustomerID: ABCClass] {
        let revenues = customers.map { ($0.key, lifetimeRevenue($0.value, asOf: asOf)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        let total = revenues.reduce(0.0) { $0 + Double(max(0, $1.1)) }
        var result: [CustomerID: ABCClass] = [:]
        var before = 0.0
        for (id, revenue) in revenues {
            guard revenue > 0, total > 0 else {
                result[id] = .c
                continue
            }
            let share = before / total
            result[id] = share < rules.abcShareA ? .a : share < rules.abcShareB ? .b : .c
            before += Double(revenue)
        }
        return result
    }

    /// RFM scores by quintile among `customers`: each dimension scores 1 + ⌊5 × (customers with
    /// a worse value) / n⌋, capped at 5; customers without orders score 1 on all three.
    public static func rfm(_ customers: [CustomerID: CustomerRecord], asOf: CalendarDay) -> [CustomerID: RFMScore] {
        let year = asOf.parts.year
        struct Values { let id: CustomerID; let recency: Int; let frequency: Int; let monetary: Int64 }
        let values = customers.compactMap { id, record -> Values? in
            guard let last = record.lastOrderOn, last <= asOf else { return nil }
            let monetary = record.years.filter { $0.year == year || $0.year == year - 1 }.reduce(Int64(0)) { $0 &+ $1.revenue }
            return Values(id: id, recency: -days(last, asOf), frequency: recentOrders(record, asOf: asOf), monetary: monetary)
        }
        func scores<T: Comparable>(_ key: (Values) -> T) -> [CustomerID: Int] {
            let sorted = values.map(key).sorted()
            var result: [CustomerID: Int] = [:]
            for value in values {
                let worse = sorted.partitioningIndex { $0 >= key(value) }
                result[value.id] = min(5, 1 + 5 * worse / max(1, values.count))
            }
            return result
        }
        let r = scores { $0.recency }, f = scores { $0.frequency }, m = scores { $0.monetary }
        var result: [CustomerID: RFMScore] = [:]
        for id in customers.keys {
            result[id] = RFMScore(recency: r[id] ?? 1, frequency: f[id] ?? 1, monetary: m[id] ?? 1)
        }
        return result
    }

    /// A lead's score on `asOf`: the points of matching attribute rules, of its source and of
    /// each engagement, each halved every ``LeadScoringRules/halfLifeDays`` since it was
    /// recorded; rounded half away from zero.
    public static func leadScore(_ lead: LeadRecord, rules: LeadScoringRules, asOf: CalendarDay) -> Int {
        func decayed(_ points: Int, since day: CalendarDay) -> Double {
            let age = Double(max(0, days(day, asOf)))
            return Double(points) * pow(0.5, age / max(1, rules.halfLifeDays))
        }
        var total = 0.0
        for attribute in lead.attributes {
            for rule in rules.attributes where rule.name == attribute.name {
                var matches = false
                if let equals = rule.equals { matches = attribute.value.caseInsensitiveCompare(equals) == .orderedSame }
                if let atLeast = rule.atLeast, let number = Double(attribute.value) { matches = number >= atLeast }
                if matches { total += decayed(rule.points, since: attribute.recordedOn) }
            }
        }
        if let points = rules.sourcePoints[lead.source.name] { total += decayed(points, since: lead.capturedOn) }
        for day in lead.engagementDays { total += decayed(rules.engagementPoints, since: day) }
        return Int(total.rounded(.toNearestOrAwayFromZero))
    }

    /// The leads sales should call, best first: leads in one of `statuses` (default open or
    /// qualified) whose score reaches ``LeadScoringRules/threshold`` (ties: captured earlier
    /// first, then by id). `leads` is any sequence of id–record pairs, such as
    /// ``RecordTable/records`` of ``Customer360Model/leads`` or a dictionary.
    public static func prioritizedLeads(_ leads: some Sequence<(key: LeadID, value: LeadRecord)>, rules: LeadScoringRules, asOf: CalendarDay,
                                        statuses: Set<LeadStatus> = [.open, .qualified]) -> [(lead: LeadID, score: Int)] {
        leads.compactMap { id, lead -> (LeadID, Int, CalendarDay)? in
            guard statuses.contains(lead.status), lead.capturedOn <= asOf else { return nil }
            let score = leadScore(lead, rules: rules, asOf: asOf)
            return score >= rules.threshold ? (id, score, lead.capturedOn) : nil
        }
        .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2 != $1.2 ? $0.2 < $1.2 : $0.0 < $1.0 }
        .map { ($0.0, $0.1) }
    }
}

extension Array {
    /// The first index whose element satisfies `belongsInSecondPartition` (the array must be
    /// partitioned by it, e.g. sorted).
    func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsInSecondPartition(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
