import CRMDomain
import Foundation

/// One customer of the simulated market: their own purchase rate and basket, a day on which
/// they silently stop buying (unless an offer brings them back), interactions, tickets,
/// opportunities with quotes and contracts, NPS answers, feedback and cost to serve.
struct CustomerAgent: Sendable {
    enum Size: Sendable { case person, account, keyAccount }

    let index: Int
    let id: CustomerID
    let kind: CustomerKind
    let size: Size
    let startDay: Double
    let fromLead: Bool
    let parameters: MarketParameters
    var rng: SeededGenerator
    var agenda = Agenda()
    /// Orders per day while buying, and the median order value in euros.
    let rate: Double, basket: Double
    /// The day the customer stops buying (`.infinity`: not within the history).
    var churnDay: Double
    var nextOrder: Double?
    var contacts: [ContactID] = []
    var contracts: [(id: ContractID, ends: Double, value: Money)] = []
    var lastBreach = -1_000.0
    var produced = 0

    init(index: Int, parameters: MarketParameters, startDay: Double, acquired: Bool, id: CustomerID? = nil,
         kind: CustomerKind? = nil, fromLead: Bool = false) {
        self.index = index
        self.parameters = parameters
        var rng = generator(seed: parameters.seed, kind: .customer, index: index)
        let generated = CustomerID(rng.uuid())
        self.id = id ?? generated
        let kind = kind ?? (rng.chance(parameters.accountShare) ? .account : .person)
        self.kind = kind
        size = kind == .person ? .person : rng.chance(parameters.keyAccountShare) ? .keyAccount : .account
        // Acquired customers start in the week after their conversion, so the conversion is in the log first.
        self.startDay = fromLead ? (startDay / 7).rounded(.down) * 7 + 7 + rng.uniform(0...3) : startDay
        self.fromLead = fromLead
        switch size {
        case .person:
            rate = rng.logNormal(median: 2.5, sigma: 0.6) / 365
            basket = min(4_000, rng.logNormal(median: 320, sigma: 0.6))
        case .account:
            rate = rng.logNormal(median: 5, sigma: 0.5) / 365
            basket = min(20_000, rng.logNormal(median: 2_400, sigma: 0.6))
        case .keyAccount:
            rate = rng.logNormal(median: 12, sigma: 0.35) / 365
            basket = min(30_000, rng.logNormal(median: 5_500, sigma: 0.45))
        }
        let hazard = parameters.yearlyChurn * (size == .keyAccount ? 0.5 : 1)
        churnDay = self.startDay + rng.exponential(mean: 365 / max(hazard, 0.0001))
        if acquired && rng.chance(0.1) {
            nextOrder = nil // registered from a lead, never ordered yet: a prospect
        } else {
            nextOrder = self.startDay + rng.exponential(mean: acquired ? 40 : 25)
        }
        self.rng = rng
    }

    func day(_ day: Double) -> CalendarDay { MarketSimulation.calendarDay(day) }
    func euros(_ value: Double) -> Money { Money(minorUnits: Int64(max(1, value.rounded())) * 100, currency: .eur) }

    mutating func add(_ command: CRMCommand, at day: Double) {
        agenda.add(command, at: day)
        produced += 1
    }

    mutating func planRegistration(_ market: MarketSimulation) {
        let name = rng.element(MarketSimulation.surnames)
        let at = startDay
        if !fromLead {
            if kind == .account {
                add(.registerCustomer(id, kind: .account, name: PersonalText("\(name) Kunststoff GmbH"), email: "info@kunde\(index).example",
                                      phone: "+49 40 \(200_000 + index)", address: "Industriestr. \(index % 90 + 1), Hamburg",
                                      industry: rng.element(["plastics", "machine building", "packaging", "automotive"]),
                                      employeeCount: Int(rng.logNormal(median: 150, sigma: 1)) + 10, country: rng.element(["DE", "DE", "AT", "CH"])),
                    at: at)
            } else {
                let complete = rng.chance(0.8)
                add(.registerCustomer(id, kind: .person, name: PersonalText("\(rng.element(["Eva", "Ali", "Mia", "Noah", "Lea", "Ben"])) \(name)"),
                                      email: "kunde\(index)@example.org", phone: complete ? "+49 30 \(100_000 + index)" : nil,
                                      address: complete ? "Musterweg \(index % 200 + 1), Berlin" : nil, country: rng.element(["DE", "DE", "AT", "CH"])),
                    at: at)
            }
        }
        if kind == .account {
            for role in [BuyingRole.decisionMaker, .technicalBuyer, .economicBuyer].prefix(size == .keyAccount ? 3 : 2) {
                let contact = ContactID(rng.uuid())
                contacts.append(contact)
                add(.addContact(id, contact: contact, name: PersonalText("\(rng.element(["Anna", "Jonas", "Lena", "Paul"])) \(rng.element(MarketSimulation.surnames))"),
                                role: role), at: at + 0.01)
            }
            add(.assignAccountManager(id, employee: market.salesperson(index)), at: at + 0.02)
        }
        if rng.chance(parameters.newsletterConsentShare) {
            add(.giveConsent(id, purpose: .newsletter, channel: .email, source: "web form double opt-in"), at: at + 0.03)
        }
        if rng.chance(parameters.marketingConsentShare) {
            add(.giveConsent(id, purpose: .marketing, channel: .email, source: "checkbox at registration"), at: at + 0.03)
        }
        if rng.chance(parameters.surveyConsentShare) {
            add(.giveConsent(id, purpose: .surveys, channel: .email, source: "checkbox at registration"), at: at + 0.03)
        }
    }

    func buying(on day: Double) -> Bool { day < churnDay }

    /// Plans what happens in [from, to).
    mutating func plan(from: Double, to: Double, market: MarketSimulation) {
        let begin = max(from, startDay + 0.05)
        guard begin < to else { return }
        let span = (to - begin) / 365
        let churned = !buying(on: begin)
        // Orders at the customer's own rate, until they stop buying.
        while let next = nextOrder, next < to {
            if buying(on: next) {
                placeOrder(at: max(next, begin), contract: nil)
                nextOrder = next + rng.exponential(mean: 1 / rate)
            } else {
                nextOrder = nil
            }
        }
        // Everyday contact; far less once they stopped buying.
        let interactions = (kind == .account ? 20.0 : 8.0) * span * parameters.activity * (churned ? 0.3 : 1)
        for _ in 0..<rng.poisson(interactions) { interaction(at: rng.uniform(begin...to - 0.01), market: market) }
        // Tickets.
        let tickets = (kind == .account ? 2.0 : 0.8) * span * (churned ? 0.2 : 1)
        for _ in 0..<rng.poisson(tickets) { ticket(at: rng.uniform(begin...to - 0.01), market: market) }
        // Opportunities.
        let deals = (size == .keyAccount ? 4.0 : size == .account ? 2.0 : 0.25) * span * (churned ? 0.1 : 1)
        for _ in 0..<rng.poisson(deals) { opportunity(at: rng.uniform(begin...to - 0.01), market: market) }
        // Feedback: complaints (more after a breached SLA), praise, suggestions.
        let complaintRate = begin - lastBreach < 60 ? 1.5 : 0.2
        for _ in 0..<rng.poisson(complaintRate * span) {
            add(.receiveFeedback(id, kind: .complaint, channel: rng.element([.email, .portal, .phone]),
                                 text: PersonalText(rng.element(["Lieferung zu spät", "Rechnung fehlerhaft", "Ware beschädigt"]))), at: rng.uniform(begin...to - 0.01))
        }
        for _ in 0..<rng.poisson(0.35 * span) {
            add(.receiveFeedback(id, kind: rng.chance(0.75) ? .praise : .suggestion, channel: rng.element([.email, .portal]),
                                 text: PersonalText(rng.element(["Sehr freundlich", "Schnelle Lieferung", "Bitte Rechnung als PDF"]))), at: rng.uniform(begin...to - 0.01))
        }
        // NPS waves every half year (customers registered a month before answer with 35 %).
        for wave in stride(from: 100.0, to: Double(parameters.days), by: 182.5) where wave >= begin && wave < to && startDay < wave - 30 {
            if rng.chance(0.35) { add(.answerNPS(id, score: npsScore(on: wave)), at: wave + rng.uniform(0...6)) }
        }
        // Account service visits.
        if kind == .account {
            for _ in 0..<rng.poisson(2 * span * (churned ? 0.2 : 1)) {
                add(.bookCostToServe(id, activity: .visit, amount: euros(rng.uniform(150...600))), at: rng.uniform(begin...to - 0.01))
            }
        }
        // Contracts: renewed while buying, terminated once they stopped.
        var kept: [(id: ContractID, ends: Double, value: Money)] = []
        for contract in contracts {
            let decision = contract.ends - 20
            guard decision < to else { kept.append(contract); continue }
            if buying(on: decision) {
                add(.renewContract(contract.id, endsOn: day(contract.ends + 365)), at: max(begin, decision))
                kept.append((contract.id, contract.ends + 365, contract.value))
            } else {
                add(.terminateContract(contract.id, reason: "Kündigung zum Laufzeitende", effectiveOn: day(contract.ends - 1)), at: max(begin, decision))
            }
        }
        contracts = kept
    }

    mutating func npsScore(on day: Double) -> Int {
        let unhappy = day - lastBreach < 120 || !buying(on: day)
        let promoter = parameters.promoters * (unhappy ? 0.5 : 1), detractor = parameters.detractors * (unhappy ? 2 : 1)
        let roll = rng.unit()
        if roll < promoter { return rng.chance(0.55) ? 9 : 10 }
        if roll < promoter + detractor { return Int(rng.next() % 7) }
        return rng.chance(0.5) ? 7 : 8
    }

    mutating func lines(total: Double) -> [OrderLine] {
        let choices = MarketSimulation.products.filter { kind == .account || !$0.forAccounts }
        let count = Int(rng.next() % 3) + 1
        return (0..<count).map { _ in
            let product = rng.element(choices)
            let price = product.price * rng.uniform(0.92...1.05)
            let quantity = max(1, Int((total / Double(count) / price).rounded()))
            return OrderLine(product: product.name, quantity: quantity, unitPrice: euros(price))
        }
    }

    mutating func placeOrder(at day: Double, contract: ContractID?, lines given: [OrderLine]? = nil) {
        let order = OrderID(rng.uuid()), invoice = InvoiceID(rng.uuid())
        let lines = given ?? lines(total: rng.logNormal(median: basket, sigma: 0.35))
        let total = lines.reduce(Int64(0)) { $0 + ($1.netAmount ?? 0) }
        let amount = Money(minorUnits: total, currency: .eur)
        add(.placeOrder(order, customer: id, lines: lines, channel: kind == .account ? rng.element([.portal, .email, .phone]) : rng.element([.web, .web, .phone]),
                        contract: contract), at: day)
        let shipped = day + rng.uniform(0.3...2)
        add(.shipOrder(order, carrier: rng.element(["DHL", "DB Schenker", "UPS"])), at: shipped)
        add(.deliverOrder(order), at: shipped + rng.uniform(0.8...4))
        add(.issueInvoice(invoice, customer: id, order: order, amount: amount, dueOn: self.day(shipped + 30)), at: shipped + 0.01)
        if rng.chance(parameters.latePaymentShare) {
            add(.markInvoiceOverdue(invoice), at: shipped + 32)
            add(.recordPayment(invoice, amount: amount, method: .bankTransfer), at: shipped + rng.uniform(40...75))
        } else {
            add(.recordPayment(invoice, amount: amount, method: kind == .account ? rng.element([.bankTransfer, .directDebit]) : rng.element([.card, .directDebit, .bankTransfer])),
                at: shipped + rng.uniform(2...28))
        }
        add(.bookCostToServe(id, activity: .delivery, amount: euros(max(8, Double(total) / 100 * 0.015))), at: shipped + 0.02)
    }

    mutating func interaction(at day: Double, market: MarketSimulation) {
        let channel: Channel = kind == .account ? rng.element([.email, .email, .phone, .visit, .portal, .chat])
            : rng.element([.email, .web, .newsletter, .phone, .chat, .whatsApp])
        add(.recordInteraction(InteractionID(rng.uuid()), customer: id, channel: channel, direction: rng.chance(0.5) ? .inbound : .outbound,
                               employee: channel == .portal || channel == .newsletter || channel == .web ? nil : market.salesperson(index &+ Int(rng.next() % 3)),
                               contact: contacts.isEmpty ? nil : rng.element(contacts), durationSeconds: Int(rng.logNormal(median: 300, sigma: 0.8)),
                               subject: rng.element(["Angebot", "Liefertermin", "Rechnung", "Beratung", "Produktfrage"])), at: day)
    }

    mutating func ticket(at day: Double, market: MarketSimulation) {
        let ticket = TicketID(rng.uuid())
        let agent = market.agent(index &+ Int(rng.next() % 5))
        add(.openTicket(ticket, customer: id, channel: rng.element([.phone, .email, .chat, .whatsApp, .portal]),
                        priority: rng.element([.low, .normal, .normal, .normal, .high, .urgent]), category: rng.element(["delivery", "billing", "technical"]),
                        subject: PersonalText("Anfrage \(produced)"), slaPolicy: "standard", firstResponseTargetMinutes: 120,
                        resolutionTargetMinutes: 2_880), at: day)
        add(.assignTicket(ticket, to: agent), at: day + 0.002)
        let respondedInTime = rng.chance(parameters.respondedInTime), resolvedInTime = rng.chance(parameters.resolvedInTime)
        let response = respondedInTime ? min(115, rng.logNormal(median: 30, sigma: 0.8)) : rng.uniform(125...600)
        add(.respondToTicket(ticket, by: agent, channel: .email), at: day + response / 1_440)
        let resolution = resolvedInTime ? max(response / 1_440 + 0.01, rng.uniform(0.05...1.9)) : rng.uniform(2.1...6)
        add(.resolveTicket(ticket, firstContactResolution: resolution < 0.3 || rng.chance(0.6)), at: day + resolution)
        add(.closeTicket(ticket), at: day + resolution + 3)
        if !respondedInTime || !resolvedInTime { lastBreach = day }
    }

    mutating func opportunity(at day: Double, market: MarketSimulation) {
        let opportunity = OpportunityID(rng.uuid())
        let product = rng.element(MarketSimulation.products.filter { kind == .account || !$0.forAccounts })
        let value = kind == .account ? min(250_000, rng.logNormal(median: size == .keyAccount ? 40_000 : 18_000, sigma: 0.7))
            : min(15_000, rng.logNormal(median: 3_500, sigma: 0.5))
        let amount = euros(value)
        let owner = market.salesperson(index)
        // Plan the whole course first: the stage it reaches and when it ends.
        let stages: [PipelineStage] = [.prospecting, .qualification, .needsAnalysis, .proposal, .negotiation]
        let durations: [ClosedRange<Double>] = [4...12, 7...20, 7...21, 10...25, 7...30]
        let probabilities = [10, 20, 40, 60, 80]
        var moves: [(PipelineStage, Double)] = [(.prospecting, day)]
        var at = day
        var won = true
        for (step, survival) in parameters.stageSurvival.enumerated() {
            at += rng.uniform(durations[step])
            guard rng.chance(survival) else { won = false; break }
            if step + 1 < stages.count { moves.append((stages[step + 1], at)) }
        }
        let end = at
        // One deal in ten slips: its expected close date passes while it is open.
        let expectedClose = rng.chance(0.1) ? max(day + 10, end - rng.uniform(10...40)) : end + rng.uniform(3...20)
        add(.openOpportunity(opportunity, customer: id, title: "\(product.name.split(separator: " ").first!) Projekt \(produced)",
                             expectedRevenue: amount, expectedCloseOn: self.day(expectedClose), probability: 10, product: product.name,
                             owner: owner, stage: .prospecting), at: day)
        var quote: QuoteID?
        for (stage, when) in moves.dropFirst() {
            add(.moveOpportunity(opportunity, to: stage), at: when)
            add(.changeOpportunityProbability(opportunity, probability: probabilities[Int(stage.rawValue) - 1]), at: when + 0.001)
            if stage == .proposal {
                let id = QuoteID(rng.uuid())
                quote = id
                let unit = euros(value)
                add(.draftQuote(id, opportunity: opportunity, lines: [OrderLine(product: product.name, quantity: 1, unitPrice: unit)],
                                validUntil: self.day(end + 21)), at: when + 0.01)
                add(.approveQuote(id, by: market.salesperson(index + 1)), at: when + rng.uniform(0.5...2))
                add(.sendQuote(id, channel: .email), at: when + 2.5)
            }
        }
        if won {
            if let quote { add(.acceptQuote(quote), at: end - 0.01) }
            add(.winOpportunity(opportunity, amount: amount), at: end)
            var contract: ContractID?
            if kind == .account {
                let id = ContractID(rng.uuid())
                contract = id
                add(.signContract(id, customer: self.id, quote: quote, value: amount, startsOn: self.day(end + 1), endsOn: self.day(end + 366)), at: end + 0.01)
                contracts.append((id, end + 366, amount))
            }
            placeOrder(at: end + 1.1, contract: contract, lines: [OrderLine(product: product.name, quantity: 1, unitPrice: amount)])
        } else {
            let reason = rng.element(["Preis", "Zeitpunkt", "Produkt passt nicht", "kein Budget"])
            let competitor = rng.chance(0.6) ? rng.element(MarketSimulation.competitors) : nil
            if let quote { add(.rejectQuote(quote, reason: reason, competitor: competitor), at: end - 0.01) }
            add(.loseOpportunity(opportunity, reason: reason, competitor: competitor), at: end)
        }
    }

    /// A reaction of the closed loop reached the customer on `day`.
    mutating func react(to reaction: MarketSimulation.Reaction, on day: Double) {
        switch reaction {
        case .retention:
            guard rng.chance(parameters.retentionResponse) else { return }
            comeBack(on: day, resume: !buying(on: day) && rng.chance(parameters.comeback))
        case .winBack:
            guard rng.chance(parameters.comeback) else { return }
            comeBack(on: day, resume: true)
        case .crossSelling:
            guard buying(on: day), rng.chance(0.2) else { return }
            placeOrder(at: day + rng.uniform(3...20), contract: nil)
        case .leadHandedOver:
            return
        }
    }

    /// An order within a few weeks; `resume` starts regular buying again.
    mutating func comeBack(on day: Double, resume: Bool) {
        let order = day + rng.uniform(2...30)
        if resume {
            churnDay = order + rng.exponential(mean: 365 / max(parameters.yearlyChurn, 0.0001))
            nextOrder = order
        } else if buying(on: order) {
            nextOrder = min(nextOrder ?? order, order)
        } else {
            placeOrder(at: order, contract: nil)
        }
    }
}
