import Foundation

/// Something a user or a service asks the CRM to do. ``CommandHandler/execute(_:context:)``
/// checks it against the current state of the streams it touches and appends the resulting
/// events, or throws a ``DomainRuleError`` and appends nothing.
public enum CRMCommand: Sendable, Hashable {
    // MARK: Parties

    /// Register a B2C person or a B2B account.
    case registerCustomer(CustomerID, kind: CustomerKind, name: PersonalText, email: PersonalText? = nil,
                          phone: PersonalText? = nil, address: PersonalText? = nil, industry: String? = nil,
                          employeeCount: Int? = nil, country: String? = nil)
    /// Change master data; give only what changes.
    case changeCustomerDetails(CustomerID, name: PersonalText? = nil, email: PersonalText? = nil, phone: PersonalText? = nil,
                               address: PersonalText? = nil, industry: String? = nil, employeeCount: Int? = nil,
                               country: String? = nil)
    /// Merge a duplicate record into the surviving one.
    case mergeCustomers(duplicate: CustomerID, survivor: CustomerID)
    /// Add a contact person to a B2B account.
    case addContact(CustomerID, contact: ContactID, name: PersonalText, email: PersonalText? = nil,
                    phone: PersonalText? = nil, jobTitle: String? = nil, role: BuyingRole)
    /// Change a contact's role in the buying decision.
    case changeContactRole(CustomerID, contact: ContactID, role: BuyingRole)
    /// Remove a contact from an account.
    case removeContact(CustomerID, contact: ContactID)
    /// Make an employee the customer's account manager.
    case assignAccountManager(CustomerID, employee: EmployeeID)
    /// Book a cost the customer caused (activity-based costing).
    case bookCostToServe(CustomerID, activity: CostActivity, amount: Money, note: String? = nil)
    /// Record a contact over any channel.
    case recordInteraction(InteractionID, customer: CustomerID, channel: Channel, direction: Direction,
                           employee: EmployeeID? = nil, contact: ContactID? = nil, durationSeconds: Int = 0,
                           subject: String? = nil, text: PersonalText? = nil)
    /// Record a consent for a purpose over a channel.
    case giveConsent(CustomerID, purpose: ConsentPurpose, channel: Channel, source: String? = nil)
    /// Withdraw a consent that was given.
    case withdrawConsent(CustomerID, purpose: ConsentPurpose, channel: Channel)
    /// Record a data subject's request to be erased.
    case requestErasure(CustomerID, channel: Channel)
    /// Record a complaint, praise or suggestion.
    case receiveFeedback(CustomerID, kind: FeedbackKind, channel: Channel, text: PersonalText, ticket: TicketID? = nil)
    /// Record an answer to the NPS question (0…10).
    case answerNPS(CustomerID, score: Int, comment: PersonalText? = nil)
    /// Record that a subject's personal data was made unreadable (its key destroyed). The key
    /// management does the destroying; see `DataProtection.forget` in CRMAudit.
    case recordErasure(DataSubject)

    // MARK: Marketing

    /// Plan a campaign.
    case planCampaign(CampaignID, name: String, goal: String, segment: String, channel: Channel, budget: Money,
                      startsOn: CalendarDay, endsOn: CalendarDay)
    /// Launch a planned campaign.
    case launchCampaign(CampaignID)
    /// Book a cost against a campaign.
    case bookCampaignCost(CampaignID, amount: Money, note: String? = nil)
    /// Close a campaign.
    case closeCampaign(CampaignID, summary: String? = nil)
    /// Capture a lead.
    case captureLead(LeadID, source: LeadSource, campaign: CampaignID? = nil, name: PersonalText,
                     email: PersonalText? = nil, phone: PersonalText? = nil, company: String? = nil)
    /// Record attributes about a lead (the input of lead scoring).
    case recordLeadAttributes(LeadID, attributes: [LeadAttribute])
    /// Qualify an open lead.
    case qualifyLead(LeadID, score: Int? = nil)
    /// Disqualify a lead.
    case disqualifyLead(LeadID, reason: String)
    /// Hand a qualified lead over to a sales employee.
    case handOverLead(LeadID, to: EmployeeID, score: Int? = nil)
    /// Convert a lead into a new customer, registering the customer from the lead's data.
    case convertLead(LeadID, customer: CustomerID, kind: CustomerKind)

    // MARK: Sales

    /// Open an opportunity.
    case openOpportunity(OpportunityID, customer: CustomerID, title: String, expectedRevenue: Money,
                         expectedCloseOn: CalendarDay, probability: Int, product: String, owner: EmployeeID,
                         stage: PipelineStage = .prospecting, lead: LeadID? = nil, campaign: CampaignID? = nil)
    /// Move an open opportunity to another stage.
    case moveOpportunity(OpportunityID, to: PipelineStage)
    /// Change an open opportunity's expected revenue.
    case changeOpportunityAmount(OpportunityID, expectedRevenue: Money)
    /// Change an open opportunity's expected close date.
    case changeOpportunityCloseDate(OpportunityID, expectedCloseOn: CalendarDay)
    /// Change an open opportunity's probability.
    case changeOpportunityProbability(OpportunityID, probability: Int)
    /// Win an open opportunity.
    case winOpportunity(OpportunityID, amount: Money)
    /// Lose an open opportunity, with the reason and the competitor.
    case loseOpportunity(OpportunityID, reason: String, competitor: String? = nil)
    /// Draft a quote for an open opportunity; the total is computed from the lines.
    case draftQuote(QuoteID, opportunity: OpportunityID, lines: [OrderLine], validUntil: CalendarDay)
    /// Approve a drafted quote internally.
    case approveQuote(QuoteID, by: EmployeeID)
    /// Send an approved quote.
    case sendQuote(QuoteID, channel: Channel)
    /// Record the customer's acceptance of a sent quote.
    case acceptQuote(QuoteID)
    /// Record the customer's rejection of a sent quote.
    case rejectQuote(QuoteID, reason: String, competitor: String? = nil)
    /// Let a quote expire.
    case expireQuote(QuoteID)
    /// Sign a contract, optionally based on an accepted quote.
    case signContract(ContractID, customer: CustomerID, quote: QuoteID? = nil, value: Money, startsOn: CalendarDay,
                      endsOn: CalendarDay)
    /// Renew an active contract until a later day.
    case renewContract(ContractID, endsOn: CalendarDay, value: Money? = nil)
    /// Terminate an active contract.
    case terminateContract(ContractID, reason: String, effectiveOn: CalendarDay)

    // MARK: Orders and money

    /// Place an order; the total is computed from the lines.
    case placeOrder(OrderID, customer: CustomerID, lines: [OrderLine], channel: Channel, contract: ContractID? = nil)
    /// Ship a placed order.
    case shipOrder(OrderID, carrier: String? = nil, trackingNumber: String? = nil)
    /// Record the delivery of a shipped order.
    case deliverOrder(OrderID)
    /// Cancel a placed order before shipping.
    case cancelOrder(OrderID, reason: String)
    /// Record goods returned from a delivered order.
    case returnOrder(OrderID, amount: Money, reason: String)
    /// Issue an invoice.
    case issueInvoice(InvoiceID, customer: CustomerID, order: OrderID? = nil, amount: Money, dueOn: CalendarDay)
    /// Record a payment; above the open amount only with `overpayment: true`.
    case recordPayment(InvoiceID, amount: Money, method: PaymentMethod, overpayment: Bool = false)
    /// Mark an invoice overdue (after its due date, with an amount open).
    case markInvoiceOverdue(InvoiceID)

    // MARK: Service

    /// Open a ticket with its SLA targets.
    case openTicket(TicketID, customer: CustomerID, channel: Channel, priority: TicketPriority, category: String,
                    subject: PersonalText, description: PersonalText? = nil, slaPolicy: String,
                    firstResponseTargetMinutes: Int, resolutionTargetMinutes: Int)
    /// Assign a ticket.
    case assignTicket(TicketID, to: EmployeeID)
    /// Record the first response to the customer.
    case respondToTicket(TicketID, by: EmployeeID, channel: Channel)
    /// Record a reply of the customer.
    case recordCustomerReply(TicketID, channel: Channel, text: PersonalText? = nil)
    /// Escalate an open ticket to a higher level.
    case escalateTicket(TicketID, level: Int, reason: String)
    /// Resolve an open ticket.
    case resolveTicket(TicketID, firstContactResolution: Bool, resolution: PersonalText? = nil)
    /// Reopen a resolved or closed ticket.
    case reopenTicket(TicketID, reason: String)
    /// Close a resolved ticket.
    case closeTicket(TicketID)

    // MARK: Employees

    /// Register an employee.
    case registerEmployee(EmployeeID, name: PersonalText, role: String, team: String? = nil)
    /// Record that an employee left.
    case recordEmployeeLeft(EmployeeID)
    /// Record a completed training.
    case completeTraining(EmployeeID, course: String, crmTraining: Bool)
    /// Record an employee-survey answer (satisfaction 1…5).
    case answerEmployeeSurvey(EmployeeID, satisfaction: Int, crmSatisfaction: Int? = nil)

    // MARK: Work and the closed loop

    /// Create a task for an employee, or for the team's queue when `assignee` is `nil`. The
    /// customer, lead and assignee must exist (the assignee must not have left).
    case createTask(TaskID, kind: TaskKind, title: String, customer: CustomerID? = nil, lead: LeadID? = nil,
                    assignee: EmployeeID? = nil, dueOn: CalendarDay, reason: String)
    /// Complete an open task.
    case completeTask(TaskID, outcome: String? = nil)
    /// Record that an automated marketing reaction to a customer was not carried out because
    /// the consent it needs is missing.
    case recordSuppressedReaction(CustomerID, policy: String, reaction: String, purpose: ConsentPurpose, channel: Channel,
                                  reason: String)
    /// Record that the policy set `name` reacts to the log from `fromPosition` on; once per name.
    case activatePolicy(name: String, rulesVersion: String, fromPosition: UInt64)
}
