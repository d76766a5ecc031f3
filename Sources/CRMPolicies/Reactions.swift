import CRMDomain
import CRMProjections
import CRMEventLog
import Foundation
import Synchronization

/// One operative reaction a policy decided on: the command it sends, the event that caused it,
/// and the consent it needs. Its ``id`` is derived from the policy set, the reaction and the
/// cause, so deciding it again — after a replay, a restart, or in a second runner — gives the
/// same id, and the log's idempotency turns a repeat into a no-op.
public struct Reaction: Sendable, Hashable {
    /// The consent a marketing reaction needs.
    public struct ConsentNeed: Sendable, Hashable, Codable {
        /// The purpose.
        public let purpose: ConsentPurpose
        /// The channel.
        public let channel: Channel
    }

    /// The id of the reaction's first event (its idempotency key).
    public let id: UUID
    /// The policy that decided it.
    public let policy: PolicyKind
    /// What it does, e.g. `retention-offer`, `account-manager-call`, `sla-breach`.
    public let name: String
    /// The log position of the event that caused it.
    public let causePosition: UInt64
    /// The customer it is about, if any.
    public let customer: CustomerID?
    /// The lead it is about, if any.
    public let lead: LeadID?
    /// The command it sends.
    public let command: CRMCommand
    /// For marketing reactions, the consent they need; `nil` for service and sales reactions.
    public let consent: ConsentNeed?
    /// Why, in words, e.g. `churn risk medium: order gap 130 d > 2 × cadence 30 d`.
    public let reason: String
    /// A stronger reaction to the same cause that makes this one moot when it is in the log
    /// (the account manager's call makes the e-mail offer of the same episode moot).
    public let supersededBy: UUID?
}

/// Decides the reactions due at a moment from the folded facts.
struct ReactionPlanner: Sendable {
    let facts: PolicyFacts
    let rules: PolicyRules
    let name: String
    /// The first cause position reacted to.
    let from: UInt64
    let now: Date

    var day: CalendarDay { CalendarDay(containing: now) }
    var nowMicros: Int64 { Micros.from(now) }
    var modelRules: CRMRules { facts.models.rules }

    /// Every reaction due at ``now`` whose cause is at or after ``from``, ordered by cause.
    func plan() -> [Reaction] {
        // The policies read the same facts and decide independently: each on a thread of its
        // own, their reactions then listed in this order.
        var policies: [@Sendable (ReactionPlanner, inout [Reaction]) -> Void] = []
        if rules.isEnabled(.churnRetention) { policies.append { $0.churn(into: &$1) } }
        if rules.isEnabled(.leadHandOver) { policies.append { $0.leads(into: &$1) } }
        if rules.isEnabled(.slaEscalation) { policies.append { $0.tickets(into: &$1) } }
        if rules.isEnabled(.quoteFollowUp) { policies.append { $0.quotes(into: &$1) } }
        if rules.isEnabled(.lifecycleProgramme) || rules.isEnabled(.crossSelling) { policies.append { $0.lifecycle(into: &$1) } }
        if rules.isEnabled(.journeyProgramme) { policies.append { $0.journey(into: &$1) } }
        let decided = Mutex([[Reaction]](repeating: [], count: policies.count))
        let planner = self
        let planners = policies
        DispatchQueue.concurrentPerform(iterations: planners.count) { index in
            var reactions: [Reaction] = []
            planners[index](planner, &reactions)
            decided.withLock { $0[index] = reactions }
        }
        let result = decided.withLock { $0 }.flatMap { $0 }
        return result.enumerated().sorted {
            $0.element.causePosition != $1.element.causePosition
                ? $0.element.causePosition < $1.element.causePosition : $0.offset < $1.offset
        }.map(\.element)
    }

    /// The reaction id for `reaction` about `subject` caused at `position`.
    func reactionID(_ reaction: String, _ subject: String, _ position: UInt64) -> UUID {
        NewEvent.derivedID("\(name)/\(reaction)/\(subject)/\(position)")
    }

    func make(_ policy: PolicyKind, _ reaction: String, subject: String, cause: UInt64, customer: CustomerID?,
                      lead: LeadID? = nil, consent: Reaction.ConsentNeed? = nil, reason: String, supersededBy: UUID? = nil,
                      _ command: (UUID) -> CRMCommand) -> Reaction {
        let id = reactionID(reaction, subject, cause)
        return Reaction(id: id, policy: policy, name: reaction, causePosition: cause, customer: customer, lead: lead,
                        command: command(id), consent: consent, reason: reason, supersededBy: supersededBy)
    }

    /// Whether a customer is one policies may address at all.
    func addressable(_ record: CustomerRecord) -> Bool {
        record.mergedInto == nil && !record.personalDataErased
    }

    // MARK: Churn

    private func churn(into result: inout [Reaction]) {
        for (customer, record) in facts.models.customer360.customers.records where addressable(record) {
            guard let cause = facts.lastOrder[customer] ?? facts.registered[customer], cause >= from else { continue }
            if facts.models.lifecycle.stage(of: customer, on: day) == .lostCustomer { continue }
            let risk = CustomerAnalytics.churnRisk(record, rules: modelRules.churn, asOf: day)
            let why = "churn risk \(risk.level.rawValue) (\(risk.score)): " + risk.reasons.joined(separator: "; ")
            switch risk.level {
            case .low:
                continue
            case .medium:
                let channel = rules.churn.offerChannel
                // Once the account manager was asked to call in this episode, an e-mail offer is moot
                // (the risk may fall back to medium, e.g. because the offer itself is an interaction).
                let call = reactionID("account-manager-call", customer.description, cause)
                result.append(make(.churnRetention, "retention-offer", subject: customer.description, cause: cause, customer: customer,
                                   consent: .init(purpose: .marketing, channel: channel), reason: why, supersededBy: call) { id in
                    .recordInteraction(InteractionID(id), customer: customer, channel: channel, direction: .outbound, employee: nil,
                                       contact: nil, durationSeconds: 0, subject: rules.churn.offerSubject, text: nil)
                })
            case .high:
                let manager = facts.isActive(record.accountManager) ? record.accountManager : nil
                result.append(make(.churnRetention, "account-manager-call", subject: customer.description, cause: cause,
                                   customer: customer, reason: why) { id in
                    .createTask(TaskID(id), kind: .call, title: "Call: churn risk high", customer: customer, lead: nil,
                                assignee: manager, dueOn: day.adding(days: rules.churn.callDueDays), reason: why)
                })
            }
        }
    }

    // MARK: Leads

    private func leads(into result: inout [Reaction]) {
        let team = facts.employees(withRole: rules.leads.salesRole)
        guard !team.isEmpty else { return }
        for (lead, reached) in facts.leadThreshold where reached.position >= from {
            guard let record = facts.models.customer360.leads[lead], record.status == .open || record.status == .qualified
            else { continue }
            // The same lead always goes to the same person of the team (as long as the team is the same).
            let seller = team[Int(lead.uuid.uuid.15) % team.count]
            let why = "lead score \(reached.score) reached the threshold \(modelRules.leadScoring.threshold)"
            if record.status == .open {
                result.append(make(.leadHandOver, "lead-qualify", subject: lead.description, cause: reached.position, customer: nil,
                                   lead: lead, reason: why) { _ in .qualifyLead(lead, score: reached.score) })
            }
            result.append(make(.leadHandOver, "lead-hand-over", subject: lead.description, cause: reached.position, customer: nil,
                               lead: lead, reason: why) { _ in .handOverLead(lead, to: seller, score: reached.score) })
        }
    }

    // MARK: Tickets

    private func tickets(into result: inout [Reaction]) {
        for (ticket, opened) in facts.ticketOpened where opened.position >= from {
            guard let record = facts.models.customer360.customer(opened.customer),
                  let entry = record.tickets.first(where: { $0.ticketID == ticket }), entry.status == .open else { continue }
            var escalations: [(String, Int, String)] = []
            for (target, minutes, deadline) in entry.openDeadlines {
                if nowMicros > deadline {
                    escalations.append(("sla-breach", rules.sla.breachLevel, "\(target) SLA of \(minutes) min breached"))
                } else if nowMicros >= deadline - Int64(rules.sla.warningMinutes) * 60_000_000 {
                    escalations.append(("sla-warning", rules.sla.warningLevel,
                                        "\(target) SLA of \(minutes) min about to breach"))
                }
            }
            // One escalation per run, to the highest level due, if it raises the current one.
            guard let top = escalations.max(by: { $0.1 < $1.1 }), top.1 > entry.escalationLevel else { continue }
            result.append(make(.slaEscalation, top.0, subject: ticket.description, cause: opened.position, customer: opened.customer,
                               reason: top.2) { _ in .escalateTicket(ticket, level: top.1, reason: top.2) })
        }
    }

    // MARK: Quotes

    private func quotes(into result: inout [Reaction]) {
        for (quote, sent) in facts.quotes where !sent.answered {
            guard let position = sent.sentPosition, position >= from, let sentAt = sent.sentAtMicros,
                  let opportunity = facts.opportunities[sent.opportunity] else { continue }
            let sentOn = CalendarDay.containing(micros: sentAt)
            guard day >= sentOn.adding(days: rules.quoteFollowUpDays) else { continue }
            let owner = facts.isActive(opportunity.owner) ? opportunity.owner
                : facts.models.customer360.customer(opportunity.customer)?.accountManager.flatMap { facts.isActive($0) ? $0 : nil }
            let why = "quote sent on \(sentOn) unanswered for \(rules.quoteFollowUpDays) days"
            result.append(make(.quoteFollowUp, "quote-follow-up", subject: quote.description, cause: position,
                               customer: opportunity.customer, reason: why) { id in
                .createTask(TaskID(id), kind: .followUp, title: "Follow up on the quote", customer: opportunity.customer, lead: nil,
                            assignee: owner, dueOn: day, reason: why)
            })
        }
    }

    // MARK: Lifecycle programmes and cross-selling

    /// The customer's latest transition, with the pending inactivity one when it is due by now.
    func currentTransition(of customer: CustomerID) -> PolicyFacts.Transition? {
        let known = facts.transitions[customer]?.last
        if let pending = facts.models.lifecycle.history(of: customer, asOf: day).last, pending.to == .lostCustomer,
           known.map({ $0.to != .lostCustomer || $0.day != pending.day }) ?? true,
           let cause = facts.lastOrder[customer] ?? facts.registered[customer] {
            return PolicyFacts.Transition(to: .lostCustomer, day: pending.day, cause: cause)
        }
        return known
    }

    private func lifecycle(into result: inout [Reaction]) {
        let programmes = rules.isEnabled(.lifecycleProgramme)
        var index: CrossSellingIndex?
        for (customer, record) in facts.models.customer360.customers.records where addressable(record) {
            guard let transition = currentTransition(of: customer), transition.cause >= from,
                  facts.models.lifecycle.stage(of: customer, on: day) == transition.to else { continue }
            let subject = "\(customer)/\(transition.day)"
            let manager = facts.isActive(record.accountManager) ? record.accountManager : nil
            let programme = rules.lifecycle
            switch transition.to {
            case .newCustomer where programmes:
                let why = "new customer since \(transition.day): secure satisfaction, reach the second order"
                result.append(make(.lifecycleProgramme, "welcome", subject: subject, cause: transition.cause, customer: customer,
                                   reason: why) { id in
                    .recordInteraction(InteractionID(id), customer: customer, channel: .email, direction: .outbound, employee: nil,
                                       contact: nil, durationSeconds: 0, subject: programme.welcomeSubject, text: nil)
                })
                result.append(make(.lifecycleProgramme, "second-order-follow-up", subject: subject, cause: transition.cause,
                                   customer: customer, reason: why) { id in
                    .createTask(TaskID(id), kind: .followUp, title: "Follow up for the second order", customer: customer, lead: nil,
                                assignee: manager, dueOn: transition.day.adding(days: programme.secondOrderFollowUpDays), reason: why)
                })
            case .growingCustomer where rules.isEnabled(.crossSelling):
                if index == nil { index = CrossSellingIndex(facts.products) }
                guard let suggestion = index!.suggestion(for: customer, minimumSupport: rules.crossSellingMinimumSupport)
                else { continue }
                let why = "growing customer since \(transition.day); \(suggestion.support) similar customers also bought \(suggestion.product)"
                result.append(make(.crossSelling, "cross-selling-offer", subject: subject, cause: transition.cause, customer: customer,
                                   consent: .init(purpose: .marketing, channel: .email), reason: why) { id in
                    .recordInteraction(InteractionID(id), customer: customer, channel: .email, direction: .outbound, employee: nil,
                                       contact: nil, durationSeconds: 0, subject: "Suggestion: \(suggestion.product)", text: nil)
                })
            case .starCustomer where programmes:
                let why = "star customer since \(transition.day): keep him (VIP, business review)"
                result.append(make(.lifecycleProgramme, "business-review", subject: subject, cause: transition.cause, customer: customer,
                                   reason: why) { id in
                    .createTask(TaskID(id), kind: .businessReview, title: "Business review", customer: customer, lead: nil,
                                assignee: manager, dueOn: transition.day.adding(days: programme.businessReviewDueDays), reason: why)
                })
            case .lostCustomer where programmes:
                let why = "lost customer since \(transition.day)"
                result.append(make(.lifecycleProgramme, "exit-survey", subject: subject, cause: transition.cause, customer: customer,
                                   consent: .init(purpose: .surveys, channel: .email), reason: why) { id in
                    .recordInteraction(InteractionID(id), customer: customer, channel: .email, direction: .outbound, employee: nil,
                                       contact: nil, durationSeconds: 0, subject: programme.exitSurveySubject, text: nil)
                })
                if day >= transition.day.adding(days: programme.winBackAfterDays) {
                    let later = why + ", waited \(programme.winBackAfterDays) days"
                    result.append(make(.lifecycleProgramme, "win-back-offer", subject: subject, cause: transition.cause, customer: customer,
                                       consent: .init(purpose: .marketing, channel: .email), reason: later) { id in
                        .recordInteraction(InteractionID(id), customer: customer, channel: .email, direction: .outbound, employee: nil,
                                           contact: nil, durationSeconds: 0, subject: programme.winBackSubject, text: nil)
                    })
                }
            default:
                continue
            }
        }
    }
}

/// "Customers who bought what you bought also bought": item co-occurrence over customers.
///
/// A suggestion depends only on the set of products a customer bought, so customers are grouped
/// by that set: a suggestion walks the distinct sets (each with its number of customers), not
/// every customer, and is remembered per set (and minimum support) for the rest of the plan.
struct CrossSellingIndex {
    /// The customers with each distinct set of products.
    let groups: [(products: Set<String>, customers: Int)]
    let products: [CustomerID: Set<String>]
    private struct Question: Hashable { let own: Set<String>; let minimumSupport: Int }
    private var remembered: [Question: (product: String, support: Int)?] = [:]

    init(_ products: [CustomerID: Set<String>]) {
        self.products = products
        var counts: [Set<String>: Int] = [:]
        for bought in products.values where !bought.isEmpty { counts[bought, default: 0] += 1 }
        groups = counts.map { ($0.key, $0.value) }
    }

    /// The product not yet bought by `customer` that most customers sharing a product with
    /// them bought (weighted by how many products they share; ties by product code), if its
    /// support reaches `minimumSupport` customers.
    mutating func suggestion(for customer: CustomerID, minimumSupport: Int) -> (product: String, support: Int)? {
        guard let own = products[customer], !own.isEmpty else { return nil }
        let question = Question(own: own, minimumSupport: minimumSupport)
        if let known = remembered[question] { return known }
        // The customer's own group adds nothing: every product of it is in `own`.
        var weight: [String: Int] = [:], support: [String: Int] = [:]
        for (bought, customers) in groups {
            let overlap = bought.reduce(0) { own.contains($1) ? $0 + 1 : $0 }
            guard overlap > 0 else { continue }
            for product in bought where !own.contains(product) {
                weight[product, default: 0] += overlap * customers
                support[product, default: 0] += customers
            }
        }
        let best = weight.filter { support[$0.key]! >= minimumSupport }
            .max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
        let result = best.map { ($0.key, support[$0.key]!) }
        remembered[question] = result
        return result
    }
}
