import Foundation

/// The BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers the easy way: an
/// alternative to the Pareto/NBD model", *Marketing Science* 24(2): while alive, a customer buys
/// as a Poisson process with rate λ ~ Gamma(r, α); after every purchase she drops out with
/// probability p ~ Beta(a, b).
public struct BGNBDModel: Sendable, Hashable, Codable {
    /// Shape r of the purchase-rate distribution.
    public let r: Double
    /// Scale α of the purchase-rate distribution (in the summary's time unit).
    public let alpha: Double
    /// Beta parameter a of the drop-out probability.
    public let a: Double
    /// Beta parameter b of the drop-out probability.
    public let b: Double
    /// The log-likelihood Σ log L over the fitted customers (the maximum, for a fitted model);
    /// `nil` for a model made from given parameters without a summary.
    public let logLikelihood: Double?
    /// Customers the model was fitted on.
    public let customers: Int
    /// The time unit of α and of every forecast horizon.
    public let unit: TimeUnit
    /// Whether the optimiser converged within its evaluation budget (it does not when a
    /// parameter runs off to the edge, see ``boundaryParameters``); `nil` for given parameters.
    public let converged: Bool?

    /// A model with given parameters (e.g. published ones); the log-likelihood of `summary`
    /// is evaluated when one is given.
    public init(r: Double, alpha: Double, a: Double, b: Double, unit: TimeUnit, summary: RFMSummary? = nil) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
        self.unit = unit
        converged = nil
        if let summary {
            let data = Compressed(summary)
            logLikelihood = -data.negativeLogLikelihood(r: r, alpha: alpha, a: a, b: b) * data.total
            customers = summary.customers.count
        } else {
            logLikelihood = nil
            customers = 0
        }
    }

    /// Fits r, α, a, b by maximum likelihood over every customer of `summary`: Nelder–Mead on
    /// the logarithms of the parameters, with restarts, from r = α = a = b = 1.
    /// - Throws: ``PredictiveError/fitFailed(model:reason:)`` when the likelihood has no finite
    ///   maximum.
    public static func fit(_ summary: RFMSummary) throws(PredictiveError) -> BGNBDModel {
        let data = Compressed(summary)
        let optimizer = NelderMead()
        let result = optimizer.minimize(from: [0, 0, 0, 0]) { theta in
            data.negativeLogLikelihood(r: exp(theta[0]), alpha: exp(theta[1]), a: exp(theta[2]), b: exp(theta[3]))
        }
        guard result.value.isFinite, result.point.allSatisfy(\.isFinite) else {
            throw .fitFailed(model: "BG/NBD", reason: "the log-likelihood is not finite at any tried parameters")
        }
        let p = result.point.map(exp)
        guard p.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw .fitFailed(model: "BG/NBD", reason: "the maximum lies at the edge of the parameter space (parameters \(p))")
        }
        return BGNBDModel(r: p[0], alpha: p[1], a: p[2], b: p[3], logLikelihood: -result.value * data.total,
                          customers: summary.customers.count, unit: summary.unit, converged: result.converged)
    }

    init(r: Double, alpha: Double, a: Double, b: Double, logLikelihood: Double, customers: Int, unit: TimeUnit, converged: Bool) {
        self.converged = converged
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
        self.logLikelihood = logLikelihood
        self.customers = customers
        self.unit = unit
    }

    /// Parameters the maximum likelihood drove to the edge of the parameter space (above 10⁶ or
    /// below 10⁻⁶): the data show no heterogeneity there, e.g. r, α → ∞ with r/α fixed when every
    /// customer buys at the same rate, or a, b → ∞ when nobody drops out. The forecasts are then
    /// those of the limiting model.
    public var boundaryParameters: [String] {
        [("r", r), ("α", alpha), ("a", a), ("b", b)].filter { $0.1 > 1e6 || $0.1 < 1e-6 }.map(\.0)
    }

    /// The log-likelihood of one customer (FHL 2005, eq. 6):
    /// log[ B(a, b+x)/B(a, b) · Γ(r+x) αʳ / (Γ(r) (α+T)^(r+x))
    ///      + 1{x>0} · B(a+1, b+x−1)/B(a, b) · Γ(r+x) αʳ / (Γ(r) (α+t_x)^(r+x)) ].
    public func customerLogLikelihood(frequency x: Int, recency tx: Double, age T: Double) -> Double {
        let xd = Double(x)
        let a1 = logGamma(r + xd) - logGamma(r) + r * log(alpha)
        let a2 = logGamma(a + b) + logGamma(b + xd) - logGamma(b) - logGamma(a + b + xd)
        let a3 = -(r + xd) * log(alpha + T)
        guard x > 0 else { return a1 + a2 + a3 }
        let a4 = log(a) - log(b + xd - 1) - (r + xd) * log(alpha + tx)
        return a1 + a2 + SpecialFunctions.logAddExp(a3, a4)
    }

    /// P(alive | x, t_x, T) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) (FHL 2005,
    /// the appendix's note; 1 for a customer who never bought again).
    public func probabilityAlive(frequency x: Int, recency tx: Double, age T: Double) -> Double {
        guard x > 0 else { return 1 }
        let xd = Double(x)
        let logRatio = log(a) - log(b + xd - 1) + (r + xd) * (log(alpha + T) - log(alpha + tx))
        return 1 / (1 + exp(logRatio))
    }

    /// P(alive) of a summary row.
    public func probabilityAlive(_ row: CustomerRFM) -> Double {
        probabilityAlive(frequency: row.frequency, recency: row.recency, age: row.age)
    }

    /// The expected number of purchases in the next `t` units of a customer with history
    /// (x, t_x, T) (FHL 2005, eq. 10):
    /// (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
    /// / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
    /// - Throws: ``PredictiveError/forecastFailed(reason:)`` if the hypergeometric series does
    ///   not converge.
    public func expectedPurchases(in t: Double, frequency x: Int, recency tx: Double, age T: Double) throws(PredictiveError) -> Double {
        guard t > 0 else { return 0 }
        guard x >= 0, tx >= 0, T >= tx, t.isFinite else {
            throw .forecastFailed(reason: "a history needs x ≥ 0 and 0 ≤ t_x ≤ T and a finite horizon (x = \(x), t_x = \(tx), T = \(T), t = \(t))")
        }
        let xd = Double(x)
        let z = t / (alpha + T + t)
        guard let hyp = SpecialFunctions.hypergeometric2F1(r + xd, b + xd, a + b + xd - 1, z) else {
            throw .forecastFailed(reason: "₂F₁(\(r + xd), \(b + xd); \(a + b + xd - 1); \(z)) did not converge")
        }
        let first = (a + b + xd - 1) / (a - 1)
        let second = 1 - exp(log(hyp) + (r + xd) * log((alpha + T) / (alpha + T + t)))
        let denominator = x > 0 ? 1 + a / (b + xd - 1) * exp((r + xd) * (log(alpha + T) - log(alpha + tx))) : 1
        let value = first * second / denominator
        guard value.isFinite else { throw .forecastFailed(reason: "expected purchases are not finite for x = \(x), t_x = \(tx), T = \(T)") }
        return value
    }

    /// Expected purchases of a summary row in the next `t` units.
    public func expectedPurchases(in t: Double, _ row: CustomerRFM) throws(PredictiveError) -> Double {
        try expectedPurchases(in: t, frequency: row.frequency, recency: row.recency, age: row.age)
    }

    /// The expected number of purchases of a randomly chosen new customer in her first `t`
    /// units (FHL 2005, eq. 7): (a+b−1)/(a−1) · [1 − (α/(α+t))ʳ ₂F₁(r, b; a+b−1; t/(α+t))].
    public func expectedPurchasesOfNewCustomer(in t: Double) throws(PredictiveError) -> Double {
        guard t > 0 else { return 0 }
        guard let hyp = SpecialFunctions.hypergeometric2F1(r, b, a + b - 1, t / (alpha + t)) else {
            throw .forecastFailed(reason: "₂F₁(\(r), \(b); \(a + b - 1); \(t / (alpha + t))) did not converge")
        }
        return (a + b - 1) / (a - 1) * (1 - pow(alpha / (alpha + t), r) * hyp)
    }

    /// The summary compressed for the likelihood: customers with equal (x, t_x, T) counted once
    /// with a weight, and the distinct t_x and T values indexed so each logarithm is taken once
    /// per evaluation.
    struct Compressed {
        var x: [Double] = []
        var xIndex: [Int32] = []
        var txIndex: [Int32] = []
        var tIndex: [Int32] = []
        var weight: [Double] = []
        var distinctX: [Double] = []
        var distinctTx: [Double] = []
        var distinctT: [Double] = []
        var total = 0.0

        init(_ summary: RFMSummary) {
            struct Key: Hashable { let x: Int; let tx: Double; let t: Double }
            var groups: [Key: Int] = [:]
            var order: [Key] = []
            for row in summary.customers {
                let key = Key(x: row.frequency, tx: row.frequency > 0 ? row.recency : 0, t: row.age)
                if let index = groups[key] {
                    weight[index] += 1
                } else {
                    groups[key] = order.count
                    order.append(key)
                    weight.append(1)
                }
            }
            var xs: [Int: Int32] = [:], txs: [Double: Int32] = [:], ts: [Double: Int32] = [:]
            for key in order {
                x.append(Double(key.x))
                xIndex.append(Self.intern(key.x, &xs) { distinctX.append(Double(key.x)) })
                txIndex.append(Self.intern(key.tx, &txs) { distinctTx.append(key.tx) })
                tIndex.append(Self.intern(key.t, &ts) { distinctT.append(key.t) })
            }
            total = Double(summary.customers.count)
        }

        private static func intern<K: Hashable>(_ key: K, _ table: inout [K: Int32], _ add: () -> Void) -> Int32 {
            if let index = table[key] { return index }
            let index = Int32(table.count)
            table[key] = index
            add()
            return index
        }

        /// −(1/N) Σ log L: the mean keeps the optimiser's tolerances independent of N.
        func negativeLogLikelihood(r: Double, alpha: Double, a: Double, b: Double) -> Double {
            let logAlpha = log(alpha), logA = log(a)
            let lgR = logGamma(r), lgAB = logGamma(a + b), lgB = logGamma(b)
            // Per distinct x: A1 + A2, and log(b + x − 1).
            var perX = [Double](repeating: 0, count: distinctX.count)
            var logBX = [Double](repeating: 0, count: distinctX.count)
            for (i, xd) in distinctX.enumerated() {
                perX[i] = logGamma(r + xd) - lgR + r * logAlpha + lgAB + logGamma(b + xd) - lgB - logGamma(a + b + xd)
                logBX[i] = xd > 0 ? log(b + xd - 1) : 0
            }
            let logTx = distinctTx.map { log(alpha + $0) }
            let logT = distinctT.map { log(alpha + $0) }
            var sum = 0.0
            for i in x.indices {
                let xd = x[i], xi = Int(xIndex[i])
                let a3 = -(r + xd) * logT[Int(tIndex[i])]
                var ll = perX[xi]
                if xd > 0 {
                    let a4 = logA - logBX[xi] - (r + xd) * logTx[Int(txIndex[i])]
                    ll += SpecialFunctions.logAddExp(a3, a4)
                } else {
                    ll += a3
                }
                sum += weight[i] * ll
            }
            return -sum / total
        }
    }
}
