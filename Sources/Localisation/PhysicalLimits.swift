/// What a reading can physically be. A finite value outside these ranges is a broken file rather
/// than data: left in, a 1e300 dBm overflows Float to infinity in the features and the int8
/// calibration, and a time a year past the start makes windowing allocate a step for every 0.2 s
/// of that year. The readers reject such a cell, naming it.
public enum PhysicalLimits {
    /// BLE receivers report roughly −105 … −30 dBm; nothing hears below −150 dBm or above +20 dBm.
    public static let rssiDBm: ClosedRange<Double> = -150...20
    /// Wrist accelerometers saturate at ±16 g; ±50 g leaves room for any sensor range.
    public static let accelerationG: ClosedRange<Double> = -50...50
    /// Seconds from the start of a recording. One day bounds the steps windowing allocates
    /// (span × step rate, at most 1.7 M at the largest step rate a session accepts); a longer
    /// recording can be split into days.
    public static let recordingSeconds: ClosedRange<Double> = 0...86_400
    /// Rooms a home can have. A room is a class the model predicts and a row of every confusion
    /// table; a study CSV names rooms by number, and "room 300000000" made 300 M names.
    public static let maxRooms = 1000
    /// Receivers a recording can have: each adds two features to every step of every window.
    public static let maxReceivers = 256

    static func describe(_ range: ClosedRange<Double>, _ unit: String) -> String {
        "\(format(range.lowerBound))…\(format(range.upperBound)) \(unit)"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

extension CSVFile {
    /// Throws, naming the cell, when `value` lies outside `range`.
    func require(_ value: Double, in range: ClosedRange<Double>, unit: String, what: String,
                 line: Int, column: String) throws {
        guard range.contains(value) else {
            throw DataFileError(file: path, line: line, column: column,
                                message: "\(what) \(PhysicalLimits.format(value)) \(unit) is outside \(PhysicalLimits.describe(range, unit))")
        }
    }

    func requireTime(_ value: Double, line: Int, column: String) throws {
        guard PhysicalLimits.recordingSeconds.contains(value) else {
            throw DataFileError(file: path, line: line, column: column,
                                message: "time \(PhysicalLimits.format(value)) s is outside \(PhysicalLimits.describe(PhysicalLimits.recordingSeconds, "s"))"
                                    + " (seconds from the recording's start; a recording spans at most a day)")
        }
    }
}
