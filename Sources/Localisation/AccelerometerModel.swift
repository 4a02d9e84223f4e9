import Foundation
import TinyTensor

/// The wrist accelerometer in g, in the sensor's frame.
///
/// Still: a = ĝ + m + ε, ε ~ N(0, stillNoise²) per axis; ĝ (gravity's direction in the sensor frame)
/// takes a new random pose at each still stretch (the wrist rests differently each time) and then
/// drifts as a random walk of `orientationDrift` rad/√s. In a busy stretch (chance
/// `activityFraction`) the hands move: m is per-axis AR(1) noise, mₜ = ρ·mₜ₋₁ + √(1−ρ²)·s·N(0,1),
/// ρ = exp(−dt/activityTime), s = activityAmplitude; otherwise m = 0.
/// Walking (and stairs): a = ĝ·(1 + A·sin 2πft) + (A/2)·sin(πft)·ŝ + ε, ε ~ N(0, walkNoise²): a
/// bounce at the step frequency f along gravity and an arm swing at the stride frequency f/2
/// along ŝ ⟂ ĝ, with ĝ near the hanging-arm pose.
struct AccelerometerModel {
    let config: HomeSimulatorConfig
    private var gravity: SIMD3<Double>
    private var swing = SIMD3<Double>(1, 0, 0)
    private var phase = 0.0
    private var currentLeg = -1
    private var busy = false
    private var motion = SIMD3<Double>(0, 0, 0)

    init(config: HomeSimulatorConfig, rng: inout SeededRNG) {
        self.config = config
        gravity = Self.unit(Self.gaussian(&rng))
    }

    mutating func step(leg: Leg, index: Int, time: Double, dt: Double, rng: inout SeededRNG, into accel: inout [Float], row: Int) {
        let moving = leg.kind != .still
        if index != currentLeg {
            currentLeg = index
            if moving {
                // Arm hanging: gravity mostly along the band's −y axis, tilted a little each walk.
                gravity = Self.unit(SIMD3(0, -1, 0.2) + 0.25 * Self.gaussian(&rng))
                let across = abs(gravity.x) < 0.9 ? SIMD3<Double>(1, 0, 0) : SIMD3<Double>(0, 0, 1)
                swing = Self.unit(across - (across * gravity).sum() * gravity)
                phase = 2 * Double.pi * rng.uniformDouble()
            } else {
                gravity = Self.unit(Self.gaussian(&rng))
                busy = rng.uniformDouble() < config.activityFraction
                motion = busy ? config.activityAmplitude * Self.gaussian(&rng) : SIMD3(0, 0, 0)
            }
        }
        var a: SIMD3<Double>
        if moving {
            let w = 2 * Double.pi * config.stepFrequency * time + phase
            a = gravity * (1 + config.walkAmplitude * Foundation.sin(w)) + swing * (config.walkAmplitude / 2 * Foundation.sin(w / 2))
            a += config.walkNoise * Self.gaussian(&rng)
        } else {
            gravity = Self.unit(gravity + config.orientationDrift * dt.squareRoot() * Self.gaussian(&rng))
            if busy {
                let rho = Foundation.exp(-dt / max(config.activityTime, 1e-6))
                motion = rho * motion + (1 - rho * rho).squareRoot() * config.activityAmplitude * Self.gaussian(&rng)
            }
            a = gravity + motion + config.stillNoise * Self.gaussian(&rng)
        }
        accel[row * 3] = Float(a.x)
        accel[row * 3 + 1] = Float(a.y)
        accel[row * 3 + 2] = Float(a.z)
    }

    private static func gaussian(_ rng: inout SeededRNG) -> SIMD3<Double> {
        SIMD3(rng.normalDouble(), rng.normalDouble(), rng.normalDouble())
    }

    private static func unit(_ v: SIMD3<Double>) -> SIMD3<Double> {
        let n = (v * v).sum().squareRoot()
        return n > 1e-9 ? v / n : SIMD3(0, 0, 1)
    }
}
