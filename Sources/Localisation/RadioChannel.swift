import Foundation
import TinyTensor

/// A static, spatially correlated shadowing map (dB) for one receiver on one floor: white noise
/// on a grid blurred by a Gaussian of standard deviation ℓ/2, so the correlation between two
/// points r metres apart is exp(−r²/ℓ²) (ℓ = `correlation`, falls to 1/e at ℓ), scaled to
/// standard deviation σ exactly. Read with bilinear interpolation; outside the grid it clamps.
struct ShadowingField {
    let origin: FloorPlan.Point
    let cell: Double
    let width: Int
    let height: Int
    let values: [Float]

    init(box: (min: FloorPlan.Point, max: FloorPlan.Point), sigma: Double, correlation: Double, rng: inout SeededRNG) {
        cell = max(0.1, min(0.5, correlation / 4))
        let margin = 1.0
        origin = FloorPlan.Point(x: box.min.x - margin, y: box.min.y - margin)
        width = Int(((box.max.x - box.min.x + 2 * margin) / cell).rounded(.up)) + 1
        height = Int(((box.max.y - box.min.y + 2 * margin) / cell).rounded(.up)) + 1
        let s = max(correlation / 2, 1e-6) / cell
        let radius = Int((3 * s).rounded(.up))
        var kernel = (-radius...radius).map { Foundation.exp(-Double($0 * $0) / (2 * s * s)) }
        // Unit-variance output: blurred white noise has variance (Σw²)² for the separable kernel.
        let norm = kernel.map { $0 * $0 }.reduce(0, +).squareRoot()
        kernel = kernel.map { $0 / norm }
        // Noise over a padded grid so edge cells average as many samples as interior ones.
        let pw = width + 2 * radius, ph = height + 2 * radius
        var noise = [Double](repeating: 0, count: pw * ph)
        for i in noise.indices { noise[i] = rng.normalDouble() }
        var rows = [Double](repeating: 0, count: width * ph)
        for y in 0..<ph {
            for x in 0..<width {
                var acc = 0.0
                for k in 0..<kernel.count { acc += kernel[k] * noise[y * pw + x + k] }
                rows[y * width + x] = acc
            }
        }
        var out = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                var acc = 0.0
                for k in 0..<kernel.count { acc += kernel[k] * rows[(y + k) * width + x] }
                out[y * width + x] = Float(acc * sigma)
            }
        }
        values = out
    }

    func value(at p: FloorPlan.Point) -> Double {
        let fx = min(max((p.x - origin.x) / cell, 0), Double(width - 1))
        let fy = min(max((p.y - origin.y) / cell, 0), Double(height - 1))
        let x0 = min(Int(fx), width - 2), y0 = min(Int(fy), height - 2)
        let ax = fx - Double(x0), ay = fy - Double(y0)
        func v(_ x: Int, _ y: Int) -> Double { Double(values[y * width + x]) }
        return (1 - ay) * ((1 - ax) * v(x0, y0) + ax * v(x0 + 1, y0)) + ay * ((1 - ax) * v(x0, y0 + 1) + ax * v(x0 + 1, y0 + 1))
    }
}

/// The mean received power for one wrist position, before fading and loss:
///
///     P = P(1 m) − 10·n·log10(max(d, 0.1)) − Σ walls crossed − L_floor·(slabs between) − L_body·max(0, −cos θ) + S(x, y)
///
/// d is the 3-D distance wrist–receiver; walls count only when wrist and receiver are on the same
/// floor (the 2-D segment between them); θ is the angle between the wearer's heading and the
/// direction to the receiver, so the body costs nothing when facing the receiver and L_body
/// when it is straight behind; S is the receiver's shadowing field on the wrist's floor.
struct RadioChannel {
    struct Link {
        let receiver: FloorPlan.Receiver
        let height: Double
        let walls: [FloorPlan.Wall]
        /// Shadowing per floor, indexed like `RadioChannel.floorElevations`.
        let shadowing: [ShadowingField]
    }

    let config: HomeSimulatorConfig
    let floorIndices: [Int]
    let floorElevations: [Double]
    let links: [Link]

    /// Shadowing depends on the home, not the recording: it comes from `rng` once per home.
    init(plan: FloorPlan, config: HomeSimulatorConfig, rng: inout SeededRNG) {
        self.config = config
        let floors = plan.floors.sorted { $0.index < $1.index }
        floorIndices = floors.map(\.index)
        floorElevations = floors.map(\.elevation)
        let box = Geometry.boundingBox(plan.rooms.flatMap(\.polygon) + plan.receivers.map(\.position))
        var links: [Link] = []
        for (r, receiver) in plan.receivers.enumerated() {
            var stream = rng.split(UInt64(r))
            let shadowing = floors.map { _ in
                ShadowingField(box: box, sigma: config.shadowingSigma, correlation: config.shadowingCorrelation, rng: &stream)
            }
            let elevation = floors.first { $0.index == receiver.floor }?.elevation ?? 0
            links.append(Link(receiver: receiver, height: elevation + receiver.height,
                              walls: plan.walls.filter { $0.floor == receiver.floor }, shadowing: shadowing))
        }
        self.links = links
    }

    func floorSlot(_ floor: Int) -> Int { floorIndices.firstIndex(of: floor) ?? 0 }

    /// Mean power (dBm) at receiver `r` from a wrist at `position` on `floor`, `height` metres above
    /// the ground floor, facing `heading` (radians, 0 = +x).
    func meanPower(receiver r: Int, position: FloorPlan.Point, floor: Int, height: Double, heading: Double) -> Double {
        let link = links[r]
        let rx = link.receiver.position
        let dx = rx.x - position.x, dy = rx.y - position.y, dz = link.height - height
        let distance = max(0.1, (dx * dx + dy * dy + dz * dz).squareRoot())
        var power = config.rssiAt1m - 10 * config.pathLossExponent * Foundation.log10(distance)
        if floor == link.receiver.floor {
            for wall in link.walls where Geometry.segmentsIntersect(position, rx, wall.from, wall.to) {
                power -= wall.attenuationDB * config.wallAttenuationScale
            }
        }
        let lo = min(height, link.height), hi = max(height, link.height)
        let slabs = floorElevations.dropFirst().filter { $0 > lo && $0 <= hi }.count
        power -= config.floorAttenuation * Double(slabs)
        let planar = (dx * dx + dy * dy).squareRoot()
        if planar > 1e-6 {
            let cosTheta = (Foundation.cos(heading) * dx + Foundation.sin(heading) * dy) / planar
            power -= config.bodyLoss * max(0, -cosTheta)
        }
        return power + link.shadowing[floorSlot(floor)].value(at: position)
    }

    /// Rician fast fading in dB: 10·log10|h|², h = √(K/(K+1)) + √(1/(K+1))·CN(0, 1), so E|h|² = 1.
    func fading(rng: inout SeededRNG) -> Double {
        let k = config.ricianK
        let los = (k / (k + 1)).squareRoot(), scatter = (1 / (2 * (k + 1))).squareRoot()
        let re = los + scatter * rng.normalDouble(), im = scatter * rng.normalDouble()
        return 10 * Foundation.log10(max(re * re + im * im, 1e-12))
    }
}
