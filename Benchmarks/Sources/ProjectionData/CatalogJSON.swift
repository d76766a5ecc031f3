import CRMDomain
import Foundation

/// The catalog's event types, for the SQLite peer: it stores each event as the JSON of its
/// catalog struct (`JSONEncoder`) and reads it back with `JSONDecoder`.
public enum CatalogJSON {
    /// Every catalog type, in `DomainEvent`'s case order.
    public static let types: [any CatalogEvent.Type] = [
        CustomerRegistered.self, CustomerDetailsChanged.self, CustomersMerged.self, ContactAdded.self, ContactRoleChanged.self,
        ContactRemoved.self, AccountManagerAssigned.self, CostToServeBooked.self, InteractionRecorded.self, ConsentGiven.self,
        ConsentWithdrawn.self, ErasureRequested.self, FeedbackReceived.self, NPSAnswered.self, CampaignPlanned.self,
        CampaignLaunched.self, CampaignCostBooked.self, CampaignClosed.self, LeadCaptured.self, LeadAttributesRecorded.self,
        LeadQualified.self, LeadDisqualified.self, LeadHandedOver.self, LeadConverted.self, OpportunityOpened.self,
        OpportunityStageChanged.self, OpportunityAmountChanged.self, OpportunityCloseDateChanged.self,
        OpportunityProbabilityChanged.self, OpportunityWon.self, OpportunityLost.self, QuoteDrafted.self, QuoteApproved.self,
        QuoteSent.self, QuoteAccepted.self, QuoteRejected.self, QuoteExpired.self, ContractSigned.self, ContractRenewed.self,
        ContractTerminated.self, OrderPlaced.self, OrderShipped.self, OrderDelivered.self, OrderCancelled.self, OrderReturned.self,
        InvoiceIssued.self, PaymentReceived.self, InvoiceOverdue.self, TicketOpened.self, TicketAssigned.self,
        TicketFirstResponseGiven.self, TicketCustomerReplied.self, TicketEscalated.self, TicketResolved.self, TicketReopened.self,
        TicketClosed.self, EmployeeJoined.self, EmployeeLeft.self, TrainingCompleted.self, EmployeeSurveyAnswered.self,
    ]

    /// Decodes one payload of a known type into its `DomainEvent` case.
    public typealias Decoder = @Sendable (JSONDecoder, Data) throws -> DomainEvent

    private static func decoder<T: CatalogEvent>(_: T.Type) -> Decoder {
        { decoder, data in try decoder.decode(T.self, from: data).domainEvent }
    }

    /// The decoder of each type name.
    public static let decoders: [String: Decoder] = {
        var table: [String: Decoder] = [:]
        for type in types { table[type.eventType] = decoder(type) }
        return table
    }()

    private static func encode<T: CatalogEvent>(_ event: T, _ encoder: JSONEncoder) throws -> Data { try encoder.encode(event) }

    /// The type name and JSON payload of a catalog event.
    public static func encode(_ event: DomainEvent, with encoder: JSONEncoder) throws -> (type: String, json: Data) {
        guard let catalog = event.catalogEvent else { throw DatasetError("not a catalog event: \(event)") }
        return (type(of: catalog).eventType, try encode(catalog, encoder))
    }
}

/// A failure while preparing or reading the benchmark data.
public struct DatasetError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
