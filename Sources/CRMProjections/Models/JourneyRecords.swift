import CRMDomain
import Foundation

/// A phase of the customer journey (seed: *Customer Journey*): how far a person or account has
/// come with the company, from first hearing of it to recommending it.
public enum JourneyPhase: UInt8, RecordEnum, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// *Bewusstsein* — the company was noticed: a campaign, a fair, an ad, a first contact.
    case awareness = 1
    /// *Erwägung* — comparing offers: events, webinars, newsletters, qualification, an opportunity.
    case consideration = 2
    /// *Kauf* — the purchase: a first order or a won opportunity.
    case conversion = 3
    /// *Bindung* — after the purchase: service, repeat purchases, contracts.
    case retention = 4
    /// *Empfehlung* — a promoter who recommends the company.
    case advocacy = 5

    /// The name written in JSON and reports, e.g. `consideration`.
    public var description: String {
        switch self {
        case .awareness: "awareness"
        case .consideration: "consideration"
        case .conversion: "conversion"
        case .retention: "retention"
        case .advocacy: "advocacy"
        }
    }

    /// Phases compare in journey order.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What kind of event a ``JourneyTouch`` records.
public enum JourneyTouchKind: UInt8, RecordEnum, Sendable, Hashable, Codable, CustomStringConvertible {
    /// `CustomerRegistered`.
    case registered = 1
    /// `LeadCaptured` (source, campaign).
    case leadCaptured = 2
    /// `LeadAttributesRecorded`: the lead engaged (visits, downloads, newsletter).
    case leadEngaged = 3
    /// `LeadQualified`.
    case leadQualified = 4
    /// `LeadHandedOver` to sales.
    case leadHandedOver = 5
    /// `LeadDisqualified`.
    case leadDisqualified = 6
    /// `InteractionRecorded` (channel, direction).
    case interaction = 7
    /// `OpportunityOpened` (campaign).
    case opportunityOpened = 8
    /// `OpportunityWon` (amount).
    case opportunityWon = 9
    /// `OrderPlaced` (total, channel).
    case orderPlaced = 10
    /// `TicketOpened` (channel).
    case ticketOpened = 11
    /// `FeedbackReceived` (channel).
    case feedback = 12
    /// `NPSAnswered` (score).
    case nps = 13
    /// `ContractSigned`.
    case contractSigned = 14

    /// The event type's name, e.g. `OrderPlaced`.
    public var description: String {
        switch self {
        case .registered: "CustomerRegistered"
        case .leadCaptured: "LeadCaptured"
        case .leadEngaged: "LeadAttributesRecorded"
        case .leadQualified: "LeadQualified"
        case .leadHandedOver: "LeadHandedOver"
        case .leadDisqualified: "LeadDisqualified"
        case .interaction: "InteractionRecorded"
        case .opportunityOpened: "OpportunityOpened"
        case .opportunityWon: "OpportunityWon"
        case .orderPlaced: "OrderPlaced"
        case .ticketOpened: "TicketOpened"
        case .feedback: "FeedbackReceived"
        case .nps: "NPSAnswered"
        case .contractSigned: "ContractSigned"
        }
    }
}

/// One event of a journey as ``JourneyModel`` keeps it: when, what, and the fields the phase
/// rules, the touchpoint counts and attribution read.
public struct JourneyTouch: RecordMessage, Sendable, Hashable {
    /// Business time in microseconds since 1970.
    public internal(set) var micros: Int64 = 0
    /// The event's log position (ties in business time go in log order).
    public internal(set) var position = 0
    /// What happened.
    public internal(set) var kind = JourneyTouchKind.registered
    /// The channel (interactions, tickets, feedback, orders).
    public internal(set) var channel: Channel?
    /// Inbound (the customer reached out) or outbound (the company did).
    public internal(set) var direction: Direction?
    /// The campaign (a lead captured or an opportunity opened through one).
    public internal(set) var campaign: CampaignID?
    /// The lead source (a lead captured).
    public internal(set) var leadSource: LeadSource?
    /// Minor units of the rules' currency: an order's total, a won opportunity's amount.
    public internal(set) var amount: Int64 = 0
    /// Whether ``amount`` is in the rules' currency (otherwise it is 0 and left out of attribution).
    public internal(set) var inCurrency = true
    /// The order or opportunity.
    public internal(set) var id: UUID?
    /// The NPS score.
    public internal(set) var score = 0
    /// When the order was cancelled (business time), if it was.
    public internal(set) var cancelledAtMicros: Int64?

    /// An empty touch for the decoder.
    public init() {}

    /// The UTC business day.
    public var day: CalendarDay { CalendarDay.containing(micros: micros) }

    /// Whether the touch comes before `other` in business time (ties in log order).
    public func precedes(_ other: JourneyTouch) -> Bool {
        micros != other.micros ? micros < other.micros : position < other.position
    }

    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "micros", &micros)
        try v.field(2, "position", &position)
        try v.field(3, "kind", &kind)
        try v.field(4, "channel", &channel)
        try v.field(5, "direction", &direction)
        try v.field(6, "campaign", &campaign)
        try v.field(7, "leadSource", &leadSource)
        try v.field(8, "amount", &amount)
        try v.field(9, "inCurrency", &inCurrency)
        try v.field(10, "id", &id)
        try v.field(11, "score", &score)
        try v.field(12, "cancelledAtMicros", &cancelledAtMicros)
    }
}

/// A customer's or a lead's journey events (``JourneyModel`` tables 1 and 2), in business-time
/// order, and the links between a lead and the customer it became.
public struct JourneyRecord: RecordMessage, Sendable, Hashable {
    /// Person or account (customers; `nil` for a lead).
    public internal(set) var customerKind: CustomerKind?
    /// The events, in business-time order (ties in log order).
    public internal(set) var touches: [JourneyTouch] = []
    /// A customer's leads: the leads converted into it.
    public internal(set) var leads: [LeadID] = []
    /// A lead's customer, once converted.
    public internal(set) var customer: CustomerID?
    /// When the lead was linked to its customer (business time).
    public internal(set) var linkedAtMicros: Int64?
    /// When a customer was merged into another as a duplicate (business time).
    public internal(set) var mergedAtMicros: Int64?

    /// An empty record for the decoder.
    public init() {}

    /// Inserts a touch at its place in business-time order (usually at the end).
    mutating func insert(_ touch: JourneyTouch) {
        var index = touches.count
        while index > 0, touch.precedes(touches[index - 1]) { index -= 1 }
        touches.insert(touch, at: index)
    }

    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "customerKind", &customerKind)
        try v.repeated(2, "touches", &touches)
        try v.repeated(3, "leads", &leads)
        try v.field(4, "customer", &customer)
        try v.field(5, "linkedAtMicros", &linkedAtMicros)
        try v.field(6, "mergedAtMicros", &mergedAtMicros)
    }
}

/// A campaign as attribution reads it (``JourneyModel`` table 5): its name, channel and the
/// costs booked to it.
public struct JourneyCampaign: RecordMessage, Sendable, Hashable {
    /// One booked cost.
    public struct Cost: RecordMessage, Sendable, Hashable {
        /// Business time of the booking.
        public internal(set) var micros: Int64 = 0
        /// Minor units of the rules' currency.
        public internal(set) var amount: Int64 = 0

        /// An empty cost for the decoder.
        public init() {}

        public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
            try v.field(1, "micros", &micros)
            try v.field(2, "amount", &amount)
        }
    }

    /// The campaign's name.
    public internal(set) var name = ""
    /// The campaign's channel.
    public internal(set) var channel: Channel?
    /// Costs booked in the rules' currency (others are left out).
    public internal(set) var costs: [Cost] = []

    /// An empty record for the decoder.
    public init() {}

    /// The costs booked up to the end of `day`.
    public func cost(through day: CalendarDay) -> Int64 {
        let end = (Int64(day.daysSince1970) + 1) * 86_400_000_000
        return costs.reduce(0) { $1.micros < end ? $0 &+ $1.amount : $0 }
    }

    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "name", &name)
        try v.field(2, "channel", &channel)
        try v.repeated(3, "costs", &costs)
    }
}

/// The journey model's format mark (table 6, one record): its presence tells a stored state
/// written with the journey model from one written before it.
public struct JourneyFormat: RecordMessage, Sendable, Hashable {
    /// The format version, 1.
    public internal(set) var version = 1

    /// A record for the decoder.
    public init() {}

    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "version", &version)
    }
}
