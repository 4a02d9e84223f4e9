import Foundation

/// The exact float definitions of the elementwise functions, in Double. The float interpreter
/// runs them; the integer engine samples them to build its lookup tables, so a table entry can
/// be checked against the function it stands for.
public enum FloatFunctions {
    public static func apply(_ function: UnaryFunction, _ x: Double) -> Double {
        switch function {
        case .relu: return max(0, x)
        // GELU, exact form (PyTorch's default): x·Φ(x).
        case .gelu: return 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
        case .silu: return x / (1 + Foundation.exp(-x))
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        // log(1 + eˣ), written so that large x cannot overflow.
        case .softplus: return x > 30 ? x : log1p(Foundation.exp(x))
        case .elu: return x > 0 ? x : expm1(x)
        case .exp: return Foundation.exp(x)
        }
    }
}
