/// One continuous recording: timestamped packets from the wearable as heard by each receiver,
/// the wearable's accelerometer, and the room the person was in (as annotated intervals).
///
/// The real-data readers and the simulator both produce this form, so there is one windowing path.
/// Column-oriented: `rssi[i * receivers.count + r]` is the RSSI (dBm) with which receiver r heard
/// packet i, or NaN when it did not hear it (common, and information rather than an error).
public struct Recording: Sendable {
    public var name: String
    public var receivers: [String]
    /// Seconds from the start of the recording, non-decreasing; one entry per packet.
    public var times: [Double]
    public var rssi: [Float]
    /// `accel[i * 3 + axis]` in g, or nil when the data has no accelerometer.
    public var accel: [Float]?
    /// Where the person was; indices into the data set's `rooms`. Sorted, non-overlapping.
    public var intervals: [RoomInterval]

    public init(name: String, receivers: [String], times: [Double], rssi: [Float], accel: [Float]?, intervals: [RoomInterval]) {
        self.name = name
        self.receivers = receivers
        self.times = times
        self.rssi = rssi
        self.accel = accel
        self.intervals = intervals
    }

    public var packetCount: Int { times.count }
    public var duration: Double { times.last ?? 0 }
}

/// The person was in room `room` (an index into the data set's rooms) from `start` to `end` seconds.
public struct RoomInterval: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var room: Int
    public init(start: Double, end: Double, room: Int) {
        self.start = start
        self.end = end
        self.room = room
    }
}

/// Recordings of one home that share room names and receivers.
public struct Dataset: Sendable {
    public var name: String
    public var rooms: [String]
    public var receivers: [String]
    public var recordings: [Recording]
    /// What the reader left out and why (e.g. a recording without the chosen annotator's labels).
    public var notes: [String] = []
    public var hasAccelerometer: Bool { recordings.allSatisfy { $0.accel != nil } }

    public init(name: String, rooms: [String], receivers: [String], recordings: [Recording]) {
        self.name = name
        self.rooms = rooms
        self.receivers = receivers
        self.recordings = recordings
    }
}
