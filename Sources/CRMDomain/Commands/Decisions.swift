// The rules: for every command, what must hold and which events it emits. The decisions live
// by event family, beside the catalog's families (Catalog/*Events.swift): PartyDecisions,
// MarketingDecisions, SalesDecisions, OrderDecisions, ServiceDecisions, WorkDecisions.

extension Decider {
    mutating func decide(_ command: CRMCommand) throws {
        switch command {
        case .registerCustomer, .changeCustomerDetails, .mergeCustomers, .addContact, .changeContactRole,
             .removeContact, .assignAccountManager, .bookCostToServe, .recordInteraction, .giveConsent,
             .withdrawConsent, .requestErasure, .receiveFeedback, .answerNPS, .recordErasure:
            try decidePartyCommand(command)
        case .planCampaign, .launchCampaign, .bookCampaignCost, .closeCampaign, .captureLead, .recordLeadAttributes,
             .qualifyLead, .disqualifyLead, .handOverLead, .convertLead:
            try decideMarketingCommand(command)
        case .openOpportunity, .moveOpportunity, .changeOpportunityAmount, .changeOpportunityCloseDate,
             .changeOpportunityProbability, .winOpportunity, .loseOpportunity, .draftQuote, .approveQuote,
             .sendQuote, .acceptQuote, .rejectQuote, .expireQuote, .signContract, .renewContract, .terminateContract:
            try decideSalesCommand(command)
        case .placeOrder, .shipOrder, .deliverOrder, .cancelOrder, .returnOrder, .issueInvoice, .recordPayment,
             .markInvoiceOverdue:
            try decideOrderCommand(command)
        case .openTicket, .assignTicket, .respondToTicket, .recordCustomerReply, .escalateTicket, .resolveTicket,
             .reopenTicket, .closeTicket, .registerEmployee, .recordEmployeeLeft, .completeTraining,
             .answerEmployeeSurvey:
            try decideServiceCommand(command)
        case .createTask, .completeTask, .recordSuppressedReaction, .activatePolicy:
            try decideWorkCommand(command)
        }
    }
}
