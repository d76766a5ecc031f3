// The rules of the sales family: opportunities, quotes and contracts (Catalog/SalesEvents.swift).

extension Decider {
    /// Decides a command of this family; `decide(_:)` sends only those here.
    mutating func decideSalesCommand(_ command: CRMCommand) throws {
        switch command {
        case let .openOpportunity(id, customerID, title, revenue, closeOn, probability, product, owner, stage, lead, campaign):
            try absent(id, as: OpportunityState.self)
            _ = try customer(customerID)
            try employee(owner)
            try text("title", title)
            try text("product", product)
            try nonNegative("expectedRevenue", revenue)
            try self.probability(probability)
            if let lead { _ = try existing(lead, as: LeadState.self) }
            if let campaign { _ = try existing(campaign, as: CampaignState.self) }
            emit(id, .opportunityOpened(OpportunityOpened(
                opportunityID: id, customerID: customerID, title: title, expectedRevenue: revenue, expectedCloseOn: closeOn,
                probability: probability, product: product, ownerID: owner, stage: stage, leadID: lead, campaignID: campaign)))

        case let .moveOpportunity(id, stage):
            let state = try openOpportunity(id)
            guard stage != state.stage else { throw DomainRuleError.noChange("opportunity \(id) is already in stage \(stage.name)") }
            emit(id, .opportunityStageChanged(OpportunityStageChanged(opportunityID: id, from: state.stage, to: stage)))

        case let .changeOpportunityAmount(id, revenue):
            let state = try openOpportunity(id)
            try nonNegative("expectedRevenue", revenue)
            try currency("expectedRevenue", revenue, state.currency)
            emit(id, .opportunityAmountChanged(OpportunityAmountChanged(opportunityID: id, expectedRevenue: revenue)))

        case let .changeOpportunityCloseDate(id, closeOn):
            _ = try openOpportunity(id)
            emit(id, .opportunityCloseDateChanged(OpportunityCloseDateChanged(opportunityID: id, expectedCloseOn: closeOn)))

        case let .changeOpportunityProbability(id, probability):
            _ = try openOpportunity(id)
            try self.probability(probability)
            emit(id, .opportunityProbabilityChanged(OpportunityProbabilityChanged(opportunityID: id, probability: probability)))

        case let .winOpportunity(id, amount):
            let state = try openOpportunity(id)
            try nonNegative("amount", amount)
            try currency("amount", amount, state.currency)
            emit(id, .opportunityWon(OpportunityWon(opportunityID: id, amount: amount)))

        case let .loseOpportunity(id, reason, competitor):
            _ = try openOpportunity(id)
            try text("reason", reason)
            emit(id, .opportunityLost(OpportunityLost(opportunityID: id, reason: reason, competitor: competitor)))

        case let .draftQuote(id, opportunityID, lines, validUntil):
            try absent(id, as: QuoteState.self)
            let opportunity = try openOpportunity(opportunityID)
            let total = try total(of: lines)
            try currency("lines", total, opportunity.currency)
            try dates("validity", today, validUntil)
            emit(id, .quoteDrafted(QuoteDrafted(quoteID: id, opportunityID: opportunityID, customerID: opportunity.customerID,
                                                lines: lines, total: total, validUntil: validUntil)))

        case let .approveQuote(id, approver):
            let state: QuoteState = try existing(id)
            try transition(id, state.status.rawValue, "approve", allowed: state.status == .drafted)
            try employee(approver)
            emit(id, .quoteApproved(QuoteApproved(quoteID: id, approvedBy: approver)))

        case let .sendQuote(id, channel):
            let state: QuoteState = try existing(id)
            if state.status == .drafted { throw DomainRuleError.quoteNotApproved(id) }
            try transition(id, state.status.rawValue, "send", allowed: state.status == .approved)
            emit(id, .quoteSent(QuoteSent(quoteID: id, channel: channel)))

        case let .acceptQuote(id):
            let state: QuoteState = try existing(id)
            try transition(id, state.status.rawValue, "accept", allowed: state.status == .sent)
            emit(id, .quoteAccepted(QuoteAccepted(quoteID: id)))

        case let .rejectQuote(id, reason, competitor):
            let state: QuoteState = try existing(id)
            try transition(id, state.status.rawValue, "reject", allowed: state.status == .sent)
            try text("reason", reason)
            emit(id, .quoteRejected(QuoteRejected(quoteID: id, reason: reason, competitor: competitor)))

        case let .expireQuote(id):
            let state: QuoteState = try existing(id)
            try transition(id, state.status.rawValue, "expire",
                           allowed: state.status == .drafted || state.status == .approved || state.status == .sent)
            emit(id, .quoteExpired(QuoteExpired(quoteID: id)))

        case let .signContract(id, customerID, quote, value, startsOn, endsOn):
            try absent(id, as: ContractState.self)
            _ = try customer(customerID)
            if let quote {
                let state: QuoteState = try existing(quote)
                try transition(quote, state.status.rawValue, "base a contract on it", allowed: state.status == .accepted)
                guard state.customerID == customerID else { throw DomainRuleError.unknownEntity(kind: "quote", id: quote.description) }
            }
            try nonNegative("value", value)
            try dates("contract", startsOn, endsOn)
            emit(id, .contractSigned(ContractSigned(contractID: id, customerID: customerID, quoteID: quote, value: value,
                                                    startsOn: startsOn, endsOn: endsOn)))

        case let .renewContract(id, endsOn, value):
            let state: ContractState = try existing(id)
            try transition(id, state.status.rawValue, "renew", allowed: state.status == .active)
            guard endsOn > state.endsOn else { throw DomainRuleError.dateRangeReversed(field: "renewal", start: state.endsOn, end: endsOn) }
            if let value {
                try nonNegative("value", value)
                try currency("value", value, state.currency)
            }
            emit(id, .contractRenewed(ContractRenewed(contractID: id, endsOn: endsOn, value: value)))

        case let .terminateContract(id, reason, effectiveOn):
            let state: ContractState = try existing(id)
            try transition(id, state.status.rawValue, "terminate", allowed: state.status == .active)
            try text("reason", reason)
            emit(id, .contractTerminated(ContractTerminated(contractID: id, reason: reason, effectiveOn: effectiveOn)))

        default:
            preconditionFailure("decide(_:) dispatched a command that is not of the sales family")
        }
    }

    /// An opportunity that exists and is still open.
    private mutating func openOpportunity(_ id: OpportunityID) throws -> OpportunityState {
        let state: OpportunityState = try existing(id)
        guard state.status == .open else { throw DomainRuleError.opportunityClosed(id, outcome: state.status.rawValue) }
        return state
    }
}
