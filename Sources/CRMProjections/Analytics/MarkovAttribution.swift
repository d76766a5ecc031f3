import CRMDomain

/// The first-order Markov chain of the data-driven model (Anderl et al. 2016; the
/// ChannelAttribution R package): states start, each key, conversion and null, with transition
/// probabilities counted from the paths.
struct MarkovChain: Sendable {
    /// The keys, ascending; key `i` is transient state `i + 1`, state 0 is start.
    let keys: [String]
    /// `counts[from][to]`: `from` a transient state; `to` a transient state (0 is never a
    /// target), `keys.count + 1` conversion or `keys.count + 2` null.
    let counts: [[Int]]

    /// The chain of `paths`: a converting path contributes its touches in the window, a
    /// non-converting one its touches as given; consecutive repeats of a key are one state visit,
    /// and paths without a touch are left out.
    init(paths: [AttributionPath], windowDays: Int) {
        var sequences: [(keys: [String], converted: Bool)] = []
        for path in paths {
            let touches = path.conversionDay.map {
                Attribution.inWindow(path.touches, conversionDay: $0, windowDays: windowDays)
            } ?? path.touches
            var visits: [String] = []
            for touch in touches where touch.key != visits.last { visits.append(touch.key) }
            if !visits.isEmpty { sequences.append((visits, path.conversionDay != nil)) }
        }
        let keys = Set(sequences.flatMap(\.keys)).sorted()
        let state = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, $0.offset + 1) })
        let transient = keys.count + 1
        var counts = Array(repeating: Array(repeating: 0, count: transient + 2), count: transient)
        for sequence in sequences {
            var from = 0
            for key in sequence.keys {
                let to = state[key]!
                counts[from][to] += 1
                from = to
            }
            counts[from][sequence.converted ? transient : transient + 1] += 1
        }
        self.keys = keys
        self.counts = counts
    }

    /// Each key's removal effect RE_k = 1 − P₋ₖ / P, clamped to [0, 1] against rounding; nil when
    /// P, the probability of reaching conversion from start, is 0.
    ///
    /// With G = (I − Q)⁻¹ over the transient states and x = G·b the conversion probabilities
    /// (P = x_start), the paths into k carry h_k·x_k of P, where h_k = G[start][k] / G[k][k] is
    /// the probability of ever visiting k; redirecting every transition into k to null removes
    /// exactly those, so P₋ₖ = P − h_k·x_k and one inversion serves every key.
    func removalEffects() -> [String: Double]? {
        let transient = keys.count + 1
        var matrix = Array(repeating: Array(repeating: 0.0, count: transient), count: transient)
        var toConversion = Array(repeating: 0.0, count: transient)
        for from in 0..<transient {
            matrix[from][from] = 1
            let out = counts[from].reduce(0, +)
            guard out > 0 else { continue }
            for to in 0..<transient { matrix[from][to] -= Double(counts[from][to]) / Double(out) }
            toConversion[from] = Double(counts[from][transient]) / Double(out)
        }
        guard let fundamental = Self.inverse(matrix) else { return nil }
        let conversion = fundamental.map { row in zip(row, toConversion).reduce(0.0) { $0 + $1.0 * $1.1 } }
        let probability = conversion[0]
        guard probability > 0 else { return nil }
        var effects: [String: Double] = [:]
        for (offset, key) in keys.enumerated() {
            let state = offset + 1
            let carried = fundamental[0][state] / fundamental[state][state] * conversion[state]
            effects[key] = min(1, max(0, carried / probability))
        }
        return effects
    }

    /// The inverse of a square matrix by Gauss–Jordan elimination with partial pivoting; nil when
    /// a pivot vanishes.
    static func inverse(_ matrix: [[Double]]) -> [[Double]]? {
        let size = matrix.count
        var left = matrix
        var right = (0..<size).map { row in (0..<size).map { $0 == row ? 1.0 : 0.0 } }
        for column in 0..<size {
            var pivot = column
            for row in column..<size where abs(left[row][column]) > abs(left[pivot][column]) { pivot = row }
            guard abs(left[pivot][column]) > 1e-300 else { return nil }
            left.swapAt(column, pivot)
            right.swapAt(column, pivot)
            let scale = 1 / left[column][column]
            for index in 0..<size {
                left[column][index] *= scale
                right[column][index] *= scale
            }
            for row in 0..<size where row != column && left[row][column] != 0 {
                let factor = left[row][column]
                for index in 0..<size {
                    left[row][index] -= factor * left[column][index]
                    right[row][index] -= factor * right[column][index]
                }
            }
        }
        return right
    }
}
