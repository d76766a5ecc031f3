// Orders (order-<uuid>) and money (invoice-<uuid>).

/// An order was placed.
public struct OrderPlaced: CatalogMessage {
    public static let eventType = "OrderPlaced"
    public static let schemaVersion: UInt32 = 1
    /// The order.
    public internal(set) var orderID = OrderID.placeholder
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The ordered lines (at least one).
    public internal(set) var lines: [OrderLine] = []
    /// The order total (sum of the lines' net amounts).
    public internal(set) var total = Money.placeholder
    /// The channel it was placed over.
    public internal(set) var channel = Channel.web
    /// The contract it is placed under, if any.
    public internal(set) var contractID: ContractID?

    public var domainEvent: DomainEvent { .orderPlaced(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "orderID", &orderID)
        try v.field(2, "customerID", &customerID)
        try v.repeated(3, "lines", &lines)
        try v.field(4, "total", &total)
        try v.field(5, "channel", &channel)
        try v.field(6, "contractID", &contractID)
    }
}

/// An order was shipped.
public struct OrderShipped: CatalogMessage {
    public static let eventType = "OrderShipped"
    public static let schemaVersion: UInt32 = 1
    /// The order.
    public internal(set) var orderID = OrderID.placeholder
    /// The carrier.
    public internal(set) var carrier: String?
    /// The carrier's tracking number.
    public internal(set) var trackingNumber: String?

    public var domainEvent: DomainEvent { .orderShipped(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "orderID", &orderID)
        try v.field(2, "carrier", &carrier)
        try v.field(3, "trackingNumber", &trackingNumber)
    }
}

/// A shipped order was delivered.
public struct OrderDelivered: CatalogMessage {
    public static let eventType = "OrderDelivered"
    public static let schemaVersion: UInt32 = 1
    /// The order.
    public internal(set) var orderID = OrderID.placeholder

    public var domainEvent: DomainEvent { .orderDelivered(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "orderID", &orderID)
    }
}

/// An order was cancelled before shipping.
public struct OrderCancelled: CatalogMessage {
    public static let eventType = "OrderCancelled"
    public static let schemaVersion: UInt32 = 1
    /// The order.
    public internal(set) var orderID = OrderID.placeholder
    /// Why.
    public internal(set) var reason = ""

    public var domainEvent: DomainEvent { .orderCancelled(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "orderID", &orderID)
        try v.field(2, "reason", &reason)
    }
}

/// A delivered order (or part of it) came back.
public struct OrderReturned: CatalogMessage {
    public static let eventType = "OrderReturned"
    public static let schemaVersion: UInt32 = 1
    /// The order.
    public internal(set) var orderID = OrderID.placeholder
    /// The value returned (at most the order total).
    public internal(set) var amount = Money.placeholder
    /// Why.
    public internal(set) var reason = ""

    public var domainEvent: DomainEvent { .orderReturned(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "orderID", &orderID)
        try v.field(2, "amount", &amount)
        try v.field(3, "reason", &reason)
    }
}

/// An invoice was issued.
public struct InvoiceIssued: CatalogMessage {
    public static let eventType = "InvoiceIssued"
    public static let schemaVersion: UInt32 = 1
    /// The invoice.
    public internal(set) var invoiceID = InvoiceID.placeholder
    /// The customer.
    public internal(set) var customerID = CustomerID.placeholder
    /// The order invoiced, if any.
    public internal(set) var orderID: OrderID?
    /// The amount due (positive).
    public internal(set) var amount = Money.placeholder
    /// The due date.
    public internal(set) var dueOn = CalendarDay.placeholder

    public var domainEvent: DomainEvent { .invoiceIssued(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "invoiceID", &invoiceID)
        try v.field(2, "customerID", &customerID)
        try v.field(3, "orderID", &orderID)
        try v.field(4, "amount", &amount)
        try v.field(5, "dueOn", &dueOn)
    }
}

/// A payment against an invoice arrived.
public struct PaymentReceived: CatalogMessage {
    public static let eventType = "PaymentReceived"
    public static let schemaVersion: UInt32 = 1
    /// The invoice.
    public internal(set) var invoiceID = InvoiceID.placeholder
    /// The amount paid (positive, in the invoice's currency).
    public internal(set) var amount = Money.placeholder
    /// How it was paid.
    public internal(set) var method = PaymentMethod.bankTransfer
    /// Whether the payment was accepted as exceeding the open amount.
    public internal(set) var overpayment = false

    public var domainEvent: DomainEvent { .paymentReceived(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "invoiceID", &invoiceID)
        try v.field(2, "amount", &amount)
        try v.field(3, "method", &method)
        try v.field(4, "overpayment", &overpayment)
    }
}

/// An invoice passed its due date with an amount still open.
public struct InvoiceOverdue: CatalogMessage {
    public static let eventType = "InvoiceOverdue"
    public static let schemaVersion: UInt32 = 1
    /// The invoice.
    public internal(set) var invoiceID = InvoiceID.placeholder
    /// The amount still open.
    public internal(set) var openAmount = Money.placeholder

    public var domainEvent: DomainEvent { .invoiceOverdue(self) }

    mutating func visitFields<V: FieldVisitor>(_ v: inout V) throws {
        try v.field(1, "invoiceID", &invoiceID)
        try v.field(2, "openAmount", &openAmount)
    }
}
