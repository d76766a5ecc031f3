import Foundation

/// A command broke a domain rule; nothing was appended.
///
/// Each case names the rule; ``rule`` gives a stable identifier (e.g. `opportunity.closed`)
/// for logs, APIs and the CLI.
public enum DomainRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The command refers to an entity that does not exist (an unknown customer, a ticket that
    /// was never opened, …). `kind` is the stream category, e.g. `customer`.
    case unknownEntity(kind: String, id: String)
    /// The command would create an entity whose id is already taken.
    case alreadyExists(kind: String, id: String)
    /// The customer was merged into another record and takes no further events.
    case customerMerged(CustomerID, survivor: CustomerID)
    /// A customer cannot be merged into itself.
    case mergeIntoItself(CustomerID)
    /// Contacts belong to B2B accounts; the customer is a private person.
    case contactsRequireAccount(CustomerID)
    /// The contact does not belong to the account.
    case unknownContact(ContactID, customer: CustomerID)
    /// The employee has left and cannot be given new work.
    case employeeLeft(EmployeeID)
    /// A closed opportunity cannot be won, lost or changed again.
    case opportunityClosed(OpportunityID, outcome: String)
    /// A quote must be approved internally before it is sent.
    case quoteNotApproved(QuoteID)
    /// The entity is in a state where the action is not allowed, e.g. shipping a cancelled
    /// order or resolving a closed ticket.
    case invalidTransition(kind: String, id: String, state: String, action: String)
    /// A payment larger than the open amount, not recorded as an overpayment.
    case paymentExceedsOpenAmount(InvoiceID, open: Money, payment: Money)
    /// An invoice can only be marked overdue after its due date while an amount is open.
    case invoiceNotOverdue(InvoiceID, reason: String)
    /// A returned amount larger than what is left of the order.
    case returnExceedsOrder(OrderID, remaining: Money, returned: Money)
    /// An amount that must not be negative is negative.
    case negativeAmount(field: String, amount: Money)
    /// An amount that must be above zero is not.
    case nonPositiveAmount(field: String, amount: Money)
    /// Amounts that must share a currency do not.
    case currencyMismatch(field: String, expected: CurrencyCode, found: CurrencyCode)
    /// An amount does not fit 64-bit minor units.
    case amountOverflow(field: String)
    /// An NPS score outside 0…10.
    case npsScoreOutOfRange(Int)
    /// A probability outside 0…100 %.
    case probabilityOutOfRange(Int)
    /// A number outside its allowed range.
    case valueOutOfRange(field: String, value: Int, allowed: ClosedRange<Int>)
    /// A required text is empty.
    case emptyField(String)
    /// A list that needs at least one element is empty.
    case emptyList(String)
    /// A date range ends before it starts.
    case dateRangeReversed(field: String, start: CalendarDay, end: CalendarDay)
    /// A change that changes nothing (e.g. moving an opportunity to the stage it is in).
    case noChange(String)
    /// A consent cannot be withdrawn that was not given.
    case consentNotGiven(CustomerID, purpose: ConsentPurpose, channel: Channel)
    /// A name used in a stream name must be lowercase letters, digits and `-` (1…64 characters).
    case invalidName(field: String, value: String)
    /// A state transition of an opportunity, quote, ticket, order or contract (shipping,
    /// resolving, accepting, winning, terminating, …) is dated before that entity's latest event
    /// (`latest`): their transitions are recorded in business order, the order in which the
    /// commands check them (docs/projections.md, "Time").
    case backdated(kind: String, id: String, latest: Date)
    /// An event of an opportunity, quote, ticket, order or contract is dated before the event
    /// that created the entity (`created`).
    case beforeCreation(kind: String, id: String, created: Date)

    /// A stable identifier of the rule, e.g. `opportunity.closed`.
    public var rule: String {
        switch self {
        case .unknownEntity(let kind, _): return "\(kind).unknown"
        case .alreadyExists(let kind, _): return "\(kind).exists"
        case .customerMerged: return "customer.merged"
        case .mergeIntoItself: return "customer.merge-into-itself"
        case .contactsRequireAccount: return "contact.requires-account"
        case .unknownContact: return "contact.unknown"
        case .employeeLeft: return "employee.left"
        case .opportunityClosed: return "opportunity.closed"
        case .quoteNotApproved: return "quote.not-approved"
        case .invalidTransition(let kind, _, _, let action): return "\(kind).\(action).not-allowed"
        case .paymentExceedsOpenAmount: return "payment.exceeds-open-amount"
        case .invoiceNotOverdue: return "invoice.not-overdue"
        case .returnExceedsOrder: return "order.return-exceeds-order"
        case .negativeAmount: return "money.negative"
        case .nonPositiveAmount: return "money.not-positive"
        case .currencyMismatch: return "money.currency-mismatch"
        case .amountOverflow: return "money.overflow"
        case .npsScoreOutOfRange: return "nps.score-range"
        case .probabilityOutOfRange: return "opportunity.probability-range"
        case .valueOutOfRange: return "value.range"
        case .emptyField: return "field.empty"
        case .emptyList: return "list.empty"
        case .dateRangeReversed: return "dates.reversed"
        case .noChange: return "change.none"
        case .consentNotGiven: return "consent.not-given"
        case .invalidName: return "name.invalid"
        case .backdated(let kind, _, _): return "\(kind).backdated"
        case .beforeCreation(let kind, _, _): return "\(kind).before-creation"
        }
    }

    public var description: String {
        switch self {
        case .unknownEntity(let kind, let id): return "no \(kind) \(id) exists"
        case .alreadyExists(let kind, let id): return "\(kind) \(id) already exists"
        case .customerMerged(let id, let survivor): return "customer \(id) was merged into \(survivor); use the surviving record"
        case .mergeIntoItself(let id): return "customer \(id) cannot be merged into itself"
        case .contactsRequireAccount(let id): return "customer \(id) is a private person; contacts belong to B2B accounts"
        case .unknownContact(let contact, let customer): return "contact \(contact) does not belong to customer \(customer)"
        case .employeeLeft(let id): return "employee \(id) has left"
        case .opportunityClosed(let id, let outcome): return "opportunity \(id) is already closed (\(outcome))"
        case .quoteNotApproved(let id): return "quote \(id) must be approved internally before it is sent"
        case .invalidTransition(let kind, let id, let state, let action): return "\(kind) \(id) is \(state): cannot \(action)"
        case .paymentExceedsOpenAmount(let id, let open, let payment):
            return "payment of \(payment) exceeds the open amount \(open) of invoice \(id); record it as an overpayment to accept it"
        case .invoiceNotOverdue(let id, let reason): return "invoice \(id) is not overdue: \(reason)"
        case .returnExceedsOrder(let id, let remaining, let returned): return "return of \(returned) exceeds the \(remaining) left of order \(id)"
        case .negativeAmount(let field, let amount): return "\(field) must not be negative (found \(amount))"
        case .nonPositiveAmount(let field, let amount): return "\(field) must be above zero (found \(amount))"
        case .currencyMismatch(let field, let expected, let found): return "\(field) is in \(found) but must be in \(expected)"
        case .amountOverflow(let field): return "\(field) does not fit 64-bit minor units"
        case .npsScoreOutOfRange(let score): return "an NPS score is 0…10 (found \(score))"
        case .probabilityOutOfRange(let value): return "a probability is 0…100 % (found \(value))"
        case .valueOutOfRange(let field, let value, let allowed):
            return "\(field) must be in \(allowed.lowerBound)…\(allowed.upperBound) (found \(value))"
        case .emptyField(let field): return "\(field) must not be empty"
        case .emptyList(let field): return "\(field) needs at least one entry"
        case .dateRangeReversed(let field, let start, let end): return "\(field) ends (\(end)) before it starts (\(start))"
        case .noChange(let what): return "nothing changes: \(what)"
        case .consentNotGiven(let id, let purpose, let channel):
            return "customer \(id) has no consent for \(purpose.name) over \(channel.name) to withdraw"
        case .invalidName(let field, let value):
            return "\(field) '\(value)' must be 1…64 lowercase letters, digits or '-'"
        case .backdated(let kind, let id, let latest):
            return "\(kind) \(id) has an event at \(latest.formatted(.iso8601)); its state changes are recorded in business order, "
                + "so this one may not be dated before that"
        case .beforeCreation(let kind, let id, let created):
            return "\(kind) \(id) was created at \(created.formatted(.iso8601)); its events may not be dated before that"
        }
    }
}
