import Foundation
import Localisation
import Sessions

/// One task of a sweep: one training run (`tinyloc run --headless` into an ordinary session),
/// then one `tinyloc compress` per precision other than float.
public struct SweepTask: Codable, Equatable, Sendable {
    /// Position in the sweep, also the Slurm array index.
    public var index: Int
    /// The session's name, made from the task's settings alone, so the same settings always find
    /// the same session (that is what makes a re-run skip or resume it).
    public var name: String
    /// The task axes' values (a fold by its test recording).
    public var settings: [String: String]
    /// The fold's validation recording (the next one with windows, as in `tinyloc cv`).
    public var validation: String?
    public var precisions: [String]
    public var decoders: [String]
    /// The exact commands, without the executable: the run, then each compress.
    public var run: [String]
    public var compress: [[String]]
}

/// The expanded sweep: every combination of the task axes, in canonical axis order (the last
/// axis varies fastest).
public enum SweepExpansion {
    public static func tasks(of spec: SweepSpec, sessionsFolder: URL) throws -> [SweepTask] {
        let folds = try spec.values(of: "fold").map { try FoldPlanner.folds($0, spec: spec) }
        var combinations: [[(axis: String, value: String)]] = [[]]
        for axis in spec.grid where !SweepAxis.evaluation.contains(axis.name) {
            let values: [String] = axis.name == "fold" ? folds!.map(\.test) : axis.values
            combinations = combinations.flatMap { prefix in values.map { prefix + [(axis.name, $0)] } }
        }
        let precisions = spec.values(of: "precision") ?? ["float"]
        let decoders = spec.values(of: "decode") ?? ["none"]
        var seen: [String: Int] = [:]
        return try combinations.enumerated().map { index, combination in
            let settings = Dictionary(uniqueKeysWithValues: combination.map { ($0.axis, $0.value) })
            let name = taskName(settings, spec: spec)
            if let other = seen[name] { throw SweepError("tasks \(other) and \(index) would share the session name \(name)") }
            seen[name] = index
            do { try Session.validate(name: name) } catch { throw SweepError("task \(index): \(error)") }
            let validation = settings["fold"].flatMap { test in folds?.first { $0.test == test }?.validation }
            let sessions = sessionsFolder.path
            var run = ["run", "--headless", "--sessions-dir", sessions, "--session", name]
            var options = spec.options
            for (axis, value) in settings where axis != "fold" { options[axis] = value }
            for key in options.keys.sorted() { run += ["--\(key)", options[key]!] }
            if let data = spec.data { run += ["--data", data] }
            if let test = settings["fold"], let validation { run += ["--val", validation, "--test", test] }
            let used = decoders.filter { $0 != "none" }
            if !used.isEmpty { run += ["--decode", used.joined(separator: ",")] }
            let compress = precisions.map(Precision.init).filter { !$0.isFloat }.map { precision in
                ["compress", "--sessions-dir", sessions, "--session", name]
                    + (precision.isPreset ? ["--preset", precision.value] : ["--plan", precision.value, "--name", precision.variantName])
            }
            return SweepTask(index: index, name: name, settings: settings, validation: validation, precisions: precisions,
                             decoders: decoders, run: run, compress: compress)
        }
    }

    /// `mlp-s1-f00004`: the model, then a short token per task axis the grid names.
    static func taskName(_ settings: [String: String], spec: SweepSpec) -> String {
        let prefixes = ["seed": "s", "fold": "f", "epochs": "e", "receiver-dropout": "rd", "recordings": "r", "minutes": "m", "scaling": ""]
        var tokens = [settings["model"] ?? spec.options["model"] ?? "mlp"]
        for axis in SweepAxis.order where axis != "model" {
            guard let value = settings[axis], let prefix = prefixes[axis] else { continue }
            tokens.append(prefix + value)
        }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        return String(String.UnicodeScalarView(tokens.joined(separator: "-").unicodeScalars.map { allowed.contains($0) ? $0 : "_" }))
    }
}

/// Folds as `tinyloc cv` makes them: the held-out recording tests, the next recording with
/// labelled windows (wrapping round) validates, the rest train.
public enum FoldPlanner {
    public struct Fold: Equatable, Sendable {
        public var test: String
        public var validation: String
    }

    /// `values`: recordings (names, numbers, ranges a-b) or "all"; loads the data once to count windows.
    public static func folds(_ values: [String], spec: SweepSpec) throws -> [Fold] {
        guard let path = spec.data else { throw SweepError("axis 'fold' needs real data") }
        let dataset: Dataset
        do {
            let source = try SessionConfig.DataSource.real(
                path: path, format: spec.options["format"].flatMap(SessionConfig.DataSource.Kind.init),
                annotator: spec.options["annotator"].flatMap(Int.init) ?? 0, house: spec.options["house"])
            dataset = try source.load(seed: 1).dataset
        } catch {
            throw SweepError("fold: cannot read the data at \(path): \(error)")
        }
        var window = WindowConfig()
        if let gap = spec.options["max-gap"] { window.maxGap = gap == "inf" ? .greatestFiniteMagnitude : Double(gap) }
        let counts = dataset.recordings.indices.map { makeWindows(dataset: dataset, recordings: [$0], config: window).count }
        let names = dataset.recordings.map(\.name)
        var held: [Int] = []
        for value in values {
            let indices: [Int]
            if value == "all" {
                indices = names.indices.filter { counts[$0] > 0 }
            } else {
                do { indices = try SplitSpec.recordings(value, names: names, part: "fold") } catch { throw SweepError("\(error)") }
            }
            for index in indices {
                if held.contains(index) { throw SweepError("fold: recording \(names[index]) is named twice") }
                held.append(index)
            }
        }
        let plans: [CrossValidation.FoldPlan]
        do { plans = try CrossValidation.plan(windowCounts: counts, testRecordings: held) } catch { throw SweepError("fold: \(error)") }
        return plans.map { Fold(test: names[$0.test], validation: names[$0.validation]) }
    }
}
