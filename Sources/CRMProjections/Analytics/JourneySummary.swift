import CRMDomain
import Foundation

/// The journeys of everyone, as of a day, with the funnel of a cohort and the touchpoints of a
/// period: what `crm journey` prints. Every figure is defined in docs/projections.md
/// ("Customer journey").
public struct JourneySummary: Sendable, Hashable {
    /// Subjects per kind and current phase.
    public struct PhaseCount: Sendable, Hashable, Codable {
        /// Person, account or lead.
        public let kind: JourneySubjectKind
        /// The current phase.
        public let phase: JourneyPhase
        /// How many.
        public let count: Int
    }

    /// One step of the cohort funnel.
    public struct FunnelStep: Sendable, Hashable, Codable {
        /// The phase.
        public let phase: JourneyPhase
        /// Cohort members whose furthest phase is this one or later.
        public let reached: Int
        /// Of them, how many reached the next phase (`nil` for the last phase).
        public let advanced: Int?
        /// `reached − advanced`: who stopped here (`nil` for the last phase).
        public let dropOff: Int?
        /// `advanced / reached` (`nil` for the last phase or when none reached this one).
        public let conversionRate: Double?
    }

    /// Time spent in one phase by the cohort.
    public struct PhaseTime: Sendable, Hashable, Codable {
        /// The phase.
        public let phase: JourneyPhase
        /// Stays in the phase that ended by the report day.
        public let completedStays: Int
        /// Their mean length in days (`nil` without any).
        public let averageDays: Double?
        /// Stays still running on the report day.
        public let currentStays: Int
    }

    /// The report day.
    public let asOf: CalendarDay
    /// The period: the cohort is whoever's journey began in it, the touchpoints are those dated in it.
    public let period: Period
    /// Everyone's current phase, per kind (every kind and phase listed, 0 when none); leads that
    /// dropped out are not listed.
    public let current: [PhaseCount]
    /// Leads not converted that dropped out by the report day: disqualified, or without any event
    /// for more than ``JourneyRules/dormantLeadDays``.
    public let droppedLeads: Int
    /// Subjects whose journey began in the period.
    public let cohortSize: Int
    /// The cohort's funnel, one step per phase.
    public let funnel: [FunnelStep]
    /// The cohort's time per phase.
    public let timeInPhase: [PhaseTime]
    /// Touchpoints dated in the period, of every subject, per phase and channel.
    public let touchpoints: [JourneyTouchpoints]
}

extension JourneyModel {
    /// Everyone's journey as of `asOf`, the funnel and time per phase of the cohort whose journeys
    /// began in `period`, and the touchpoints dated in `period`.
    public func summary(period: Period, asOf: CalendarDay) -> JourneySummary {
        let phases: [JourneyPhase] = [.awareness, .consideration, .conversion, .retention, .advocacy]
        var current: [JourneySubjectKind: [JourneyPhase: Int]] = [:]
        var reached = [Int](repeating: 0, count: phases.count)
        var completed = [Int](repeating: 0, count: phases.count), totalDays = completed, running = completed
        var cohort = 0, dropped = 0
        var touchpoints: [JourneyTouchpoints] = []
        let days = period.start...period.end
        for subject in subjects(asOf: asOf) {
            let touches = touches(of: subject, asOf: asOf)
            guard let first = touches.first else { continue }
            let walked = JourneyPhases.walk(touches, asOf: asOf, rules: rules.journey)
            if hasDropped(subject, touches, asOf: asOf) {
                dropped += 1
            } else {
                current[kind(of: subject), default: [:]][walked.phases.last ?? .awareness, default: 0] += 1
            }
            touchpoints += self.touchpoints(touches, walked.phases, in: days)
            guard days.contains(first.day) else { continue }
            cohort += 1
            let furthest = walked.transitions.map(\.to).max() ?? .awareness
            for (index, phase) in phases.enumerated() where furthest >= phase { reached[index] += 1 }
            for stay in Self.stays(walked.transitions, asOf: asOf) {
                let index = Int(stay.phase.rawValue) - 1
                if stay.until == nil { running[index] += 1 } else { completed[index] += 1; totalDays[index] += stay.days }
            }
        }
        let funnel = phases.enumerated().map { index, phase -> JourneySummary.FunnelStep in
            guard index + 1 < phases.count else {
                return JourneySummary.FunnelStep(phase: phase, reached: reached[index], advanced: nil, dropOff: nil, conversionRate: nil)
            }
            let advanced = reached[index + 1]
            return JourneySummary.FunnelStep(phase: phase, reached: reached[index], advanced: advanced, dropOff: reached[index] - advanced,
                                             conversionRate: reached[index] > 0 ? Double(advanced) / Double(reached[index]) : nil)
        }
        return JourneySummary(
            asOf: asOf, period: period,
            current: JourneySubjectKind.allCases.flatMap { kind in
                phases.map { JourneySummary.PhaseCount(kind: kind, phase: $0, count: current[kind]?[$0] ?? 0) }
            },
            droppedLeads: dropped, cohortSize: cohort, funnel: funnel,
            timeInPhase: phases.enumerated().map { index, phase in
                JourneySummary.PhaseTime(phase: phase, completedStays: completed[index],
                                         averageDays: completed[index] > 0 ? Double(totalDays[index]) / Double(completed[index]) : nil,
                                         currentStays: running[index])
            },
            touchpoints: Self.merge(touchpoints))
    }

    /// Whether `subject` is a lead that dropped out by `day`: disqualified, or its latest event
    /// more than ``JourneyRules/dormantLeadDays`` days before `day`.
    public func hasDropped(_ subject: JourneySubject, _ touches: [JourneyTouch], asOf day: CalendarDay) -> Bool {
        guard case .lead = subject, let last = touches.last else { return false }
        if touches.contains(where: { $0.kind == .leadDisqualified }) { return true }
        return Int(day.daysSince1970) - Int(last.day.daysSince1970) > rules.journey.dormantLeadDays
    }

    /// Sums touchpoint counts of the same phase and channel.
    static func merge(_ parts: [JourneyTouchpoints]) -> [JourneyTouchpoints] {
        var sums: [JourneyPhase: [Channel: JourneyTouchpoints]] = [:]
        for part in parts {
            if var sum = sums[part.phase]?[part.channel] {
                sum.inbound += part.inbound
                sum.outbound += part.outbound
                sums[part.phase]![part.channel] = sum
            } else {
                sums[part.phase, default: [:]][part.channel] = part
            }
        }
        return sums.values.flatMap(\.values).sorted { ($0.phase, $0.channel.rawValue) < ($1.phase, $1.channel.rawValue) }
    }
}
