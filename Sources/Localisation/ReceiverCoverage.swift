/// Which receivers report in a recording and how often: the first thing to look at in real data,
/// where a receiver can be silent for a whole recording (SPHERE 00006 and 00007).
public struct ReceiverCoverage: Sendable, Equatable, Codable {
    public struct Receiver: Sendable, Equatable, Codable {
        public var name: String
        /// Packets this receiver heard ÷ packets the wearable sent (0…1).
        public var heardRate: Double
        /// Mean RSSI of the packets it heard, dBm; nil when it heard none.
        public var meanRSSI: Double?
    }

    public var recording: String
    public var packets: Int
    public var seconds: Double
    /// Seconds covered by room intervals.
    public var labelledSeconds: Double
    public var receivers: [Receiver]

    public init(_ recording: Recording) {
        self.recording = recording.name
        packets = recording.packetCount
        seconds = recording.duration
        labelledSeconds = recording.intervals.reduce(0) { $0 + ($1.end - $1.start) }
        let r = recording.receivers.count
        receivers = recording.receivers.enumerated().map { j, name in
            var heard = 0
            var sum = 0.0
            for i in 0..<recording.packetCount where !recording.rssi[i * r + j].isNaN {
                heard += 1
                sum += Double(recording.rssi[i * r + j])
            }
            return Receiver(name: name, heardRate: recording.packetCount > 0 ? Double(heard) / Double(recording.packetCount) : 0,
                            meanRSSI: heard > 0 ? sum / Double(heard) : nil)
        }
    }

    /// Receivers that heard nothing in the whole recording.
    public var silent: [String] { receivers.filter { $0.heardRate == 0 }.map(\.name) }

    public static func table(_ dataset: Dataset) -> [ReceiverCoverage] { dataset.recordings.map(ReceiverCoverage.init) }
}
