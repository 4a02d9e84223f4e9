import Foundation

/// Every parameter of the home simulator. Defaults are calibrated against the SPHERE recordings
/// (docs/SIMULATOR.md has the comparison) and describe the scripted-tour preset; `dailyLife`
/// is the same home lived in for longer.
public struct HomeSimulatorConfig: Codable, Sendable, Equatable {
    public enum VisitOrder: String, Codable, Sendable {
        /// Destinations in shuffled rounds, each room round(weight) times per round (at least once),
    /// like SPHERE's scripted tour.
        case tour
        /// Each next destination drawn by `destinationWeights`, never the room the resident is in.
        case random
    }

    // MARK: Recording
    /// Length of each recording, seconds.
    public var duration: Double = 1600
    /// Rows per second (SPHERE: accelerometer samples at ~20 Hz, RSSI columns filled on the same rows).
    public var packetRate: Double = 20
    /// Advertisements per second; a reading is repeated on the rows until the next advertisement,
    /// which is how SPHERE's RSSI columns hold one value for ~4 rows.
    public var advertisingRate: Double = 5

    // MARK: Movement
    public var visitOrder: VisitOrder = .tour
    /// Walking speed, m/s; each walk draws speed·(1 + speedJitter·N(0,1)), clamped to 0.5…1.6 m/s.
    public var walkingSpeed: Double = 1.0
    public var speedJitter: Double = 0.1
    /// Time to climb or descend the stairs, seconds.
    public var stairSeconds: Double = 6
    /// Dwell at a destination ~ LogNormal: median·exp(σ·N(0,1)), clamped to minDwell…maxDwell.
    public var dwellMedian: Double = 110
    /// Per-room median dwell, seconds, overriding `dwellMedian`; the defaults are SPHERE's tour
    /// (a short look into the study, minutes in the lounge and the main bedroom).
    public var roomDwellMedian: [String: Double] = [
        "bath": 140, "bed1": 30, "bed2": 300, "kitchen": 160, "living": 200, "study": 15, "toilet": 60,
    ]
    public var dwellSigma: Double = 0.35
    public var minDwell: Double = 5
    public var maxDwell: Double = 3600
    /// Mean time still between small walks inside the room during a dwell (exponential), seconds.
    public var inRoomMoveInterval: Double = 45
    /// Rooms the resident only passes through (never a destination); hall and stairs in SPHERE
    /// are labelled for seconds at a time.
    public var transitRooms: [String] = ["hall", "stairs"]
    /// Relative chance of each destination in `.random` order, visits per round in `.tour` order;
    /// rooms absent get weight 1. The defaults follow SPHERE's tour (three lounge and two kitchen visits).
    public var destinationWeights: [String: Double] = ["living": 3, "kitchen": 2]
    /// Unlabelled time around each door crossing, seconds (SPHERE leaves ~0.1–0.2 s gaps).
    public var doorGap: Double = 0.2
    /// Unlabelled time at the start of each recording, seconds, while the resident stands in the first room.
    public var leadIn: Double = 20
    /// Stay at least this far from walls, metres.
    public var wallMargin: Double = 0.3

    // MARK: Radio (RSSI in dBm)
    /// Received power at 1 m, dBm.
    public var rssiAt1m: Double = -52
    /// Log-distance exponent n in P(d) = P(1 m) − 10·n·log10(d).
    public var pathLossExponent: Double = 3.5
    /// Loss per floor slab between wrist and receiver, dB.
    public var floorAttenuation: Double = 17
    /// Multiplies every wall's attenuationDB (1 = the plan's values).
    public var wallAttenuationScale: Double = 1
    /// Standard deviation of the static shadowing field, dB.
    public var shadowingSigma: Double = 6
    /// Distance over which shadowing decorrelates to 1/e, metres.
    public var shadowingCorrelation: Double = 2
    /// Rician K-factor of per-advertisement fast fading (linear; large K = little fading).
    public var ricianK: Double = 4
    /// Maximum loss when the wearer's body is between wrist and receiver, dB.
    public var bodyLoss: Double = 12
    /// Receiver sensitivity, dBm: an advertisement arriving at power P is decoded with probability
    /// 1 / (1 + exp(−(P − sensitivity) / sensitivityWidth)) — half the time at the sensitivity, rarely
    /// 10 dB below it (SPHERE's weakest readings, about −105 dBm, are rare).
    public var sensitivity: Double = -96
    public var sensitivityWidth: Double = 2.5
    /// Nothing weaker than this is ever reported, dBm.
    public var weakestReading: Double = -105
    /// Independent chance an advertisement is lost at a receiver.
    public var packetLoss: Double = 0.05
    /// Bursty loss (Gilbert–Elliott): per advertisement, chance a receiver's link turns bad, and
    /// chance a bad link recovers. A bad link hears nothing.
    public var burstEnter: Double = 0.02
    public var burstExit: Double = 0.2
    /// Chance a receiver is silent for a whole recording (SPHERE has such recordings).
    public var receiverOutage: Double = 0.05
    /// Wrist height above the floor, metres.
    public var wristHeight: Double = 1.0

    // MARK: Accelerometer (g)
    /// Per-axis noise when still, g.
    public var stillNoise: Double = 0.015
    /// Orientation random walk while still, radians per √second.
    public var orientationDrift: Double = 0.03
    /// Step frequency while walking, Hz, and the amplitude of the oscillation, g.
    public var stepFrequency: Double = 2
    public var walkAmplitude: Double = 0.3
    /// Per-axis noise while walking, g.
    public var walkNoise: Double = 0.08
    /// Share of still stretches spent busy with the hands (cooking, washing: SPHERE's tour has such
    /// tasks), and the per-axis standard deviation of that arm motion, g, correlated over `activityTime` s.
    public var activityFraction: Double = 0.5
    public var activityAmplitude: Double = 0.2
    public var activityTime: Double = 0.3

    public init() {}

    /// The scripted-tour preset: short dwells so a 30-minute recording visits most rooms.
    public static let scriptedTour = HomeSimulatorConfig()

    /// A day at home: longer recordings, dwells of minutes to an hour, the living room and kitchen favoured.
    public static var dailyLife: HomeSimulatorConfig {
        var c = HomeSimulatorConfig()
        c.duration = 4 * 3600
        c.visitOrder = .random
        c.dwellMedian = 600
        c.roomDwellMedian = ["living": 1200, "bed2": 1800, "study": 900, "toilet": 150, "bath": 600]
        c.dwellSigma = 1.1
        c.inRoomMoveInterval = 120
        c.destinationWeights = ["living": 4, "kitchen": 3, "bed2": 2, "bath": 1, "toilet": 1.5, "bed1": 0.5, "study": 1.5]
        return c
    }
}
