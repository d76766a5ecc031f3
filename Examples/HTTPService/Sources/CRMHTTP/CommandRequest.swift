import CRMKit
import Foundation

/// The JSON body of `POST /commands`: a `type` naming the command and its fields.
///
/// Ids are UUID strings; an id left out of a command that creates an entity is generated and
/// returned in the response. Money is `{"amount": <minor units>, "currency": "EUR"}`, days are
/// `YYYY-MM-DD`, enumerations are their case names (`"account"`, `"email"`, `"high"`).
///
/// ```json
/// {"type": "registerCustomer", "kind": "account", "name": "Kunststoff AG", "country": "DE"}
/// {"type": "placeOrder", "customer": "…", "channel": "web",
///  "lines": [{"product": "SG-3", "quantity": 2, "unitPrice": {"amount": 62500, "currency": "EUR"}}]}
/// ```
public struct CommandRequest: Sendable, Decodable {
    /// The command, with every id filled in.
    public let command: CRMCommand
    /// The id of the entity the command is about (the one created, for a creating command).
    public let id: String
    /// Business time of the fact (`occurredAt`), ISO 8601; the time of the request when absent.
    public let occurredAt: Date?

    /// The command types this service accepts.
    public static let types = [
        "registerCustomer", "registerEmployee", "openOpportunity", "moveOpportunity", "winOpportunity",
        "loseOpportunity", "placeOrder", "openTicket", "respondToTicket", "resolveTicket", "answerNPS",
    ]

    private enum Key: String, CodingKey {
        case type, id, occurredAt
        case kind, name, email, country, role
        case customer, title, expectedRevenue, expectedCloseOn, probability, product, owner, stage, amount, reason
        case lines, channel
        case priority, category, subject, slaPolicy, firstResponseTargetMinutes, resolutionTargetMinutes
        case employee, firstContactResolution, score
    }

    /// Decodes a command; an unknown `type` or enumeration case is a `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        occurredAt = try c.decodeIfPresent(String.self, forKey: .occurredAt).map { text in
            guard let date = ISO8601DateFormatter().date(from: text) else {
                throw DecodingError.dataCorruptedError(forKey: .occurredAt, in: c, debugDescription: "'\(text)' is not an ISO 8601 time")
            }
            return date
        }
        func existing<Kind>(_ key: Key = .id) throws -> Identifier<Kind> { try c.decode(Identifier<Kind>.self, forKey: key) }
        func new<Kind>() throws -> Identifier<Kind> { try c.decodeIfPresent(Identifier<Kind>.self, forKey: .id) ?? .new() }
        func named<E: CaseIterable & CaseNamed>(_ key: Key) throws -> E {
            let text = try c.decode(String.self, forKey: key)
            guard let value = E.allCases.first(where: { $0.name == text }) else {
                let names = E.allCases.map(\.name).joined(separator: ", ")
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(text)' is not one of \(names)")
            }
            return value
        }
        func text(_ key: Key) throws -> PersonalText { try c.decode(PersonalText.self, forKey: key) }
        func optionalText(_ key: Key) throws -> PersonalText? { try c.decodeIfPresent(PersonalText.self, forKey: key) }

        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "registerCustomer":
            let customer: CustomerID = try new()
            id = customer.description
            command = .registerCustomer(customer, kind: try named(.kind), name: try text(.name), email: try optionalText(.email),
                                        country: try c.decodeIfPresent(String.self, forKey: .country))
        case "registerEmployee":
            let employee: EmployeeID = try new()
            id = employee.description
            command = .registerEmployee(employee, name: try text(.name), role: try c.decode(String.self, forKey: .role))
        case "openOpportunity":
            let opportunity: OpportunityID = try new()
            id = opportunity.description
            command = .openOpportunity(opportunity, customer: try existing(.customer), title: try c.decode(String.self, forKey: .title),
                                       expectedRevenue: try c.decode(Money.self, forKey: .expectedRevenue),
                                       expectedCloseOn: try c.decode(CalendarDay.self, forKey: .expectedCloseOn),
                                       probability: try c.decode(Int.self, forKey: .probability),
                                       product: try c.decode(String.self, forKey: .product), owner: try existing(.owner))
        case "moveOpportunity":
            let opportunity: OpportunityID = try existing()
            id = opportunity.description
            command = .moveOpportunity(opportunity, to: try named(.stage))
        case "winOpportunity":
            let opportunity: OpportunityID = try existing()
            id = opportunity.description
            command = .winOpportunity(opportunity, amount: try c.decode(Money.self, forKey: .amount))
        case "loseOpportunity":
            let opportunity: OpportunityID = try existing()
            id = opportunity.description
            command = .loseOpportunity(opportunity, reason: try c.decode(String.self, forKey: .reason))
        case "placeOrder":
            let order: OrderID = try new()
            id = order.description
            command = .placeOrder(order, customer: try existing(.customer), lines: try c.decode([OrderLine].self, forKey: .lines),
                                  channel: try named(.channel))
        case "openTicket":
            let ticket: TicketID = try new()
            id = ticket.description
            command = .openTicket(ticket, customer: try existing(.customer), channel: try named(.channel), priority: try named(.priority),
                                  category: try c.decode(String.self, forKey: .category), subject: try text(.subject),
                                  slaPolicy: try c.decodeIfPresent(String.self, forKey: .slaPolicy) ?? "standard",
                                  firstResponseTargetMinutes: try c.decode(Int.self, forKey: .firstResponseTargetMinutes),
                                  resolutionTargetMinutes: try c.decode(Int.self, forKey: .resolutionTargetMinutes))
        case "respondToTicket":
            let ticket: TicketID = try existing()
            id = ticket.description
            command = .respondToTicket(ticket, by: try existing(.employee), channel: try named(.channel))
        case "resolveTicket":
            let ticket: TicketID = try existing()
            id = ticket.description
            command = .resolveTicket(ticket, firstContactResolution: try c.decode(Bool.self, forKey: .firstContactResolution))
        case "answerNPS":
            let customer: CustomerID = try existing(.customer)
            id = customer.description
            command = .answerNPS(customer, score: try c.decode(Int.self, forKey: .score))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "unknown command type '\(type)'; known: \(Self.types.joined(separator: ", "))")
        }
    }
}
