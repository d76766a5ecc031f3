import CRMDomain
import CRMProjections
import Foundation

/// How a lead ended.
public enum LeadOutcome: UInt8, RecordEnum, Sendable, Hashable, Codable {
    /// Neither won nor lost yet.
    case open = 0
    /// Converted to a customer, or an opportunity from it was won.
    case won = 1
    /// Disqualified, or an opportunity from it was lost (and none won).
    case lost = 2
}

/// What naive Bayes knows of one lead: its current attribute values and its outcome.
public struct LeadFacts: RecordMessage, Hashable {
    /// Attribute names (`source` is the lead source), sorted.
    public var names: [String] = []
    /// The value of each name, as text.
    public var values: [String] = []
    /// The outcome.
    public var outcome = LeadOutcome.open

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.repeated(1, "names", &names)
        try v.repeated(2, "values", &values)
        try v.field(3, "outcome", &outcome)
    }

    /// The attributes as (name, value) pairs.
    public var attributes: [(name: String, value: String)] { zip(names, values).map { ($0, $1) } }

    mutating func set(_ name: String, _ value: String) {
        if let index = names.firstIndex(of: name) {
            values[index] = value
        } else {
            let index = names.firstIndex { $0 > name } ?? names.count
            names.insert(name, at: index)
            values.insert(value, at: index)
        }
    }
}

/// A key of the frequency table: an attribute name and value, or the empty pair for all closed leads.
public struct AttributeValueKey: RecordKey, Comparable {
    /// The attribute name.
    public let name: String
    /// The value.
    public let value: String

    /// Creates a key.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The key for the totals of all closed leads.
    public static let all = AttributeValueKey(name: "", value: "")

    /// The name's UTF-8 length (4 bytes big-endian), the name's and the value's UTF-8 bytes.
    public var keyBytes: [UInt8] {
        let name = Array(self.name.utf8)
        return withUnsafeBytes(of: UInt32(name.count).bigEndian) { Array($0) } + name + Array(value.utf8)
    }

    /// Reads a key back; `nil` when the length does not fit the bytes.
    public init?(keyBytes: some Collection<UInt8>) {
        let bytes = Array(keyBytes)
        guard bytes.count >= 4 else { return nil }
        let length = Int(bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard length <= bytes.count - 4 else { return nil }
        name = String(decoding: bytes[4..<(4 + length)], as: UTF8.self)
        value = String(decoding: bytes[(4 + length)...], as: UTF8.self)
    }

    /// Orders by name, then value.
    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.name, lhs.value) < (rhs.name, rhs.value) }
}

/// Won and lost counts of closed leads with one attribute value.
public struct OutcomeCounts: RecordMessage, Hashable {
    /// Won leads.
    public var won = 0
    /// Lost leads.
    public var lost = 0

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "won", &won)
        try v.field(2, "lost", &lost)
    }
}

/// The won/lost history of leads as per-attribute frequency tables (the approach of Odoo's
/// predictive lead scoring): a read model folded from lead and opportunity events, updated
/// incrementally whenever a lead is won or lost or a closed lead's attributes change, and
/// rebuilt on replay like every projection.
///
/// A lead is **won** when it is converted (`LeadConverted`) or an opportunity opened from it is
/// won; **lost** when it is disqualified or an opportunity from it is lost, unless it is won.
/// Its attributes are its lead source (attribute `source`) and every recorded attribute (a later
/// value of a name replaces an earlier one).
public struct LeadOutcomeModel: Sendable, Hashable {
    /// Lead facts by lead.
    public private(set) var leads = RecordTable<LeadID, LeadFacts>(tag: 2)
    /// Won/lost counts per attribute value; ``AttributeValueKey/all`` holds the totals.
    public private(set) var frequencies = RecordTable<AttributeValueKey, OutcomeCounts>(tag: 3)
    /// The lead each opportunity was opened from.
    public private(set) var opportunityLeads = RecordTable<OpportunityID, LeadReference>(tag: 4)

    /// The event types folded.
    public static let eventTypes: [any CatalogEvent.Type] = [
        LeadCaptured.self, LeadAttributesRecorded.self, LeadConverted.self, LeadDisqualified.self,
        OpportunityOpened.self, OpportunityWon.self, OpportunityLost.self,
    ]

    /// An empty model.
    public init() {}

    /// Restores a model from its entries.
    public init(entries: [ReadModelEntry]) throws {
        try leads.restore(from: entries)
        try frequencies.restore(from: entries)
        try opportunityLeads.restore(from: entries)
    }

    /// Turns change tracking on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        leads.tracksChanges = on
        frequencies.tracksChanges = on
        opportunityLeads.tracksChanges = on
    }

    /// The facts of `lead`.
    public func lead(_ lead: LeadID) -> LeadFacts? { leads[lead] }

    /// Won and lost leads in all.
    public var totals: OutcomeCounts { frequencies[.all] ?? OutcomeCounts() }

    /// Folds one event.
    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        switch event {
        case .leadCaptured(let e):
            var facts = LeadFacts()
            facts.set("source", e.source.name)
            if leads[e.leadID] == nil { leads.update(e.leadID, orInsert: facts) { _ in } }
        case .leadAttributesRecorded(let e):
            guard let before = leads[e.leadID] else { return }
            var after = before
            for attribute in e.attributes { after.set(attribute.name, attribute.value) }
            replace(e.leadID, before, with: after)
        case .leadConverted(let e):
            close(e.leadID, as: .won)
        case .leadDisqualified(let e):
            close(e.leadID, as: .lost)
        case .opportunityOpened(let e):
            guard let lead = e.leadID else { return }
            var reference = LeadReference()
            reference.lead = lead
            opportunityLeads.update(e.opportunityID, orInsert: reference) { $0 = reference }
        case .opportunityWon(let e):
            if let lead = opportunityLeads[e.opportunityID]?.lead { close(lead, as: .won) }
        case .opportunityLost(let e):
            if let lead = opportunityLeads[e.opportunityID]?.lead { close(lead, as: .lost) }
        default:
            return
        }
    }

    /// Open → won, open → lost, lost → won; a won lead stays won.
    private mutating func close(_ lead: LeadID, as outcome: LeadOutcome) {
        guard let before = leads[lead], before.outcome != .won, before.outcome != outcome else { return }
        var after = before
        after.outcome = outcome
        replace(lead, before, with: after)
    }

    /// Stores `after` and moves the counts of a closed lead from its old values to its new ones.
    private mutating func replace(_ lead: LeadID, _ before: LeadFacts, with after: LeadFacts) {
        guard before != after else { return }
        count(before, by: -1)
        count(after, by: 1)
        leads.update(lead, orInsert: after) { $0 = after }
    }

    private mutating func count(_ facts: LeadFacts, by delta: Int) {
        guard facts.outcome != .open else { return }
        let won = facts.outcome == .won
        for key in [AttributeValueKey.all] + facts.attributes.map({ AttributeValueKey(name: $0.name, value: $0.value) }) {
            frequencies.update(key, orInsert: OutcomeCounts()) { counts in
                if won { counts.won += delta } else { counts.lost += delta }
            }
            if let counts = frequencies[key], counts.won == 0, counts.lost == 0 { frequencies.remove(key) }
        }
    }

    mutating func takeChanges(into entries: inout [ReadModelEntry]) {
        leads.takeChanges(into: &entries)
        frequencies.takeChanges(into: &entries)
        opportunityLeads.takeChanges(into: &entries)
    }

    func entries(into entries: inout [ReadModelEntry]) {
        leads.entries(into: &entries)
        frequencies.entries(into: &entries)
        opportunityLeads.entries(into: &entries)
    }
}

/// The lead an opportunity came from.
public struct LeadReference: RecordMessage, Hashable {
    /// The lead.
    public var lead = LeadID(UUID.allZero)

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "lead", &lead)
    }
}
