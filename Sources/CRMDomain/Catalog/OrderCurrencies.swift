import CRMEventLog

/// The currencies a log's orders are in: what its value figures can be computed in.
public enum OrderCurrencies {
    /// The currencies of the orders in `store`'s log, in the order they first appear, reading
    /// at most `limit` orders (all by default).
    public static func of(_ store: any EventLogStore, limit: Int? = nil, registry: EventRegistry = EventRegistry()) throws -> [CurrencyCode] {
        var found: [CurrencyCode] = []
        try store.scan(.eventTypes([OrderPlaced.eventType]), from: nil, direction: .forward, limit: limit, through: nil) { view in
            guard case .orderPlaced(let order)? = try? registry.decode(view), !found.contains(order.total.currency) else { return }
            found.append(order.total.currency)
        }
        return found
    }

    /// The currency of the first order in `store`'s log, `nil` without orders.
    public static func first(in store: any EventLogStore, registry: EventRegistry = EventRegistry()) throws -> CurrencyCode? {
        try of(store, limit: 1, registry: registry).first
    }
}
