/// Nelder–Mead simplex minimisation with restarts: derivative-free, deterministic (the same
/// start and objective give the same result), robust on the flat ridges of customer-base
/// likelihoods.
struct NelderMead {
    /// Convergence: the simplex's function values differ by at most this (absolute).
    var functionTolerance = 1e-12
    /// Convergence: the simplex's vertices differ by at most this in every coordinate.
    var pointTolerance = 1e-10
    /// Function evaluations allowed per run.
    var maximumEvaluations = 20_000
    /// Restarts from the best point after a run converged; stops early when a restart no longer improves.
    var restarts = 3
    /// The first simplex's step in every coordinate.
    var initialStep = 0.5

    /// The minimum found.
    struct Result {
        /// The minimising point.
        var point: [Double]
        /// The objective there.
        var value: Double
        /// Objective evaluations over all runs.
        var evaluations: Int
        /// Whether the last run converged within its evaluation budget.
        var converged: Bool
    }

    /// Minimises `objective` from `start`; non-finite values count as +∞.
    func minimize(from start: [Double], _ objective: ([Double]) -> Double) -> Result {
        var best = run(from: start, step: initialStep, objective)
        var evaluations = best.evaluations
        for _ in 0..<restarts {
            let next = run(from: best.point, step: initialStep, objective)
            evaluations += next.evaluations
            let improved = next.value < best.value - functionTolerance
            if next.value <= best.value { best = next }
            if !improved { break }
        }
        best.evaluations = evaluations
        return best
    }

    private func run(from start: [Double], step: Double, _ objective: ([Double]) -> Double) -> Result {
        let n = start.count
        func f(_ x: [Double]) -> Double {
            let value = objective(x)
            return value.isNaN ? .infinity : value
        }
        var simplex = [start]
        for i in 0..<n {
            var vertex = start
            vertex[i] += step
            simplex.append(vertex)
        }
        var values = simplex.map(f)
        var evaluations = n + 1
        var converged = false
        var centroid = [Double](repeating: 0, count: n)
        func along(_ t: Double) -> [Double] {
            // centroid + t · (centroid − worst)
            var point = centroid
            for j in 0..<n { point[j] = centroid[j] + t * (centroid[j] - simplex[n][j]) }
            return point
        }
        while evaluations < maximumEvaluations {
            // Order the vertices best first (stable, so ties keep their order: deterministic).
            let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            var spread = 0.0
            for vertex in simplex.dropFirst() {
                for j in 0..<n { spread = max(spread, abs(vertex[j] - simplex[0][j])) }
            }
            if values[n] - values[0] <= functionTolerance, spread <= pointTolerance {
                converged = true
                break
            }
            if spread <= pointTolerance * 1e-3 {
                converged = true
                break
            }
            for j in 0..<n {
                var sum = 0.0
                for i in 0..<n { sum += simplex[i][j] }
                centroid[j] = sum / Double(n)
            }
            let reflected = along(1)
            let reflectedValue = f(reflected)
            evaluations += 1
            if reflectedValue < values[0] {
                let expanded = along(2)
                let expandedValue = f(expanded)
                evaluations += 1
                if expandedValue < reflectedValue {
                    simplex[n] = expanded; values[n] = expandedValue
                } else {
                    simplex[n] = reflected; values[n] = reflectedValue
                }
            } else if reflectedValue < values[n - 1] {
                simplex[n] = reflected; values[n] = reflectedValue
            } else {
                let outside = reflectedValue < values[n]
                let contracted = along(outside ? 0.5 : -0.5)
                let contractedValue = f(contracted)
                evaluations += 1
                if contractedValue < (outside ? reflectedValue : values[n]) {
                    simplex[n] = contracted; values[n] = contractedValue
                } else {
                    for i in 1...n {
                        for j in 0..<n { simplex[i][j] = simplex[0][j] + 0.5 * (simplex[i][j] - simplex[0][j]) }
                        values[i] = f(simplex[i])
                    }
                    evaluations += n
                }
            }
        }
        let bestIndex = values.indices.min { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }!
        return Result(point: simplex[bestIndex], value: values[bestIndex], evaluations: evaluations, converged: converged)
    }
}
