import Compression
import Foundation
import Localisation
import Models
import Sessions

/// A sweep as a person writes it: the axes to cross and the settings every task shares.
///
/// Task axes (each value is its own training run): model, seed, fold, epochs, receiver-dropout,
/// scaling, recordings, minutes. Evaluation axes (every value scored on each task's one trained
/// model, so adding one costs no training): precision (float, a `compress` preset or a plan file)
/// and decode (a temporal decoder of `run --decode`).
public struct SweepSpec: Codable, Equatable, Sendable {
    public var name: String
    /// Real data (an absolute path); nil for the simulated home.
    public var data: String?
    /// The axes in canonical order (`SweepAxis.order`), each with its values as the user wrote them.
    public var grid: [Axis]
    /// `run` options every task shares, by option name without the dashes (e.g. "epochs": "30").
    public var options: [String: String]

    public struct Axis: Codable, Equatable, Sendable {
        public var name: String
        public var values: [String]
    }

    public init(name: String, data: String?, grid: [Axis], options: [String: String]) throws {
        self.name = name
        self.data = data.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        self.grid = grid.sorted { SweepAxis.order.firstIndex(of: $0.name)! < SweepAxis.order.firstIndex(of: $1.name)! }
        self.options = options
        try validate()
    }

    public func values(of axis: String) -> [String]? { grid.first { $0.name == axis }?.values }

    /// Checks every axis and value before anything runs, so a typo costs a message, not a night.
    private func validate() throws {
        do { try Session.validate(name: name) } catch {
            throw SweepError("sweep name '\(name)': use 1–64 letters, digits, '-', '_' or '.', not starting with '.'")
        }
        if grid.isEmpty { throw SweepError("the grid is empty: name at least one axis (\(SweepAxis.order.joined(separator: ", ")))") }
        for axis in grid {
            if axis.values.isEmpty { throw SweepError("axis '\(axis.name)' has no values") }
            if let twice = axis.values.first(where: { value in axis.values.filter { $0 == value }.count > 1 }) {
                throw SweepError("axis '\(axis.name)' lists '\(twice)' twice")
            }
            for value in axis.values { try SweepAxis.check(axis.name, value) }
        }
        for (key, value) in options {
            guard SweepAxis.sharedOptions.contains(key) else {
                throw SweepError("unknown option '\(key)'; options are \(SweepAxis.sharedOptions.sorted().joined(separator: ", "))")
            }
            if values(of: key) != nil { throw SweepError("'\(key)' is both an axis and a shared option; keep one") }
            try SweepAxis.check(key, value)
        }
        if values(of: "fold") != nil, data == nil {
            throw SweepError("axis 'fold' holds out real recordings: give the sweep its data (\"data\" in the file, --data on the command line)")
        }
        let dataOnly = ["format", "annotator", "house"].filter { options[$0] != nil }
        if data == nil, !dataOnly.isEmpty { throw SweepError("\(dataOnly.joined(separator: ", ")) describe the data: give the data too") }
    }
}

/// What each axis and shared option accepts.
public enum SweepAxis {
    /// Canonical order: task names and settings read in this order whatever order the file uses.
    public static let order = ["model", "seed", "fold", "epochs", "receiver-dropout", "scaling", "recordings", "minutes",
                               "precision", "decode"]
    /// Axes scored on a task's trained model instead of training again.
    public static let evaluation: Set<String> = ["precision", "decode"]
    /// Options every task can share (`run` options); the task axes may be shared settings too.
    public static let sharedOptions: Set<String> = ["model", "seed", "epochs", "receiver-dropout", "scaling", "recordings",
                                                    "minutes", "intact-recordings", "max-gap", "budget-kb", "mcu", "format",
                                                    "annotator", "house"]

    static func check(_ name: String, _ value: String) throws {
        func bad(_ expected: String) -> SweepError { SweepError("\(name) '\(value)': expected \(expected)") }
        switch name {
        case "model":
            guard ModelKind(rawValue: value) != nil else {
                throw SweepError("model '\(value)': unknown; models are \(ModelKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        case "seed":
            guard UInt64(value) != nil else { throw bad("a non-negative integer") }
        case "fold":
            // Resolved against the data's recordings when the sweep is expanded.
            guard !value.isEmpty else { throw bad("a recording (name or number), a range a-b, or all") }
        case "epochs", "recordings", "budget-kb":
            guard let n = Int(value), n >= (name == "recordings" ? 3 : 1) else {
                throw bad(name == "recordings" ? "an integer of at least 3" : "a positive integer")
            }
        case "intact-recordings", "annotator":
            guard let n = Int(value), n >= 0 else { throw bad("a non-negative integer") }
        case "receiver-dropout":
            guard let p = Double(value), (0...0.9).contains(p) else { throw bad("a probability in [0, 0.9]") }
        case "minutes":
            guard let m = Double(value), m > 0, m <= 24 * 60 else { throw bad("minutes in (0, 1440]") }
        case "max-gap":
            guard value == "inf" || (Double(value).map { $0 >= 0 } ?? false) else { throw bad("seconds ≥ 0 or inf") }
        case "scaling":
            guard FeatureScaling(rawValue: value) != nil else {
                throw bad(FeatureScaling.allCases.map(\.rawValue).joined(separator: " or "))
            }
        case "precision":
            try Precision(value).check()
        case "decode":
            let specs: [DecoderSpec]
            do { specs = try DecoderSpec.list(value) } catch { throw SweepError("decode '\(value)': \(error)") }
            guard specs.count == 1 else { throw bad("one decoder per value (none, offline, lag=N, each optionally +plan, +freq)") }
        case "mcu", "format", "house":
            guard !value.isEmpty else { throw bad("a name") }
        default:
            throw SweepError("unknown axis '\(name)'; axes are \(order.joined(separator: ", "))")
        }
    }
}

/// One value of the precision axis: the float model itself, a `compress` preset, or a plan file.
public struct Precision: Equatable, Sendable {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var isFloat: Bool { value == "float" }
    public var isPreset: Bool { PrecisionPlan.presets[value] != nil }

    /// The variant `compress` saves it as (variants/<name>.json): the preset, or the plan file's name.
    public var variantName: String {
        isPreset || isFloat ? value : URL(fileURLWithPath: value).deletingPathExtension().lastPathComponent
    }

    func check() throws {
        if isFloat || isPreset { return }
        guard value.hasSuffix(".json") else {
            throw SweepError("precision '\(value)': expected float, a preset (\(PrecisionPlan.presets.keys.sorted().joined(separator: ", "))) "
                             + "or a precision plan .json file")
        }
        guard let data = FileManager.default.contents(atPath: value) else { throw SweepError("precision '\(value)': cannot read the plan file") }
        do { _ = try JSONDecoder().decode(PrecisionPlan.self, from: data) } catch {
            throw SweepError("precision '\(value)': not a precision plan (\(error))")
        }
        do { try Session.validate(name: variantName) } catch { throw SweepError("precision '\(value)': the file name cannot name a variant") }
    }
}

public struct SweepError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
