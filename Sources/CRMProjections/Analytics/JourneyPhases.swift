import CRMDomain
import Foundation

/// One change of journey phase.
public struct JourneyTransition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The business day it took effect.
    public let day: CalendarDay
    /// The phase before; `nil` for the journey's first event.
    public let from: JourneyPhase?
    /// The phase after.
    public let to: JourneyPhase
    /// The event that moved it.
    public let event: JourneyTouchKind
    /// That event's log position.
    public let position: Int

    /// E.g. `2026-03-02 awareness → consideration (LeadQualified)`.
    public var description: String { "\(day) \(from.map { "\($0)" } ?? "—") → \(to) (\(event))" }
}

/// The phase rules of the customer journey, applied to a journey's events in business-time
/// order (ties in log order). Pure functions of the events and ``JourneyRules``; see
/// docs/projections.md, "Customer journey".
///
/// | from | to | when |
/// |---|---|---|
/// | — | awareness | the journey's first event, unless one of the rows below applies to it |
/// | —, awareness | consideration | a lead captured from a source in ``JourneyRules/considerationSources``, a lead's engagement (attributes recorded), qualification or hand-over, an opportunity opened, an inbound interaction |
/// | —, awareness, consideration | conversion | an order placed (not cancelled by the day asked about) or an opportunity won |
/// | conversion, retention | advocacy | an NPS answer ≥ ``JourneyRules/promoterMinScore`` |
/// | conversion | retention | any event of the customer (not of its leads) on a later business day than the conversion |
/// | advocacy | retention | an NPS answer ≤ ``JourneyRules/detractorMaxScore`` |
public enum JourneyPhases {
    /// The phase after each of `touches` (same count and order) and the transitions, reading
    /// the journey as of the end of `day`: orders cancelled by then do not convert.
    public static func walk(_ touches: [JourneyTouch], asOf day: CalendarDay, rules: JourneyRules)
        -> (phases: [JourneyPhase], transitions: [JourneyTransition]) {
        let end = (Int64(day.daysSince1970) + 1) * 86_400_000_000
        var phase: JourneyPhase?
        var convertedOn = Int32.min
        var phases: [JourneyPhase] = []
        phases.reserveCapacity(touches.count)
        var transitions: [JourneyTransition] = []
        for touch in touches {
            let next = step(phase, convertedOn: convertedOn, touch, cancelledBy: end, rules: rules)
            if let next, next != phase {
                transitions.append(JourneyTransition(day: touch.day, from: phase, to: next, event: touch.kind, position: touch.position))
                if next == .conversion { convertedOn = touch.day.daysSince1970 }
                phase = next
            }
            phases.append(phase ?? .awareness)
        }
        return (phases, transitions)
    }

    /// The phase after `touch`, `nil` for no change.
    static func step(_ phase: JourneyPhase?, convertedOn: Int32, _ touch: JourneyTouch, cancelledBy end: Int64,
                     rules: JourneyRules) -> JourneyPhase? {
        let converts = touch.kind == .opportunityWon
            || (touch.kind == .orderPlaced && !(touch.cancelledAtMicros.map { $0 < end } ?? false))
        let promoter = touch.kind == .nps && touch.score >= rules.promoterMinScore
        let detractor = touch.kind == .nps && touch.score <= rules.detractorMaxScore
        switch phase {
        case nil, .awareness?, .consideration?:
            if converts { return .conversion }
            if phase != .consideration, considers(touch, rules) { return .consideration }
            return phase == nil ? .awareness : nil
        case .conversion?:
            if promoter { return .advocacy }
            if touch.day.daysSince1970 > convertedOn, !isLeadEvent(touch.kind) { return .retention }
            return nil
        case .retention?:
            return promoter ? .advocacy : nil
        case .advocacy?:
            return detractor ? .retention : nil
        }
    }

    /// Whether the touch moves an aware prospect to consideration.
    static func considers(_ touch: JourneyTouch, _ rules: JourneyRules) -> Bool {
        switch touch.kind {
        case .leadCaptured: return touch.leadSource.map(rules.considerationSources.contains) ?? false
        case .leadEngaged, .leadQualified, .leadHandedOver, .opportunityOpened: return true
        case .interaction: return touch.direction == .inbound
        default: return false
        }
    }

    /// The events recorded on a lead rather than on its customer.
    static func isLeadEvent(_ kind: JourneyTouchKind) -> Bool {
        switch kind {
        case .leadCaptured, .leadEngaged, .leadQualified, .leadHandedOver, .leadDisqualified: return true
        default: return false
        }
    }
}
