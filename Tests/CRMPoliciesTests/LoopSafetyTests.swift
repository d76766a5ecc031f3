import CRMDomain
import CRMPolicies
import CRMProjections
import CRMSimulation
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// A history that triggers every kind of reaction at 2026-05-11 12:00: a retention offer, a
/// suppressed offer, an account manager's call, a lead hand-over, an SLA breach, a quote
/// follow-up and lifecycle programmes.
func buildBusyHistory(_ f: PolicyFixture) async throws {
    let consenting = try await f.customer(60)
    let silent = try await f.customer(61, consent: false)
    let unhappy = try await f.customer(62)
    for customer in [consenting, silent, unhappy] {
        for day in PolicyTests.orderDays { try await f.order(customer, on: day) }
    }
    try await f.run(.receiveFeedback(unhappy, kind: .complaint, channel: .phone, text: "kaputt"), on: "2026-04-01")
    try await f.run(.receiveFeedback(unhappy, kind: .complaint, channel: .phone, text: "wieder kaputt"), on: "2026-04-02")
    let lead = id(63, LeadKindTag.self)
    try await f.run(.captureLead(lead, source: .referral, name: "Lena Lead"), on: "2026-05-01")
    try await f.run(.recordLeadAttributes(lead, attributes: [LeadAttribute(name: "budgetConfirmed", value: "yes"),
                                                            LeadAttribute(name: "webVisits", value: "9")]), on: "2026-05-01")
    try await f.run(.openTicket(id(64, TicketKindTag.self), customer: consenting, channel: .chat, priority: .urgent, category: "outage",
                                subject: "Anlage steht", slaPolicy: "premium", firstResponseTargetMinutes: 30,
                                resolutionTargetMinutes: 240), on: "2026-05-11", minutes: 600)
    let opportunity = id(65, OpportunityKindTag.self)
    try await f.run(.openOpportunity(opportunity, customer: unhappy, title: "Ersatz", expectedRevenue: eur(500_000),
                                     expectedCloseOn: day("2026-07-31"), probability: 30, product: "E-1", owner: f.seller),
                    on: "2026-04-20")
    let quote = id(66, QuoteKindTag.self)
    try await f.run(.draftQuote(quote, opportunity: opportunity, lines: [OrderLine(product: "E-1", quantity: 1, unitPrice: eur(500_000))],
                                validUntil: day("2026-06-30")), on: "2026-04-21")
    try await f.run(.approveQuote(quote, by: f.manager), on: "2026-04-21")
    try await f.run(.sendQuote(quote, channel: .email), on: "2026-04-21")
}

/// The reactions in the log, as (actor, causation, type) triples, with how often each occurs.
func reactionCounts(_ f: PolicyFixture) throws -> [String: Int] {
    var counts: [String: Int] = [:]
    for (event, _) in try f.reactions() {
        counts["\(event.actor) \(event.causationID?.uuidString ?? "-") \(event.type)", default: 0] += 1
    }
    return counts
}

@Suite("closed loop: replay, restarts, two runners, back-fill")
struct LoopSafetyTests {
    static let now = at("2026-05-11")

    @Test("running, rebuilding every projection, running again, restarting and running again adds no reaction twice")
    func replay() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner()
        try await runner.activate(at: at("2026-01-01"))
        try await buildBusyHistory(f)
        let first = try await runner.run(at: Self.now)
        // offer (60), suppressed (61), call (62), 2 × lead, SLA breach, quote follow-up, and for
        // each of the three customers the welcome and the second-order follow-up of 2026-01-10.
        #expect(first.executed.count == 12)
        #expect(first.suppressed.count == 1)
        #expect(Set(first.executed.map(\.reaction)) == ["retention-offer", "account-manager-call", "lead-qualify", "lead-hand-over",
                                                        "sla-breach", "quote-follow-up", "welcome", "second-order-follow-up"])
        let head = try f.store.head()
        let counts = try reactionCounts(f)
        #expect(counts.values.allSatisfy { $0 == 1 })
        #expect(counts.count == 13)

        // The same runner again.
        let again = try await runner.run(at: Self.now)
        #expect(again.executed.isEmpty && again.suppressed.isEmpty)
        // Every projection rebuilt (persisted and in memory), then the runner again.
        let projector = try Projector<CRMReadModels>(store: f.store, state: StateStore(environment: f.store.environment), generation: "g1")
        try projector.catchUp()
        try projector.activate()
        _ = try Projector<CRMReadModels>.rebuild(store: f.store, state: StateStore(environment: f.store.environment), rules: .standard, generation: "g2")
        _ = try ProjectionEngine.rebuild(CRMReadModels.self, store: f.store)
        #expect(try await runner.run(at: Self.now).executed.isEmpty)
        // A new runner ("restart"), a day later: nothing new is due.
        let restarted = try f.runner()
        let later = try await restarted.run(at: at("2026-05-12"))
        #expect(later.executed.isEmpty && later.suppressed.isEmpty)
        #expect(try f.store.head() == head)
        #expect(try reactionCounts(f) == counts)
    }

    @Test("a restarted process (store closed and reopened) does not react again")
    func processRestart() async throws {
        let directory = TemporaryDirectory("policies-restart")
        let path = directory.sub("store")
        var head: UInt64 = 0
        do {
            let f = try await PolicyFixture(path: path)
            try await f.runner().activate(at: at("2026-01-01"))
            try await buildBusyHistory(f)
            #expect(try await f.runner().run(at: Self.now).executed.count == 12)
            head = try f.store.head()
        }
        let reopened = try EventStore(path: path)
        defer { reopened.close() }
        let runner = try PolicyRunner(store: reopened)
        let report = try await runner.run(at: Self.now)
        #expect(report.executed.isEmpty && report.suppressed.isEmpty)
        // Due again and found in the log: all but the lead qualification, the hand-over and the SLA
        // escalation, which the first run made moot (the lead is handed over, the ticket at level 2).
        #expect(report.alreadyDone == 10)
        #expect(try reopened.head() == head)
    }

    @Test("two runners on the same store at once carry out each reaction once")
    func twoRunnersInOneProcess() async throws {
        let f = try await PolicyFixture()
        try await f.runner().activate(at: at("2026-01-01"))
        try await buildBusyHistory(f)
        // Each runner with its own command handler, as two service instances would have.
        let one = try PolicyRunner(store: f.store, handler: CommandHandler(store: f.store))
        let two = try PolicyRunner(store: f.store, handler: CommandHandler(store: f.store))
        async let a = one.run(at: Self.now)
        async let b = two.run(at: Self.now)
        let (first, second) = try await (a, b)
        #expect(first.executed.count + second.executed.count == 12)
        #expect(first.suppressed.count + second.suppressed.count == 1)
        let counts = try reactionCounts(f)
        #expect(counts.count == 13 && counts.values.allSatisfy { $0 == 1 })
    }

    @Test("two runner processes on the same store at once carry out each reaction once")
    func twoRunnerProcesses() async throws {
        let f = try await PolicyFixture()
        try await f.runner().activate(at: at("2026-01-01"))
        try await buildBusyHistory(f)
        let path = f.directory.sub("store")
        let (p1, out1) = try startHelper(["run-policies", path, "2026-05-11T12:00:00Z"])
        let (p2, out2) = try startHelper(["run-policies", path, "2026-05-11T12:00:00Z"])
        let lines = [out1.nextLine(), out2.nextLine()].compactMap { $0 }
        p1.waitUntilExit()
        p2.waitUntilExit()
        #expect(p1.terminationStatus == 0 && p2.terminationStatus == 0)
        // "executed E suppressed S": together 12 and 1.
        let numbers = lines.map { $0.split(separator: " ").compactMap { Int($0) } }
        #expect(numbers.count == 2)
        #expect(numbers.map { $0[0] }.reduce(0, +) == 12)
        #expect(numbers.map { $0[1] }.reduce(0, +) == 1)
        let counts = try reactionCounts(f)
        #expect(counts.count == 13 && counts.values.allSatisfy { $0 == 1 })
    }

    @Test("following the log: a reaction appears within the interval after the event that causes it")
    func follow() async throws {
        let f = try await PolicyFixture()
        let runner = try f.runner([.slaEscalation])
        try await runner.activate(at: at("2026-01-01"))
        let customer = try await f.customer(71)
        let runs = RunCounter()
        let loop = Task { try await runner.follow(every: .milliseconds(20), now: { at("2026-03-02", minutes: 700) },
                                                  report: { _ in await runs.add() }) }
        let ticket = id(72, TicketKindTag.self)
        let opened = try await f.run(.openTicket(ticket, customer: customer, channel: .phone, priority: .high, category: "x",
                                                 subject: "Ausfall", slaPolicy: "standard", firstResponseTargetMinutes: 60,
                                                 resolutionTargetMinutes: 600), on: "2026-03-02", minutes: 600)
        // Wait (up to 10 s) for the loop to escalate: 11:40 is past the first-response deadline 11:00.
        let deadline = Date().addingTimeInterval(10)
        while try f.reactions(after: opened.lastPosition).isEmpty, Date() < deadline { await Task.yield() }
        loop.cancel()
        try await loop.value
        let reactions = try f.reactions(after: opened.lastPosition)
        #expect(reactions.map(\.0.type) == ["TicketEscalated"])
        #expect(reactions.first?.0.causationID == (try f.event(at: opened.lastPosition)).id)
        #expect(await runs.count >= 1)
    }

    @Test("policies do not react to causes before their activation, unless back-filled explicitly")
    func backfill() async throws {
        let f = try await PolicyFixture()
        let customer = try await f.customer(70)
        var last: UInt64 = 0
        for day in PolicyTests.orderDays { last = try await f.order(customer, on: day) }
        let runner = try f.runner([.churnRetention])
        let activation = try await runner.activate(at: at("2026-04-01"))
        #expect(activation.fromPosition == Int(last) + 1)
        #expect(activation.policy == "closed-loop" && activation.rulesVersion == "1")
        // A second activation returns the first.
        #expect(try await f.runner().activate(at: at("2026-04-02")) == activation)
        let activations = try f.store.events(.stream("policy-closed-loop"))
        #expect(activations.count == 1)

        #expect(try await runner.run(at: at("2026-05-11")).executed.isEmpty)
        #expect(try f.reactions().isEmpty)
        let backfilled = try await runner.run(at: at("2026-05-11"), backfillFrom: 1)
        #expect(backfilled.executed.map(\.reaction) == ["retention-offer"])
        #expect(try f.reactions().first?.0.causationID == (try f.event(at: last)).id)
    }

    @Test("bad input: running before activation, rules out of range, an invalid name — a typed error and nothing appended")
    func badInput() async throws {
        let f = try await PolicyFixture()
        let head = try f.store.head()
        let runner = try f.runner()
        await #expect(throws: PolicyError.self) { try await runner.run(at: Self.now) }
        do {
            _ = try await runner.run(at: Self.now)
        } catch let error as PolicyError {
            #expect(error.description == "policy set 'closed-loop' is not activated; activate it first (it then reacts to new events)")
        }
        var rules = PolicyRules()
        rules.quoteFollowUpDays = 0
        #expect(throws: PolicyRulesError.outOfRange(field: "quoteFollowUpDays", value: 0, allowed: 1...365)) {
            try PolicyRunner(store: f.store, rules: rules)
        }
        let json = Data(#"{"version":"2","enabled":["churn-retention"],"churn":{"offerSubject":"","offerChannel":2,"callDueDays":2},"leads":{"salesRole":"sales"},"sla":{"warningMinutes":60,"warningLevel":1,"breachLevel":2},"quoteFollowUpDays":7,"lifecycle":{"welcomeSubject":"Welcome","secondOrderFollowUpDays":30,"businessReviewDueDays":14,"exitSurveySubject":"Exit survey","winBackAfterDays":90,"winBackSubject":"Win-back offer"},"crossSellingMinimumSupport":2,"effectWindowDays":90}"#.utf8)
        #expect(throws: PolicyRulesError.emptyField("churn.offerSubject")) { try PolicyRules(json: json) }
        #expect(throws: DomainRuleError.invalidName(field: "policy", value: "Closed Loop")) {
            try PolicyRunner(store: f.store, name: "Closed Loop")
        }
        #expect(try f.store.head() == head)
        // Rules round-trip through JSON.
        var custom = PolicyRules(version: "7")
        custom.enabled = [.slaEscalation, .quoteFollowUp]
        #expect(try PolicyRules(json: custom.json()) == custom)
    }
}

actor RunCounter {
    private(set) var count = 0
    func add() { count += 1 }
}
