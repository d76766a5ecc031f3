import CRMDomain
@testable import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing

/// One B2B account's year and a half, with every kind of fact the customer 360 shows.
struct Customer360Fixture {
    let test: ProjectionTestStore
    let account: CustomerID = id(1), person: CustomerID = id(2)
    let manager: EmployeeID = id(10), agent: EmployeeID = id(11)
    let contact: ContactID = id(20)
    let o1: OrderID = id(31), o2: OrderID = id(32), o3: OrderID = id(33), o4: OrderID = id(34)
    let i1: InvoiceID = id(41), i2: InvoiceID = id(42)
    let t1: TicketID = id(51)
    let deal: OpportunityID = id(61)
    let lead: LeadID = id(71)

    init() async throws {
        test = try ProjectionTestStore()
        let t = test
        try await t.run(.registerEmployee(manager, name: "Anna Roth", role: "sales"), on: "2025-01-01")
        try await t.run(.registerEmployee(agent, name: "Ben Ito", role: "service"), on: "2025-01-01")
        try await t.run(.registerCustomer(account, kind: .account, name: "Kunststoff AG", email: "info@kunststoff.example",
                                          phone: "+49 30 1234", address: "Hauptstr. 1, Berlin", industry: "plastics",
                                          employeeCount: 420, country: "DE"), on: "2025-01-10")
        try await t.run(.registerCustomer(person, kind: .person, name: "Jana Nowak"), on: "2025-03-01")
        try await t.run(.addContact(account, contact: contact, name: "Max Weber", jobTitle: "Einkauf", role: .decisionMaker), on: "2025-01-10")
        try await t.run(.assignAccountManager(account, employee: manager), on: "2025-01-11")
        try await t.run(.giveConsent(account, purpose: .newsletter, channel: .email), on: "2025-01-10")
        try await t.run(.placeOrder(o1, customer: account, lines: [OrderLine(product: "GR-1", quantity: 2, unitPrice: eur(50_000))],
                                    channel: .web), on: "2025-02-01")
        try await t.run(.shipOrder(o1), on: "2025-02-02")
        try await t.run(.deliverOrder(o1), on: "2025-02-04")
        try await t.run(.issueInvoice(i1, customer: account, order: o1, amount: eur(100_000), dueOn: day("2025-03-07")), on: "2025-02-05")
        try await t.run(.recordInteraction(id(81), customer: account, channel: .phone, direction: .inbound, employee: manager,
                                           durationSeconds: 600, subject: "Nachbestellung"), on: "2025-02-10")
        try await t.run(.recordPayment(i1, amount: eur(100_000), method: .bankTransfer), on: "2025-03-01")
        try await t.run(.bookCostToServe(account, activity: .visit, amount: eur(15_000)), on: "2025-03-01")
        try await t.run(.recordInteraction(id(82), customer: account, channel: .email, direction: .outbound), on: "2025-05-05")
        try await t.run(.placeOrder(o2, customer: account, lines: [OrderLine(product: "SG-3", quantity: 1, unitPrice: eur(200_000))],
                                    channel: .phone), on: "2025-06-01")
        try await t.run(.shipOrder(o2), on: "2025-06-03")
        try await t.run(.deliverOrder(o2), on: "2025-06-05")
        try await t.run(.issueInvoice(i2, customer: account, order: o2, amount: eur(200_000), dueOn: day("2025-07-06")), on: "2025-06-06")
        try await t.run(.returnOrder(o2, amount: eur(20_000), reason: "one part damaged"), on: "2025-06-20")
        try await t.run(.bookCostToServe(account, activity: .delivery, amount: eur(5_000)), on: "2025-07-01")
        try await t.run(.markInvoiceOverdue(i2), on: "2025-07-10")
        try await t.run(.recordPayment(i2, amount: eur(150_000), method: .bankTransfer), on: "2025-07-20")
        try await t.run(.placeOrder(o3, customer: account, lines: [OrderLine(product: "FO-2", quantity: 1, unitPrice: eur(30_000))],
                                    channel: .web), on: "2025-09-01")
        try await t.run(.cancelOrder(o3, reason: "wrong item"), on: "2025-09-02")
        try await t.run(.openOpportunity(deal, customer: account, title: "Rahmenvertrag", expectedRevenue: eur(900_000),
                                         expectedCloseOn: day("2026-03-31"), probability: 30, product: "SG-3", owner: manager), on: "2025-11-01")
        try await t.run(.moveOpportunity(deal, to: .proposal), on: "2025-12-01")
        try await t.run(.placeOrder(o4, customer: account, lines: [OrderLine(product: "GR-1", quantity: 3, unitPrice: eur(40_000))],
                                    channel: .portal), on: "2026-01-15")
        try await t.run(.openTicket(t1, customer: account, channel: .chat, priority: .high, category: "delivery", subject: "Wo ist O4?",
                                    slaPolicy: "standard", firstResponseTargetMinutes: 120, resolutionTargetMinutes: 1_440),
                        on: "2026-01-16", minutes: 540)
        try await t.run(.recordInteraction(id(83), customer: account, channel: .chat, direction: .inbound), on: "2026-01-16", minutes: 541)
        try await t.run(.respondToTicket(t1, by: agent, channel: .chat), on: "2026-01-16", minutes: 630)
        try await t.run(.resolveTicket(t1, firstContactResolution: false), on: "2026-01-17", minutes: 480)
        try await t.run(.receiveFeedback(account, kind: .complaint, channel: .email, text: "Lieferung zu spät"), on: "2026-01-17")
        try await t.run(.answerNPS(account, score: 6, comment: "geht so"), on: "2026-01-18")
        try await t.run(.bookCostToServe(account, activity: .service, amount: eur(10_000)), on: "2026-01-20")
        try await t.run(.captureLead(lead, source: .tradeFair, name: "Ida Berg", company: "Berg KG"), on: "2026-01-05")
        try await t.run(.recordLeadAttributes(lead, attributes: [LeadAttribute(name: "companySize", value: "300"),
                                                                 LeadAttribute(name: "budgetConfirmed", value: "yes")]), on: "2026-01-20")
    }
}

@Suite("Customer 360 and analytics")
struct Customer360Tests {
    @Test("the record holds master data, contacts, timeline, orders, invoices, tickets, deals, feedback, consent")
    func record() async throws {
        let f = try await Customer360Fixture()
        let model = try ProjectionEngine.rebuild(Customer360Model.self, store: f.test.store)
        let record = try #require(model.customer(f.account))
        #expect(record.kind == .account)
        #expect(record.name == "Kunststoff AG")
        #expect(record.registeredOn == day("2025-01-10"))
        #expect(record.accountManager == f.manager)
        #expect(record.contacts.map(\.contactID) == [f.contact])
        #expect(record.contacts.first?.role == .decisionMaker)
        #expect(record.consents.map(\.purpose) == [.newsletter])
        #expect(record.timeline.map(\.channel) == [.phone, .email, .chat])
        #expect(record.interactionsByChannel.map { [$0.month, $0.count] } == [[1, 1], [2, 1], [3, 1]])  // phone, email, chat
        // O1 delivered, O2 delivered with 200.00 returned, O3 cancelled, O4 placed.
        #expect(record.orders.map(\.status) == [.delivered, .delivered, .cancelled, .placed])
        #expect(record.orders[1].returned == eur(20_000))
        #expect(record.orders[0].deliveredOn == day("2025-02-04"))
        #expect(record.orderCount == 3)
        #expect(record.lastOrderOn == day("2026-01-15"))
        // Gaps: Feb 1 → Jun 1 = 120, Jun 1 → Sep 1 = 92, Sep 1 → Jan 15 = 136 days: 348.
        #expect(record.orderGapDays == 348)
        // I1 paid in full; I2 2 000.00 − 1 500.00 = 500.00 open, marked overdue.
        #expect(record.invoices.map(\.open) == [eur(0), eur(50_000)])
        #expect(record.invoices[1].markedOverdue)
        #expect(record.invoices[0].settledOn == day("2025-03-01"))
        #expect(record.overdueDays == [day("2025-07-10")])
        let ticket = try #require(record.tickets.first)
        #expect(ticket.status == .resolved)
        // Opened 09:00, answered 10:30, resolved next day 08:00.
        #expect(ticket.firstResponseAtMicros.map { ($0 - ticket.openedAtMicros) / 60_000_000 } == 90)
        #expect(ticket.resolvedAtMicros.map { ($0 - ticket.openedAtMicros) / 60_000_000 } == 1_380)
        #expect(record.opportunities.map(\.stage) == [.proposal])
        #expect(record.feedback.map(\.kind) == [.complaint])
        #expect(record.complaintDays == [day("2026-01-17")])
        #expect(record.nps == 6)
        // 2025: 1 000.00 + 2 000.00 + 300.00 − 300.00 (cancelled) − 200.00 (returned) = 2 800.00;
        // costs 150.00 + 50.00. 2026: 1 200.00 revenue, 100.00 cost.
        #expect(record.years.map { [$0.year, Int($0.revenue), Int($0.cost), $0.orders] }
            == [[2025, 280_000, 20_000, 2], [2026, 120_000, 10_000, 1]])
        #expect(record.recentOrderDays == [day("2025-02-01"), day("2025-06-01"), day("2026-01-15")])
        #expect(model.customer(f.person)?.orderCount == 0)
        #expect(model.leads[f.lead]?.attributes.map(\.name) == ["companySize", "budgetConfirmed"])
    }

    @Test("CLV, churn risk, segment and lead score computed by hand")
    func analytics() async throws {
        let f = try await Customer360Fixture()
        let model = try ProjectionEngine.rebuild(Customer360Model.self, store: f.test.store)
        let record = try #require(model.customer(f.account))
        let asOf = day("2026-01-31")
        let rules = CRMRules.standard
        // Margin to date: (2 800.00 − 200.00) + (1 200.00 − 100.00) = 3 700.00 over 387 active days
        // (2025-01-10 … 2026-01-31): 370 000 × 365 / 387 = 348 966.408 per year.
        #expect(abs(CustomerAnalytics.yearlyMargin(record, asOf: asOf) - 348_966.408) < 0.001)
        // Σₜ₌₁…₅ 348 966.408 / 1.08ᵗ = 348 966.408 × 3.992710 = 1 393 321.68 → 1 393 322.
        #expect(CustomerAnalytics.clv(record, rules: rules.value, asOf: asOf) == 1_393_322)
        // A young customer's margin is not projected onto a year: on 2025-03-31 (81 active days)
        // the margin is 1 000.00 − 150.00 = 850.00, over at least 365 days: 85 000 a year, not
        // 85 000 × 365 / 81 = 383 024.7; Σₜ₌₁…₅ 85 000 / 1.08ᵗ = 339 380.35 → 339 380.
        #expect(CustomerAnalytics.yearlyMargin(record, asOf: day("2025-03-31")) == 85_000)
        #expect(CustomerAnalytics.clv(record, rules: rules.value, asOf: day("2025-03-31")) == 339_380)
        // Cadence 348 / 2 = 174 d, last order 16 d ago: no gap points. One late payment (2025-07-10,
        // 205 d ago) 10 + one complaint (14 d ago) 10 = 20 < 30: low. Interactions Nov–Jan: 1,
        // Aug–Oct: 0, so no drop signal.
        let risk = CustomerAnalytics.churnRisk(record, rules: rules.churn, asOf: asOf)
        #expect(risk == ChurnRisk(score: 20, level: .low, reasons: ["1 late payment in 365 d", "1 complaint in 180 d"]))
        // Three orders in 365 days (2025-02-01 is 364 days back) ≥ 3: stable; 500 000 ≤ CLV < 2 000 000.
        #expect(CustomerAnalytics.recentOrders(record, asOf: asOf) == 3)
        #expect(CustomerAnalytics.segment(record, rules: rules, asOf: asOf) == .loyal)
        // A year later nothing new: 400 days since the last order > 2 × 174, +40 → 40 + 0 (late
        // payment now 589 d back) + 0 (complaint 398 d back) = 40 ≥ 30: medium, at risk.
        let later = day("2027-02-19")
        let laterRisk = CustomerAnalytics.churnRisk(record, rules: rules.churn, asOf: later)
        #expect(laterRisk.score == 40)
        #expect(laterRisk.level == .medium)
        #expect(laterRisk.reasons == ["order gap 400 d > 2 × cadence 174 d"])
        #expect(CustomerAnalytics.segment(record, rules: rules, asOf: later) == .atRisk)

        // Lead: trade fair 15 points from 2026-01-05 (26 d before), companySize 300 ≥ 50 (15) and
        // ≥ 250 (10), budgetConfirmed (25), engagement 5, all from 2026-01-20 (11 d before).
        // 15 × 0.5^(26/90) + (15 + 10 + 25 + 5) × 0.5^(11/90) = 12.28 + 50.53 = 62.81 → 63.
        let lead = try #require(model.leads[f.lead])
        #expect(CustomerAnalytics.leadScore(lead, rules: rules.leadScoring, asOf: asOf) == 63)
        let list = CustomerAnalytics.prioritizedLeads(model.leads.records, rules: rules.leadScoring, asOf: asOf)
        #expect(list.map(\.lead) == [f.lead])
        #expect(list.map(\.score) == [63])
    }

    @Test("the value falls only by more than fallingMinDrop; rules stored without it read as 0")
    func fallingValue() throws {
        func record(_ margins: [Int: Int64]) -> CustomerRecord {
            var record = CustomerRecord()
            record.years = margins.keys.sorted().map { year in
                var total = YearTotal()
                total.year = year
                total.revenue = margins[year]! + 10_000
                total.cost = 10_000
                return total
            }
            return record
        }
        let asOf = day("2026-03-31"), rules = ValueRules()
        #expect(rules.fallingMinDrop == 0.25)
        // 2024 → 2025: 100 000 → 80 000 is −20 %, not falling; → 74 999 is −25.001 %, falling;
        // → 75 000 is exactly −25 %, not falling. From a loss of −40 000, −50 001 falls by more
        // than 10 000 = 25 % of |−40 000|.
        #expect(!CustomerAnalytics.valueFalling(record([2024: 100_000, 2025: 80_000]), rules: rules, asOf: asOf))
        #expect(CustomerAnalytics.valueFalling(record([2024: 100_000, 2025: 74_999]), rules: rules, asOf: asOf))
        #expect(!CustomerAnalytics.valueFalling(record([2024: 100_000, 2025: 75_000]), rules: rules, asOf: asOf))
        #expect(CustomerAnalytics.valueFalling(record([2024: -40_000, 2025: -50_001]), rules: rules, asOf: asOf))
        #expect(!CustomerAnalytics.valueFalling(record([2024: -40_000, 2025: -50_000]), rules: rules, asOf: asOf))
        // Only complete years count: 2026's drop is not looked at on 2026-03-31, a single year is never falling.
        #expect(!CustomerAnalytics.valueFalling(record([2025: 100_000, 2026: 1_000]), rules: rules, asOf: asOf))
        // Any drop with 0, as before the rule existed.
        var anyDrop = rules
        anyDrop.fallingMinDrop = 0
        #expect(CustomerAnalytics.valueFalling(record([2024: 100_000, 2025: 99_999]), rules: anyDrop, asOf: asOf))
        // A segment follows: 80 000 after 100 000 with stable buying is not at risk under the standard rules.
        #expect(CustomerAnalytics.segment(record([2024: 100_000, 2025: 80_000]), rules: .standard, asOf: asOf) != .atRisk)
        // Rules stored before 0.5.0 have no fallingMinDrop: they read as 0, the way they were built.
        var json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(rules)) as! [String: Any]
        #expect(json["fallingMinDrop"] as? Double == 0.25)
        json.removeValue(forKey: "fallingMinDrop")
        let old = try JSONDecoder().decode(ValueRules.self, from: try JSONSerialization.data(withJSONObject: json))
        #expect(old == ValueRules(fallingMinDrop: 0))
    }

    @Test("ABC and RFM over several customers")
    func cohort() {
        func customer(revenue: Int64, lastOrder: String?, recent: [String]) -> CustomerRecord {
            var record = CustomerRecord()
            var year = YearTotal()
            year.year = 2026
            year.revenue = revenue
            record.years = [year]
            record.lastOrderOn = lastOrder.map(day)
            record.recentOrderDays = recent.map(day)
            record.orderDays = recent.map(day)
            record.orderCount = recent.count
            return record
        }
        let a: CustomerID = id(1), b: CustomerID = id(2), c: CustomerID = id(3), d: CustomerID = id(4), e: CustomerID = id(5)
        let customers: [CustomerID: CustomerRecord] = [
            a: customer(revenue: 600_000, lastOrder: "2026-06-01", recent: ["2026-01-01", "2026-03-01", "2026-06-01"]),
            b: customer(revenue: 250_000, lastOrder: "2026-05-01", recent: ["2026-05-01"]),
            c: customer(revenue: 100_000, lastOrder: "2026-02-01", recent: ["2026-01-15", "2026-02-01"]),
            d: customer(revenue: 50_000, lastOrder: "2026-01-01", recent: ["2026-01-01"]),
            e: customer(revenue: 0, lastOrder: nil, recent: []),
        ]
        // Total 1 000 000. Shares before each: a 0 % (A), b 60 % (B: not < 60 %), c 85 % (B), d 95 % (C).
        let abc = CustomerAnalytics.abc(customers, rules: ValueRules(), asOf: day("2026-06-30"))
        #expect(abc == [a: .a, b: .b, c: .b, d: .c, e: .c])
        // Four buyers. Recency (−days): a −29, b −60, c −149, d −180 → worse counts 3, 2, 1, 0 →
        // 1 + 5 × worse / 4: a 4, b 3, c 2, d 1. Frequency 3, 1, 2, 1 → worse 3, 0, 2, 0 → 4, 1, 3, 1.
        // Monetary 600 000 > 250 000 > 100 000 > 50 000 → 4, 3, 2, 1. e has no orders: 1, 1, 1.
        let rfm = CustomerAnalytics.rfm(customers, asOf: day("2026-06-30"))
        #expect(rfm[a]?.code == "444")
        #expect(rfm[b]?.code == "313")
        #expect(rfm[c]?.code == "232")
        #expect(rfm[d]?.code == "111")
        #expect(rfm[e]?.code == "111")
    }

    @Test("a stored record reads back without scanning the log, and equals the in-memory one")
    func storedRecord() async throws {
        let f = try await Customer360Fixture()
        let projector = try Projector<Customer360Model>(store: f.test.store, state: StateStore(environment: f.test.store.environment))
        try projector.catchUp(batchSize: 7)
        try projector.activate()
        let state = try PersistedState(state: StateStore(environment: f.test.store.environment), model: Customer360Model.name)
        #expect(try state.checkpoint() == f.test.store.head())
        let stored = try Customer360Model.stored(f.account, in: state)
        #expect(stored == projector.read { $0.customer(f.account) })
        #expect(try Customer360Model.stored(id(99), in: state) == nil)
    }
}

@Suite("Customer 360: the remaining fields and the one-page view")
struct Customer360ViewTests {
    @Test("master data, merges, erasure, quotes, contracts, escalation, lead conversion and the view's balances and SLA")
    func view() async throws {
        let f = try await Customer360Fixture()
        let t = f.test
        let duplicate: CustomerID = id(3), converted: CustomerID = id(4)
        let quote: QuoteID = id(62), contract: ContractID = id(63), t2: TicketID = id(52), i3: InvoiceID = id(43)
        try await t.run(.registerCustomer(duplicate, kind: .account, name: "Kunststoff A.G."), on: "2026-01-21")
        try await t.run(.mergeCustomers(duplicate: duplicate, survivor: f.account), on: "2026-01-22")
        try await t.run(.changeCustomerDetails(f.person, phone: "+48 22 555", address: "ul. Długa 1, Warszawa"), on: "2026-01-22")
        try await t.run(.requestErasure(f.person, channel: .letter), on: "2026-01-23")
        try await t.run(.withdrawConsent(f.account, purpose: .newsletter, channel: .email), on: "2026-01-23")
        try await t.run(.draftQuote(quote, opportunity: f.deal, lines: [OrderLine(product: "SG-3", quantity: 1, unitPrice: eur(850_000))],
                                    validUntil: day("2026-02-28")), on: "2026-01-24")
        try await t.run(.approveQuote(quote, by: f.manager), on: "2026-01-24")
        try await t.run(.sendQuote(quote, channel: .email), on: "2026-01-25")
        try await t.run(.signContract(contract, customer: f.account, value: eur(850_000), startsOn: day("2026-02-01"),
                                      endsOn: day("2026-12-31")), on: "2026-01-26")
        try await t.run(.openTicket(t2, customer: f.account, channel: .phone, priority: .urgent, category: "technical", subject: "Ausfall",
                                    slaPolicy: "premium", firstResponseTargetMinutes: 30, resolutionTargetMinutes: 240),
                        on: "2026-01-27", minutes: 600)
        try await t.run(.assignTicket(t2, to: f.agent), on: "2026-01-27", minutes: 610)
        try await t.run(.escalateTicket(t2, level: 1, reason: "no response"), on: "2026-01-27", minutes: 660)
        try await t.run(.issueInvoice(i3, customer: f.account, amount: eur(30_000), dueOn: day("2026-02-15")), on: "2026-01-28")
        try await t.run(.qualifyLead(f.lead, score: 63), on: "2026-01-28")
        try await t.run(.handOverLead(f.lead, to: f.manager), on: "2026-01-29")
        try await t.run(.convertLead(f.lead, customer: converted, kind: .account), on: "2026-01-30")

        let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: t.store)
        let person = try #require(models.customer360.customer(f.person))
        #expect(person.phone == "+48 22 555")
        #expect(person.address == "ul. Długa 1, Warszawa")
        #expect(person.erasureRequested)
        #expect(person.kind == .person)
        #expect(models.customer360.customer(duplicate)?.mergedInto == f.account)

        let account = try #require(models.customer360.customer(f.account))
        #expect(account.email == "info@kunststoff.example")
        #expect(account.phone == "+49 30 1234")
        #expect(account.industry == "plastics")
        #expect(account.employeeCount == 420)
        #expect(account.country == "DE")
        #expect(account.consents.isEmpty)
        #expect(account.quotes.map(\.status) == [.sent])
        #expect(account.quotes.first?.amount == eur(850_000))
        #expect(account.contracts.map { [$0.status.rawValue] } == [[DealStatus.active.rawValue]])
        #expect(account.contracts.first?.until == day("2026-12-31"))
        #expect(account.lastInteractionOn == day("2026-01-16"))
        // Interactions: 2025-02 (month index 2025 × 12 + 1), 2025-05, 2026-01.
        #expect(account.interactionMonths.map { [$0.month, $0.count] } == [[24_301, 1], [24_304, 1], [24_312, 1]])
        let ticket = try #require(account.tickets.last)
        #expect(ticket.assignee == f.agent)
        #expect(ticket.escalationLevel == 1)
        #expect(ticket.priority == .urgent)
        #expect(account.invoices.last?.issuedOn == day("2026-01-28"))
        #expect(account.invoices.last?.dueOn == day("2026-02-15"))

        let lead = try #require(models.customer360.leads[f.lead])
        #expect(lead.status == .converted)
        #expect(lead.handedTo == f.manager)
        #expect(lead.customer == converted)
        #expect(lead.engagementDays == [day("2026-01-20")])
        #expect(lead.source == .tradeFair)
        #expect(models.customer360.customer(converted)?.convertedFromLead == f.lead)

        // The view on 2026-02-20: open 500.00 (I2) + 300.00 (I3) = 800.00; both overdue (I2 marked,
        // I3 past its due date 2026-02-15).
        let view = try #require(models.customer360(f.account, asOf: day("2026-02-20")))
        #expect(view.openBalance == eur(80_000))
        #expect(view.overdueBalance == eur(80_000))
        // T1: answered after 90 of 120 minutes (met), resolved after 1 380 of 1 440 (met).
        // T2: no response after 30 minutes, not resolved after 240: both breached.
        #expect(view.ticketSLA.map { [$0.firstResponse.rawValue, $0.resolution.rawValue] }
            == [["met", "met"], ["breached", "breached"]])
        // Before T2's 30 minutes were up it was running: a view as of the day before.
        #expect(models.customer360(f.account, asOf: day("2026-01-26"))?.ticketSLA.last?.firstResponse == .running)
        // Orders in the 365 days up to 2026-02-20: 2025-06-01 and 2026-01-15 (2 ≥ 2) with 2 000.00 − 200.00
        // + 1 200.00 = 3 000.00 ≥ 2 000.00: growing.
        #expect(view.stage == .growingCustomer)
        // The converted customer's lead score on 2026-01-30 (as computed by hand in the analytics
        // test, 10 days later): 15 × 0.5^(25/90) + 55 × 0.5^(10/90) = 12.37 + 50.92 = 63.29 → 63.
        #expect(models.customer360(converted, asOf: day("2026-01-30"))?.leadScore == 63)
    }
}
