// The rules of the orders-and-money family: orders, returns, invoices and payments
// (Catalog/OrderEvents.swift).

extension Decider {
    /// Decides a command of this family; `decide(_:)` sends only those here.
    mutating func decideOrderCommand(_ command: CRMCommand) throws {
        switch command {
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

        default:
            preconditionFailure("decide(_:) dispatched a command that is not of the order family")
        }
    }
}
