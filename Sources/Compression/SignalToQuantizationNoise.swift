import Foundation

/// Signal-to-quantization-noise ratio in dB:
/// SQNR = 10 · log10(Σ x² / Σ (x̂ − x)²), summed in Double.
///
/// An exact approximation (zero noise) gives +∞ rather than a cap: a finite cap would suggest a
/// precision limit that is not there, and ∞ still sorts and compares correctly. A zero signal
/// with non-zero noise gives −∞.
public func signalToQuantizationNoiseRatio(signal: [Float], approximation: [Float]) -> Double {
    precondition(signal.count == approximation.count, "signal and approximation differ in length")
    var power = 0.0, noise = 0.0
    for (x, y) in zip(signal, approximation) {
        let s = Double(x), e = Double(y) - Double(x)
        power += s * s
        noise += e * e
    }
    if noise == 0 { return .infinity }
    if power == 0 { return -.infinity }
    return 10 * log10(power / noise)
}
