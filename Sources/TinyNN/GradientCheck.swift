import TinyTensor

/// Compares analytic gradients against central finite differences.
///
/// For each checked element θ_i: numeric = (L(θ_i + h) − L(θ_i − h)) / 2h, computed with the loss
/// accumulated in Double; the error is |numeric − analytic| / max(|numeric| + |analytic|, floor),
/// which is robust both for large gradients and for ones near zero (there the Float forward pass
/// sets a noise floor of about 1e-5 in absolute terms).
public enum GradientCheck {
    public struct Result: CustomStringConvertible {
        public var maxRelativeError: Double
        public var worstIndex: Int
        public var numeric: Double
        public var analytic: Double
        public var description: String {
            "max relative error \(maxRelativeError) at \(worstIndex) (numeric \(numeric), analytic \(analytic))"
        }
    }

    /// - Parameters:
    ///   - values: the tensor being perturbed (a parameter or an input).
    ///   - analytic: its gradient as computed by backward.
    ///   - loss: recomputes the scalar loss from the current values.
    ///   - indices: which elements to check (all by default).
    public static func compare(values: Tensor, analytic: Tensor, step h: Float = 1e-2,
                               indices: [Int]? = nil, loss: () -> Double) -> Result {
        var result = Result(maxRelativeError: 0, worstIndex: -1, numeric: 0, analytic: 0)
        for i in indices ?? Array(0..<values.count) {
            let saved = values[i]
            values[i] = saved + h
            let plus = loss()
            values[i] = saved - h
            let minus = loss()
            values[i] = saved
            let numeric = (plus - minus) / Double(2 * h)
            let exact = Double(analytic[i])
            let error = abs(numeric - exact) / max(abs(numeric) + abs(exact), 1e-2)
            if error > result.maxRelativeError || result.worstIndex < 0 {
                result = Result(maxRelativeError: error, worstIndex: i, numeric: numeric, analytic: exact)
            }
        }
        return result
    }
}
