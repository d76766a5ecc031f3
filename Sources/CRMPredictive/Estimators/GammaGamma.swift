import Foundation

/// The Gamma-Gamma spend model of Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value
/// curves for customer base analysis", *Journal of Marketing Research* 42(4): a customer's
/// transaction values are Gamma(p, ν) around her mean, with ν ~ Gamma(q, γ) across customers,
/// independent of her purchase process.
public struct GammaGammaModel: Sendable, Hashable, Codable {
    /// Shape p of a customer's transaction values.
    public let p: Double
    /// Shape q of the scale's distribution across customers.
    public let q: Double
    /// Scale γ of the scale's distribution (in major currency units).
    public let gamma: Double
    /// The log-likelihood over the fitted customers (the maximum, for a fitted model); `nil`
    /// for a model made from given parameters without a summary.
    public let logLikelihood: Double?
    /// Customers the model was fitted on (repeat buyers with positive spend).
    public let customers: Int
    /// Whether the optimiser converged within its evaluation budget (it does not when a
    /// parameter runs off to the edge, see ``boundaryParameters``); `nil` for given parameters.
    public let converged: Bool?

    /// A model with given parameters; the log-likelihood of `summary`'s repeat buyers is
    /// evaluated when one is given.
    public init(p: Double, q: Double, gamma: Double, summary: RFMSummary? = nil) {
        self.p = p
        self.q = q
        self.gamma = gamma
        converged = nil
        if let summary {
            let data = Compressed(summary)
            logLikelihood = -data.negativeLogLikelihood(p: p, q: q, gamma: gamma) * data.total
            customers = Int(data.total)
        } else {
            logLikelihood = nil
            customers = 0
        }
    }

    init(p: Double, q: Double, gamma: Double, logLikelihood: Double, customers: Int, converged: Bool) {
        self.converged = converged
        self.p = p
        self.q = q
        self.gamma = gamma
        self.logLikelihood = logLikelihood
        self.customers = customers
    }

    /// Fits p, q, γ by maximum likelihood over the customers of `summary` with x > 0 and a
    /// positive mean repeat value: Nelder–Mead on log-parameters, with restarts, from p = q = γ = 1.
    /// - Throws: ``PredictiveError/tooFewCustomers(model:found:needed:)`` without two such
    ///   customers; ``PredictiveError/fitFailed(model:reason:)`` without a finite maximum.
    public static func fit(_ summary: RFMSummary) throws(PredictiveError) -> GammaGammaModel {
        let data = Compressed(summary)
        guard data.total >= 2 else {
            throw .tooFewCustomers(model: "Gamma-Gamma (repeat buyers with positive spend)", found: Int(data.total), needed: 2)
        }
        let result = NelderMead().minimize(from: [0, 0, 0]) { theta in
            data.negativeLogLikelihood(p: exp(theta[0]), q: exp(theta[1]), gamma: exp(theta[2]))
        }
        let values = result.point.map(exp)
        guard result.value.isFinite, values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw .fitFailed(model: "Gamma-Gamma", reason: "the log-likelihood has no finite maximum (parameters \(values))")
        }
        return GammaGammaModel(p: values[0], q: values[1], gamma: values[2], logLikelihood: -result.value * data.total,
                               customers: Int(data.total), converged: result.converged)
    }

    /// Parameters the maximum likelihood drove to the edge of the parameter space (above 10⁶ or
    /// below 10⁻⁶): e.g. q, γ → ∞ with γ/(q − 1) fixed when customers' mean spends do not differ
    /// beyond what their own transactions' spread explains.
    public var boundaryParameters: [String] {
        [("p", p), ("q", q), ("γ", gamma)].filter { $0.1 > 1e6 || $0.1 < 1e-6 }.map(\.0)
    }

    /// The log-likelihood of one customer with x repeat transactions of mean value m̄:
    /// log Γ(px+q) − log Γ(px) − log Γ(q) + q log γ + (px−1) log m̄ + px log x − (px+q) log(x m̄ + γ).
    public func customerLogLikelihood(frequency x: Int, monetaryValue m: Double) -> Double {
        let px = p * Double(x), xd = Double(x)
        let normalising: Double = logGamma(px + q) - logGamma(px) - logGamma(q) + q * log(gamma)
        let data: Double = (px - 1) * log(m) + px * log(xd) - (px + q) * log(xd * m + gamma)
        return normalising + data
    }

    /// The expected mean transaction value of a customer with x repeat transactions of mean m̄
    /// (FHL 2005 JMR, eq. 5): p (γ + x m̄) / (p x + q − 1); for x = 0 the population mean p γ / (q − 1).
    public func expectedAverageValue(frequency x: Int, monetaryValue m: Double) -> Double {
        let xd = Double(x)
        return p * (gamma + xd * m) / (p * xd + q - 1)
    }

    /// The expected mean transaction value of a summary row.
    public func expectedAverageValue(_ row: CustomerRFM) -> Double {
        expectedAverageValue(frequency: row.frequency, monetaryValue: row.monetaryValue)
    }

    /// Repeat buyers with positive spend, grouped by equal (x, m̄).
    struct Compressed {
        var x: [Double] = []
        var logM: [Double] = []
        var logX: [Double] = []
        var m: [Double] = []
        var weight: [Double] = []
        var total = 0.0

        init(_ summary: RFMSummary) {
            struct Key: Hashable { let x: Int; let m: Double }
            var groups: [Key: Int] = [:]
            for row in summary.customers where row.frequency > 0 && row.monetaryValue > 0 {
                let key = Key(x: row.frequency, m: row.monetaryValue)
                total += 1
                if let index = groups[key] { weight[index] += 1; continue }
                groups[key] = x.count
                x.append(Double(key.x))
                m.append(key.m)
                logM.append(log(key.m))
                logX.append(log(Double(key.x)))
                weight.append(1)
            }
        }

        /// −(1/N) Σ log L.
        func negativeLogLikelihood(p: Double, q: Double, gamma: Double) -> Double {
            let lgQ = logGamma(q), logScale = log(gamma)
            var sum = 0.0
            for i in x.indices {
                let px = p * x[i]
                let normalising: Double = logGamma(px + q) - logGamma(px) - lgQ + q * logScale
                let data: Double = (px - 1) * logM[i] + px * logX[i] - (px + q) * log(x[i] * m[i] + gamma)
                let ll = normalising + data
                sum += weight[i] * ll
            }
            return -sum / total
        }
    }
}
