// The rules: for every command, what must hold and which events it emits.

extension Decider {
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func decide(_ command: CRMCommand) throws {
        switch command {
        // MARK: Parties
        case let .registerCustomer(id, kind, name, email, phone, address, industry, employeeCount, country):
            try absent(id, as: CustomerState.self)
            try text("name", name)
            if let employeeCount { try range("employeeCount", employeeCount, 0...10_000_000) }
            emit(id, .customerRegistered(CustomerRegistered(
                customerID: id, kind: kind, name: name, email: email, phone: phone, address: address,
                industry: industry, employeeCount: employeeCount, country: country)))

        case let .changeCustomerDetails(id, name, email, phone, address, industry, employeeCount, country):
            _ = try customer(id)
            if let name { try text("name", name) }
            if let employeeCount { try range("employeeCount", employeeCount, 0...10_000_000) }
            guard name != nil || email != nil || phone != nil || address != nil || industry != nil
                || employeeCount != nil || country != nil
            else { throw DomainRuleError.noChange("no detail given") }
            emit(id, .customerDetailsChanged(CustomerDetailsChanged(
                customerID: id, name: name, email: email, phone: phone, address: address,
                industry: industry, employeeCount: employeeCount, country: country)))

        case let .mergeCustomers(duplicate, survivor):
            guard duplicate != survivor else { throw DomainRuleError.mergeIntoItself(duplicate) }
            _ = try customer(survivor)
            _ = try customer(duplicate)
            emit(duplicate, .customersMerged(CustomersMerged(duplicateID: duplicate, survivorID: survivor)))

        case let .addContact(id, contact, name, email, phone, jobTitle, role):
            let state = try customer(id)
            guard state.kind == .account else { throw DomainRuleError.contactsRequireAccount(id) }
            guard !state.contacts.contains(contact) else { throw DomainRuleError.alreadyExists(kind: "contact", id: contact.description) }
            try text("name", name)
            emit(id, .contactAdded(ContactAdded(customerID: id, contactID: contact, name: name, email: email, phone: phone,
                                                jobTitle: jobTitle, role: role)))

        case let .changeContactRole(id, contact, role):
            let state = try customer(id)
            guard state.contacts.contains(contact) else { throw DomainRuleError.unknownContact(contact, customer: id) }
            emit(id, .contactRoleChanged(ContactRoleChanged(customerID: id, contactID: contact, role: role)))

        case let .removeContact(id, contact):
            let state = try customer(id)
            guard state.contacts.contains(contact) else { throw DomainRuleError.unknownContact(contact, customer: id) }
            emit(id, .contactRemoved(ContactRemoved(customerID: id, contactID: contact)))

        case let .assignAccountManager(id, employeeID):
            _ = try customer(id)
            try employee(employeeID)
            emit(id, .accountManagerAssigned(AccountManagerAssigned(customerID: id, employeeID: employeeID)))

        case let .bookCostToServe(id, activity, amount, note):
            _ = try customer(id)
            try nonNegative("amount", amount)
            emit(id, .costToServeBooked(CostToServeBooked(customerID: id, activity: activity, amount: amount, note: note)))

        case let .recordInteraction(interactionID, id, channel, direction, employeeID, contact, duration, subject, text):
            let state = try customer(id)
            if let employeeID { try employee(employeeID) }
            if let contact, !state.contacts.contains(contact) { throw DomainRuleError.unknownContact(contact, customer: id) }
            try range("durationSeconds", duration, 0...86_400 * 7)
            emit(id, .interactionRecorded(InteractionRecorded(
                interactionID: interactionID, customerID: id, channel: channel, direction: direction, employeeID: employeeID,
                contactID: contact, durationSeconds: duration, subject: subject, text: text)))

        case let .giveConsent(id, purpose, channel, source):
            _ = try customer(id)
            emit(id, .consentGiven(ConsentGiven(customerID: id, purpose: purpose, channel: channel, source: source)))

        case let .withdrawConsent(id, purpose, channel):
            let state = try customer(id)
            guard state.consents.contains(.init(purpose: purpose, channel: channel)) else {
                throw DomainRuleError.consentNotGiven(id, purpose: purpose, channel: channel)
            }
            emit(id, .consentWithdrawn(ConsentWithdrawn(customerID: id, purpose: purpose, channel: channel)))

        case let .requestErasure(id, channel):
            _ = try existing(id, as: CustomerState.self)
            emit(id, .erasureRequested(ErasureRequested(customerID: id, channel: channel)))

        case let .receiveFeedback(id, kind, channel, text, ticket):
            _ = try customer(id)
            try self.text("text", text)
            if let ticket {
                let state: TicketState = try existing(ticket)
                guard state.customerID == id else { throw DomainRuleError.unknownEntity(kind: "ticket", id: ticket.description) }
            }
            emit(id, .feedbackReceived(FeedbackReceived(customerID: id, kind: kind, channel: channel, text: text, ticketID: ticket)))

        case let .answerNPS(id, score, comment):
            _ = try customer(id)
            guard (0...10).contains(score) else { throw DomainRuleError.npsScoreOutOfRange(score) }
            emit(id, .npsAnswered(NPSAnswered(customerID: id, score: score, comment: comment)))

        case let .recordErasure(subject):
            switch subject {
            case .customer(let id): _ = try existing(id, as: CustomerState.self)
            case .lead(let id): _ = try existing(id, as: LeadState.self)
            case .employee(let id): _ = try existing(id, as: EmployeeState.self)
            case .contact: break
            }
            let event = PersonalDataErased(subjectKind: subject.kind, subjectID: subject.uuid)
            appends.append((subject.description, [.personalDataErased(event)]))

        // MARK: Marketing
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

        // MARK: Sales
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

        // MARK: Orders and money
        case let .placeOrder(id, customerID, lines, channel, contract):
            try absent(id, as: OrderState.self)
            _ = try customer(customerID)
            if let contract {
                let state: ContractState = try existing(contract)
                try transition(contract, state.status.rawValue, "order under it", allowed: state.status == .active)
            }
            let total = try total(of: lines)
            emit(id, .orderPlaced(OrderPlaced(orderID: id, customerID: customerID, lines: lines, total: total, channel: channel,
                                              contractID: contract)))

        case let .shipOrder(id, carrier, trackingNumber):
            let state: OrderState = try existing(id)
            try transition(id, state.status.rawValue, "ship", allowed: state.status == .placed)
            emit(id, .orderShipped(OrderShipped(orderID: id, carrier: carrier, trackingNumber: trackingNumber)))

        case let .deliverOrder(id):
            let state: OrderState = try existing(id)
            try transition(id, state.status.rawValue, "deliver", allowed: state.status == .shipped)
            emit(id, .orderDelivered(OrderDelivered(orderID: id)))

        case let .cancelOrder(id, reason):
            let state: OrderState = try existing(id)
            try transition(id, state.status.rawValue, "cancel", allowed: state.status == .placed)
            try text("reason", reason)
            emit(id, .orderCancelled(OrderCancelled(orderID: id, reason: reason)))

        case let .returnOrder(id, amount, reason):
            let state: OrderState = try existing(id)
            try transition(id, state.status.rawValue, "return goods", allowed: state.status == .delivered)
            try positive("amount", amount)
            try currency("amount", amount, state.total.currency)
            let remaining = Money(minorUnits: state.total.minorUnits &- state.returnedMinor, currency: state.total.currency)
            guard amount.minorUnits <= remaining.minorUnits else {
                throw DomainRuleError.returnExceedsOrder(id, remaining: remaining, returned: amount)
            }
            try text("reason", reason)
            emit(id, .orderReturned(OrderReturned(orderID: id, amount: amount, reason: reason)))

        case let .issueInvoice(id, customerID, order, amount, dueOn):
            try absent(id, as: InvoiceState.self)
            _ = try customer(customerID)
            if let order { _ = try existing(order, as: OrderState.self) }
            try positive("amount", amount)
            emit(id, .invoiceIssued(InvoiceIssued(invoiceID: id, customerID: customerID, orderID: order, amount: amount, dueOn: dueOn)))

        case let .recordPayment(id, amount, method, overpayment):
            let state: InvoiceState = try existing(id)
            try positive("amount", amount)
            try currency("amount", amount, state.amount.currency)
            let open = state.open
            guard amount.minorUnits <= open.minorUnits || overpayment else {
                throw DomainRuleError.paymentExceedsOpenAmount(id, open: open, payment: amount)
            }
            emit(id, .paymentReceived(PaymentReceived(invoiceID: id, amount: amount, method: method,
                                                      overpayment: amount.minorUnits > open.minorUnits)))

        case let .markInvoiceOverdue(id):
            let state: InvoiceState = try existing(id)
            guard state.open.minorUnits > 0 else { throw DomainRuleError.invoiceNotOverdue(id, reason: "it is paid") }
            guard today > state.dueOn else { throw DomainRuleError.invoiceNotOverdue(id, reason: "it is due on \(state.dueOn)") }
            emit(id, .invoiceOverdue(InvoiceOverdue(invoiceID: id, openAmount: state.open)))

        // MARK: Service
        case let .openTicket(id, customerID, channel, priority, category, subject, description, sla, firstResponse, resolution):
            try absent(id, as: TicketState.self)
            _ = try customer(customerID)
            try text("category", category)
            try text("subject", subject)
            try text("slaPolicy", sla)
            try range("firstResponseTargetMinutes", firstResponse, 1...525_600)
            try range("resolutionTargetMinutes", resolution, firstResponse...525_600)
            emit(id, .ticketOpened(TicketOpened(
                ticketID: id, customerID: customerID, channel: channel, priority: priority, category: category, subject: subject,
                description: description, slaPolicy: sla, firstResponseTargetMinutes: firstResponse,
                resolutionTargetMinutes: resolution)))

        case let .assignTicket(id, employeeID):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "assign", allowed: state.status == .open)
            try employee(employeeID)
            emit(id, .ticketAssigned(TicketAssigned(ticketID: id, employeeID: employeeID)))

        case let .respondToTicket(id, employeeID, channel):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "give a first response", allowed: state.status == .open)
            guard !state.responded else { throw DomainRuleError.noChange("ticket \(id) already has its first response") }
            try employee(employeeID)
            emit(id, .ticketFirstResponseGiven(TicketFirstResponseGiven(ticketID: id, employeeID: employeeID, channel: channel)))

        case let .recordCustomerReply(id, channel, text):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "record a reply", allowed: state.status != .closed)
            emit(id, .ticketCustomerReplied(TicketCustomerReplied(ticketID: id, customerID: state.customerID, channel: channel, text: text)))

        case let .escalateTicket(id, level, reason):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "escalate", allowed: state.status == .open)
            try range("level", level, (state.escalationLevel + 1)...9)
            try text("reason", reason)
            emit(id, .ticketEscalated(TicketEscalated(ticketID: id, level: level, reason: reason)))

        case let .resolveTicket(id, firstContact, resolution):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "resolve", allowed: state.status == .open)
            emit(id, .ticketResolved(TicketResolved(ticketID: id, customerID: state.customerID,
                                                    firstContactResolution: firstContact, resolution: resolution)))

        case let .reopenTicket(id, reason):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "reopen", allowed: state.status == .resolved || state.status == .closed)
            try text("reason", reason)
            emit(id, .ticketReopened(TicketReopened(ticketID: id, reason: reason)))

        case let .closeTicket(id):
            let state: TicketState = try existing(id)
            try transition(id, state.status.rawValue, "close", allowed: state.status == .resolved)
            emit(id, .ticketClosed(TicketClosed(ticketID: id)))

        // MARK: Employees
        case let .registerEmployee(id, name, role, team):
            try absent(id, as: EmployeeState.self)
            try text("name", name)
            try text("role", role)
            emit(id, .employeeJoined(EmployeeJoined(employeeID: id, name: name, role: role, team: team)))

        case let .recordEmployeeLeft(id):
            try employee(id)
            emit(id, .employeeLeft(EmployeeLeft(employeeID: id)))

        case let .completeTraining(id, course, crmTraining):
            try employee(id)
            try text("course", course)
            emit(id, .trainingCompleted(TrainingCompleted(employeeID: id, course: course, crmTraining: crmTraining)))

        case let .answerEmployeeSurvey(id, satisfaction, crmSatisfaction):
            try employee(id)
            try range("satisfaction", satisfaction, 1...5)
            if let crmSatisfaction { try range("crmSatisfaction", crmSatisfaction, 1...5) }
            emit(id, .employeeSurveyAnswered(EmployeeSurveyAnswered(employeeID: id, satisfaction: satisfaction,
                                                                    crmSatisfaction: crmSatisfaction)))

        // MARK: Work and the closed loop
        case let .createTask(id, kind, title, customerID, leadID, assignee, dueOn, reason):
            try absent(id, as: TaskState.self)
            try text("title", title)
            try text("reason", reason)
            if let customerID { _ = try customer(customerID) }
            if let leadID { _ = try existing(leadID, as: LeadState.self) }
            if let assignee { try employee(assignee) }
            emit(id, .taskCreated(TaskCreated(taskID: id, kind: kind, title: title, customerID: customerID, leadID: leadID,
                                              assignee: assignee, dueOn: dueOn, reason: reason)))

        case let .completeTask(id, outcome):
            let state: TaskState = try existing(id)
            try transition(id, state.status.rawValue, "complete", allowed: state.status == .open)
            emit(id, .taskCompleted(TaskCompleted(taskID: id, outcome: outcome)))

        case let .recordSuppressedReaction(id, policy, reaction, purpose, channel, reason):
            _ = try customer(id)
            try text("policy", policy)
            try text("reaction", reaction)
            try text("reason", reason)
            emit(id, .reactionSuppressed(ReactionSuppressed(customerID: id, policy: policy, reaction: reaction, purpose: purpose,
                                                            channel: channel, reason: reason)))

        case let .activatePolicy(name, rulesVersion, fromPosition):
            try PolicyActivated.checkName(name)
            try text("rulesVersion", rulesVersion)
            guard fromPosition >= 1, fromPosition <= UInt64(Int.max) else {
                throw DomainRuleError.valueOutOfRange(field: "fromPosition", value: Int(clamping: fromPosition), allowed: 1...Int.max)
            }
            let stream = PolicyActivated.stream(of: name)
            let state: PolicyStreamState = try load(stream)
            guard !state.exists else { throw DomainRuleError.alreadyExists(kind: "policy", id: name) }
            appends.append((stream, [.policyActivated(PolicyActivated(policy: name, rulesVersion: rulesVersion,
                                                                      fromPosition: Int(fromPosition)))]))
        }
    }


    /// An opportunity that exists and is still open.
    private mutating func openOpportunity(_ id: OpportunityID) throws -> OpportunityState {
        let state: OpportunityState = try existing(id)
        guard state.status == .open else { throw DomainRuleError.opportunityClosed(id, outcome: state.status.rawValue) }
        return state
    }
}
