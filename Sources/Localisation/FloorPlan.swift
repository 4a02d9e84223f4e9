import Foundation

/// A home: floors, rooms as polygons in metres, walls with their attenuation, doors, receivers.
/// Stored as JSON in `data/floorplans/`; see docs/FORMATS.md.
public struct FloorPlan: Codable, Sendable, Equatable {
    public var name: String
    /// Where the plan came from and what was assumed (e.g. receiver positions).
    public var notes: String
    public var floors: [Floor]
    public var rooms: [Room]
    public var walls: [Wall]
    public var doors: [Door]
    public var receivers: [Receiver]

    public struct Floor: Codable, Sendable, Equatable {
        public var index: Int
        public var name: String
        /// Height of this floor's level above the ground floor, metres.
        public var elevation: Double
    }

    public struct Room: Codable, Sendable, Equatable {
        /// The data set's room name (e.g. "kitchen"), which is also the label the models predict.
        public var name: String
        /// The label printed on the plan (e.g. "KITCHEN"), when it differs.
        public var planLabel: String?
        public var floor: Int
        /// Vertices (x, y) in metres, counter-clockwise or clockwise; x to the east, y to the north.
        public var polygon: [Point]
    }

    public struct Wall: Codable, Sendable, Equatable {
        public var floor: Int
        public var from: Point
        public var to: Point
        /// Loss in dB a signal suffers crossing this wall.
        public var attenuationDB: Double
    }

    public struct Door: Codable, Sendable, Equatable {
        public var floor: Int
        /// The two rooms the door joins (names).
        public var between: [String]
        public var at: Point
        /// Set for a staircase: `between[0]` is on `floor`, `between[1]` on `toFloor`, the flight
        /// stands at `at` on both floors and climbing it counts as being in `between[1]`.
        public var toFloor: Int? = nil

        /// The floor `room` (one of `between`) is on, as seen through this door.
        public func floor(of room: String) -> Int {
            if let toFloor, between.count == 2, room == between[1] { return toFloor }
            return floor
        }
    }

    public struct Receiver: Codable, Sendable, Equatable {
        public var name: String
        public var floor: Int
        public var position: Point
        /// Height above its floor, metres.
        public var height: Double
    }

    public struct Point: Codable, Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    public func room(named name: String) -> Room? { rooms.first { $0.name == name } }
}
