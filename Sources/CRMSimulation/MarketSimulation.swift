import CRMDomain
import Foundation

/// The simulated market, week by week: customers who buy at their own rates and may stop
/// (and some come back), campaigns that bring leads (scored, qualified, handed over, converted
/// or disqualified), opportunities through every stage with quotes and contracts, tickets
/// mostly answered within their SLA, NPS answers, feedback, consent and cost to serve.
///
/// The simulation only plans commands; ``DemoWorld`` appends them and runs the closed loop
/// after every week, telling the simulation what it did (``respond(to:at:)``) so customers can
/// react to offers. The model and its parameters are described in docs/simulation.md.
public struct MarketSimulation: Sendable {
    /// Day 0 of every history: 2023-11-01.
    public static let start = Date(timeIntervalSince1970: 1_698_796_800)

    /// What the closed loop did to a customer or lead, as far as the simulation cares.
    public enum Reaction: Sendable, Hashable {
        /// A retention offer or an account manager's call reached the customer.
        case retention(CustomerID)
        /// A win-back offer reached a lost customer.
        case winBack(CustomerID)
        /// A cross-selling offer reached the customer.
        case crossSelling(CustomerID)
        /// The policy qualified the lead and handed it over to sales.
        case leadHandedOver(LeadID)
    }

    /// A product of the price list.
    struct Product { let name: String; let price: Double; let forAccounts: Bool }
    static let products = [
        Product(name: "GR-1 Granulat (25 kg)", price: 89, forAccounts: false),
        Product(name: "FO-2 Folie (Rolle)", price: 145, forAccounts: false),
        Product(name: "SV-12 Service-Paket", price: 1_200, forAccounts: false),
        Product(name: "SG-3 Spritzgusswerkzeug", price: 4_900, forAccounts: true),
        Product(name: "PR-4000 Presse", price: 24_000, forAccounts: true),
    ]
    static let surnames = ["Müller", "Schmidt", "Nowak", "Yılmaz", "Rossi", "García", "Dubois", "Kowalski", "Jensen", "Novák",
                           "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"]
    static let competitors = ["PolyCorp", "Plastix", "Kunststoffwerk Nord"]

    /// The parameters.
    public let parameters: MarketParameters
    /// The employees (registered by ``staffCommands()``).
    public let employees: [EmployeeID]
    let sales: [EmployeeID], service: [EmployeeID]
    var customers: [CustomerAgent] = []
    var customerIndex: [CustomerID: Int] = [:]
    var leads: [LeadAgent] = []
    var leadIndex: [LeadID: Int] = [:]
    var campaigns: [CampaignID] = []
    var marketing = Agenda()
    var rng: SeededGenerator

    /// A market of `parameters.customers` customers.
    public init(parameters: MarketParameters) {
        self.parameters = parameters
        var staffRandom = generator(seed: parameters.seed, kind: .employee, index: 0)
        employees = (0..<24).map { _ in EmployeeID(staffRandom.uuid()) }
        sales = employees.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        service = employees.enumerated().filter { $0.offset % 3 == 1 }.map(\.element)
        rng = generator(seed: parameters.seed, kind: .campaign, index: -1)
        let initial = Int((Double(parameters.customers) * parameters.initialShare).rounded())
        for index in 0..<initial {
            var agent = CustomerAgent(index: index, parameters: parameters, startDay: rng.uniform(0...120), acquired: false)
            agent.planRegistration(self)
            append(agent)
        }
        // Leads: enough over the first 33 months that those who convert make up the rest.
        let acquired = max(0, parameters.customers - initial)
        let leadCount = Int((Double(acquired) * parameters.leadsPerAcquisition).rounded())
        var converting = Array(repeating: false, count: leadCount)
        var order = Array(0..<leadCount)
        for i in stride(from: leadCount - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        for i in order.prefix(acquired) { converting[i] = true }
        let lastCapture = Double(parameters.days) - 75
        for index in 0..<leadCount {
            let day = 14 + Double(index) / Double(max(leadCount, 1)) * (lastCapture - 14) + rng.uniform(0...6)
            let lead = LeadAgent(index: index, parameters: parameters, captureDay: day, converts: converting[index])
            leadIndex[lead.id] = leads.count
            leads.append(lead)
        }
    }

    mutating func append(_ agent: CustomerAgent) {
        customerIndex[agent.id] = customers.count
        customers.append(agent)
    }

    /// The context of a command at `day` (days after ``start``) by `actor`.
    public static func context(_ day: Double, actor: String = "demo") -> CommandContext {
        CommandContext(actor: actor, occurredAt: start.addingTimeInterval(day * 86_400))
    }

    static func calendarDay(_ day: Double) -> CalendarDay { CalendarDay(containing: start.addingTimeInterval(day * 86_400)) }

    /// The weeks of the history.
    public var weeks: Int { (parameters.days + 6) / 7 }

    /// The business time of the closed loop's run at the end of week `week`.
    public func loopTime(afterWeek week: Int) -> Date {
        Self.start.addingTimeInterval((Double(min((week + 1) * 7, parameters.days)) - 0.25) * 86_400)
    }

    /// The staff: 24 employees (sales, service, marketing) registered on day 0, CRM training
    /// for four in five, an employee survey every quarter.
    public func staffCommands() -> [(CRMCommand, CommandContext)] {
        var random = generator(seed: parameters.seed, kind: .employee, index: 1)
        var commands: [(CRMCommand, CommandContext)] = []
        for (index, employee) in employees.enumerated() {
            commands.append((.registerEmployee(employee, name: PersonalText("Mitarbeiter \(index + 1)"),
                                               role: ["sales", "service", "marketing"][index % 3], team: "Team \(index % 4 + 1)"),
                             Self.context(0)))
            commands.append((.completeTraining(employee, course: "CRM Basics", crmTraining: index % 5 != 0), Self.context(Double(index) / 4)))
            for quarter in 0..<(parameters.days / 91) {
                commands.append((.answerEmployeeSurvey(employee, satisfaction: Int(random.next() % 3) + 3,
                                                       crmSatisfaction: Int(random.next() % 4) + 2),
                                 Self.context(Double(quarter * 91 + 45))))
            }
        }
        return commands
    }

    /// The commands of week `week` in lanes: the first lane (campaigns) must be appended before
    /// the others; each further lane is one customer's or lead's commands in order, and lanes
    /// may be appended concurrently.
    public mutating func plan(week: Int) -> [[(CRMCommand, CommandContext)]] {
        let from = Double(week * 7), to = Double(min((week + 1) * 7, parameters.days))
        planCampaigns(from: from, to: to)
        var lanes: [[(CRMCommand, CommandContext)]] = [marketing.take(before: to).map { ($0.command, Self.context($0.day)) }]
        for index in leads.indices {
            guard leads[index].captureDay < to, !leads[index].done || !leads[index].agenda.isEmpty else { continue }
            var lead = leads[index]
            lead.plan(from: from, to: to, market: self)
            if let customer = lead.newCustomer {
                lead.newCustomer = nil
                var agent = CustomerAgent(index: customers.count, parameters: parameters, startDay: lead.convertedDay + 0.01, acquired: true,
                                          id: customer, kind: lead.kind, fromLead: true)
                agent.planRegistration(self)
                append(agent)
            }
            let due = lead.agenda.take(before: to)
            leads[index] = lead
            if !due.isEmpty { lanes.append(due.map { ($0.command, Self.context($0.day)) }) }
        }
        for index in customers.indices where customers[index].startDay < to {
            var agent = customers[index]
            agent.plan(from: from, to: to, market: self)
            let due = agent.agenda.take(before: to)
            customers[index] = agent
            if !due.isEmpty { lanes.append(due.map { ($0.command, Self.context($0.day)) }) }
        }
        return lanes
    }

    /// Campaigns: one a quarter (trade fair, webinar, web form, newsletter), planned, launched,
    /// costs booked monthly, closed at the quarter's end.
    mutating func planCampaigns(from: Double, to: Double) {
        let quarter = Int(from / 91)
        guard campaigns.count <= quarter, Double(quarter) * 91 < Double(parameters.days) - 60 else { return }
        var random = generator(seed: parameters.seed, kind: .campaign, index: quarter)
        let campaign = CampaignID(random.uuid())
        campaigns.append(campaign)
        let start = Double(quarter * 91)
        let kinds: [(String, Channel, Double)] = [("Fachmesse K", .visit, 40_000), ("Webinar Kreislaufwirtschaft", .web, 8_000),
                                                    ("Frühjahrsaktion Web", .web, 15_000), ("Newsletter Neukunden", .newsletter, 5_000)]
        let (name, channel, budget) = kinds[quarter % kinds.count]
        let scale = max(0.2, Double(parameters.customers) / 5_000)
        let money = Money(minorUnits: Int64(budget * scale) * 100, currency: .eur)
        marketing.add(.planCampaign(campaign, name: "\(name) \(quarter / 4 + 2024)", goal: "Neukunden gewinnen", segment: "Industrie DACH",
                                    channel: channel, budget: money, startsOn: Self.calendarDay(start), endsOn: Self.calendarDay(start + 90)),
                      at: max(from, start))
        marketing.add(.launchCampaign(campaign), at: max(from, start) + 0.1)
        for month in 0..<3 {
            marketing.add(.bookCampaignCost(campaign, amount: Money(minorUnits: Int64(budget * scale / 3 * random.uniform(0.85...1.1)) * 100,
                                                                    currency: .eur), note: "Monat \(month + 1)"),
                          at: start + Double(month * 30) + 2)
        }
        marketing.add(.closeCampaign(campaign, summary: "abgeschlossen"), at: start + 90.5)
    }

    /// The campaign running on `day`, if any.
    func campaign(on day: Double) -> CampaignID? {
        let quarter = Int(day / 91)
        return quarter < campaigns.count ? campaigns[quarter] : nil
    }

    /// Tells the simulation what the closed loop did, so customers and leads react from the
    /// next week on.
    public mutating func respond(to reactions: [Reaction], at date: Date) {
        let day = date.timeIntervalSince(Self.start) / 86_400
        for reaction in reactions {
            switch reaction {
            case .retention(let customer), .winBack(let customer), .crossSelling(let customer):
                guard let index = customerIndex[customer] else { continue }
                customers[index].react(to: reaction, on: day)
            case .leadHandedOver(let lead):
                guard let index = leadIndex[lead] else { continue }
                leads[index].handedOver(on: day, byPolicy: true)
            }
        }
    }

    /// A sales employee (by a number, so the same thing gets the same person).
    func salesperson(_ number: Int) -> EmployeeID { sales[abs(number) % sales.count] }
    /// A service employee.
    func agent(_ number: Int) -> EmployeeID { service[abs(number) % service.count] }
}

/// One lead: captured from a campaign, attributes recorded (the input of the policy's score),
/// handed over by the policy or by a person, then converted or disqualified (or still open).
struct LeadAgent: Sendable {
    let index: Int
    let id: LeadID
    let captureDay: Double
    let converts: Bool
    let kind: CustomerKind
    var rng: SeededGenerator
    var agenda = Agenda()
    var captured = false
    var done = false
    var handedOver = false
    var newCustomer: CustomerID?
    var convertedDay = 0.0
    var decisionDay: Double?

    init(index: Int, parameters: MarketParameters, captureDay: Double, converts: Bool) {
        self.index = index
        var rng = generator(seed: parameters.seed, kind: .lead, index: index)
        id = LeadID(rng.uuid())
        self.captureDay = captureDay
        self.converts = converts
        kind = rng.chance(parameters.accountShare) ? .account : .person
        self.rng = rng
    }

    mutating func plan(from: Double, to: Double, market: MarketSimulation) {
        if !captured {
            captured = true
            let source: LeadSource = rng.element([.tradeFair, .webinar, .webForm, .webForm, .referral, .newsletter])
            let name = "\(rng.element(["Anna", "Jonas", "Lena", "Paul", "Sofia", "Elias"])) \(rng.element(MarketSimulation.surnames))"
            agenda.add(.captureLead(id, source: source, campaign: market.campaign(on: captureDay), name: PersonalText(name),
                                    email: PersonalText("lead\(index)@example.net"), company: kind == .account ? "\(name.split(separator: " ").last!) GmbH" : nil),
                       at: captureDay)
            // Converting leads look better on paper, but not always.
            let warm = converts ? 0.75 : 0.4
            var attributes = [LeadAttribute(name: "companySize", value: "\(kind == .account ? Int(rng.logNormal(median: 180, sigma: 1)) : Int(rng.uniform(1...40)))"),
                              LeadAttribute(name: "webVisits", value: "\(rng.poisson(rng.chance(warm) ? 7 : 2))"),
                              LeadAttribute(name: "newsletter", value: rng.chance(0.5) ? "yes" : "no")]
            if rng.chance(warm * 0.8) { attributes.append(LeadAttribute(name: "budgetConfirmed", value: "yes")) }
            agenda.add(.recordLeadAttributes(id, attributes: attributes), at: captureDay + rng.uniform(0.5...6))
            if rng.chance(warm) {
                agenda.add(.recordLeadAttributes(id, attributes: [LeadAttribute(name: "webinarAttended", value: "yes")]),
                           at: captureDay + rng.uniform(7...20))
            }
            // People look at leads the policy did not hand over after three to five weeks.
            decisionDay = captureDay + rng.uniform(21...35)
        }
        if !handedOver, !done, let decision = decisionDay, decision < to {
            decisionDay = nil
            if converts {
                let seller = market.salesperson(index)
                agenda.add(.qualifyLead(id), at: decision)
                agenda.add(.handOverLead(id, to: seller), at: decision + 0.1)
                handedOver(on: decision + 0.1, byPolicy: false)
            } else if rng.chance(0.15) {
                // Looked promising, then dropped (the domain disqualifies only open or qualified
                // leads, and the loop may hand a qualified one over any week, so at once).
                agenda.add(.disqualifyLead(id, reason: rng.element(["kein Budget", "Wettbewerber", "Projekt verschoben"])), at: decision)
                done = true
            } else if rng.chance(0.8) {
                agenda.add(.disqualifyLead(id, reason: rng.element(["kein Budget", "keine Rückmeldung", "kein Bedarf", "Wettbewerber"])), at: decision)
                done = true
            }
        }
    }

    mutating func handedOver(on day: Double, byPolicy: Bool) {
        guard !handedOver, !done else { return }
        handedOver = true
        done = true
        // Not before the lead's attributes and webinar are recorded (the domain closes a
        // converted lead).
        let decision = max(day + rng.uniform(10...45), captureDay + 21)
        if converts {
            let customer = CustomerID(rng.uuid())
            agenda.add(.convertLead(id, customer: customer, kind: kind), at: decision)
            newCustomer = customer
            convertedDay = decision
        }
        // A lead the policy handed over that does not convert stays with sales (handed over):
        // the domain does not disqualify a lead after its hand-over.
    }
}
