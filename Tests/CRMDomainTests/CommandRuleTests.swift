@testable import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// A store with one entity in each state the rules care about.
struct RuleFixture {
    let test: TestStore
    let context = CommandContext(actor: "tester", occurredAt: testTime)

    let employee = EmployeeID.new(), formerEmployee = EmployeeID.new()
    let person = CustomerID.new(), account = CustomerID.new(), duplicate = CustomerID.new()
    let contact = ContactID.new()
    let won = OpportunityID.new(), lost = OpportunityID.new(), open = OpportunityID.new()
    let draftQuote = QuoteID.new(), sentQuote = QuoteID.new()
    let cancelledOrder = OrderID.new(), deliveredOrder = OrderID.new()
    let invoice = InvoiceID.new()
    let openTicket = TicketID.new()
    let closedCampaign = CampaignID.new()
    let openLead = LeadID.new()
    let contract = ContractID.new()

    init() async throws {
        test = try TestStore()
        let commands: [CRMCommand] = [
            .registerEmployee(employee, name: "Eva Schmidt", role: "sales"),
            .registerEmployee(formerEmployee, name: "Otto Alt", role: "service"),
            .recordEmployeeLeft(formerEmployee),
            .registerCustomer(person, kind: .person, name: "Jana Nowak", email: "jana@example.org"),
            .registerCustomer(account, kind: .account, name: "Kunststoff AG", industry: "plastics", employeeCount: 420),
            .registerCustomer(duplicate, kind: .account, name: "Kunststoff A.G."),
            .mergeCustomers(duplicate: duplicate, survivor: account),
            .addContact(account, contact: contact, name: "Max Weber", role: .decisionMaker),
            .openOpportunity(won, customer: account, title: "Granulat", expectedRevenue: eur(500_000), expectedCloseOn: day("2026-06-30"),
                             probability: 50, product: "GR-1", owner: employee),
            .winOpportunity(won, amount: eur(480_000)),
            .openOpportunity(lost, customer: account, title: "Folie", expectedRevenue: eur(90_000), expectedCloseOn: day("2026-05-31"),
                             probability: 30, product: "FO-2", owner: employee),
            .loseOpportunity(lost, reason: "price", competitor: "PolyCorp"),
            .openOpportunity(open, customer: account, title: "Spritzguss", expectedRevenue: eur(1_200_000),
                             expectedCloseOn: day("2026-09-30"), probability: 20, product: "SG-3", owner: employee, stage: .qualification),
            .draftQuote(draftQuote, opportunity: open, lines: [OrderLine(product: "SG-3", quantity: 2, unitPrice: eur(600_000))],
                        validUntil: day("2026-04-30")),
            .draftQuote(sentQuote, opportunity: open, lines: [OrderLine(product: "SG-3", quantity: 1, unitPrice: eur(1_100_000))],
                        validUntil: day("2026-04-30")),
            .approveQuote(sentQuote, by: employee),
            .sendQuote(sentQuote, channel: .email),
            .placeOrder(cancelledOrder, customer: person, lines: [OrderLine(product: "A", quantity: 1, unitPrice: eur(5_000))], channel: .web),
            .cancelOrder(cancelledOrder, reason: "changed mind"),
            .placeOrder(deliveredOrder, customer: person, lines: [OrderLine(product: "B", quantity: 4, unitPrice: eur(2_500))], channel: .web),
            .shipOrder(deliveredOrder, carrier: "DHL"),
            .deliverOrder(deliveredOrder),
            .issueInvoice(invoice, customer: person, order: deliveredOrder, amount: eur(10_000), dueOn: day("2026-04-01")),
            .recordPayment(invoice, amount: eur(3_000), method: .card),
            .openTicket(openTicket, customer: person, channel: .chat, priority: .high, category: "delivery", subject: "Paket fehlt",
                        slaPolicy: "standard", firstResponseTargetMinutes: 120, resolutionTargetMinutes: 1_440),
            .planCampaign(closedCampaign, name: "Frühjahr", goal: "50 leads", segment: "B2C", channel: .newsletter, budget: eur(100_000),
                          startsOn: day("2026-03-01"), endsOn: day("2026-03-31")),
            .closeCampaign(closedCampaign),
            .captureLead(openLead, source: .tradeFair, name: "Ida Berg"),
            .signContract(contract, customer: account, value: eur(2_000_000), startsOn: day("2026-01-01"), endsOn: day("2026-12-31")),
        ]
        for command in commands {
            try await test.handler.execute(command, context: context)
        }
    }
}

@Suite("Command rules")
struct CommandRuleTests {
    /// Runs `command`, expects exactly `error`, and checks that no byte of the log changed.
    func expectRejected(_ fixture: RuleFixture, _ command: CRMCommand, _ error: DomainRuleError, at time: Date? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let before = try fixture.test.fingerprint()
        let context = time.map { CommandContext(actor: "tester", occurredAt: $0) } ?? fixture.context
        await #expect(throws: error, sourceLocation: sourceLocation) {
            try await fixture.test.handler.execute(command, context: context)
        }
        let after = try fixture.test.fingerprint()
        #expect(after.0 == before.0 && after.1 == before.1, "the log changed", sourceLocation: sourceLocation)
    }

    @Test("the fixture history is valid and complete")
    func fixture() async throws {
        let f = try await RuleFixture()
        #expect(try f.test.store.head() == 29)
        #expect(try f.test.store.streamVersion(of: f.invoice.stream) == 2)
    }

    @Test("a closed opportunity cannot be won or lost again, nor quoted")
    func closedOpportunity() async throws {
        let f = try await RuleFixture()
        try await expectRejected(f, .winOpportunity(f.won, amount: eur(1)), .opportunityClosed(f.won, outcome: "won"))
        try await expectRejected(f, .loseOpportunity(f.won, reason: "late"), .opportunityClosed(f.won, outcome: "won"))
        try await expectRejected(f, .winOpportunity(f.lost, amount: eur(1)), .opportunityClosed(f.lost, outcome: "lost"))
        try await expectRejected(f, .changeOpportunityAmount(f.lost, expectedRevenue: eur(5)), .opportunityClosed(f.lost, outcome: "lost"))
        try await expectRejected(f, .draftQuote(QuoteID.new(), opportunity: f.won, lines: [OrderLine(product: "X", quantity: 1, unitPrice: eur(1))],
                                                validUntil: day("2026-04-01")), .opportunityClosed(f.won, outcome: "won"))
    }

    @Test("business order: no transition before the entity's latest event, no event before its creation; late changes are fine")
    func businessOrder() async throws {
        let f = try await RuleFixture()
        func at(_ minutes: Double) -> Date { testTime.addingTimeInterval(minutes * 60) }
        func run(_ command: CRMCommand, _ minutes: Double) async throws {
            try await f.test.handler.execute(command, context: CommandContext(actor: "tester", occurredAt: at(minutes)))
        }
        let ticket = f.openTicket.description, opportunity = f.open.description
        // Nothing of an entity before the event that created it (all at testTime).
        try await expectRejected(f, .respondToTicket(f.openTicket, by: f.employee, channel: .chat),
                                 .beforeCreation(kind: "ticket", id: ticket, created: testTime), at: at(-1))
        try await expectRejected(f, .moveOpportunity(f.open, to: .proposal),
                                 .beforeCreation(kind: "opportunity", id: opportunity, created: testTime), at: at(-1))
        // A transition not before the latest event; at the same instant it is in order.
        try await run(.respondToTicket(f.openTicket, by: f.employee, channel: .chat), 60)
        try await expectRejected(f, .resolveTicket(f.openTicket, firstContactResolution: false), .backdated(kind: "ticket", id: ticket, latest: at(60)), at: at(30))
        try await run(.resolveTicket(f.openTicket, firstContactResolution: false), 60)
        // A stage move and a probability change may be recorded late; a win may not be dated
        // before the latest of them.
        try await run(.moveOpportunity(f.open, to: .negotiation), 120)
        try await run(.changeOpportunityProbability(f.open, probability: 60), 90)
        try await expectRejected(f, .winOpportunity(f.open, amount: eur(1_000_000)),
                                 .backdated(kind: "opportunity", id: opportunity, latest: at(120)), at: at(100))
        #expect(DomainRuleError.backdated(kind: "ticket", id: ticket, latest: at(60)).description
            == "ticket \(ticket) has an event at 2026-03-02T10:00:00Z; its state changes are recorded in business order, so this one may not be dated before that")
        #expect(DomainRuleError.backdated(kind: "ticket", id: ticket, latest: at(60)).rule == "ticket.backdated")
        #expect(DomainRuleError.beforeCreation(kind: "order", id: "x", created: testTime).rule == "order.before-creation")
        // Other entities take late events: a customer's details, an interaction.
        try await run(.changeCustomerDetails(f.person, phone: "+49 30 1"), -600)
    }

    @Test("a quote must be approved before it is sent, and answered only once sent")
    func quoteApproval() async throws {
        let f = try await RuleFixture()
        try await expectRejected(f, .sendQuote(f.draftQuote, channel: .email), .quoteNotApproved(f.draftQuote))
        try await expectRejected(f, .acceptQuote(f.draftQuote),
                                 .invalidTransition(kind: "quote", id: f.draftQuote.description, state: "drafted", action: "accept"))
        try await expectRejected(f, .approveQuote(f.sentQuote, by: f.employee),
                                 .invalidTransition(kind: "quote", id: f.sentQuote.description, state: "sent", action: "approve"))
    }

    @Test("a payment cannot exceed the open amount unless recorded as overpayment")
    func overpayment() async throws {
        let f = try await RuleFixture()
        // Invoice 100.00 EUR, 30.00 paid: 70.00 open.
        try await expectRejected(f, .recordPayment(f.invoice, amount: eur(7_001), method: .bankTransfer),
                                 .paymentExceedsOpenAmount(f.invoice, open: eur(7_000), payment: eur(7_001)))
        let result = try await f.test.handler.execute(.recordPayment(f.invoice, amount: eur(7_001), method: .bankTransfer, overpayment: true),
                                                      context: f.context)
        let stored = try f.test.store.event(at: result.lastPosition)!
        guard case .paymentReceived(let payment) = try f.test.handler.registry.decode(stored) else {
            Issue.record("not a payment")
            return
        }
        #expect(payment.overpayment == true)
        #expect(payment.amount == eur(7_001))
        // Now nothing is open: any further payment is an overpayment.
        try await expectRejected(f, .recordPayment(f.invoice, amount: eur(1), method: .cash),
                                 .paymentExceedsOpenAmount(f.invoice, open: eur(0), payment: eur(1)))
    }

    @Test("amounts are non-negative, positive where required, in matching currencies, without overflow")
    func amounts() async throws {
        let f = try await RuleFixture()
        try await expectRejected(f, .bookCostToServe(f.person, activity: .visit, amount: eur(-1)), .negativeAmount(field: "amount", amount: eur(-1)))
        let usd = Money(minorUnits: 100, currency: .usd)
        try await expectRejected(f, .recordPayment(f.invoice, amount: usd, method: .card), .currencyMismatch(field: "amount", expected: .eur, found: .usd))
        try await expectRejected(f, .winOpportunity(f.open, amount: usd), .currencyMismatch(field: "amount", expected: .eur, found: .usd))
        try await expectRejected(f, .issueInvoice(InvoiceID.new(), customer: f.person, amount: eur(0), dueOn: day("2026-04-01")),
                                 .nonPositiveAmount(field: "amount", amount: eur(0)))
        try await expectRejected(f, .placeOrder(OrderID.new(), customer: f.person,
                                                lines: [OrderLine(product: "X", quantity: 2, unitPrice: eur(.max))], channel: .web),
                                 .amountOverflow(field: "lines[0]"))
        try await expectRejected(f, .placeOrder(OrderID.new(), customer: f.person,
                                                lines: [OrderLine(product: "X", quantity: 1, unitPrice: eur(5)),
                                                        OrderLine(product: "Y", quantity: 1, unitPrice: usd)], channel: .web),
                                 .currencyMismatch(field: "lines[1].unitPrice", expected: .eur, found: .usd))
        try await expectRejected(f, .returnOrder(f.deliveredOrder, amount: eur(10_001), reason: "broken"),
                                 .returnExceedsOrder(f.deliveredOrder, remaining: eur(10_000), returned: eur(10_001)))
    }

    @Test("an NPS score is 0…10 and a probability 0…100")
    func ranges() async throws {
        let f = try await RuleFixture()
        try await expectRejected(f, .answerNPS(f.person, score: 11), .npsScoreOutOfRange(11))
        try await expectRejected(f, .answerNPS(f.person, score: -1), .npsScoreOutOfRange(-1))
        try await expectRejected(f, .changeOpportunityProbability(f.open, probability: 101), .probabilityOutOfRange(101))
        try await expectRejected(f, .answerEmployeeSurvey(f.employee, satisfaction: 6),
                                 .valueOutOfRange(field: "satisfaction", value: 6, allowed: 1...5))
        try await expectRejected(f, .escalateTicket(f.openTicket, level: 0, reason: "slow"),
                                 .valueOutOfRange(field: "level", value: 0, allowed: 1...9))
    }

    @Test("events about unknown entities are refused: a ticket cannot be resolved before it is opened")
    func unknownEntities() async throws {
        let f = try await RuleFixture()
        let ticket = TicketID.new(), customer = CustomerID.new()
        try await expectRejected(f, .resolveTicket(ticket, firstContactResolution: true), .unknownEntity(kind: "ticket", id: ticket.description))
        try await expectRejected(f, .openOpportunity(OpportunityID.new(), customer: customer, title: "T", expectedRevenue: eur(1),
                                                     expectedCloseOn: day("2026-05-01"), probability: 10, product: "P", owner: f.employee),
                                 .unknownEntity(kind: "customer", id: customer.description))
        try await expectRejected(f, .answerNPS(customer, score: 9), .unknownEntity(kind: "customer", id: customer.description))
        try await expectRejected(f, .recordInteraction(InteractionID.new(), customer: customer, channel: .phone, direction: .inbound),
                                 .unknownEntity(kind: "customer", id: customer.description))
        try await expectRejected(f, .registerCustomer(f.person, kind: .person, name: "Again"),
                                 .alreadyExists(kind: "customer", id: f.person.description))
    }

    @Test("parties: merged records, self-merge, contacts only at accounts, employees who left, consent")
    func parties() async throws {
        let f = try await RuleFixture()
        try await expectRejected(f, .recordInteraction(InteractionID.new(), customer: f.duplicate, channel: .phone, direction: .inbound),
                                 .customerMerged(f.duplicate, survivor: f.account))
        try await expectRejected(f, .mergeCustomers(duplicate: f.person, survivor: f.person), .mergeIntoItself(f.person))
        try await expectRejected(f, .addContact(f.person, contact: ContactID.new(), name: "X", role: .user), .contactsRequireAccount(f.person))
        let stranger = ContactID.new()
        try await expectRejected(f, .changeContactRole(f.account, contact: stranger, role: .champion), .unknownContact(stranger, customer: f.account))
        try await expectRejected(f, .assignAccountManager(f.person, employee: f.formerEmployee), .employeeLeft(f.formerEmployee))
        try await expectRejected(f, .withdrawConsent(f.person, purpose: .newsletter, channel: .email),
                                 .consentNotGiven(f.person, purpose: .newsletter, channel: .email))
        try await expectRejected(f, .changeCustomerDetails(f.person), .noChange("no detail given"))
    }

    @Test("state machines of orders, tickets, campaigns, leads, contracts and invoices")
    func transitions() async throws {
        let f = try await RuleFixture()
        try await expectRejected(f, .shipOrder(f.cancelledOrder),
                                 .invalidTransition(kind: "order", id: f.cancelledOrder.description, state: "cancelled", action: "ship"))
        try await expectRejected(f, .closeTicket(f.openTicket),
                                 .invalidTransition(kind: "ticket", id: f.openTicket.description, state: "open", action: "close"))
        try await expectRejected(f, .bookCampaignCost(f.closedCampaign, amount: eur(5)),
                                 .invalidTransition(kind: "campaign", id: f.closedCampaign.description, state: "closed", action: "book cost"))
        try await expectRejected(f, .handOverLead(f.openLead, to: f.employee),
                                 .invalidTransition(kind: "lead", id: f.openLead.description, state: "open", action: "hand over"))
        try await expectRejected(f, .renewContract(f.contract, endsOn: day("2026-06-30")),
                                 .dateRangeReversed(field: "renewal", start: day("2026-12-31"), end: day("2026-06-30")))
        try await expectRejected(f, .markInvoiceOverdue(f.invoice), .invoiceNotOverdue(f.invoice, reason: "it is due on 2026-04-01"))
        try await expectRejected(f, .moveOpportunity(f.open, to: .qualification),
                                 .noChange("opportunity \(f.open) is already in stage qualification"))
    }

    @Test("texts, lists and date ranges")
    func shapes() async throws {
        let f = try await RuleFixture()
        try await expectRejected(f, .disqualifyLead(f.openLead, reason: "  "), .emptyField("reason"))
        try await expectRejected(f, .placeOrder(OrderID.new(), customer: f.person, lines: [], channel: .web), .emptyList("lines"))
        try await expectRejected(f, .planCampaign(CampaignID.new(), name: "Herbst", goal: "g", segment: "s", channel: .email, budget: eur(1),
                                                  startsOn: day("2026-05-01"), endsOn: day("2026-04-01")),
                                 .dateRangeReversed(field: "campaign", start: day("2026-05-01"), end: day("2026-04-01")))
    }

    @Test("an overdue invoice can be marked after its due date, with the open amount")
    func overdue() async throws {
        let f = try await RuleFixture()
        let later = CommandContext(actor: "dunning", occurredAt: day("2026-04-02").startDate)
        let result = try await f.test.handler.execute(.markInvoiceOverdue(f.invoice), context: later)
        let event = try f.test.handler.registry.decode(try f.test.store.event(at: result.lastPosition)!)
        #expect(event == .invoiceOverdue(InvoiceOverdue(invoiceID: f.invoice, openAmount: eur(7_000))))
    }

    @Test("converting a lead registers the customer from the lead's data in one append")
    func leadConversion() async throws {
        let f = try await RuleFixture()
        let customer = CustomerID.new()
        try await expectRejected(f, .convertLead(f.openLead, customer: customer, kind: .person),
                                 .invalidTransition(kind: "lead", id: f.openLead.description, state: "open", action: "convert"))
        try await f.test.handler.execute(.qualifyLead(f.openLead, score: 55), context: f.context)
        let result = try await f.test.handler.execute(.convertLead(f.openLead, customer: customer, kind: .person), context: f.context)
        #expect(result.events.map(\.stream) == [f.openLead.stream, customer.stream])
        let registered = try f.test.handler.registry.decode(try f.test.store.event(at: result.lastPosition)!)
        #expect(registered == .customerRegistered(CustomerRegistered(customerID: customer, kind: .person, name: "Ida Berg",
                                                                     convertedFromLead: f.openLead)))
    }

    @Test("concurrent commands on one stream are decided again, never both accepted past a rule")
    func concurrentDecisions() async throws {
        let f = try await RuleFixture()
        // Ten concurrent wins of the same open opportunity: exactly one succeeds.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    (try? await f.test.handler.execute(.winOpportunity(f.open, amount: eur(1_000_000)), context: f.context)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        // Opened (1), then the one win (2).
        #expect(try f.test.store.streamVersion(of: f.open.stream) == 2)
    }
}
