import CRMDomain
import Foundation

/// Whose journey: a customer's (with the leads converted into it) or a lead's not converted yet.
public enum JourneySubject: Sendable, Hashable, CustomStringConvertible {
    /// A customer, person or account.
    case customer(CustomerID)
    /// A lead that has not become a customer (as of the day asked about).
    case lead(LeadID)

    /// The id as text.
    public var description: String {
        switch self {
        case .customer(let id): id.description
        case .lead(let id): id.description
        }
    }
}

/// Who travels the journey: the customer's kind, or a lead.
public enum JourneySubjectKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A person (B2C).
    case person
    /// An account (B2B).
    case account
    /// A lead, not (yet) a customer.
    case lead
}

/// A stay in one phase.
public struct JourneyStay: Sendable, Hashable, Codable {
    /// The phase.
    public let phase: JourneyPhase
    /// The day it was entered.
    public let from: CalendarDay
    /// The day it was left; `nil` while current.
    public let until: CalendarDay?
    /// Days in the phase: `until` (or the day asked about) − `from`.
    public let days: Int
}

/// Touchpoints with a channel in one phase, by direction.
public struct JourneyTouchpoints: Sendable, Hashable, Codable {
    /// The phase the subject was in after the touch.
    public let phase: JourneyPhase
    /// The channel.
    public let channel: Channel
    /// Touches the customer started (interactions inbound, tickets, feedback, leads that came in).
    public internal(set) var inbound: Int
    /// Touches the company started (interactions outbound, cold calls).
    public internal(set) var outbound: Int
}

/// One subject's journey as of a day.
public struct JourneyView: Sendable, Hashable {
    /// Whose journey.
    public let subject: JourneySubject
    /// Person, account or lead.
    public let kind: JourneySubjectKind
    /// The day of the journey's first event.
    public let startedOn: CalendarDay
    /// The current phase.
    public let phase: JourneyPhase
    /// Every change of phase.
    public let history: [JourneyTransition]
    /// Every stay, in order; the last is current.
    public let stays: [JourneyStay]
    /// Touchpoints with a channel per phase and channel (phases and channels in order).
    public let touchpoints: [JourneyTouchpoints]
    /// The furthest phase ever reached.
    public var furthest: JourneyPhase { history.map(\.to).max() ?? phase }
}

extension JourneyModel {
    /// The end of `day` in microseconds since 1970.
    static func endMicros(_ day: CalendarDay) -> Int64 { (Int64(day.daysSince1970) + 1) * 86_400_000_000 }

    /// A customer's journey events up to the end of `day`: its own and those of the leads linked
    /// to it by then, in business-time order (ties in log order).
    public func touches(of customer: CustomerID, asOf day: CalendarDay) -> [JourneyTouch] {
        guard let record = customers[customer] else { return [] }
        let end = Self.endMicros(day)
        var touches = record.touches.filter { $0.micros < end }
        var merged = false
        for lead in record.leads {
            guard let leadRecord = leads[lead], leadRecord.customer == customer,
                  let linked = leadRecord.linkedAtMicros, linked < end else { continue }
            touches += leadRecord.touches.filter { $0.micros < end }
            merged = true
        }
        if merged { touches.sort { $0.precedes($1) } }
        return touches
    }

    /// Every subject whose journey has begun by the end of `day`: customers not merged away by
    /// then, and leads not linked to a customer by then.
    public func subjects(asOf day: CalendarDay) -> [JourneySubject] {
        let end = Self.endMicros(day)
        var result: [JourneySubject] = []
        for (id, record) in customers.records where !(record.mergedAtMicros.map { $0 < end } ?? false) {
            result.append(.customer(id))
        }
        for (id, record) in leads.records where !(record.linkedAtMicros.map { $0 < end } ?? false) {
            result.append(.lead(id))
        }
        return result
    }

    /// The subject's journey events as of `day`.
    public func touches(of subject: JourneySubject, asOf day: CalendarDay) -> [JourneyTouch] {
        switch subject {
        case .customer(let id): return touches(of: id, asOf: day)
        case .lead(let id):
            let end = Self.endMicros(day)
            return leads[id]?.touches.filter { $0.micros < end } ?? []
        }
    }

    /// The subject's kind.
    public func kind(of subject: JourneySubject) -> JourneySubjectKind {
        switch subject {
        case .customer(let id): customers[id]?.customerKind == .account ? .account : .person
        case .lead: .lead
        }
    }

    /// The subject's journey as of `day`; `nil` when it has no event by then.
    public func journey(of subject: JourneySubject, asOf day: CalendarDay) -> JourneyView? {
        let touches = touches(of: subject, asOf: day)
        guard let first = touches.first else { return nil }
        let walked = JourneyPhases.walk(touches, asOf: day, rules: rules.journey)
        return JourneyView(subject: subject, kind: kind(of: subject), startedOn: first.day, phase: walked.phases.last ?? .awareness,
                           history: walked.transitions, stays: Self.stays(walked.transitions, asOf: day),
                           touchpoints: touchpoints(touches, walked.phases, in: nil))
    }

    /// The touch's channel: its own, or for a lead captured through a campaign the campaign's.
    public func channel(of touch: JourneyTouch) -> Channel? {
        if let channel = touch.channel { return channel }
        guard touch.kind == .leadCaptured, let campaign = touch.campaign else { return nil }
        return campaigns[campaign]?.channel
    }

    /// The stays between transitions.
    static func stays(_ transitions: [JourneyTransition], asOf day: CalendarDay) -> [JourneyStay] {
        var stays: [JourneyStay] = []
        for (index, transition) in transitions.enumerated() {
            let until = index + 1 < transitions.count ? transitions[index + 1].day : nil
            let days = Int((until ?? day).daysSince1970) - Int(transition.day.daysSince1970)
            stays.append(JourneyStay(phase: transition.to, from: transition.day, until: until, days: max(0, days)))
        }
        return stays
    }

    /// Touches with a channel and a direction, per phase after the touch and channel, counted
    /// when their day is in `days` (all when `nil`).
    func touchpoints(_ touches: [JourneyTouch], _ phases: [JourneyPhase], in days: ClosedRange<CalendarDay>?) -> [JourneyTouchpoints] {
        var counts: [JourneyPhase: [Channel: (Int, Int)]] = [:]
        for (touch, phase) in zip(touches, phases) {
            guard let channel = channel(of: touch), let direction = touch.direction else { continue }
            if let days, !days.contains(touch.day) { continue }
            var pair = counts[phase, default: [:]][channel, default: (0, 0)]
            if direction == .inbound { pair.0 += 1 } else { pair.1 += 1 }
            counts[phase, default: [:]][channel] = pair
        }
        return counts.flatMap { phase, channels in
            channels.map { JourneyTouchpoints(phase: phase, channel: $0.key, inbound: $0.value.0, outbound: $0.value.1) }
        }.sorted { ($0.phase, $0.channel.rawValue) < ($1.phase, $1.channel.rawValue) }
    }
}
