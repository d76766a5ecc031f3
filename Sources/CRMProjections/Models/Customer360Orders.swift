import CRMDomain
import Foundation

// Customer 360, the orders and money: orders with delivery status, returns, invoices, payments
// and overdue balance.

extension Customer360Model {
    @inline(__always)
    mutating func fold(_ e: OrderPlaced, _ info: EventInfo) {
        let day = info.day
        own(e.orderID.uuid, by: e.customerID)
        let amount = inCurrency(e.total)
        customers.modify(e.customerID) { record in
            var entry = OrderEntry()
            entry.orderID = e.orderID
            entry.placedOn = day
            entry.total = e.total
            record.orders.appendGrowing(entry)
            record.orders.trimClosed(keeping: Self.closedEntries) { $0.status == .delivered || $0.status == .cancelled }
            record.addOrderDay(day)
            if let amount {
                record.addToYear(day) { $0.revenue &+= amount; $0.orders += 1 }
                record.addToMonth(day, revenue: amount)
            }
            record.recentOrderDays.appendGrowing(day)
            let latest = record.lastOrderOn ?? day
            record.recentOrderDays.removeAll { Int(latest.daysSince1970) - Int($0.daysSince1970) > 365 }
        }
    }

    @inline(__always)
    mutating func fold(_ e: OrderShipped, _ info: EventInfo) {
        let day = info.day
        withOwner(of: e.orderID.uuid) { $0.orders.modify(where: { $0.orderID == e.orderID }) { $0.status = .shipped; $0.shippedOn = day } }
    }

    @inline(__always)
    mutating func fold(_ e: OrderDelivered, _ info: EventInfo) {
        let day = info.day
        withOwner(of: e.orderID.uuid) { record in
            record.orders.modify(where: { $0.orderID == e.orderID }) { $0.status = .delivered; $0.deliveredOn = day }
            record.orders.trimClosed(keeping: Self.closedEntries) { $0.status == .delivered || $0.status == .cancelled }
        }
    }

    @inline(__always)
    mutating func fold(_ e: OrderCancelled, _ info: EventInfo) {
        let currency = rules.currency
        withOwner(of: e.orderID.uuid) { record in
            guard let order = record.orders.first(where: { $0.orderID == e.orderID }) else { return }
            record.orders.modify(where: { $0.orderID == e.orderID }) { $0.status = .cancelled }
            record.removeOrderDay(order.placedOn)
            if let index = record.recentOrderDays.lastIndex(of: order.placedOn) { record.recentOrderDays.remove(at: index) }
            if order.total.currency == currency {
                record.addToYear(order.placedOn) { $0.revenue &-= order.total.minorUnits; $0.orders -= 1 }
                record.addToMonth(order.placedOn, revenue: -order.total.minorUnits)
            }
            record.orders.trimClosed(keeping: Self.closedEntries) { $0.status == .delivered || $0.status == .cancelled }
        }
    }

    @inline(__always)
    mutating func fold(_ e: OrderReturned, _ info: EventInfo) {
        let day = info.day
        let amount = inCurrency(e.amount)
        withOwner(of: e.orderID.uuid) { record in
            record.orders.modify(where: { $0.orderID == e.orderID }) { order in
                order.returned = Money(minorUnits: (order.returned?.minorUnits ?? 0) &+ e.amount.minorUnits, currency: e.amount.currency)
            }
            if let amount {
                record.addToYear(day) { $0.revenue &-= amount }
                record.addToMonth(day, revenue: -amount)
            }
        }
    }

    @inline(__always)
    mutating func fold(_ e: InvoiceIssued, _ info: EventInfo) {
        let day = info.day
        own(e.invoiceID.uuid, by: e.customerID)
        customers.modify(e.customerID) { record in
            var entry = InvoiceEntry()
            entry.invoiceID = e.invoiceID
            entry.issuedOn = day
            entry.dueOn = e.dueOn
            entry.amount = e.amount
            record.invoices.appendGrowing(entry)
            record.invoices.trimClosed(keeping: Self.closedEntries) { $0.open.minorUnits == 0 }
        }
    }

    @inline(__always)
    mutating func fold(_ e: PaymentReceived, _ info: EventInfo) {
        let day = info.day
        withOwner(of: e.invoiceID.uuid) { record in
            record.invoices.modify(where: { $0.invoiceID == e.invoiceID }) { invoice in
                invoice.paid &+= e.amount.minorUnits
                if invoice.open.minorUnits == 0, invoice.settledOn == nil { invoice.settledOn = day }
            }
            record.invoices.trimClosed(keeping: Self.closedEntries) { $0.open.minorUnits == 0 }
        }
    }

    @inline(__always)
    mutating func fold(_ e: InvoiceOverdue, _ info: EventInfo) {
        let day = info.day
        withOwner(of: e.invoiceID.uuid) { record in
            record.invoices.modify(where: { $0.invoiceID == e.invoiceID }) { $0.markedOverdue = true }
            record.overdueDays.appendBounded(day, Self.closedEntries)
        }
    }
}
