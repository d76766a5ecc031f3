// The closed set of catalog events as one enum, so projections switch over cases instead of
// casting. Keep the case list, `catalogMessage` and `CatalogTypes.all` in the same order.

/// A decoded event: one case per catalog type, an app's extension event, or an event type this
/// reader does not know.
public enum DomainEvent: Sendable, Hashable {
    /// See ``CustomerRegistered``.
    case customerRegistered(CustomerRegistered)
    /// See ``CustomerDetailsChanged``.
    case customerDetailsChanged(CustomerDetailsChanged)
    /// See ``CustomersMerged``.
    case customersMerged(CustomersMerged)
    /// See ``ContactAdded``.
    case contactAdded(ContactAdded)
    /// See ``ContactRoleChanged``.
    case contactRoleChanged(ContactRoleChanged)
    /// See ``ContactRemoved``.
    case contactRemoved(ContactRemoved)
    /// See ``AccountManagerAssigned``.
    case accountManagerAssigned(AccountManagerAssigned)
    /// See ``CostToServeBooked``.
    case costToServeBooked(CostToServeBooked)
    /// See ``InteractionRecorded``.
    case interactionRecorded(InteractionRecorded)
    /// See ``ConsentGiven``.
    case consentGiven(ConsentGiven)
    /// See ``ConsentWithdrawn``.
    case consentWithdrawn(ConsentWithdrawn)
    /// See ``ErasureRequested``.
    case erasureRequested(ErasureRequested)
    /// See ``FeedbackReceived``.
    case feedbackReceived(FeedbackReceived)
    /// See ``NPSAnswered``.
    case npsAnswered(NPSAnswered)
    /// See ``PersonalDataErased``.
    case personalDataErased(PersonalDataErased)
    /// See ``CampaignPlanned``.
    case campaignPlanned(CampaignPlanned)
    /// See ``CampaignLaunched``.
    case campaignLaunched(CampaignLaunched)
    /// See ``CampaignCostBooked``.
    case campaignCostBooked(CampaignCostBooked)
    /// See ``CampaignClosed``.
    case campaignClosed(CampaignClosed)
    /// See ``LeadCaptured``.
    case leadCaptured(LeadCaptured)
    /// See ``LeadAttributesRecorded``.
    case leadAttributesRecorded(LeadAttributesRecorded)
    /// See ``LeadQualified``.
    case leadQualified(LeadQualified)
    /// See ``LeadDisqualified``.
    case leadDisqualified(LeadDisqualified)
    /// See ``LeadHandedOver``.
    case leadHandedOver(LeadHandedOver)
    /// See ``LeadConverted``.
    case leadConverted(LeadConverted)
    /// See ``OpportunityOpened``.
    case opportunityOpened(OpportunityOpened)
    /// See ``OpportunityStageChanged``.
    case opportunityStageChanged(OpportunityStageChanged)
    /// See ``OpportunityAmountChanged``.
    case opportunityAmountChanged(OpportunityAmountChanged)
    /// See ``OpportunityCloseDateChanged``.
    case opportunityCloseDateChanged(OpportunityCloseDateChanged)
    /// See ``OpportunityProbabilityChanged``.
    case opportunityProbabilityChanged(OpportunityProbabilityChanged)
    /// See ``OpportunityWon``.
    case opportunityWon(OpportunityWon)
    /// See ``OpportunityLost``.
    case opportunityLost(OpportunityLost)
    /// See ``QuoteDrafted``.
    case quoteDrafted(QuoteDrafted)
    /// See ``QuoteApproved``.
    case quoteApproved(QuoteApproved)
    /// See ``QuoteSent``.
    case quoteSent(QuoteSent)
    /// See ``QuoteAccepted``.
    case quoteAccepted(QuoteAccepted)
    /// See ``QuoteRejected``.
    case quoteRejected(QuoteRejected)
    /// See ``QuoteExpired``.
    case quoteExpired(QuoteExpired)
    /// See ``ContractSigned``.
    case contractSigned(ContractSigned)
    /// See ``ContractRenewed``.
    case contractRenewed(ContractRenewed)
    /// See ``ContractTerminated``.
    case contractTerminated(ContractTerminated)
    /// See ``OrderPlaced``.
    case orderPlaced(OrderPlaced)
    /// See ``OrderShipped``.
    case orderShipped(OrderShipped)
    /// See ``OrderDelivered``.
    case orderDelivered(OrderDelivered)
    /// See ``OrderCancelled``.
    case orderCancelled(OrderCancelled)
    /// See ``OrderReturned``.
    case orderReturned(OrderReturned)
    /// See ``InvoiceIssued``.
    case invoiceIssued(InvoiceIssued)
    /// See ``PaymentReceived``.
    case paymentReceived(PaymentReceived)
    /// See ``InvoiceOverdue``.
    case invoiceOverdue(InvoiceOverdue)
    /// See ``TicketOpened``.
    case ticketOpened(TicketOpened)
    /// See ``TicketAssigned``.
    case ticketAssigned(TicketAssigned)
    /// See ``TicketFirstResponseGiven``.
    case ticketFirstResponseGiven(TicketFirstResponseGiven)
    /// See ``TicketCustomerReplied``.
    case ticketCustomerReplied(TicketCustomerReplied)
    /// See ``TicketEscalated``.
    case ticketEscalated(TicketEscalated)
    /// See ``TicketResolved``.
    case ticketResolved(TicketResolved)
    /// See ``TicketReopened``.
    case ticketReopened(TicketReopened)
    /// See ``TicketClosed``.
    case ticketClosed(TicketClosed)
    /// See ``EmployeeJoined``.
    case employeeJoined(EmployeeJoined)
    /// See ``EmployeeLeft``.
    case employeeLeft(EmployeeLeft)
    /// See ``TrainingCompleted``.
    case trainingCompleted(TrainingCompleted)
    /// See ``EmployeeSurveyAnswered``.
    case employeeSurveyAnswered(EmployeeSurveyAnswered)
    /// See ``TaskCreated``.
    case taskCreated(TaskCreated)
    /// See ``TaskCompleted``.
    case taskCompleted(TaskCompleted)
    /// See ``ReactionSuppressed``.
    case reactionSuppressed(ReactionSuppressed)
    /// See ``PolicyActivated``.
    case policyActivated(PolicyActivated)
    /// An event type an embedding app registered (see ``ExtensionEvent``).
    case extensionEvent(ExtensionEventValue)
    /// An event type this reader does not know, with its raw payload: never a crash.
    case unknown(UnknownEvent)

    /// The catalog event, when the case is a catalog type.
    public var catalogEvent: (any CatalogEvent)? { catalogMessage }

    /// The stored type name.
    public var eventType: String {
        switch self {
        case .extensionEvent(let value): return value.eventType
        case .unknown(let value): return value.eventType
        default: return type(of: catalogMessage!).eventType
        }
    }

    /// Whose personal data the event carries, if any.
    public var dataSubject: DataSubject? { catalogMessage?.dataSubject }

    var catalogMessage: (any CatalogMessage)? {
        switch self {
        case .customerRegistered(let event): return event
        case .customerDetailsChanged(let event): return event
        case .customersMerged(let event): return event
        case .contactAdded(let event): return event
        case .contactRoleChanged(let event): return event
        case .contactRemoved(let event): return event
        case .accountManagerAssigned(let event): return event
        case .costToServeBooked(let event): return event
        case .interactionRecorded(let event): return event
        case .consentGiven(let event): return event
        case .consentWithdrawn(let event): return event
        case .erasureRequested(let event): return event
        case .feedbackReceived(let event): return event
        case .npsAnswered(let event): return event
        case .personalDataErased(let event): return event
        case .campaignPlanned(let event): return event
        case .campaignLaunched(let event): return event
        case .campaignCostBooked(let event): return event
        case .campaignClosed(let event): return event
        case .leadCaptured(let event): return event
        case .leadAttributesRecorded(let event): return event
        case .leadQualified(let event): return event
        case .leadDisqualified(let event): return event
        case .leadHandedOver(let event): return event
        case .leadConverted(let event): return event
        case .opportunityOpened(let event): return event
        case .opportunityStageChanged(let event): return event
        case .opportunityAmountChanged(let event): return event
        case .opportunityCloseDateChanged(let event): return event
        case .opportunityProbabilityChanged(let event): return event
        case .opportunityWon(let event): return event
        case .opportunityLost(let event): return event
        case .quoteDrafted(let event): return event
        case .quoteApproved(let event): return event
        case .quoteSent(let event): return event
        case .quoteAccepted(let event): return event
        case .quoteRejected(let event): return event
        case .quoteExpired(let event): return event
        case .contractSigned(let event): return event
        case .contractRenewed(let event): return event
        case .contractTerminated(let event): return event
        case .orderPlaced(let event): return event
        case .orderShipped(let event): return event
        case .orderDelivered(let event): return event
        case .orderCancelled(let event): return event
        case .orderReturned(let event): return event
        case .invoiceIssued(let event): return event
        case .paymentReceived(let event): return event
        case .invoiceOverdue(let event): return event
        case .ticketOpened(let event): return event
        case .ticketAssigned(let event): return event
        case .ticketFirstResponseGiven(let event): return event
        case .ticketCustomerReplied(let event): return event
        case .ticketEscalated(let event): return event
        case .ticketResolved(let event): return event
        case .ticketReopened(let event): return event
        case .ticketClosed(let event): return event
        case .employeeJoined(let event): return event
        case .employeeLeft(let event): return event
        case .trainingCompleted(let event): return event
        case .employeeSurveyAnswered(let event): return event
        case .taskCreated(let event): return event
        case .taskCompleted(let event): return event
        case .reactionSuppressed(let event): return event
        case .policyActivated(let event): return event
        case .extensionEvent, .unknown: return nil
        }
    }
}

/// Every catalog event type, in catalog order.
enum CatalogTypes {
    static let all: [any CatalogMessage.Type] = [
        CustomerRegistered.self,
        CustomerDetailsChanged.self,
        CustomersMerged.self,
        ContactAdded.self,
        ContactRoleChanged.self,
        ContactRemoved.self,
        AccountManagerAssigned.self,
        CostToServeBooked.self,
        InteractionRecorded.self,
        ConsentGiven.self,
        ConsentWithdrawn.self,
        ErasureRequested.self,
        FeedbackReceived.self,
        NPSAnswered.self,
        PersonalDataErased.self,
        CampaignPlanned.self,
        CampaignLaunched.self,
        CampaignCostBooked.self,
        CampaignClosed.self,
        LeadCaptured.self,
        LeadAttributesRecorded.self,
        LeadQualified.self,
        LeadDisqualified.self,
        LeadHandedOver.self,
        LeadConverted.self,
        OpportunityOpened.self,
        OpportunityStageChanged.self,
        OpportunityAmountChanged.self,
        OpportunityCloseDateChanged.self,
        OpportunityProbabilityChanged.self,
        OpportunityWon.self,
        OpportunityLost.self,
        QuoteDrafted.self,
        QuoteApproved.self,
        QuoteSent.self,
        QuoteAccepted.self,
        QuoteRejected.self,
        QuoteExpired.self,
        ContractSigned.self,
        ContractRenewed.self,
        ContractTerminated.self,
        OrderPlaced.self,
        OrderShipped.self,
        OrderDelivered.self,
        OrderCancelled.self,
        OrderReturned.self,
        InvoiceIssued.self,
        PaymentReceived.self,
        InvoiceOverdue.self,
        TicketOpened.self,
        TicketAssigned.self,
        TicketFirstResponseGiven.self,
        TicketCustomerReplied.self,
        TicketEscalated.self,
        TicketResolved.self,
        TicketReopened.self,
        TicketClosed.self,
        EmployeeJoined.self,
        EmployeeLeft.self,
        TrainingCompleted.self,
        EmployeeSurveyAnswered.self,
        TaskCreated.self,
        TaskCompleted.self,
        ReactionSuppressed.self,
        PolicyActivated.self,
    ]
}
