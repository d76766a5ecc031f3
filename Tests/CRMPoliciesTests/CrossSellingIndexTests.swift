@testable import CRMPolicies
import CRMDomain
import Foundation
import Testing
import TestSupport

/// The grouped cross-selling index equals the obvious per-customer count on random purchase sets.
@Suite("cross-selling index")
struct CrossSellingIndexTests {
    /// The suggestion counted customer by customer, as the definition reads.
    func naive(_ products: [CustomerID: Set<String>], for customer: CustomerID, minimumSupport: Int) -> (product: String, support: Int)? {
        guard let own = products[customer], !own.isEmpty else { return nil }
        var weight: [String: Int] = [:], support: [String: Int] = [:]
        for (other, bought) in products where other != customer {
            let overlap = bought.intersection(own).count
            guard overlap > 0 else { continue }
            for product in bought.subtracting(own) {
                weight[product, default: 0] += overlap
                support[product, default: 0] += 1
            }
        }
        let best = weight.filter { support[$0.key]! >= minimumSupport }
            .max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
        return best.map { ($0.key, support[$0.key]!) }
    }

    @Test func groupedSuggestionsEqualTheNaiveCount() {
        var generator = SeededRandom(state: 17)
        let catalog = (1...9).map { "P\($0)" }
        for round in 0..<40 {
            var products: [CustomerID: Set<String>] = [:]
            for number in 0..<Int(generator.next() % 60 + 1) {
                let id = CustomerID(UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", round * 1_000 + number))!)
                // Skewed: low product numbers are popular, so sets repeat and ties happen.
                products[id] = Set((0..<Int(generator.next() % 4)).map { _ in catalog[Int(generator.next() % 3 + generator.next() % 7)] })
            }
            var index = CrossSellingIndex(products)
            for customer in products.keys {
                for minimum in [1, 2, 5] {
                    let fast = index.suggestion(for: customer, minimumSupport: minimum)
                    let slow = naive(products, for: customer, minimumSupport: minimum)
                    #expect(fast?.product == slow?.product && fast?.support == slow?.support, "round \(round), minimum \(minimum)")
                }
            }
        }
    }

    @Test func theWorkedExample() {
        // Two customers bought A and B, one A and C, the new one A: B has weight 2, C 1.
        let ids = (1...4).map { CustomerID(UUID(uuidString: "00000000-0000-4000-8000-00000000000\($0)")!) }
        var index = CrossSellingIndex([ids[0]: ["A", "B"], ids[1]: ["A", "B"], ids[2]: ["A", "C"], ids[3]: ["A"]])
        #expect(index.suggestion(for: ids[3], minimumSupport: 1).map { [$0.product, "\($0.support)"] } == ["B", "2"])
        #expect(index.suggestion(for: ids[3], minimumSupport: 3) == nil)
        #expect(index.suggestion(for: ids[2], minimumSupport: 1).map { [$0.product, "\($0.support)"] } == ["B", "2"])
    }
}
