import CRMDomain
import Foundation

// The sales pipeline read model (seed 003, 3.2; DOMAIN.md "Pipeline"): one record per
// opportunity and per quote, folded by `apply`; every figure (stages, forecast, win rate,
// sales cycle, conversion, velocity, lost reasons, quote acceptance) is computed at query time
// from these records, so the fold stays a few dictionary updates per event.

/// The all-zero UUID, the placeholder of id fields before decoding fills them.
private let zeroUUID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

/// Whether an opportunity is still open or how it ended.
public enum OpportunityStatus: UInt8, RecordEnum, Sendable, Hashable {
    /// Open: in one of the pipeline stages.
    case open = 1
    /// Won.
    case won = 2
    /// Lost.
    case lost = 3
}

/// Where a quote is in its review-send-answer cycle.
public enum QuoteStatus: UInt8, RecordEnum, Sendable, Hashable {
    /// Drafted, not yet approved.
    case drafted = 1
    /// Approved internally, not yet sent.
    case approved = 2
    /// Sent, awaiting the customer's answer.
    case sent = 3
    /// Accepted by the customer.
    case accepted = 4
    /// Rejected by the customer.
    case rejected = 5
    /// Expired without an answer.
    case expired = 6
}

/// A stage an opportunity entered, and when.
public struct StageEntry: RecordMessage, Hashable {
    /// The stage entered.
    public internal(set) var stage = PipelineStage.prospecting
    /// The business day it was entered.
    public internal(set) var enteredOn = CalendarDay(daysSince1970: 0)!
    /// The business time it was entered (microseconds since 1970; absent in records folded
    /// before it was kept): the history is in business-time order.
    public internal(set) var enteredAtMicros: Int64?

    /// An empty entry.
    public init() {}

    /// An entry.
    public init(stage: PipelineStage, enteredOn: CalendarDay, at micros: Int64? = nil) {
        self.stage = stage
        self.enteredOn = enteredOn
        self.enteredAtMicros = micros
    }

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "stage", &stage)
        try v.field(2, "enteredOn", &enteredOn)
        try v.field(3, "enteredAtMicros", &enteredAtMicros)
    }
}

/// An opportunity as the pipeline sees it.
public struct OpportunityRecord: RecordMessage, Hashable {
    /// The customer.
    public internal(set) var customer = CustomerID(zeroUUID)
    /// The owning sales employee.
    public internal(set) var owner = EmployeeID(zeroUUID)
    /// The product or service in question.
    public internal(set) var product = ""
    /// A short title.
    public internal(set) var title = ""
    /// The expected revenue; its currency is the opportunity's currency.
    public internal(set) var expectedRevenue = Money.zero(.eur)
    /// The probability of closing, in percent (0…100).
    public internal(set) var probability = 0
    /// The current stage (for a closed opportunity: the stage it was closed in).
    public internal(set) var stage = PipelineStage.prospecting
    /// The expected close date.
    public internal(set) var expectedCloseOn = CalendarDay(daysSince1970: 0)!
    /// The business day it was opened.
    public internal(set) var openedOn = CalendarDay(daysSince1970: 0)!
    /// Open, won or lost.
    public internal(set) var status = OpportunityStatus.open
    /// The business day it was won or lost.
    public internal(set) var closedOn: CalendarDay?
    /// The revenue won.
    public internal(set) var wonAmount: Money?
    /// Why it was lost.
    public internal(set) var lostReason: String?
    /// The competitor who won it, if known.
    public internal(set) var competitor: String?
    /// Every stage entered, in business-time order, starting with the stage it was opened in.
    public internal(set) var stageHistory: [StageEntry] = []
    /// The business times of the latest change of the expected revenue, the probability and the
    /// expected close date (absent in records folded before they were kept): a change recorded
    /// late does not replace a newer value.
    public internal(set) var revenueAtMicros: Int64?
    /// See ``revenueAtMicros``.
    public internal(set) var probabilityAtMicros: Int64?
    /// See ``revenueAtMicros``.
    public internal(set) var closeOnAtMicros: Int64?

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "customer", &customer)
        try v.field(2, "owner", &owner)
        try v.field(3, "product", &product)
        try v.field(4, "title", &title)
        try v.field(5, "expectedRevenue", &expectedRevenue)
        try v.field(6, "probability", &probability)
        try v.field(7, "stage", &stage)
        try v.field(8, "expectedCloseOn", &expectedCloseOn)
        try v.field(9, "openedOn", &openedOn)
        try v.field(10, "status", &status)
        try v.field(11, "closedOn", &closedOn)
        try v.field(12, "wonAmount", &wonAmount)
        try v.field(13, "lostReason", &lostReason)
        try v.field(14, "competitor", &competitor)
        try v.repeated(15, "stageHistory", &stageHistory)
        try v.field(16, "revenueAtMicros", &revenueAtMicros)
        try v.field(17, "probabilityAtMicros", &probabilityAtMicros)
        try v.field(18, "closeOnAtMicros", &closeOnAtMicros)
    }

    /// Enters `stage` at `micros`, in business-time order (after entries of the same instant);
    /// the current stage is the one entered latest.
    mutating func enter(_ stage: PipelineStage, on day: CalendarDay, at micros: Int64) {
        var index = stageHistory.endIndex
        while index > stageHistory.startIndex, (stageHistory[index - 1].enteredAtMicros ?? .min) > micros { index -= 1 }
        stageHistory.insert(StageEntry(stage: stage, enteredOn: day, at: micros), at: index)
        self.stage = stageHistory[stageHistory.count - 1].stage
    }

    /// The probability-weighted expected revenue in minor units: amount × probability / 100,
    /// rounded half away from zero.
    public var weightedMinorUnits: Int64 {
        PipelineMath.divideRounded(Int128(expectedRevenue.minorUnits) * Int128(probability), by: 100)
    }
}

/// A quote as the pipeline sees it.
public struct QuoteRecord: RecordMessage, Hashable {
    /// The opportunity it was drafted for.
    public internal(set) var opportunity = OpportunityID(zeroUUID)
    /// Its state.
    public internal(set) var status = QuoteStatus.drafted
    /// The quoted total.
    public internal(set) var total = Money.zero(.eur)
    /// The business day it was drafted.
    public internal(set) var draftedOn = CalendarDay(daysSince1970: 0)!
    /// Why the customer rejected it.
    public internal(set) var rejectionReason: String?
    /// The competitor the customer chose instead, if known.
    public internal(set) var competitor: String?

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "opportunity", &opportunity)
        try v.field(2, "status", &status)
        try v.field(3, "total", &total)
        try v.field(4, "draftedOn", &draftedOn)
        try v.field(5, "rejectionReason", &rejectionReason)
        try v.field(6, "competitor", &competitor)
    }
}

/// The sales pipeline: every opportunity and quote, and the pipeline figures computed from them.
///
/// The fold keeps one ``OpportunityRecord`` per opportunity (with its stage history) and one
/// ``QuoteRecord`` per quote; ``summary(currency:where:)``, ``byOwner(currency:)`` and
/// ``byProduct(currency:)`` compute the figures at query time.
///
/// Money is summed in one currency per summary (by default ``CRMRules/currency``): an
/// opportunity belongs to the currency of its expected revenue, and a summary leaves out
/// opportunities in other currencies — and their quotes — from *every* figure, counts and rates
/// included, so that counts and amounts always describe the same opportunities.
public struct PipelineModel: ReadModel, Equatable {
    public static let name = "pipeline"

    public static let eventTypes = EventTypeFilter([
        OpportunityOpened.self, OpportunityStageChanged.self, OpportunityAmountChanged.self,
        OpportunityCloseDateChanged.self, OpportunityProbabilityChanged.self, OpportunityWon.self, OpportunityLost.self,
        QuoteDrafted.self, QuoteApproved.self, QuoteSent.self, QuoteAccepted.self, QuoteRejected.self, QuoteExpired.self,
    ])

    public let rules: CRMRules
    /// Opportunities by id (table tag 1).
    public private(set) var opportunities = RecordTable<OpportunityID, OpportunityRecord>(tag: 1)
    /// Quotes by id (table tag 2).
    public private(set) var quotes = RecordTable<QuoteID, QuoteRecord>(tag: 2)

    /// Turns change tracking of every table on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        opportunities.tracksChanges = on
        quotes.tracksChanges = on
    }

    public init(rules: CRMRules) { self.rules = rules }

    public init(rules: CRMRules, entries: [ReadModelEntry]) throws {
        self.init(rules: rules)
        try opportunities.restore(from: entries)
        try quotes.restore(from: entries)
    }

    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        switch event {
        case .opportunityOpened(let e):
            let day = info.day
            opportunities.update(e.opportunityID, orInsert: OpportunityRecord()) { record in
                record.customer = e.customerID
                record.owner = e.ownerID
                record.product = e.product
                record.title = e.title
                record.expectedRevenue = e.expectedRevenue
                record.probability = e.probability
                record.stage = e.stage
                record.expectedCloseOn = e.expectedCloseOn
                record.openedOn = day
                record.status = .open
                record.stageHistory = [StageEntry(stage: e.stage, enteredOn: day, at: info.occurredAtMicros)]
                record.revenueAtMicros = info.occurredAtMicros
                record.probabilityAtMicros = info.occurredAtMicros
                record.closeOnAtMicros = info.occurredAtMicros
            }
        // Changes recorded late enter by business time (docs/projections.md, "Time").
        case .opportunityStageChanged(let e):
            let day = info.day
            opportunities.modify(e.opportunityID) { $0.enter(e.to, on: day, at: info.occurredAtMicros) }
        case .opportunityAmountChanged(let e):
            opportunities.modify(e.opportunityID) { record in
                guard isLatest(info.occurredAtMicros, record.revenueAtMicros) else { return }
                record.expectedRevenue = e.expectedRevenue
                record.revenueAtMicros = info.occurredAtMicros
            }
        case .opportunityCloseDateChanged(let e):
            opportunities.modify(e.opportunityID) { record in
                guard isLatest(info.occurredAtMicros, record.closeOnAtMicros) else { return }
                record.expectedCloseOn = e.expectedCloseOn
                record.closeOnAtMicros = info.occurredAtMicros
            }
        case .opportunityProbabilityChanged(let e):
            opportunities.modify(e.opportunityID) { record in
                guard isLatest(info.occurredAtMicros, record.probabilityAtMicros) else { return }
                record.probability = e.probability
                record.probabilityAtMicros = info.occurredAtMicros
            }
        case .opportunityWon(let e):
            let day = info.day
            opportunities.modify(e.opportunityID) { record in
                record.status = .won
                record.closedOn = day
                record.wonAmount = e.amount
            }
        case .opportunityLost(let e):
            let day = info.day
            opportunities.modify(e.opportunityID) { record in
                record.status = .lost
                record.closedOn = day
                record.lostReason = e.reason
                record.competitor = e.competitor
            }
        case .quoteDrafted(let e):
            let day = info.day
            quotes.update(e.quoteID, orInsert: QuoteRecord()) { record in
                record.opportunity = e.opportunityID
                record.status = .drafted
                record.total = e.total
                record.draftedOn = day
            }
        case .quoteApproved(let e):
            quotes.modify(e.quoteID) { $0.status = .approved }
        case .quoteSent(let e):
            quotes.modify(e.quoteID) { $0.status = .sent }
        case .quoteAccepted(let e):
            quotes.modify(e.quoteID) { $0.status = .accepted }
        case .quoteRejected(let e):
            quotes.modify(e.quoteID) { record in
                record.status = .rejected
                record.rejectionReason = e.reason
                record.competitor = e.competitor
            }
        case .quoteExpired(let e):
            quotes.modify(e.quoteID) { $0.status = .expired }
        default:
            break
        }
    }

    public mutating func takeChanges() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        opportunities.takeChanges(into: &entries)
        quotes.takeChanges(into: &entries)
        return entries
    }

    public func entries() -> [ReadModelEntry] {
        var entries: [ReadModelEntry] = []
        opportunities.entries(into: &entries)
        quotes.entries(into: &entries)
        return entries
    }

    // MARK: Queries

    /// The pipeline figures of the opportunities in `currency` that match `include`, with the
    /// quotes drafted for them.
    ///
    /// - Parameters:
    ///   - currency: the currency summed; `nil` takes ``CRMRules/currency``. Opportunities whose
    ///     expected revenue is in another currency are left out of every figure.
    ///   - include: which opportunities to count, e.g. `{ $0.owner == anna }`.
    public func summary(currency: CurrencyCode? = nil, where include: (OpportunityRecord) -> Bool = { _ in true }) -> PipelineSummary {
        let currency = currency ?? rules.currency
        var selected: Set<OpportunityID> = []
        var builder = PipelineSummary.Builder(currency: currency)
        for (id, record) in opportunities.records where record.expectedRevenue.currency == currency && include(record) {
            selected.insert(id)
            builder.add(record)
        }
        for quote in quotes.records.values where selected.contains(quote.opportunity) { builder.add(quote) }
        return builder.summary
    }

    /// ``summary(currency:where:)`` per owning employee, for every owner with at least one
    /// opportunity in `currency` (`nil`: ``CRMRules/currency``).
    public func byOwner(currency: CurrencyCode? = nil) -> [EmployeeID: PipelineSummary] {
        grouped(currency: currency ?? rules.currency, by: \.owner)
    }

    /// ``summary(currency:where:)`` per product or service, for every product with at least one
    /// opportunity in `currency` (`nil`: ``CRMRules/currency``).
    public func byProduct(currency: CurrencyCode? = nil) -> [String: PipelineSummary] {
        grouped(currency: currency ?? rules.currency, by: \.product)
    }

    /// One pass over the records: a summary builder per group key.
    private func grouped<Key: Hashable>(currency: CurrencyCode, by key: (OpportunityRecord) -> Key) -> [Key: PipelineSummary] {
        var builders: [Key: PipelineSummary.Builder] = [:]
        for record in opportunities.records.values where record.expectedRevenue.currency == currency {
            builders[key(record), default: PipelineSummary.Builder(currency: currency)].add(record)
        }
        for quote in quotes.records.values {
            guard let record = opportunities[quote.opportunity], record.expectedRevenue.currency == currency else { continue }
            builders[key(record)]?.add(quote)
        }
        return builders.mapValues(\.summary)
    }
}

/// The pipeline figures of a set of opportunities in one currency (see
/// ``PipelineModel/summary(currency:where:)``).
///
/// Every stored figure is an integer; money is in integer minor units. The rates are `Double`s
/// computed from the stored counts; the average sales cycle is an exact ``Ratio``; the average
/// won amount and the velocity are computed exactly and rounded once to a minor unit, half away
/// from zero.
public struct PipelineSummary: Sendable, Hashable {
    /// Count, amount and weighted amount of a set of open opportunities.
    ///
    /// The weighted amount is Σ round(amount × probability / 100), each opportunity rounded to a
    /// whole minor unit half away from zero before summing.
    public struct Figures: Sendable, Hashable {
        /// Open opportunities.
        public internal(set) var count: Int
        /// Sum of their expected revenue.
        public internal(set) var amount: Money
        /// Sum of their probability-weighted expected revenue.
        public internal(set) var weightedAmount: Money

        init(currency: CurrencyCode) {
            count = 0
            amount = .zero(currency)
            weightedAmount = .zero(currency)
        }

        /// Creates figures.
        public init(count: Int, amount: Money, weightedAmount: Money) {
            self.count = count
            self.amount = amount
            self.weightedAmount = weightedAmount
        }

        mutating func add(_ record: OpportunityRecord) {
            count += 1
            amount.minorUnits += record.expectedRevenue.minorUnits
            weightedAmount.minorUnits += record.weightedMinorUnits
        }
    }

    /// The open opportunities expected to close in one calendar month.
    public struct ForecastMonth: Sendable, Hashable {
        /// The month, `YYYY-MM`.
        public let month: String
        /// The open opportunities whose expected close date is in the month.
        public internal(set) var figures: Figures
    }

    /// How many opportunities entered a stage and how many of them moved on.
    public struct Conversion: Sendable, Hashable {
        /// The stage.
        public let stage: PipelineStage
        /// Opportunities that ever entered the stage.
        public internal(set) var entered: Int
        /// Of those, the ones that afterwards entered a later stage (higher in
        /// `PipelineStage` order) or were won.
        public internal(set) var advanced: Int

        /// advanced / entered; `nil` when none entered. Opportunities still open in the stage
        /// count as entered and not (yet) advanced.
        public var rate: Double? { entered == 0 ? nil : Double(advanced) / Double(entered) }
    }

    /// A name and how often it occurred.
    public struct NamedCount: Sendable, Hashable {
        /// The name, e.g. a lost reason or a competitor.
        public let name: String
        /// How often.
        public let count: Int

        /// Creates a count.
        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    /// The quotes drafted for the summarised opportunities, by outcome.
    public struct Quotes: Sendable, Hashable {
        /// Drafted, approved or sent: not yet answered.
        public internal(set) var pending = 0
        /// Accepted.
        public internal(set) var accepted = 0
        /// Rejected.
        public internal(set) var rejected = 0
        /// Expired without an answer.
        public internal(set) var expired = 0
        /// Rejection reasons, most frequent first, then by name.
        public internal(set) var rejectionReasons: [NamedCount] = []
        /// Competitors chosen instead, most frequent first, then by name.
        public internal(set) var competitors: [NamedCount] = []

        /// accepted / (accepted + rejected); `nil` when none was answered. Expired quotes got
        /// no answer, so they are left out, like pending ones.
        public var acceptanceRate: Double? {
            accepted + rejected == 0 ? nil : Double(accepted) / Double(accepted + rejected)
        }
    }

    /// An exact quotient of two integers, reduced to lowest terms (the denominator positive).
    public struct Ratio: Sendable, Hashable, CustomStringConvertible {
        /// The numerator.
        public let numerator: Int64
        /// The denominator (> 0).
        public let denominator: Int64

        /// `numerator / denominator` reduced; `nil` when the denominator is 0.
        public init?(_ numerator: Int64, _ denominator: Int64) {
            guard denominator != 0 else { return nil }
            var a = numerator.magnitude, b = denominator.magnitude
            while b != 0 { (a, b) = (b, a % b) }
            let divisor = Int64(a == 0 ? 1 : a)
            let sign: Int64 = denominator < 0 ? -1 : 1
            self.numerator = sign * numerator / divisor
            self.denominator = sign * denominator / divisor
        }

        /// The quotient as a floating-point number (for display).
        public var value: Double { Double(numerator) / Double(denominator) }

        public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }
    }

    /// The currency of every amount.
    public let currency: CurrencyCode
    /// The open opportunities per stage; every stage is present, with zero figures when empty.
    public internal(set) var openByStage: [PipelineStage: Figures]
    /// All open opportunities.
    public internal(set) var open: Figures
    /// The open opportunities per expected close month, in month order (months without any are
    /// left out; past close dates stay in their month).
    public internal(set) var forecast: [ForecastMonth]
    /// Won opportunities.
    public internal(set) var won = 0
    /// Lost opportunities.
    public internal(set) var lost = 0
    /// Sum of the revenue won.
    public internal(set) var wonAmount: Money
    /// Sum over the won opportunities of the days from opening to winning (closedOn − openedOn).
    public internal(set) var wonCycleDays: Int64 = 0
    /// Stage-to-stage conversion from the stage histories of all opportunities (open, won and
    /// lost), one entry per stage in stage order.
    public internal(set) var conversion: [Conversion]
    /// Reasons of the lost opportunities, most frequent first, then by name.
    public internal(set) var lostReasons: [NamedCount] = []
    /// Competitors who won the lost opportunities (where known), most frequent first, then by name.
    public internal(set) var competitors: [NamedCount] = []
    /// The quotes of these opportunities.
    public internal(set) var quotes = Quotes()

    /// won / (won + lost); `nil` while none is closed.
    public var winRate: Double? { won + lost == 0 ? nil : Double(won) / Double(won + lost) }

    /// The average sales cycle of the won opportunities in days: Σ (closedOn − openedOn) / won,
    /// exact; `nil` while none is won.
    public var averageSalesCycleDays: Ratio? { Ratio(wonCycleDays, Int64(won)) }

    /// The average revenue of a won opportunity, wonAmount / won, rounded to a minor unit half
    /// away from zero; `nil` while none is won.
    public var averageWonAmount: Money? {
        guard won > 0 else { return nil }
        return Money(minorUnits: PipelineMath.divideRounded(Int128(wonAmount.minorUnits), by: Int128(won)), currency: currency)
    }

    /// Pipeline velocity, the revenue the pipeline is expected to produce per day:
    ///
    ///     open count × average won amount × win rate / average sales cycle days
    ///     = open × (wonAmount / won) × (won / (won + lost)) / (wonCycleDays / won)
    ///     = open × wonAmount × won / ((won + lost) × wonCycleDays)
    ///
    /// computed exactly in integers and rounded once to a minor unit half away from zero.
    /// `nil` while none is won or when the won opportunities' cycles sum to 0 days.
    public var velocityPerDay: Money? {
        guard won > 0, wonCycleDays > 0 else { return nil }
        let numerator = Int128(open.count) * Int128(wonAmount.minorUnits) * Int128(won)
        let denominator = Int128(won + lost) * Int128(wonCycleDays)
        return Money(minorUnits: PipelineMath.divideRounded(numerator, by: denominator), currency: currency)
    }

    /// Accumulates records into a summary; the lists are sorted once, in ``summary``.
    struct Builder {
        private var partial: PipelineSummary
        private var months: [String: Figures] = [:]
        private var entered: [PipelineStage: Int] = [:]
        private var advanced: [PipelineStage: Int] = [:]
        private var reasons: [String: Int] = [:]
        private var lostCompetitors: [String: Int] = [:]
        private var quoteReasons: [String: Int] = [:]
        private var quoteCompetitors: [String: Int] = [:]

        init(currency: CurrencyCode) {
            let empty = Figures(currency: currency)
            partial = PipelineSummary(
                currency: currency, openByStage: Dictionary(uniqueKeysWithValues: PipelineStage.allCases.map { ($0, empty) }),
                open: empty, forecast: [], wonAmount: .zero(currency), conversion: [])
        }

        /// The summary of what was added.
        var summary: PipelineSummary {
            var summary = partial
            summary.forecast = months.keys.sorted().map { ForecastMonth(month: $0, figures: months[$0]!) }
            summary.conversion = PipelineStage.allCases.map {
                Conversion(stage: $0, entered: entered[$0, default: 0], advanced: advanced[$0, default: 0])
            }
            summary.lostReasons = PipelineMath.ranked(reasons)
            summary.competitors = PipelineMath.ranked(lostCompetitors)
            summary.quotes.rejectionReasons = PipelineMath.ranked(quoteReasons)
            summary.quotes.competitors = PipelineMath.ranked(quoteCompetitors)
            return summary
        }

        mutating func add(_ record: OpportunityRecord) {
            let currency = partial.currency
            switch record.status {
            case .open:
                partial.open.add(record)
                partial.openByStage[record.stage, default: Figures(currency: currency)].add(record)
                months[PipelineMath.month(record.expectedCloseOn), default: Figures(currency: currency)].add(record)
            case .won:
                partial.won += 1
                if let amount = record.wonAmount, amount.currency == currency { partial.wonAmount.minorUnits += amount.minorUnits }
                if let closedOn = record.closedOn {
                    partial.wonCycleDays += Int64(closedOn.daysSince1970) - Int64(record.openedOn.daysSince1970)
                }
            case .lost:
                partial.lost += 1
                if let reason = record.lostReason { reasons[reason, default: 0] += 1 }
                if let competitor = record.competitor { lostCompetitors[competitor, default: 0] += 1 }
            }
            // Conversion: a stage counts once however often it was entered; it advanced when an
            // entry after its first one is a higher stage, or the opportunity was won.
            let history = record.stageHistory
            var seen: Set<PipelineStage> = []
            for (index, entry) in history.enumerated() where seen.insert(entry.stage).inserted {
                entered[entry.stage, default: 0] += 1
                if record.status == .won || history[(index + 1)...].contains(where: { $0.stage > entry.stage }) {
                    advanced[entry.stage, default: 0] += 1
                }
            }
        }

        mutating func add(_ quote: QuoteRecord) {
            switch quote.status {
            case .drafted, .approved, .sent: partial.quotes.pending += 1
            case .accepted: partial.quotes.accepted += 1
            case .expired: partial.quotes.expired += 1
            case .rejected:
                partial.quotes.rejected += 1
                if let reason = quote.rejectionReason { quoteReasons[reason, default: 0] += 1 }
                if let competitor = quote.competitor { quoteCompetitors[competitor, default: 0] += 1 }
            }
        }
    }
}

/// The pipeline's integer arithmetic.
enum PipelineMath {
    /// numerator / denominator rounded to the nearest integer, halves away from zero.
    static func divideRounded(_ numerator: Int128, by denominator: Int128) -> Int64 {
        precondition(denominator != 0)
        let negative = (numerator < 0) != (denominator < 0)
        let n = numerator.magnitude, d = denominator.magnitude
        let (quotient, remainder) = n.quotientAndRemainder(dividingBy: d)
        let rounded = remainder * 2 >= d ? quotient + 1 : quotient
        let magnitude = Int128(clamping: rounded)
        let signed = negative ? -magnitude : magnitude
        return Int64(clamping: signed)
    }

    /// `YYYY-MM` of a day.
    static func month(_ day: CalendarDay) -> String { String(day.description.prefix(7)) }

    /// Counts as ``PipelineSummary/NamedCount``s, most frequent first, then by name.
    static func ranked(_ counts: [String: Int]) -> [PipelineSummary.NamedCount] {
        counts.map { PipelineSummary.NamedCount(name: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
    }
}

/// Whether a change at `micros` is the latest in business time against the one at `current`
/// (of two at the same instant the later recorded wins; `nil`: none kept yet).
@inline(__always)
func isLatest(_ micros: Int64, _ current: Int64?) -> Bool {
    current.map { $0 <= micros } ?? true
}
