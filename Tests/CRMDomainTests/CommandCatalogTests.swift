@testable import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// Counts the personal-data fields of a message.
private struct PersonalFieldCounter: FieldVisitor {
    var count = 0
    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T) { if T.self == PersonalText.self { count += 1 } }
    mutating func field<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout T?) { if T.self == PersonalText.self { count += 1 } }
    mutating func repeated<T: FieldValue>(_ number: UInt32, _ name: String, _ value: inout [T]) { if T.self == PersonalText.self { count += 1 } }
}

@Suite("Commands and the catalog")
struct CommandCatalogTests {
    @Test("every event type with a personal-data field names its data subject")
    func personalDataHasSubject() throws {
        var withPersonalData = 0
        for event in randomCatalogEvents(seed: 3, perType: 1) {
            var message = event.catalogMessage!
            var counter = PersonalFieldCounter()
            try message.visitFields(&counter)
            if counter.count > 0 {
                withPersonalData += 1
                #expect(event.dataSubject != nil, "\(event.eventType) holds personal data but names no subject")
            }
        }
        // CustomerRegistered, CustomerDetailsChanged, ContactAdded, InteractionRecorded,
        // FeedbackReceived, NPSAnswered, LeadCaptured, TicketOpened, TicketCustomerReplied,
        // TicketResolved, EmployeeJoined.
        #expect(withPersonalData == 11)
    }

    @Test("every command appends the event it stands for, and all 65 types occur")
    func everyCommand() async throws {
        let f = try await RuleFixture()
        let h = f.test.handler
        let c = f.context
        let campaign = CampaignID.new(), lead = LeadID.new(), convertedCustomer = CustomerID.new()
        let opportunity = OpportunityID.new(), quote = QuoteID.new(), rejected = QuoteID.new(), expired = QuoteID.new()
        let contract = ContractID.new(), order = OrderID.new(), invoice = InvoiceID.new(), ticket = TicketID.new()
        let trainee = EmployeeID.new()
        let task = TaskID.new()
        let line = OrderLine(product: "SG-3", quantity: 3, unitPrice: eur(1_000), discount: eur(500))
        let commands: [CRMCommand] = [
            .changeCustomerDetails(f.person, email: "jana.nowak@example.org", country: "PL"),
            .changeContactRole(f.account, contact: f.contact, role: .champion),
            .assignAccountManager(f.account, employee: f.employee),
            .bookCostToServe(f.account, activity: .delivery, amount: eur(2_500), note: "express"),
            .recordInteraction(InteractionID.new(), customer: f.account, channel: .whatsApp, direction: .outbound, employee: f.employee,
                               contact: f.contact, durationSeconds: 300, subject: "Liefertermin", text: "Termin bestätigt"),
            .giveConsent(f.person, purpose: .newsletter, channel: .email, source: "web form double opt-in"),
            .withdrawConsent(f.person, purpose: .newsletter, channel: .email),
            .receiveFeedback(f.person, kind: .complaint, channel: .chat, text: "Paket kam zu spät", ticket: f.openTicket),
            .answerNPS(f.person, score: 6, comment: "geht so"),
            .removeContact(f.account, contact: f.contact),
            .planCampaign(campaign, name: "Messe", goal: "100 leads", segment: "B2B DACH", channel: .event, budget: eur(2_000_000),
                          startsOn: day("2026-03-01"), endsOn: day("2026-03-05")),
            .launchCampaign(campaign),
            .bookCampaignCost(campaign, amount: eur(750_000), note: "stand"),
            .captureLead(lead, source: .tradeFair, campaign: campaign, name: "Tom Kurz", email: "tom@kurz.example", company: "Kurz KG"),
            .recordLeadAttributes(lead, attributes: [LeadAttribute(name: "companySize", value: "250"),
                                                     LeadAttribute(name: "webVisits", value: "12")]),
            .qualifyLead(lead, score: 70),
            .handOverLead(lead, to: f.employee, score: 70),
            .convertLead(lead, customer: convertedCustomer, kind: .account),
            .closeCampaign(campaign, summary: "84 leads"),
            .disqualifyLead(f.openLead, reason: "student"),
            .openOpportunity(opportunity, customer: convertedCustomer, title: "Erstauftrag", expectedRevenue: eur(300_000),
                             expectedCloseOn: day("2026-04-30"), probability: 25, product: "SG-3", owner: f.employee, lead: lead,
                             campaign: campaign),
            .moveOpportunity(opportunity, to: .proposal),
            .changeOpportunityAmount(opportunity, expectedRevenue: eur(250_000)),
            .changeOpportunityCloseDate(opportunity, expectedCloseOn: day("2026-05-15")),
            .changeOpportunityProbability(opportunity, probability: 60),
            .draftQuote(quote, opportunity: opportunity, lines: [line], validUntil: day("2026-03-31")),
            .approveQuote(quote, by: f.employee),
            .sendQuote(quote, channel: .email),
            .acceptQuote(quote),
            .draftQuote(rejected, opportunity: opportunity, lines: [line], validUntil: day("2026-03-31")),
            .approveQuote(rejected, by: f.employee),
            .sendQuote(rejected, channel: .letter),
            .rejectQuote(rejected, reason: "price", competitor: "PolyCorp"),
            .draftQuote(expired, opportunity: opportunity, lines: [line], validUntil: day("2026-03-02")),
            .expireQuote(expired),
            .winOpportunity(opportunity, amount: eur(250_000)),
            .signContract(contract, customer: convertedCustomer, quote: quote, value: eur(2_500), startsOn: day("2026-03-02"),
                          endsOn: day("2027-03-01")),
            .renewContract(contract, endsOn: day("2028-03-01"), value: eur(2_400)),
            .placeOrder(order, customer: convertedCustomer, lines: [line], channel: .portal, contract: contract),
            .shipOrder(order, carrier: "DB Schenker", trackingNumber: "4711"),
            .deliverOrder(order),
            .returnOrder(order, amount: eur(1_000), reason: "one damaged"),
            .issueInvoice(invoice, customer: convertedCustomer, order: order, amount: eur(2_500), dueOn: day("2026-03-01")),
            .recordPayment(invoice, amount: eur(1_000), method: .directDebit),
            .markInvoiceOverdue(invoice),
            .terminateContract(contract, reason: "moved to competitor", effectiveOn: day("2028-03-01")),
            .openTicket(ticket, customer: convertedCustomer, channel: .portal, priority: .urgent, category: "technical",
                        subject: "Maschine steht", description: "Fehler E42", slaPolicy: "premium",
                        firstResponseTargetMinutes: 30, resolutionTargetMinutes: 240),
            .assignTicket(ticket, to: f.employee),
            .respondToTicket(ticket, by: f.employee, channel: .phone),
            .recordCustomerReply(ticket, channel: .phone, text: "läuft wieder nicht"),
            .escalateTicket(ticket, level: 1, reason: "resolution SLA at risk"),
            .resolveTicket(ticket, firstContactResolution: false, resolution: "Sensor getauscht"),
            .closeTicket(ticket),
            .reopenTicket(ticket, reason: "Fehler wieder da"),
            .registerEmployee(trainee, name: "Lea Jung", role: "service", team: "Support DACH"),
            .completeTraining(trainee, course: "CRM Basics", crmTraining: true),
            .answerEmployeeSurvey(trainee, satisfaction: 4, crmSatisfaction: 5),
            .createTask(task, kind: .call, title: "Call about the renewal", customer: convertedCustomer, assignee: trainee,
                        dueOn: day("2026-03-10"), reason: "contract ends"),
            .completeTask(task, outcome: "renewal agreed"),
            .recordSuppressedReaction(f.account, policy: "churn-retention", reaction: "retention-offer", purpose: .marketing,
                                      channel: .email, reason: "no consent for marketing by email"),
            .activatePolicy(name: "closed-loop", rulesVersion: "1", fromPosition: 1),
            .requestErasure(f.person, channel: .letter),
            .recordErasure(.customer(f.person)),
        ]
        let before = try f.test.store.head()
        for command in commands {
            try await h.execute(command, context: c)
        }
        #expect(try f.test.store.head() == before + UInt64(commands.count) + 1)  // conversion appends two events

        let types = Set(try f.test.store.events().map(\.type))
        #expect(types == Set(CatalogTypes.all.map { $0.eventType }))

        // Spot checks of what the handler derived.
        let quoted = try f.test.store.events(.stream(quote.stream)).first!
        guard case .quoteDrafted(let draft) = try h.registry.decode(quoted) else { Issue.record("no draft"); return }
        #expect(draft.total == eur(2_500))  // 3 × 10.00 − 5.00
        #expect(draft.customerID == convertedCustomer)
        let stage = try f.test.store.events(.stream(opportunity.stream))[1]
        #expect(try h.registry.decode(stage)
            == .opportunityStageChanged(OpportunityStageChanged(opportunityID: opportunity, from: .prospecting, to: .proposal)))
        let overdue = try f.test.store.events(.stream(invoice.stream)).last!
        #expect(try h.registry.decode(overdue) == .invoiceOverdue(InvoiceOverdue(invoiceID: invoice, openAmount: eur(1_500))))
        #expect(overdue.actor == "tester")
        #expect(overdue.occurredAt == testTime)
    }
}

@Suite("Documentation examples")
struct DocumentationExampleTests {
    @Test("the README's domain example behaves as its comments say")
    func readmeExample() async throws {
        let test = try TestStore()
        let store = test.store
        let crm = CommandHandler(store: store)
        let customer = CustomerID.new(), invoice = InvoiceID.new()

        try await crm.execute(.registerCustomer(customer, kind: .person, name: "Jana Nowak", email: "jana@example.org"))
        try await crm.execute(.issueInvoice(invoice, customer: customer, amount: Money(minorUnits: 10_000, currency: .eur),
                                            dueOn: CalendarDay(year: 2026, month: 12, day: 31)!))
        await #expect(throws: DomainRuleError.paymentExceedsOpenAmount(invoice, open: eur(10_000), payment: eur(12_000))) {
            try await crm.execute(.recordPayment(invoice, amount: Money(minorUnits: 12_000, currency: .eur), method: .card))
        }
        let error = DomainRuleError.paymentExceedsOpenAmount(invoice, open: eur(10_000), payment: eur(12_000))
        #expect(error.description
            == "payment of 120.00 EUR exceeds the open amount 100.00 EUR of invoice \(invoice); record it as an overpayment to accept it")
        let summaries = try store.events(.stream(invoice.stream)).map { try EventRegistry().decode($0).summary }
        #expect(summaries == ["amount: 100.00 EUR, dueOn: 2026-12-31"])
    }

    @Test("the DocC overview example behaves as its comments say")
    func doccExample() async throws {
        let test = try TestStore()
        let crm = CommandHandler(store: test.store)
        let context = CommandContext(actor: "user:anna")
        let customer = CustomerID.new(), owner = EmployeeID.new(), deal = OpportunityID.new()
        try await crm.execute(.registerEmployee(owner, name: "Anna Roth", role: "sales"), context: context)
        try await crm.execute(.registerCustomer(customer, kind: .account, name: "Kunststoff AG"), context: context)
        try await crm.execute(.openOpportunity(deal, customer: customer, title: "Spritzguss",
                                               expectedRevenue: Money(minorUnits: 1_200_000, currency: .eur),
                                               expectedCloseOn: CalendarDay(year: 2026, month: 9, day: 30)!,
                                               probability: 40, product: "SG-3", owner: owner), context: context)
        try await crm.execute(.winOpportunity(deal, amount: Money(minorUnits: 1_150_000, currency: .eur)), context: context)
        do {
            try await crm.execute(.loseOpportunity(deal, reason: "price"), context: context)
            Issue.record("a won opportunity was lost")
        } catch let error as DomainRuleError {
            #expect(error.rule == "opportunity.closed")
            #expect(error.description == "opportunity \(deal) is already closed (won)")
        }
        let won = try test.store.events(.stream(deal.stream)).compactMap { event -> Money? in
            if case .opportunityWon(let won) = try EventRegistry().decode(event) { return won.amount }
            return nil
        }
        #expect(won.map(\.description) == ["11500.00 EUR"])
    }
}
