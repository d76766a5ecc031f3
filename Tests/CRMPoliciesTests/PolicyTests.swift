import CRMDomain
import CRMPolicies
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

@Suite("closed-loop policies")
struct PolicyTests {
    // Orders on 01-10, 02-09 and 03-11: two gaps of 30 days, cadence 30 d. The churn gap signal
    // (40 points, medium from 30) fires when the days since the last order exceed 2 × 30 = 60,
    // i.e. from 2026-05-11 (61 days after 03-11); on 05-10 the gap is exactly 60.
    static let orderDays = ["2026-01-10", "2026-02-09", "2026-03-11"]

    @Test("churn risk medium: a retention offer by e-mail, caused by the last order, not before the gap exceeds the cadence")
    func retentionOffer() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.churnRetention])
        try await runner.activate(at: at("2026-01-01"))
        let customer = try await f.customer(10)
        var last: UInt64 = 0
        for day in Self.orderDays { last = try await f.order(customer, on: day) }

        let quiet = try await runner.run(at: at("2026-05-10"))
        #expect(quiet.executed.isEmpty && quiet.suppressed.isEmpty)
        #expect(try f.reactions().isEmpty)

        let head = try f.store.head()
        let report = try await runner.run(at: at("2026-05-11"))
        #expect(report.executed.map(\.reaction) == ["retention-offer"])
        let reactions = try f.reactions(after: head)
        try #require(reactions.count == 1)
        let (recorded, event) = reactions[0]
        let cause = try f.event(at: last)
        #expect(recorded.type == "InteractionRecorded")
        #expect(recorded.stream == customer.stream)
        #expect(recorded.actor == "policy:closed-loop/retention-offer")
        #expect(recorded.causationID == cause.id)
        #expect(recorded.id == NewEvent.derivedID("closed-loop/retention-offer/\(customer)/\(last)"))
        #expect(recorded.occurredAt == at("2026-05-11"))
        guard case .interactionRecorded(let offer) = event else { Issue.record("not an interaction: \(event)"); return }
        #expect(offer.customerID == customer)
        #expect(offer.channel == .email && offer.direction == .outbound)
        #expect(offer.subject == "Retention offer")
        #expect(offer.employeeID == nil)
        #expect(report.executed[0].reason == "churn risk medium (40): order gap 61 d > 2 × cadence 30 d")
    }

    @Test("churn risk high: a call task for the account manager, no e-mail offer")
    func accountManagerCall() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.churnRetention])
        try await runner.activate(at: at("2026-01-01"))
        let customer = try await f.customer(11)
        var last: UInt64 = 0
        for day in Self.orderDays { last = try await f.order(customer, on: day) }
        // Two complaints in 180 days: 2 × 10 points; with the gap 40 + 20 = 60 = high.
        try await f.run(.receiveFeedback(customer, kind: .complaint, channel: .phone, text: "zu spät"), on: "2026-04-01")
        try await f.run(.receiveFeedback(customer, kind: .complaint, channel: .phone, text: "wieder zu spät"), on: "2026-04-20")

        let head = try f.store.head()
        try await runner.run(at: at("2026-05-20"))
        let reactions = try f.reactions(after: head)
        try #require(reactions.count == 1)
        let (recorded, event) = reactions[0]
        #expect(recorded.type == "TaskCreated")
        #expect(recorded.actor == "policy:closed-loop/account-manager-call")
        #expect(recorded.causationID == (try f.event(at: last)).id)
        guard case .taskCreated(let task) = event else { Issue.record("not a task: \(event)"); return }
        #expect(task.taskID == TaskID(recorded.id))
        #expect(task.kind == .call)
        #expect(task.customerID == customer)
        #expect(task.assignee == f.manager)
        #expect(task.dueOn == day("2026-05-22"))
        #expect(task.title == "Call: churn risk high")
        #expect(task.reason == "churn risk high (60): order gap 70 d > 2 × cadence 30 d; 2 complaints in 180 d")

        // On 2026-10-18 the complaints are older than 180 days: the risk is medium again, in the
        // same episode (no order since). The call made the e-mail offer moot: nothing new.
        let later = try await runner.run(at: at("2026-10-18"))
        #expect(later.executed.isEmpty && later.suppressed.isEmpty)
        #expect(later.alreadyDone == 1)
        #expect(try f.reactions(after: head).count == 1)
    }

    @Test("without marketing consent the offer is recorded as suppressed; a withdrawn consent suppresses too; SLA escalation still happens")
    func consent() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.churnRetention, .slaEscalation])
        try await runner.activate(at: at("2026-01-01"))
        let never = try await f.customer(12, consent: false)
        let withdrawn = try await f.customer(13)
        try await f.run(.withdrawConsent(withdrawn, purpose: .marketing, channel: .email), on: "2026-03-20")
        for customer in [never, withdrawn] { for day in Self.orderDays { try await f.order(customer, on: day) } }
        let ticket = TicketID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0)))
        try await f.run(.openTicket(ticket, customer: never, channel: .phone, priority: .high, category: "delivery",
                                    subject: "Lieferung fehlt", slaPolicy: "standard", firstResponseTargetMinutes: 120,
                                    resolutionTargetMinutes: 2_880), on: "2026-05-11", minutes: 480)

        let head = try f.store.head()
        let report = try await runner.run(at: at("2026-05-11"))   // 12:00: the first response (due 10:00) is 2 h late
        #expect(report.executed.map(\.reaction) == ["sla-breach"])
        #expect(Set(report.suppressed.compactMap(\.customer)) == [never, withdrawn])
        let reactions = try f.reactions(after: head)
        #expect(reactions.count == 3)
        var suppressedFor: Set<CustomerID> = []
        for (recorded, event) in reactions {
            switch event {
            case .reactionSuppressed(let e):
                suppressedFor.insert(e.customerID)
                #expect(recorded.actor == "policy:closed-loop/retention-offer")
                #expect(recorded.stream == e.customerID.stream)
                #expect(e.policy == "churn-retention" && e.reaction == "retention-offer")
                #expect(e.purpose == .marketing && e.channel == .email)
                #expect(e.reason == "no consent for marketing by email")
            case .ticketEscalated(let e):
                #expect(e.ticketID == ticket && e.level == 2)
                #expect(e.reason == "first-response SLA of 120 min breached")
                #expect(recorded.actor == "policy:closed-loop/sla-breach")
            default:
                Issue.record("unexpected reaction \(event)")
            }
        }
        #expect(suppressedFor == [never, withdrawn])
        // No interaction was sent to either customer.
        #expect(try f.store.events(from: head + 1).allSatisfy { $0.type != "InteractionRecorded" })
        // Deciding again does not record the suppression twice.
        let again = try await runner.run(at: at("2026-05-12"))
        #expect(again.executed.isEmpty && again.suppressed.isEmpty)
        #expect(try f.reactions(after: head).count == 3)
    }

    @Test("a lead reaching the score threshold is qualified and handed to sales; one below is not")
    func leadHandOver() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.leadHandOver])
        try await runner.activate(at: at("2026-01-01"))
        let hot = id(20, LeadKindTag.self), cold = id(21, LeadKindTag.self)
        try await f.run(.captureLead(hot, source: .referral, name: "Hanna Heiß", company: "Heiß AG"), on: "2026-02-01")
        // referral 20 + companySize ≥ 50 15 + ≥ 250 10 + webVisits ≥ 5 10 + one engagement 5 = 60 ≥ 50.
        let crossing = try await f.run(.recordLeadAttributes(hot, attributes: [LeadAttribute(name: "companySize", value: "300"),
                                                                              LeadAttribute(name: "webVisits", value: "8")]),
                                       on: "2026-02-01").lastPosition
        try await f.run(.captureLead(cold, source: .webForm, name: "Kai Kalt"), on: "2026-02-01")
        // webForm 5 + newsletter 10 + one engagement 5 = 20 < 50.
        try await f.run(.recordLeadAttributes(cold, attributes: [LeadAttribute(name: "newsletter", value: "yes")]), on: "2026-02-01")

        let head = try f.store.head()
        try await runner.run(at: at("2026-02-02"))
        let reactions = try f.reactions(after: head)
        #expect(reactions.map(\.0.type) == ["LeadQualified", "LeadHandedOver"])
        let cause = try f.event(at: crossing)
        #expect(reactions.allSatisfy { $0.0.causationID == cause.id && $0.0.stream == hot.stream })
        #expect(reactions.map(\.0.actor) == ["policy:closed-loop/lead-qualify", "policy:closed-loop/lead-hand-over"])
        guard case .leadHandedOver(let handOver) = reactions.last?.1 else { Issue.record("no hand-over"); return }
        #expect(handOver.leadID == hot && handOver.employeeID == f.seller && handOver.score == 60)
        guard case .leadQualified(let qualified) = reactions.first?.1 else { Issue.record("no qualification"); return }
        #expect(qualified.score == 60)

        let lists = try await runner.workLists(on: day("2026-02-02"))
        #expect(lists.leads.map(\.lead) == [hot])
        #expect(lists.leads.first?.status == "handedOver" && lists.leads.first?.handedTo == f.seller)
    }

    @Test("a ticket about to breach is escalated to level 1, a breached one to 2, one answered in time not at all")
    func slaEscalation() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.slaEscalation])
        try await runner.activate(at: at("2026-01-01"))
        let customer = try await f.customer(14)
        let late = TicketID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1)))
        let answered = TicketID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2)))
        for ticket in [late, answered] {
            try await f.run(.openTicket(ticket, customer: customer, channel: .email, priority: .normal, category: "billing",
                                        subject: "Rechnung falsch", slaPolicy: "standard", firstResponseTargetMinutes: 120,
                                        resolutionTargetMinutes: 1_440), on: "2026-03-02", minutes: 540)
        }
        try await f.run(.respondToTicket(answered, by: f.manager, channel: .email), on: "2026-03-02", minutes: 600)
        let opened = try f.store.events(from: 1).filter { $0.type == "TicketOpened" }.map(\.id)

        // 10:30: the first response of `late` is due at 11:00, within the 60 warning minutes.
        var head = try f.store.head()
        try await runner.run(at: at("2026-03-02", minutes: 630))
        var reactions = try f.reactions(after: head)
        try #require(reactions.count == 1)
        #expect(reactions[0].0.actor == "policy:closed-loop/sla-warning")
        #expect(reactions[0].0.causationID == opened[0])
        guard case .ticketEscalated(let warning) = reactions[0].1 else { Issue.record("no escalation"); return }
        #expect(warning.ticketID == late && warning.level == 1)
        #expect(warning.reason == "first-response SLA of 120 min about to breach")

        // 11:01: breached; the resolution of `answered` (due next day 09:00) is not near.
        head = try f.store.head()
        try await runner.run(at: at("2026-03-02", minutes: 661))
        reactions = try f.reactions(after: head)
        try #require(reactions.count == 1)
        guard case .ticketEscalated(let breach) = reactions[0].1 else { Issue.record("no escalation"); return }
        #expect(breach.ticketID == late && breach.level == 2)
        #expect(reactions[0].0.actor == "policy:closed-loop/sla-breach")

        let lists = try await runner.workLists(on: day("2026-03-02"))
        // At the end of the day: `late` is past its first response (−779 min) and `answered`'s
        // resolution is due 2026-03-03 09:00, 540 min after the day's end: not near.
        #expect(lists.tickets.map(\.ticket) == [late])
        #expect(lists.tickets.first?.minutesLeft == -780 && lists.tickets.first?.deadline == "first-response")
        #expect(lists.tickets.first?.escalationLevel == 2)
    }

    @Test("a quote unanswered for 7 days gets a follow-up task for the opportunity's owner; an answered one does not")
    func quoteFollowUp() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.quoteFollowUp])
        try await runner.activate(at: at("2026-01-01"))
        let customer = try await f.customer(15)
        let opportunity = id(30, OpportunityKindTag.self)
        try await f.run(.openOpportunity(opportunity, customer: customer, title: "Anlage", expectedRevenue: eur(1_000_000),
                                         expectedCloseOn: day("2026-06-30"), probability: 40, product: "A-1", owner: f.seller),
                        on: "2026-03-01")
        let open = id(31, QuoteKindTag.self), accepted = id(32, QuoteKindTag.self)
        var sent: UInt64 = 0
        for quote in [open, accepted] {
            try await f.run(.draftQuote(quote, opportunity: opportunity, lines: [OrderLine(product: "A-1", quantity: 1, unitPrice: eur(1_000_000))],
                                        validUntil: day("2026-04-30")), on: "2026-03-02")
            try await f.run(.approveQuote(quote, by: f.manager), on: "2026-03-02")
            let result = try await f.run(.sendQuote(quote, channel: .email), on: "2026-03-02")
            if quote == open { sent = result.lastPosition }
        }
        try await f.run(.acceptQuote(accepted), on: "2026-03-05")

        try await runner.run(at: at("2026-03-08"))
        #expect(try f.reactions().isEmpty)   // 6 days
        try await runner.run(at: at("2026-03-09"))
        let reactions = try f.reactions()
        try #require(reactions.count == 1)
        #expect(reactions[0].0.causationID == (try f.event(at: sent)).id)
        guard case .taskCreated(let task) = reactions[0].1 else { Issue.record("no task"); return }
        #expect(task.kind == .followUp && task.assignee == f.seller && task.customerID == customer)
        #expect(task.dueOn == day("2026-03-09"))
        #expect(task.reason == "quote sent on 2026-03-02 unanswered for 7 days")

        let lists = try await runner.workLists(on: day("2026-03-09"))
        #expect(lists.followUps.map(\.task) == [task.taskID])
        try await f.run(.completeTask(task.taskID, outcome: "customer asked for two more weeks"), on: "2026-03-09")
        #expect(try await runner.workLists(on: day("2026-03-09")).followUps.isEmpty)
    }

    @Test("lifecycle programmes: welcome and second-order follow-up, business review for a star, exit survey and later win-back for a lost one")
    func lifecycleProgrammes() async throws {
        let f = try await PolicyFixture()
        var rules = PolicyRules()
        rules.lifecycle.winBackAfterDays = 30
        let runner = try f.runner([.lifecycleProgramme], rules: rules)
        try await runner.activate(at: at("2026-01-01"))
        let fresh = try await f.customer(40)
        let star = try await f.customer(41)
        let lost = try await f.customer(42)
        try await f.run(.giveConsent(lost, purpose: .surveys, channel: .email), on: "2026-01-02")
        let first = try await f.order(fresh, on: "2026-02-01")
        // Four orders of 5,000 € in 12 months: star (≥ 4 orders, ≥ 15,000 €); the 4th is the cause.
        var fourth: UInt64 = 0
        for day in ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"] { fourth = try await f.order(star, on: day, euros: 5_000) }
        // Lost after more than 365 days without an order: the order of 2026-01-03 makes it lost on 2027-01-04.
        let lastOrder = try await f.order(lost, on: "2026-01-03")

        try await runner.run(at: at("2026-02-01"))
        var byActor: [String: [(RecordedEvent, DomainEvent)]] = [:]
        for reaction in try f.reactions() { byActor[reaction.0.actor, default: []].append(reaction) }
        #expect(byActor.keys.sorted() == ["policy:closed-loop/business-review", "policy:closed-loop/second-order-follow-up",
                                          "policy:closed-loop/welcome"])
        guard case .interactionRecorded(let welcome) = byActor["policy:closed-loop/welcome"]?.first?.1,
              case .taskCreated(let followUp) = byActor["policy:closed-loop/second-order-follow-up"]?.first?.1,
              case .taskCreated(let review) = byActor["policy:closed-loop/business-review"]?.first?.1
        else { Issue.record("missing programme events"); return }
        #expect(welcome.customerID == fresh && welcome.subject == "Welcome")
        #expect(byActor["policy:closed-loop/welcome"]?.first?.0.causationID == (try f.event(at: first)).id)
        #expect(followUp.customerID == fresh && followUp.dueOn == day("2026-03-03") && followUp.assignee == f.manager)
        #expect(review.customerID == star && review.kind == .businessReview && review.dueOn == day("2026-02-09"))
        #expect(byActor["policy:closed-loop/business-review"]?.first?.0.causationID == (try f.event(at: fourth)).id)
        // The new customer `lost` got its welcome on 2026-01-03 too.
        #expect(byActor["policy:closed-loop/welcome"]?.count == 2)

        var head = try f.store.head()
        try await runner.run(at: at("2027-01-04"))
        var reactions = try f.reactions(after: head)
        // The star and the new customer become lost later (2027-01-27 and 2027-02-02).
        #expect(reactions.map(\.0.actor) == ["policy:closed-loop/exit-survey"])
        #expect(reactions.first?.0.causationID == (try f.event(at: lastOrder)).id)
        guard case .interactionRecorded(let survey) = reactions.first?.1 else { Issue.record("no survey"); return }
        #expect(survey.customerID == lost && survey.subject == "Exit survey")

        head = try f.store.head()
        try await runner.run(at: at("2027-02-01"))   // 28 days: no win-back yet; the star is lost since 01-27
        reactions = try f.reactions(after: head)
        #expect(reactions.map(\.0.actor) == ["policy:closed-loop/exit-survey"])
        guard case .reactionSuppressed(let noSurvey) = reactions.first?.1 else { Issue.record("star survey not suppressed"); return }
        #expect(noSurvey.customerID == star && noSurvey.purpose == .surveys && noSurvey.reason == "no consent for surveys by email")

        head = try f.store.head()
        try await runner.run(at: at("2027-02-03"))   // 30 days after 2027-01-04; `fresh` is lost since 2027-02-02
        reactions = try f.reactions(after: head)
        #expect(Set(reactions.map(\.0.actor)) == ["policy:closed-loop/win-back-offer", "policy:closed-loop/exit-survey"])
        #expect(reactions.count == 2)
        let winBack = reactions.first { $0.0.actor.hasSuffix("win-back-offer") }
        guard case .interactionRecorded(let offer)? = winBack?.1 else { Issue.record("no win-back offer"); return }
        #expect(offer.customerID == lost && offer.subject == "Win-back offer")
    }

    @Test("cross-selling suggests what similar customers bought, with marketing consent")
    func crossSelling() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.crossSelling])
        try await runner.activate(at: at("2026-01-01"))
        // Two customers bought A and B, one bought A and C; the new growing customer bought A.
        for (number, products) in [(50, ["A", "B"]), (51, ["A", "B"]), (52, ["A", "C"])] {
            let customer = try await f.customer(UInt8(number))
            for product in products { try await f.order(customer, on: "2026-01-05", product: product) }
        }
        let growing = try await f.customer(53)
        try await f.order(growing, on: "2026-02-01", euros: 1_500, product: "A")
        // Second order in 12 months and 3,000 € ≥ 2,000 €: growing.
        let second = try await f.order(growing, on: "2026-02-15", euros: 1_500, product: "A")

        let head = try f.store.head()
        try await runner.run(at: at("2026-02-16"))
        let reactions = try f.reactions(after: head)
        try #require(reactions.count == 1)
        #expect(reactions[0].0.actor == "policy:closed-loop/cross-selling-offer")
        #expect(reactions[0].0.causationID == (try f.event(at: second)).id)
        guard case .interactionRecorded(let offer) = reactions[0].1 else { Issue.record("no offer"); return }
        // B: two customers, each sharing one product (A) → weight 2; C: one → 1.
        #expect(offer.customerID == growing && offer.subject == "Suggestion: B")
    }

    @Test("journey programme: a webinar lead in consideration gets a sales follow-up; an advocate the referral invitation, with consent")
    func journeyProgramme() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.journeyProgramme])
        try await runner.activate(at: at("2026-01-01"))
        let webinar = id(60, LeadKindTag.self), fair = id(61, LeadKindTag.self), dropped = id(62, LeadKindTag.self)
        let considering = try await f.run(.captureLead(webinar, source: .webinar, name: .plain("W")), on: "2026-01-05")
        try await f.run(.captureLead(fair, source: .tradeFair, name: .plain("F")), on: "2026-01-05")
        try await f.run(.captureLead(dropped, source: .webinar, name: .plain("D")), on: "2026-01-05")
        try await f.run(.disqualifyLead(dropped, reason: "student"), on: "2026-01-06")
        // A promoter after a purchase is an advocate; without consent the invitation is suppressed.
        let advocate = try await f.customer(63), silent = try await f.customer(64, consent: false)
        var promoted: [UInt64] = []
        for customer in [advocate, silent] {
            try await f.order(customer, on: "2026-01-10")
            promoted.append(try await f.run(.answerNPS(customer, score: 10), on: "2026-01-12").lastPosition)
        }
        let head = try f.store.head()
        let report = try await runner.run(at: at("2026-01-13"))
        let reactions = try f.reactions(after: head)
        try #require(reactions.count == 3)
        #expect(reactions[0].0.actor == "policy:closed-loop/consideration-follow-up")
        #expect(reactions[0].0.causationID == (try f.event(at: considering.lastPosition)).id)
        guard case .taskCreated(let task) = reactions[0].1 else { Issue.record("no task"); return }
        #expect(task.leadID == webinar && task.kind == .followUp && task.dueOn == CalendarDay(iso: "2026-01-07"))
        #expect(reactions[1].0.actor == "policy:closed-loop/referral-invitation")
        #expect(reactions[1].0.causationID == (try f.event(at: promoted[0])).id)
        guard case .interactionRecorded(let invitation) = reactions[1].1 else { Issue.record("no invitation"); return }
        #expect(invitation.customerID == advocate && invitation.subject == "Referral programme" && invitation.channel == .email)
        guard case .reactionSuppressed(let suppressed) = reactions[2].1 else { Issue.record("not suppressed"); return }
        #expect(suppressed.customerID == silent)
        #expect(report.executed.map(\.reaction) == ["consideration-follow-up", "referral-invitation"])
        // Run again: nothing new (the same causes, the same reaction ids).
        let again = try await runner.run(at: at("2026-01-14"))
        #expect(again.executed.isEmpty && again.suppressed.isEmpty)
    }
}
