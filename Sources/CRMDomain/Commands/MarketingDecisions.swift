// The rules of the marketing family: campaigns and leads (Catalog/MarketingEvents.swift).

extension Decider {
    /// Decides a command of this family; `decide(_:)` sends only those here.
    mutating func decideMarketingCommand(_ command: CRMCommand) throws {
        switch command {
        case let .planCampaign(id, name, goal, segment, channel, budget, startsOn, endsOn):
            try absent(id, as: CampaignState.self)
            try text("name", name)
            try nonNegative("budget", budget)
            try dates("campaign", startsOn, endsOn)
            emit(id, .campaignPlanned(CampaignPlanned(campaignID: id, name: name, goal: goal, segment: segment, channel: channel,
                                                      budget: budget, startsOn: startsOn, endsOn: endsOn)))

        case let .launchCampaign(id):
            let state: CampaignState = try existing(id)
            try transition(id, state.status.rawValue, "launch", allowed: state.status == .planned)
            emit(id, .campaignLaunched(CampaignLaunched(campaignID: id)))

        case let .bookCampaignCost(id, amount, note):
            let state: CampaignState = try existing(id)
            try transition(id, state.status.rawValue, "book cost", allowed: state.status != .closed)
            try nonNegative("amount", amount)
            try currency("amount", amount, state.currency)
            emit(id, .campaignCostBooked(CampaignCostBooked(campaignID: id, amount: amount, note: note)))

        case let .closeCampaign(id, summary):
            let state: CampaignState = try existing(id)
            try transition(id, state.status.rawValue, "close", allowed: state.status != .closed)
            emit(id, .campaignClosed(CampaignClosed(campaignID: id, summary: summary)))

        case let .captureLead(id, source, campaign, name, email, phone, company):
            try absent(id, as: LeadState.self)
            if let campaign { _ = try existing(campaign, as: CampaignState.self) }
            try text("name", name)
            emit(id, .leadCaptured(LeadCaptured(leadID: id, source: source, campaignID: campaign, name: name, email: email,
                                                phone: phone, company: company)))

        case let .recordLeadAttributes(id, attributes):
            let state: LeadState = try existing(id)
            try transition(id, state.status.rawValue, "record attributes",
                           allowed: state.status != .disqualified && state.status != .converted)
            guard !attributes.isEmpty else { throw DomainRuleError.emptyList("attributes") }
            for (index, attribute) in attributes.enumerated() { try text("attributes[\(index)].name", attribute.name) }
            emit(id, .leadAttributesRecorded(LeadAttributesRecorded(leadID: id, attributes: attributes)))

        case let .qualifyLead(id, score):
            let state: LeadState = try existing(id)
            try transition(id, state.status.rawValue, "qualify", allowed: state.status == .open)
            emit(id, .leadQualified(LeadQualified(leadID: id, score: score)))

        case let .disqualifyLead(id, reason):
            let state: LeadState = try existing(id)
            try transition(id, state.status.rawValue, "disqualify", allowed: state.status == .open || state.status == .qualified)
            try text("reason", reason)
            emit(id, .leadDisqualified(LeadDisqualified(leadID: id, reason: reason)))

        case let .handOverLead(id, employeeID, score):
            let state: LeadState = try existing(id)
            try transition(id, state.status.rawValue, "hand over", allowed: state.status == .qualified)
            try employee(employeeID)
            emit(id, .leadHandedOver(LeadHandedOver(leadID: id, employeeID: employeeID, score: score)))

        case let .convertLead(id, customerID, kind):
            let state: LeadState = try existing(id)
            try transition(id, state.status.rawValue, "convert",
                           allowed: state.status == .qualified || state.status == .handedOver)
            try absent(customerID, as: CustomerState.self)
            // The lead's personal data is sealed for the lead: open it to seal it anew for the
            // customer.
            var lead = state.captured!
            if let protector, case .leadCaptured(let opened) = try lead.domainEvent.openingPersonalData(with: protector) {
                lead = opened
            }
            emit(id, .leadConverted(LeadConverted(leadID: id, customerID: customerID)))
            emit(customerID, .customerRegistered(CustomerRegistered(
                customerID: customerID, kind: kind, name: lead.name, email: lead.email, phone: lead.phone,
                industry: nil, convertedFromLead: id)))

        default:
            preconditionFailure("decide(_:) dispatched a command that is not of the marketing family")
        }
    }
}
