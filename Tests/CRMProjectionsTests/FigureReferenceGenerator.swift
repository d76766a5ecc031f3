import CRMDomain
import CRMEventLog
import CRMProjections
import Foundation
import TestSupport

// The random CRM histories of the differential test (FigureReferenceTests), run through the commands.

/// Runs a random history through the commands: 2024-01-01 onwards, ~130 commands, with late
/// and same-day events, boundary times (00:00, 23:59, exactly on SLA deadlines), cancellations,
/// returns, merges, EUR and USD, reopened tickets, contracts, overdue invoices and complaints.
struct HistoryMaker {
    var random: SeededRandom
    let handler: CommandHandler
    var cursor: Int64 = 19_723 * 1_440   // minutes since 1970: 2024-01-01 00:00
    var counter: UInt16 = 0
    var customers: [(id: CustomerID, minute: Int64)] = []
    var orders: [(id: OrderID, customer: CustomerID, minute: Int64, total: Money, stage: Int)] = []   // 0 placed 1 shipped 2 delivered 3 cancelled 4 returned
    var invoices: [(id: InvoiceID, minute: Int64, amount: Money, paid: Int64)] = []
    var tickets: [(id: TicketID, minute: Int64, targets: (Int, Int), stage: Int, last: Int64)] = []   // 0 open 1 answered 2 resolved 3 reopened 4 closed
    var contracts: [(id: ContractID, minute: Int64)] = []
    var opportunities: [(id: OpportunityID, opened: Int64, last: Int64, currency: CurrencyCode, closed: Bool)] = []
    var quotes: [(id: QuoteID, last: Int64, stage: Int)] = []   // 0 drafted 1 approved 2 sent 3 decided or expired
    var employees: [(id: EmployeeID, minute: Int64)] = []   // those still employed
    var leads: [(id: LeadID, minute: Int64, stage: Int)] = []   // 0 open 1 qualified 2 converted
    var campaigns: [(id: CampaignID, minute: Int64)] = []

    /// A campaign for a lead or an opportunity, half of the time when there is one.
    mutating func someCampaign() -> CampaignID? {
        campaigns.isEmpty || random.chance(50) ? nil : campaigns[random.int(campaigns.count)].id
    }

    mutating func identifier<K>(_ kind: UInt8) -> Identifier<K> {
        counter += 1
        return Identifier(UUID(uuid: (kind, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UInt8(counter >> 8), UInt8(counter & 0xFF))))
    }

    /// A business time not before `base`: usually the cursor, sometimes late (between base and
    /// the cursor), sometimes at a day's first or last minute.
    mutating func time(after base: Int64) -> Int64 {
        var minute = cursor
        if random.chance(18), cursor > base { minute = base + Int64(random.int(Int(cursor - base) + 1)) }
        if random.chance(12) {
            let day = minute / 1_440 * 1_440
            minute = random.chance(50) ? day : day + 1_439
        }
        return max(base, minute)
    }

    /// Runs `command` at `minute`; in a day's last minute of every other day, at the day's last
    /// microsecond (23:59:59.999999) — except a ticket's opening, whose deadlines the generator
    /// hits to the minute.
    func run(_ command: CRMCommand, at minute: Int64) async throws -> Bool {
        var micros = minute * 60_000_000
        if minute % 1_440 == 1_439, minute / 1_440 % 2 == 0 {
            if case .openTicket = command {} else { micros += 59_999_999 }
        }
        let date = Micros.date(micros)
        do {
            _ = try await handler.execute(command, context: CommandContext(actor: "reference", occurredAt: date))
            return true
        } catch is DomainRuleError {
            return false
        }
    }

    mutating func money(_ minor: Int) -> Money { Money(minorUnits: Int64(minor), currency: random.chance(15) ? .usd : .eur) }

    mutating func step() async throws {
        cursor += Int64(random.int(3) == 0 ? 0 : random.int(6 * 1_440))
        let roll = random.int(100)
        if customers.count < 2 || (roll < 6 && customers.count < 9) {
            let c: CustomerID = identifier(1)
            let account = random.chance(40)
            let at = cursor
            if try await run(.registerCustomer(c, kind: account ? .account : .person, name: "N",
                                               email: random.chance(70) ? "e" : nil, phone: random.chance(50) ? "p" : nil,
                                               address: random.chance(70) ? "a" : nil, industry: random.chance(50) ? "i" : nil,
                                               country: random.chance(80) ? "DE" : nil), at: at) {
                customers.append((c, at))
            }
            return
        }
        let customer = customers[random.int(customers.count)]
        if random.chance(22) {
            try await salesStep(customer)
            return
        }
        if random.chance(25) {
            try await peopleStep()
            return
        }
        switch roll {
        case 6..<30:
            let o: OrderID = identifier(2)
            let total = money(50_000 + random.int(11) * 50_000)
            let at = time(after: customer.minute)
            if try await run(.placeOrder(o, customer: customer.id, lines: [OrderLine(product: "P", quantity: 1, unitPrice: total)],
                                         channel: .web), at: at) {
                orders.append((o, customer.id, at, total, 0))
            }
        case 30..<45 where !orders.isEmpty:
            let i = random.int(orders.count)
            let order = orders[i]
            let at = time(after: order.minute)
            switch order.stage {
            case 0 where random.chance(40):
                if try await run(.cancelOrder(order.id, reason: "r"), at: at) { orders[i].stage = 3 }
            case 0:
                if try await run(.shipOrder(order.id), at: at) { orders[i] = (order.id, order.customer, at, order.total, 1) }
            case 1:
                if try await run(.deliverOrder(order.id), at: at) { orders[i] = (order.id, order.customer, at, order.total, 2) }
            case 2:
                let amount = Money(minorUnits: order.total.minorUnits / 4, currency: order.total.currency)
                if try await run(.returnOrder(order.id, amount: amount, reason: "r"), at: at) { orders[i].stage = 4 }
            default: break
            }
        case 45..<53:
            let v: InvoiceID = identifier(3)
            let at = time(after: customer.minute)
            let amount = money(10_000 + random.int(50) * 1_000)
            let due = CalendarDay(daysSince1970: Int32(at / 1_440) + Int32([0, 14, 30][random.int(3)]))!
            if try await run(.issueInvoice(v, customer: customer.id, amount: amount, dueOn: due), at: at) {
                invoices.append((v, at, amount, 0))
            }
        case 53..<60 where !invoices.isEmpty:
            let i = random.int(invoices.count)
            let invoice = invoices[i]
            let at = time(after: invoice.minute)
            if random.chance(30) {
                _ = try await run(.markInvoiceOverdue(invoice.id), at: at)
            } else {
                let part = random.chance(50) ? invoice.amount.minorUnits - invoice.paid : (invoice.amount.minorUnits - invoice.paid) / 2
                if part > 0, try await run(.recordPayment(invoice.id, amount: Money(minorUnits: part, currency: invoice.amount.currency),
                                                          method: .bankTransfer), at: at) {
                    invoices[i].paid += part
                }
            }
        case 60..<67:
            let t: TicketID = identifier(4)
            let at = time(after: customer.minute)
            let targets = random.chance(50) ? (60, 480) : (120, 1_440)
            if try await run(.openTicket(t, customer: customer.id, channel: random.chance(50) ? .email : .phone, priority: .normal, category: "c", subject: "s",
                                         slaPolicy: "p", firstResponseTargetMinutes: targets.0, resolutionTargetMinutes: targets.1), at: at) {
                tickets.append((t, at, targets, 0, at))
            }
        case 67..<76 where !tickets.isEmpty:
            let i = random.int(tickets.count)
            let ticket = tickets[i]
            switch ticket.stage {
            case 0:
                // Exactly on the deadline, a minute after, or any time.
                let pick = random.int(3)
                let at = pick == 0 ? ticket.minute + Int64(ticket.targets.0) : pick == 1 ? ticket.minute + Int64(ticket.targets.0) + 1
                    : time(after: ticket.minute)
                if try await run(.respondToTicket(ticket.id, by: id(9), channel: .email), at: at) { tickets[i].stage = 1; tickets[i].last = at }
            case 1, 3:
                // A ticket's own events are recorded in business order (the first resolution is
                // the earliest); exactly on the resolution deadline when that is still ahead.
                let deadline = ticket.minute + Int64(ticket.targets.1)
                let at = ticket.stage == 1 && deadline >= ticket.last && random.chance(30) ? deadline : time(after: ticket.last)
                if try await run(.resolveTicket(ticket.id, firstContactResolution: random.chance(50)), at: at) {
                    tickets[i].stage = 2; tickets[i].last = at
                }
            case 2 where random.chance(30):
                let at = time(after: ticket.last)
                if try await run(.closeTicket(ticket.id), at: at) { tickets[i].stage = 4; tickets[i].last = at }
            case 2:
                let at = time(after: ticket.last)
                if try await run(.reopenTicket(ticket.id, reason: "again"), at: at) { tickets[i].stage = 3; tickets[i].last = at }
            default: break
            }
        case 76..<82:
            _ = try await run(.answerNPS(customer.id, score: random.int(11)), at: time(after: customer.minute))
        case 82..<86:
            _ = try await run(.changeCustomerDetails(customer.id, email: random.chance(50) ? "e2" : nil, phone: random.chance(50) ? "p2" : nil,
                                                     address: random.chance(30) ? "a2" : nil, industry: random.chance(30) ? "i2" : nil,
                                                     country: random.chance(30) ? "AT" : nil), at: time(after: customer.minute))
        case 86..<90:
            _ = try await run(.recordInteraction(identifier(5), customer: customer.id, channel: Channel.allCases[random.int(Channel.allCases.count)],
                                                 direction: random.chance(50) ? .inbound : .outbound),
                              at: time(after: customer.minute))
        case 90..<92:
            _ = try await run(.receiveFeedback(customer.id, kind: .complaint, channel: .email, text: "bad"), at: time(after: customer.minute))
        case 92..<94:
            _ = try await run(.bookCostToServe(customer.id, activity: random.chance(50) ? .sales : .service, amount: money(1_000 + random.int(20_000))),
                              at: time(after: customer.minute))
        case 94..<96:
            let k: ContractID = identifier(6)
            let at = time(after: customer.minute)
            let start = CalendarDay(daysSince1970: Int32(at / 1_440))!
            if try await run(.signContract(k, customer: customer.id, value: money(100_000), startsOn: start, endsOn: start.adding(days: 365)), at: at) {
                contracts.append((k, at))
            }
        case 96..<98 where !contracts.isEmpty:
            let contract = contracts.remove(at: random.int(contracts.count))
            let at = time(after: contract.minute)
            _ = try await run(.terminateContract(contract.id, reason: "end", effectiveOn: CalendarDay(daysSince1970: Int32(at / 1_440))!), at: at)
        case 98..<100 where customers.count > 2:
            let i = random.int(customers.count)
            let duplicate = customers.remove(at: i)
            let survivor = customers[random.int(customers.count)]
            _ = try await run(.mergeCustomers(duplicate: duplicate.id, survivor: survivor.id), at: time(after: max(duplicate.minute, survivor.minute)))
        default:
            break
        }
    }
}

extension HistoryMaker {
    /// Employees (joining, leaving, CRM and other trainings, surveys) and leads (captured from
    /// every source, attribute batches recorded late and on the same day, qualified, converted
    /// into customers).
    mutating func peopleStep() async throws {
        let roll = random.int(100)
        if random.chance(12) {
            try await campaignStep()
            return
        }
        switch roll {
        case 0..<8:
            let e: EmployeeID = identifier(10)
            if try await run(.registerEmployee(e, name: "E", role: "sales"), at: cursor) { employees.append((e, cursor)) }
        case 8..<11 where !employees.isEmpty:
            let employee = employees.remove(at: random.int(employees.count))
            _ = try await run(.recordEmployeeLeft(employee.id), at: time(after: employee.minute))
        case 11..<20 where !employees.isEmpty:
            let employee = employees[random.int(employees.count)]
            _ = try await run(.completeTraining(employee.id, course: "c", crmTraining: random.chance(60)), at: time(after: employee.minute))
        case 20..<30 where !employees.isEmpty:
            let employee = employees[random.int(employees.count)]
            _ = try await run(.answerEmployeeSurvey(employee.id, satisfaction: 1 + random.int(5)), at: time(after: employee.minute))
        case 30..<44:
            let l: LeadID = identifier(11)
            let source = LeadSource.allCases[random.int(LeadSource.allCases.count)]
            if try await run(.captureLead(l, source: source, campaign: someCampaign(), name: "L"), at: cursor) { leads.append((l, cursor, 0)) }
        case 44..<72 where leads.contains(where: { $0.stage < 2 }):
            let lead = leads.filter { $0.stage < 2 }[random.int(leads.filter { $0.stage < 2 }.count)]
            let choices: [(String, [String])] = [("companySize", ["10", "50", "249", "250", "1000"]), ("webVisits", ["2", "5", "9"]),
                                                 ("newsletter", ["yes", "no", "YES"]), ("budgetConfirmed", ["yes", "no"])]
            var attributes: [LeadAttribute] = []
            for _ in 0...random.int(2) {
                let (name, values) = choices[random.int(choices.count)]
                attributes.append(LeadAttribute(name: name, value: values[random.int(values.count)]))
            }
            _ = try await run(.recordLeadAttributes(lead.id, attributes: attributes), at: time(after: lead.minute))
        case 72..<84 where leads.contains(where: { $0.stage == 0 }):
            let index = leads.indices.filter { leads[$0].stage == 0 }[random.int(leads.filter { $0.stage == 0 }.count)]
            if try await run(.qualifyLead(leads[index].id), at: time(after: leads[index].minute)) { leads[index].stage = 1 }
        case 84..<100 where leads.contains(where: { $0.stage == 1 }):
            let index = leads.indices.filter { leads[$0].stage == 1 }[random.int(leads.filter { $0.stage == 1 }.count)]
            let c: CustomerID = identifier(1)
            let at = time(after: leads[index].minute)
            if try await run(.convertLead(leads[index].id, customer: c, kind: random.chance(50) ? .person : .account), at: at) {
                leads[index].stage = 2
                customers.append((c, at))
            }
        default:
            break
        }
    }
}

extension HistoryMaker {
    /// Campaigns: planned over a random channel, costs booked in EUR or USD (sometimes late).
    mutating func campaignStep() async throws {
        if campaigns.count < 4, campaigns.isEmpty || random.chance(40) {
            let k: CampaignID = identifier(12)
            let start = CalendarDay(daysSince1970: Int32(cursor / 1_440))!
            if try await run(.planCampaign(k, name: "K\(campaigns.count + 1)", goal: "g", segment: "s",
                                           channel: Channel.allCases[random.int(Channel.allCases.count)], budget: money(100_000),
                                           startsOn: start, endsOn: start.adding(days: 90)), at: cursor) {
                campaigns.append((k, cursor))
            }
            return
        }
        let campaign = campaigns[random.int(campaigns.count)]
        _ = try await run(.bookCampaignCost(campaign.id, amount: money(1_000 + random.int(50_000))), at: time(after: campaign.minute))
    }
}
