import CRMDomain
import CRMProjections
import CRMReports
import Testing
import Foundation

// The reference of the customer journey and attribution (docs/projections.md, "Customer
// journey", "Attribution models"), recomputed from the plain event list. The phase after each
// event is computed from scratch from the events up to it (a declarative reading of the phase
// table), not by stepping a state machine as JourneyPhases does; attribution splits each path
// with plain fractions.

extension Reference {
    /// A journey event as the reference sees it.
    struct JourneyEvent {
        let micros: Int64
        let position: UInt64
        let day: Int32
        let type: String
        let channel: Channel?
        let direction: Direction?
        let campaign: CampaignID?
        let source: LeadSource?
        let converts: Bool       // an order not cancelled by the report day, or an opportunity won
        let amount: Money?       // orders and won opportunities
        let nps: Int?
        var isLead: Bool { ["LeadCaptured", "LeadAttributesRecorded", "LeadQualified", "LeadHandedOver", "LeadDisqualified"].contains(type) }
    }

    /// Who each journey event belongs to: `.customer` or `.lead`, with the event.
    func journeyEvents() -> [(subject: JourneySubject, event: JourneyEvent)] {
        let cancelledOrders = cancelled()
        var opportunityOwner: [OpportunityID: CustomerID] = [:]
        var campaignChannel: [CampaignID: Channel] = [:]
        for item in events {
            if case .opportunityOpened(let e) = item.event { opportunityOwner[e.opportunityID] = e.customerID }
            if case .campaignPlanned(let e) = item.event { campaignChannel[e.campaignID] = e.channel }
        }
        var result: [(JourneySubject, JourneyEvent)] = []
        func add(_ subject: JourneySubject, _ item: ReferenceEvent, _ type: String, channel: Channel? = nil, direction: Direction? = nil,
                 campaign: CampaignID? = nil, source: LeadSource? = nil, converts: Bool = false, amount: Money? = nil, nps: Int? = nil) {
            result.append((subject, JourneyEvent(micros: item.micros, position: item.position, day: item.day, type: type, channel: channel,
                                                 direction: direction, campaign: campaign, source: source, converts: converts,
                                                 amount: amount, nps: nps)))
        }
        for item in events {
            switch item.event {
            case .customerRegistered(let e): add(.customer(e.customerID), item, "CustomerRegistered")
            case .interactionRecorded(let e): add(.customer(e.customerID), item, "InteractionRecorded", channel: e.channel, direction: e.direction)
            case .feedbackReceived(let e): add(.customer(e.customerID), item, "FeedbackReceived", channel: e.channel, direction: .inbound)
            case .ticketOpened(let e): add(.customer(e.customerID), item, "TicketOpened", channel: e.channel, direction: .inbound)
            case .npsAnswered(let e): add(.customer(e.customerID), item, "NPSAnswered", nps: e.score)
            case .contractSigned(let e): add(.customer(e.customerID), item, "ContractSigned")
            case .opportunityOpened(let e): add(.customer(e.customerID), item, "OpportunityOpened", campaign: e.campaignID)
            case .opportunityWon(let e):
                if let owner = opportunityOwner[e.opportunityID] { add(.customer(owner), item, "OpportunityWon", converts: true, amount: e.amount) }
            case .orderPlaced(let e):
                add(.customer(e.customerID), item, "OrderPlaced", channel: e.channel, converts: !cancelledOrders.contains(e.orderID), amount: e.total)
            case .leadCaptured(let e):
                add(.lead(e.leadID), item, "LeadCaptured", channel: e.campaignID.flatMap { campaignChannel[$0] },
                    direction: e.source == .coldCall ? .outbound : .inbound, campaign: e.campaignID, source: e.source)
            case .leadAttributesRecorded(let e): add(.lead(e.leadID), item, "LeadAttributesRecorded")
            case .leadQualified(let e): add(.lead(e.leadID), item, "LeadQualified")
            case .leadHandedOver(let e): add(.lead(e.leadID), item, "LeadHandedOver")
            case .leadDisqualified(let e): add(.lead(e.leadID), item, "LeadDisqualified")
            default: break
            }
        }
        return result
    }

    /// Each lead's customer: the first link in business time.
    func leadLinks() -> [LeadID: CustomerID] {
        var links: [LeadID: CustomerID] = [:]
        for item in events {
            switch item.event {
            case .leadConverted(let e): if links[e.leadID] == nil { links[e.leadID] = e.customerID }
            case .customerRegistered(let e): if let lead = e.convertedFromLead, links[lead] == nil { links[lead] = e.customerID }
            default: break
            }
        }
        return links
    }

    /// Every journey on the report day, by subject, events in business-time order.
    func journeys() -> [JourneySubject: [JourneyEvent]] {
        let links = leadLinks()
        var merged: Set<CustomerID> = []
        for item in events { if case .customersMerged(let e) = item.event { merged.insert(e.duplicateID) } }
        var result: [JourneySubject: [JourneyEvent]] = [:]
        for (subject, event) in journeyEvents() {
            var owner = subject
            if case .lead(let lead) = subject, let customer = links[lead] { owner = .customer(customer) }
            if case .customer(let customer) = owner, merged.contains(customer) { continue }
            result[owner, default: []].append(event)
        }
        return result
    }

    func kind(_ subject: JourneySubject) -> JourneySubjectKind {
        guard case .customer(let c) = subject else { return .lead }
        for item in events { if case .customerRegistered(let e) = item.event, e.customerID == c { return e.kind == .account ? .account : .person } }
        return .person
    }

    /// The phase after the events `0…last` of a journey, from scratch.
    func phase(_ journey: [JourneyEvent], through last: Int) -> JourneyPhase {
        let prefix = journey[0...last]
        let rules = rules.journey
        guard let c = prefix.firstIndex(where: \.converts) else {
            let considered = prefix.contains { event in
                switch event.type {
                case "LeadCaptured": return event.source.map(rules.considerationSources.contains) ?? false
                case "LeadAttributesRecorded", "LeadQualified", "LeadHandedOver", "OpportunityOpened": return true
                case "InteractionRecorded": return event.direction == .inbound
                default: return false
                }
            }
            return considered ? .consideration : .awareness
        }
        let after = prefix[(c + 1)...]
        func promoter(_ event: JourneyEvent) -> Bool { event.nps.map { $0 >= rules.promoterMinScore } ?? false }
        func detractor(_ event: JourneyEvent) -> Bool { event.nps.map { $0 <= rules.detractorMaxScore } ?? false }
        // Advocacy while the last promoter or detractor answer after the purchase is a promoter's;
        // back in retention once a detractor answered after a promoter.
        let extremes = after.filter { promoter($0) || detractor($0) }
        if let last = extremes.last, promoter(last) { return .advocacy }
        if extremes.contains(where: promoter) { return .retention }
        return after.contains { !$0.isLead && $0.day > prefix[c].day } ? .retention : .conversion
    }

    struct JourneyStep: Equatable, CustomStringConvertible {
        let day: Int32, from: JourneyPhase?, to: JourneyPhase, type: String
        var description: String { "\(CalendarDay(daysSince1970: day)!) \(from.map { "\($0)" } ?? "-")>\(to) \(type)" }
    }

    /// The transitions of a journey and the phase after each event.
    func walk(_ journey: [JourneyEvent]) -> (steps: [JourneyStep], phases: [JourneyPhase]) {
        var steps: [JourneyStep] = [], phases: [JourneyPhase] = []
        var before: JourneyPhase?
        for index in journey.indices {
            let now = phase(journey, through: index)
            if now != before { steps.append(JourneyStep(day: journey[index].day, from: before, to: now, type: journey[index].type)) }
            phases.append(now)
            before = now
        }
        return (steps, phases)
    }
}

extension Reference {
    /// The journey summary's figures for `period` on the report day `day`, from scratch.
    struct JourneyFigures: Equatable {
        var current: [String: Int] = [:]          // "kind phase" → count, dropped-out leads left out
        var dropped = 0
        var cohort = 0
        var reached: [Int] = [0, 0, 0, 0, 0]
        var completed: [Int] = [0, 0, 0, 0, 0]
        var totalDays: [Int] = [0, 0, 0, 0, 0]
        var running: [Int] = [0, 0, 0, 0, 0]
        var touchpoints: [String: [Int]] = [:]     // "phase channel" → [inbound, outbound]
    }

    func journeyFigures(period: Period, on day: Int32) -> JourneyFigures {
        var figures = JourneyFigures()
        let first = period.start.daysSince1970, last = period.end.daysSince1970
        for (subject, journey) in journeys() {
            let walked = walk(journey)
            if case .lead = subject, journey.contains(where: { $0.type == "LeadDisqualified" })
                || day - journey.last!.day > Int32(rules.journey.dormantLeadDays) {
                figures.dropped += 1
            } else {
                figures.current["\(kind(subject).rawValue) \(walked.phases.last!)", default: 0] += 1
            }
            for (event, phase) in zip(journey, walked.phases) where event.day >= first && event.day <= last {
                guard let channel = event.channel, let direction = event.direction else { continue }
                figures.touchpoints["\(phase) \(channel.name)", default: [0, 0]][direction == .inbound ? 0 : 1] += 1
            }
            guard journey[0].day >= first && journey[0].day <= last else { continue }
            figures.cohort += 1
            let furthest = walked.steps.map(\.to).max()!
            for phase in 1...5 where furthest.rawValue >= phase { figures.reached[phase - 1] += 1 }
            for (index, step) in walked.steps.enumerated() {
                let slot = Int(step.to.rawValue) - 1
                if index + 1 < walked.steps.count {
                    figures.completed[slot] += 1
                    figures.totalDays[slot] += Int(walked.steps[index + 1].day - step.day)
                } else {
                    figures.running[slot] += 1
                }
            }
        }
        return figures
    }
}

extension Reference {
    /// One attribution path as the reference builds it.
    struct Path { let touches: [(key: String, day: Int32)]; let conversion: Int32?; let value: Int64 }

    func key(_ event: JourneyEvent, _ dimension: AttributionDimension) -> String? {
        switch dimension {
        case .campaign: return event.campaign?.description
        case .leadSource: return event.source?.name
        case .channel: return event.type == "OrderPlaced" || event.type == "OpportunityWon" ? nil : event.channel?.name
        }
    }

    func converts(_ event: JourneyEvent, _ goal: AttributionGoal) -> Bool {
        goal == .revenue ? event.type == "OrderPlaced" && event.converts : event.type == "OpportunityWon"
    }

    /// The paths of the conversions dated in `first…last`, and of the subjects without any.
    func paths(_ dimension: AttributionDimension, _ goal: AttributionGoal, first: Int32, last: Int32) -> (paths: [Path], leftOut: Int) {
        var paths: [Path] = [], leftOut = 0
        for (_, journey) in journeys() {
            let conversions = journey.indices.filter { converts(journey[$0], goal) }
            for index in conversions where journey[index].day >= first && journey[index].day <= last {
                guard journey[index].amount!.currency == rules.currency else { leftOut += 1; continue }
                let before = journey[..<index].compactMap { event in key(event, dimension).map { (key: $0, day: event.day) } }
                paths.append(Path(touches: before, conversion: journey[index].day, value: journey[index].amount!.minorUnits))
            }
            if conversions.isEmpty {
                let keyed = journey.compactMap { event in key(event, dimension).map { (key: $0, day: event.day) } }
                    .filter { $0.day >= first && $0.day <= last }
                if !keyed.isEmpty { paths.append(Path(touches: keyed, conversion: nil, value: 0)) }
            }
        }
        return (paths, leftOut)
    }

    /// The per-path models: each path's value split by the model's weights, largest remainder,
    /// ties to the key touched first. Returns credits by key, attributed, unattributed, conversions.
    func attribute(_ paths: [Path], model: AttributionModel, window: Int, halfLife: Int)
        -> (credits: [String: Int64], attributed: Int64, unattributed: Int64, conversions: Int) {
        var credits: [String: Int64] = [:]
        var attributed: Int64 = 0, unattributed: Int64 = 0, conversions = 0
        for path in paths {
            guard let day = path.conversion else { continue }
            let touches = path.touches.filter { $0.day >= day - Int32(window) && $0.day <= day }
            guard !touches.isEmpty else { unattributed += path.value; continue }
            conversions += 1
            attributed += path.value
            let n = touches.count
            let weights: [Int64] = touches.indices.map { i in
                switch model {
                case .firstTouch: return i == 0 ? 1 : 0
                case .lastTouch: return i == n - 1 ? 1 : 0
                case .linear, .dataDriven: return 1   // data-driven is compared through ReferenceMarkov below
                case .positionBased: return n <= 2 ? 1 : (i == 0 || i == n - 1 ? Int64(2 * (n - 2)) : 1)
                case .timeDecay:
                    let d = Double(day - touches[i].day)
                    return max(1, Int64((1_048_576 * pow(2, -d / Double(halfLife))).rounded()))
                }
            }
            var order: [String] = []
            var perKey: [String: Int64] = [:]
            for (touch, weight) in zip(touches, weights) {
                if perKey[touch.key] == nil { order.append(touch.key) }
                perKey[touch.key, default: 0] += weight
            }
            let total = weights.reduce(0, +)
            var shares: [(key: String, floor: Int64, remainder: Int128, rank: Int)] = []
            for (rank, key) in order.enumerated() {
                let exact = Int128(path.value) * Int128(perKey[key]!)
                shares.append((key, Int64(exact / Int128(total)), exact % Int128(total), rank))
            }
            var left = path.value - shares.reduce(0) { $0 + $1.floor }
            for share in shares.sorted(by: { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.rank < $1.rank }) {
                credits[share.key, default: 0] += share.floor + (left > 0 ? 1 : 0)
                left -= 1
            }
        }
        return (credits, attributed, unattributed, conversions)
    }
}

extension FigureReferenceTests {
    /// Every figure of `crm journey --json` (summary and each customer) and `crm attribution
    /// --json` (every model, goal and dimension) for `period` against the reference.
    static func compareJourney(_ source: ReportSource, _ reference: Reference, day: Int32, period: Period, context: String) -> Int {
        var compared = 0
        let context = "\(context) \(period)"
        let report = JourneyReport(source, period: period)
        let expected = reference.journeyFigures(period: period, on: day)
        var fast = Reference.JourneyFigures()
        for entry in report.current ?? [] where entry.count > 0 { fast.current["\(entry.kind) \(entry.phase)"] = entry.count }
        fast.cohort = report.cohortSize ?? -1
        fast.dropped = report.droppedLeads ?? -1
        fast.reached = (report.funnel ?? []).map(\.reached)
        fast.completed = (report.timeInPhase ?? []).map(\.completedStays)
        fast.running = (report.timeInPhase ?? []).map(\.currentStays)
        fast.totalDays = (report.timeInPhase ?? []).map { Int((($0.averageDays ?? 0) * Double($0.completedStays)).rounded()) }
        for entry in report.touchpoints ?? [] { fast.touchpoints["\(entry.phase) \(entry.channel)"] = [entry.inbound, entry.outbound] }
        #expect(fast == expected, "\(context) journey summary")
        let funnel = report.funnel ?? []
        for (index, step) in funnel.enumerated() where index + 1 < funnel.count {
            #expect(step.advanced == funnel[index + 1].reached && step.dropOff == step.reached - funnel[index + 1].reached,
                    "\(context) funnel \(step.phase)")
        }
        compared += 5 * 5 + expected.current.count + expected.touchpoints.count * 2 + 1
        // Each subject's history.
        for (subject, journey) in reference.journeys() {
            guard let view = source.models.journey.journey(of: subject, asOf: CalendarDay(daysSince1970: day)!) else {
                Issue.record("\(context): no journey for \(subject)")
                continue
            }
            let steps = view.history.map { Reference.JourneyStep(day: $0.day.daysSince1970, from: $0.from, to: $0.to, type: "\($0.event)") }
            #expect(steps == reference.walk(journey).steps, "\(context) journey of \(subject)")
            #expect(view.kind == reference.kind(subject), "\(context) kind of \(subject)")
            compared += steps.count * 3 + 1
        }
        // Attribution: every goal, dimension and model, with the rules' window and a short one.
        let attribution = AttributionReport(source, period: period)
        let first = period.start.daysSince1970, last = min(period.end.daysSince1970, day)
        for table in attribution.tables {
            let dimension = AttributionDimension(rawValue: table.dimension)!, goal = AttributionGoal(rawValue: table.goal)!
            let model = AttributionModel(rawValue: table.model)!
            let (paths, leftOut) = reference.paths(dimension, goal, first: first, last: last)
            let naive = reference.attribute(paths, model: model, window: attribution.windowDays,
                                            halfLife: reference.rules.journey.timeDecayHalfLifeDays)
            let where_ = "\(context) \(table.model) \(table.goal) \(table.dimension)"
            #expect(table.attributed == naive.attributed && table.unattributed == naive.unattributed
                && table.conversions == naive.conversions && table.leftOutOtherCurrency == leftOut, "\(where_) sums")
            #expect(table.credits.reduce(0) { $0 + $1.amount } == table.attributed, "\(where_) credits sum")
            let credits = Dictionary(uniqueKeysWithValues: table.credits.filter { $0.amount != 0 }.map { ($0.key, $0.amount) })
            if model == .dataDriven {
                // The chain solved independently (value iteration, a key removed literally); the
                // removal effects are Doubles, so a share may round one unit apart.
                let markov = ReferenceMarkov(paths: paths.map { path in
                    AttributionPath(touches: path.touches.map { AttributionTouch(key: $0.key, day: CalendarDay(daysSince1970: $0.day)!) },
                                    conversionDay: path.conversion.map { CalendarDay(daysSince1970: $0)! }, value: path.value)
                }, windowDays: attribution.windowDays)
                let effects = markov.removalEffects()
                let fastEffects = table.removalEffects ?? [:]
                #expect(Set(fastEffects.keys) == Set(effects.keys), "\(where_) removal-effect keys")
                #expect(effects.allSatisfy { abs((fastEffects[$0.key] ?? -1) - min(1, max(0, $0.value))) < 1e-9 }, "\(where_) removal effects")
                let expectedCredits = effects.isEmpty ? [:] : markov.credits(effects.mapValues { min(1, max(0, $0)) }, total: naive.attributed)
                let keys = Set(credits.keys).union(expectedCredits.keys)
                #expect(keys.allSatisfy { abs((credits[$0] ?? 0) - (expectedCredits[$0] ?? 0)) <= 1 }, "\(where_) credits")
                compared += effects.count
            } else {
                #expect(credits == naive.credits.filter { $0.value != 0 }, "\(where_) credits")
            }
            compared += 4 + credits.count
        }
        return compared
    }
}
