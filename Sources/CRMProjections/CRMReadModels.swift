import CRMDomain
import Foundation

/// The read models the mission names — customer 360, pipeline, lifecycle stage, balanced
/// scorecard — and the customer journey, folded together in one pass (each event decoded once),
/// persisted together under one generation, and the queries that combine them.
public struct CRMReadModels: ReadModel {
    /// `crm`.
    public static let name = "crm"
    /// Every catalog type.
    public static let eventTypes = EventTypeFilter.all

    /// The rules.
    public let rules: CRMRules
    /// Customer 360.
    public internal(set) var customer360: Customer360Model
    /// The sales pipeline.
    public internal(set) var pipeline: PipelineModel
    /// Lifecycle stages.
    public internal(set) var lifecycle: LifecycleModel
    /// The scorecard's counts.
    public internal(set) var scorecard: ScorecardModel
    /// The customer journey: phases, touchpoints, attribution.
    public internal(set) var journey: JourneyModel

    /// Empty models.
    public init(rules: CRMRules) {
        self.rules = rules
        customer360 = Customer360Model(rules: rules)
        pipeline = PipelineModel(rules: rules)
        lifecycle = LifecycleModel(rules: rules)
        scorecard = ScorecardModel(rules: rules)
        journey = JourneyModel(rules: rules)
    }

    /// Restores stored models; each entry's first byte says which model it belongs to.
    public init(rules: CRMRules, entries: [ReadModelEntry]) throws {
        var parts: [[ReadModelEntry]] = [[], [], [], [], []]
        for entry in entries {
            guard let tag = entry.key.first, tag < 5 else {
                throw CodecError.invalidValue(type: Self.name, field: "key", reason: "an entry does not belong to any model")
            }
            parts[Int(tag)].append(ReadModelEntry(key: Array(entry.key.dropFirst()), value: entry.value))
        }
        if parts[4].isEmpty, !entries.isEmpty {
            throw CodecError.invalidValue(type: Self.name, field: "journey",
                                          reason: "the state was built before the journey model existed; rebuild it (crm rebuild)")
        }
        self.rules = rules
        customer360 = try Customer360Model(rules: rules, entries: parts[0])
        pipeline = try PipelineModel(rules: rules, entries: parts[1])
        lifecycle = try LifecycleModel(rules: rules, entries: parts[2])
        scorecard = try ScorecardModel(rules: rules, entries: parts[3])
        journey = try JourneyModel(rules: rules, entries: parts[4])
    }

    /// Turns change tracking of all four models on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        customer360.setTracksChanges(on)
        pipeline.setTracksChanges(on)
        lifecycle.setTracksChanges(on)
        scorecard.setTracksChanges(on)
        journey.setTracksChanges(on)
    }

    /// Folds one event into all four models.
    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        customer360.apply(event, info)
        pipeline.apply(event, info)
        lifecycle.apply(event, info)
        scorecard.apply(event, info)
        journey.apply(event, info)
    }

    private static func tagged(_ tag: UInt8, _ entries: [ReadModelEntry], into result: inout [ReadModelEntry]) {
        for entry in entries { result.append(ReadModelEntry(key: [tag] + entry.key, value: entry.value)) }
    }

    public mutating func takeChanges() -> [ReadModelEntry] {
        var result: [ReadModelEntry] = []
        Self.tagged(0, customer360.takeChanges(), into: &result)
        Self.tagged(1, pipeline.takeChanges(), into: &result)
        Self.tagged(2, lifecycle.takeChanges(), into: &result)
        Self.tagged(3, scorecard.takeChanges(), into: &result)
        let journeyChanges = journey.takeChanges()
        // A stored state always has the journey's format mark: its absence tells state written
        // before the journey model.
        Self.tagged(4, journeyChanges.isEmpty && !result.isEmpty ? journey.formatEntries() : journeyChanges, into: &result)
        return result
    }

    public func entries() -> [ReadModelEntry] {
        var result: [ReadModelEntry] = []
        Self.tagged(0, customer360.entries(), into: &result)
        Self.tagged(1, pipeline.entries(), into: &result)
        Self.tagged(2, lifecycle.entries(), into: &result)
        Self.tagged(3, scorecard.entries(), into: &result)
        Self.tagged(4, journey.entries(), into: &result)
        return result
    }

    // MARK: Customer 360

    /// Everything about one customer on `asOf` (default: the lifecycle model's latest day):
    /// the record, lifecycle stage and history, value, segment, churn risk, lead score, balances
    /// and each ticket's SLA state.
    public func customer360(_ id: CustomerID, asOf: CalendarDay? = nil) -> Customer360View? {
        guard let record = customer360.customer(id) else { return nil }
        let day = asOf ?? lifecycle.latestDay ?? record.registeredOn
        let endOfDay = (Int64(day.daysSince1970) + 1) * 86_400_000_000
        var overdue: Int64 = 0, open: Int64 = 0
        for invoice in record.invoices where invoice.amount.currency == rules.currency {
            let amount = invoice.open.minorUnits
            open &+= amount
            if amount > 0, invoice.markedOverdue || invoice.dueOn < day { overdue &+= amount }
        }
        let leadScore = record.convertedFromLead.flatMap { customer360.leads[$0] }.map {
            CustomerAnalytics.leadScore($0, rules: rules.leadScoring, asOf: day)
        }
        return Customer360View(
            id: id, record: record, stage: lifecycle.stage(of: id, on: day), stageHistory: lifecycle.history(of: id, asOf: day),
            clv: CustomerAnalytics.clv(record, rules: rules.value, asOf: day),
            segment: CustomerAnalytics.segment(record, rules: rules, asOf: day),
            churnRisk: CustomerAnalytics.churnRisk(record, rules: rules.churn, asOf: day), leadScore: leadScore,
            openBalance: Money(minorUnits: open, currency: rules.currency),
            overdueBalance: Money(minorUnits: overdue, currency: rules.currency),
            ticketSLA: record.tickets.map { TicketSLA($0, at: endOfDay) })
    }

    // MARK: Scorecard

    /// The balanced scorecard for `period` as known on `asOf` (default: ``latestDay``): four
    /// perspectives, each KPI with value, target and status. See ``ScorecardReport`` for every
    /// definition; `asOf` decides which open tickets are past their deadline.
    public func scorecard(_ period: Period, asOf: CalendarDay? = nil) -> ScorecardReport {
        ScorecardReport(period: period, models: self, asOf: asOf)
    }

    /// The report day: the latest business day among the events folded (whatever their type),
    /// `nil` before the first.
    public var latestDay: CalendarDay? { lifecycle.latestDay }
}

/// A ticket's service-level state.
public struct TicketSLA: Sendable, Hashable {
    /// Whether a target was met, missed, or is still running.
    public enum State: String, Sendable, Hashable {
        /// Done within the target.
        case met
        /// Done late, or not done by the end of the view's day and past the target then.
        case breached
        /// Still open, within the target.
        case running
    }

    /// The ticket.
    public let ticket: TicketID
    /// First response.
    public let firstResponse: State
    /// Resolution.
    public let resolution: State

    init(_ ticket: TicketEntry, at micros: Int64) {
        func state(_ done: Int64?, _ targetMinutes: Int) -> State {
            let deadline = ticket.openedAtMicros + Int64(targetMinutes) * 60_000_000
            if let done { return done <= deadline ? .met : .breached }
            return micros > deadline ? .breached : .running
        }
        self.ticket = ticket.ticketID
        firstResponse = state(ticket.firstResponseAtMicros, ticket.firstResponseTargetMinutes)
        resolution = state(ticket.resolvedAtMicros, ticket.resolutionTargetMinutes)
    }
}

/// One customer on one page.
public struct Customer360View: Sendable, Hashable {
    /// The same view over another record (e.g. with its personal data opened).
    public func replacingRecord(_ record: CustomerRecord) -> Customer360View {
        Customer360View(id: id, record: record, stage: stage, stageHistory: stageHistory, clv: clv, segment: segment,
                        churnRisk: churnRisk, leadScore: leadScore, openBalance: openBalance, overdueBalance: overdueBalance,
                        ticketSLA: ticketSLA)
    }

    /// The customer.
    public let id: CustomerID
    /// Master data, contacts, timeline, orders, invoices, tickets, deals, feedback, consents.
    public let record: CustomerRecord
    /// Lifecycle stage on the view's day.
    public let stage: LifecycleStage?
    /// How the customer got there.
    public let stageHistory: [LifecycleModel.StageTransition]
    /// Discounted customer lifetime value (minor units of the rules' currency).
    public let clv: Int64
    /// CLV segment.
    public let segment: ValueSegment
    /// Churn risk.
    public let churnRisk: ChurnRisk
    /// Lead score of the lead the customer came from, if any.
    public let leadScore: Int?
    /// Open balance of the listed invoices.
    public let openBalance: Money
    /// Of it, overdue (marked overdue or past the due date).
    public let overdueBalance: Money
    /// SLA state per listed ticket.
    public let ticketSLA: [TicketSLA]
}
