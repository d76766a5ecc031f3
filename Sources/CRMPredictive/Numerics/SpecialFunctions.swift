import Foundation

/// The special functions the likelihoods and forecasts need, in log space where they overflow.
enum SpecialFunctions {
    /// log Γ(x) for x > 0 (Foundation's `lgamma`).
    @inline(__always)
    static func logGamma(_ x: Double) -> Double {
        let value: Double = lgamma(x)
        return value
    }

    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b).
    @inline(__always)
    static func logBeta(_ a: Double, _ b: Double) -> Double { logGamma(a) + logGamma(b) - logGamma(a + b) }

    /// log(eᵘ + eᵛ) without overflow.
    @inline(__always)
    static func logAddExp(_ u: Double, _ v: Double) -> Double {
        let high = max(u, v), low = min(u, v)
        if high == -.infinity { return -.infinity }
        return high + log1p(exp(low - high))
    }

    /// The Gauss hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series
    /// Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ, summed until a term no longer changes the sum.
    ///
    /// When the sum overflows (large a, b with z near 1), Euler's transformation
    /// ₂F₁(a, b; c; z) = (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z) is used instead.
    /// - Returns: `nil` outside 0 ≤ z < 1, or when neither form converges within `maximumTerms`.
    static func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double, maximumTerms: Int = 1_000_000) -> Double? {
        guard z >= 0, z < 1 else { return nil }
        if let direct = series2F1(a, b, c, z, maximumTerms: maximumTerms), direct.isFinite { return direct }
        guard let euler = series2F1(c - a, c - b, c, z, maximumTerms: maximumTerms) else { return nil }
        let value = euler * pow(1 - z, c - a - b)
        return value.isFinite ? value : nil
    }

    private static func series2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double, maximumTerms: Int) -> Double? {
        var term = 1.0, sum = 1.0
        for n in 0..<maximumTerms {
            let k = Double(n)
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
            sum += term
            if !sum.isFinite { return sum }
            // Terms shrink geometrically once n exceeds |a|, |b|, |c|; stop when one no longer counts.
            if abs(term) <= 1e-16 * abs(sum), k > abs(a) + abs(b) { return sum }
            if term == 0 { return sum }
        }
        return nil
    }
}

/// log Γ(x) (the `Double` overload of `lgamma`, not the one that also returns the sign).
@inline(__always)
func logGamma(_ x: Double) -> Double { SpecialFunctions.logGamma(x) }
