import CRMDomain
import Foundation

/// One customer's recency–frequency–monetary summary as of a calibration end, in the
/// notation of Fader, Hardie & Lee (2005).
public struct CustomerRFM: Sendable, Hashable {
    /// The customer.
    public let customer: CustomerID
    /// x: repeat purchase occasions (occasions after the first; orders on one day are one occasion).
    public let frequency: Int
    /// t_x: time from the first to the last purchase occasion, in the summary's unit.
    public let recency: Double
    /// T: time from the first purchase to the calibration end, in the summary's unit.
    public let age: Double
    /// Mean value of the repeat occasions in major currency units (0 when x = 0).
    public let monetaryValue: Double
    /// Day of the first purchase.
    public let firstPurchase: CalendarDay
    /// Day of the last purchase on or before the calibration end.
    public let lastPurchase: CalendarDay

    /// Creates a summary row.
    public init(customer: CustomerID, frequency: Int, recency: Double, age: Double, monetaryValue: Double,
                firstPurchase: CalendarDay, lastPurchase: CalendarDay) {
        self.customer = customer
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.monetaryValue = monetaryValue
        self.firstPurchase = firstPurchase
        self.lastPurchase = lastPurchase
    }
}

/// The RFM summary of every customer with a purchase on or before a calibration end: the input
/// of the BG/NBD and Gamma-Gamma fits.
public struct RFMSummary: Sendable, Hashable {
    /// The last day whose purchases count; T is measured up to it.
    public let calibrationEnd: CalendarDay
    /// The unit of t_x and T.
    public let unit: TimeUnit
    /// One row per customer, ordered by customer id (so fits are reproducible).
    public let customers: [CustomerRFM]
    private let index: [CustomerID: Int]

    /// Creates a summary from rows.
    /// - Throws: ``PredictiveError/noPurchases(calibrationEnd:)`` when `customers` is empty.
    public init(calibrationEnd: CalendarDay, unit: TimeUnit, customers: [CustomerRFM]) throws(PredictiveError) {
        guard !customers.isEmpty else { throw .noPurchases(calibrationEnd: calibrationEnd) }
        self.calibrationEnd = calibrationEnd
        self.unit = unit
        self.customers = customers.map { (Self.order($0.customer), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
        var index: [CustomerID: Int] = [:]
        index.reserveCapacity(customers.count)
        for (offset, row) in self.customers.enumerated() { index[row.customer] = offset }
        self.index = index
    }

    /// The summary from purchase histories (as the ``PurchaseHistoryModel`` folds them): per
    /// customer, the occasions on or before `calibrationEnd`.
    /// - Throws: ``PredictiveError/noPurchases(calibrationEnd:)`` when no customer bought by then.
    public init(histories: some Sequence<CustomerPurchases>, calibrationEnd: CalendarDay, unit: TimeUnit) throws(PredictiveError) {
        var rows: [CustomerRFM] = []
        for history in histories {
            if let row = history.rfm(calibrationEnd: calibrationEnd, unit: unit) { rows.append(row) }
        }
        try self.init(calibrationEnd: calibrationEnd, unit: unit, customers: rows)
    }

    /// A customer id's 16 bytes as two big-endian integers: sorts like the UUID's text.
    private static func order(_ id: CustomerID) -> (UInt64, UInt64) {
        withUnsafeBytes(of: id.uuid.uuid) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// The row of `customer`.
    /// - Throws: ``PredictiveError/unknownCustomer(_:calibrationEnd:)`` when the customer has no
    ///   purchase by the calibration end.
    public func customer(_ customer: CustomerID) throws(PredictiveError) -> CustomerRFM {
        guard let offset = index[customer] else { throw .unknownCustomer(customer, calibrationEnd: calibrationEnd) }
        return customers[offset]
    }

    /// Customers with at least one repeat occasion.
    public var repeatCustomers: Int { customers.reduce(0) { $0 + ($1.frequency > 0 ? 1 : 0) } }
}

extension CustomerPurchases {
    /// This customer's summary row as of `calibrationEnd`, `nil` without a purchase by then.
    public func rfm(calibrationEnd: CalendarDay, unit: TimeUnit) -> CustomerRFM? {
        guard let first = days.first, first <= calibrationEnd else { return nil }
        var last = first
        var occasions = 0
        var repeatValue: Int64 = 0
        for (offset, day) in days.enumerated() where day <= calibrationEnd {
            occasions += 1
            last = day
            if offset > 0 { repeatValue &+= Int64(amounts[offset]) }
        }
        let x = occasions - 1
        let perUnit = unit.days
        return CustomerRFM(
            customer: customer, frequency: x,
            recency: Double(last.daysSince1970 - first.daysSince1970) / perUnit,
            age: Double(calibrationEnd.daysSince1970 - first.daysSince1970) / perUnit,
            monetaryValue: x > 0 ? Double(repeatValue) / 100 / Double(x) : 0,
            firstPurchase: first, lastPurchase: last)
    }
}
