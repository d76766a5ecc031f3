// The state an imported event needs, as its command requires it (Commands/*Decisions.swift):
// an import must not store a history the commands could never have written, such as an order
// shipped after it was cancelled or a ticket resolved twice.

extension ImportRuleCheck {
    /// Checks that `event` is allowed on `state` (the entity exists; its creation is checked
    /// by the caller).
    static func checkTransition(_ event: DomainEvent, on state: any StreamState, kind: String, id: String) throws {
        func allow(_ status: String, _ action: String, _ allowed: Bool) throws {
            guard allowed else { throw DomainRuleError.invalidTransition(kind: kind, id: id, state: status, action: action) }
        }
        switch (event, state) {
        case (_, let order as OrderState): try checkOrder(event, order, allow)
        case (_, let ticket as TicketState): try checkTicket(event, ticket, allow)
        case (_, let quote as QuoteState):
            if case .quoteSent(let e) = event, quote.status == .drafted { throw DomainRuleError.quoteNotApproved(e.quoteID) }
            try checkQuote(event, quote, allow)
        case (_, let opportunity as OpportunityState): try checkOpportunity(event, opportunity)
        case (_, let lead as LeadState): try checkLead(event, lead, allow)
        case (_, let campaign as CampaignState): try checkCampaign(event, campaign, allow)
        case (.contractRenewed, let contract as ContractState):
            try allow(contract.status.rawValue, "renew", contract.status == .active)
        case (.contractTerminated, let contract as ContractState):
            try allow(contract.status.rawValue, "terminate", contract.status == .active)
        case (.taskCompleted, let task as TaskState):
            try allow(task.status.rawValue, "complete", task.status == .open)
        default: return
        }
    }

    typealias Allow = (String, String, Bool) throws -> Void

    private static func checkOrder(_ event: DomainEvent, _ order: OrderState, _ allow: Allow) throws {
        let status = order.status
        switch event {
        case .orderShipped: try allow(status.rawValue, "ship", status == .placed)
        case .orderDelivered: try allow(status.rawValue, "deliver", status == .shipped)
        case .orderCancelled: try allow(status.rawValue, "cancel", status == .placed)
        case .orderReturned: try allow(status.rawValue, "return goods", status == .delivered)
        default: return
        }
    }

    private static func checkTicket(_ event: DomainEvent, _ ticket: TicketState, _ allow: Allow) throws {
        let status = ticket.status
        switch event {
        case .ticketAssigned: try allow(status.rawValue, "assign", status == .open)
        case .ticketFirstResponseGiven: try allow(status.rawValue, "give a first response", status == .open)
        case .ticketCustomerReplied: try allow(status.rawValue, "record a reply", status != .closed)
        case .ticketEscalated: try allow(status.rawValue, "escalate", status == .open)
        case .ticketResolved: try allow(status.rawValue, "resolve", status == .open)
        case .ticketReopened: try allow(status.rawValue, "reopen", status == .resolved || status == .closed)
        case .ticketClosed: try allow(status.rawValue, "close", status == .resolved)
        default: return
        }
    }

    private static func checkQuote(_ event: DomainEvent, _ quote: QuoteState, _ allow: Allow) throws {
        let status = quote.status
        switch event {
        case .quoteApproved: try allow(status.rawValue, "approve", status == .drafted)
        case .quoteSent: try allow(status.rawValue, "send", status == .approved)
        case .quoteAccepted: try allow(status.rawValue, "accept", status == .sent)
        case .quoteRejected: try allow(status.rawValue, "reject", status == .sent)
        case .quoteExpired: try allow(status.rawValue, "expire", status == .drafted || status == .approved || status == .sent)
        default: return
        }
    }

    private static func checkOpportunity(_ event: DomainEvent, _ opportunity: OpportunityState) throws {
        let id: OpportunityID
        switch event {
        case .opportunityStageChanged(let e): id = e.opportunityID
        case .opportunityAmountChanged(let e): id = e.opportunityID
        case .opportunityCloseDateChanged(let e): id = e.opportunityID
        case .opportunityProbabilityChanged(let e): id = e.opportunityID
        case .opportunityWon(let e): id = e.opportunityID
        case .opportunityLost(let e): id = e.opportunityID
        default: return
        }
        guard opportunity.status == .open else { throw DomainRuleError.opportunityClosed(id, outcome: opportunity.status.rawValue) }
    }

    private static func checkLead(_ event: DomainEvent, _ lead: LeadState, _ allow: Allow) throws {
        let status = lead.status
        switch event {
        case .leadAttributesRecorded: try allow(status.rawValue, "record attributes", status != .disqualified && status != .converted)
        case .leadQualified: try allow(status.rawValue, "qualify", status == .open)
        case .leadDisqualified: try allow(status.rawValue, "disqualify", status == .open || status == .qualified)
        case .leadHandedOver: try allow(status.rawValue, "hand over", status == .qualified)
        case .leadConverted: try allow(status.rawValue, "convert", status == .qualified || status == .handedOver)
        default: return
        }
    }

    private static func checkCampaign(_ event: DomainEvent, _ campaign: CampaignState, _ allow: Allow) throws {
        let status = campaign.status
        switch event {
        case .campaignLaunched: try allow(status.rawValue, "launch", status == .planned)
        case .campaignCostBooked: try allow(status.rawValue, "book cost", status != .closed)
        case .campaignClosed: try allow(status.rawValue, "close", status != .closed)
        default: return
        }
    }
}
