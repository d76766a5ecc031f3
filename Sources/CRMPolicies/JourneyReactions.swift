import CRMDomain
import CRMProjections
import Foundation

extension ReactionPlanner {
    /// The journey programme: a lead in consideration whose capture came from one of
    /// ``JourneyProgrammeRules/followUpSources`` gets a sales follow-up task; a customer in
    /// advocacy gets the referral-programme invitation (marketing consent on its channel).
    /// Leads that dropped out (disqualified, dormant), merged and erased customers are left alone. The cause is the event
    /// that moved the subject into the phase.
    func journey(into result: inout [Reaction]) {
        let journey = facts.models.journey
        let programme = rules.journey
        let promoter = modelRules.journey.promoterMinScore
        for subject in journey.subjects(asOf: day) {
            // Only a lead captured from a follow-up source can be due a follow-up, and only a
            // customer with a promoter answer can be an advocate: the others need no walk.
            switch subject {
            case .lead(let lead):
                guard let source = journey.lead(lead)?.touches.first(where: { $0.kind == .leadCaptured })?.leadSource,
                      programme.followUpSources.contains(source) else { continue }
            case .customer(let customer):
                guard journey.customer(customer)?.touches.contains(where: { $0.kind == .nps && $0.score >= promoter }) == true else { continue }
            }
            guard let view = journey.journey(of: subject, asOf: day), let entered = view.history.last,
                  entered.to == view.phase, UInt64(entered.position) >= from else { continue }
            switch (subject, view.phase) {
            case (.lead(let lead), .consideration):
                guard let record = journey.lead(lead), let source = record.touches.first(where: { $0.kind == .leadCaptured })?.leadSource,
                      programme.followUpSources.contains(source),
                      !journey.hasDropped(subject, journey.touches(of: subject, asOf: day), asOf: day) else { continue }
                let why = "lead from a \(source.name) considering since \(entered.day) (\(entered.event))"
                result.append(make(.journeyProgramme, "consideration-follow-up", subject: "\(lead)/\(entered.day)",
                                   cause: UInt64(entered.position), customer: nil, lead: lead, reason: why) { id in
                    .createTask(TaskID(id), kind: .followUp, title: "Follow up: \(source.name) lead considering", customer: nil, lead: lead,
                                assignee: nil, dueOn: entered.day.adding(days: programme.followUpDueDays), reason: why)
                })
            case (.customer(let customer), .advocacy):
                guard let record = facts.models.customer360.customer(customer), addressable(record) else { continue }
                let why = "advocate since \(entered.day): promoter NPS"
                result.append(make(.journeyProgramme, "referral-invitation", subject: "\(customer)/\(entered.day)",
                                   cause: UInt64(entered.position), customer: customer,
                                   consent: .init(purpose: .marketing, channel: programme.referralChannel), reason: why) { id in
                    .recordInteraction(InteractionID(id), customer: customer, channel: programme.referralChannel, direction: .outbound,
                                       employee: nil, contact: nil, durationSeconds: 0, subject: programme.referralSubject, text: nil)
                })
            default:
                continue
            }
        }
    }
}
