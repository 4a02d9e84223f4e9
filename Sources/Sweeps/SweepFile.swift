import Foundation

/// Reading a sweep: a JSON file, or the compact grid typed on the command line.
public enum SweepFile {
    /// A sweep file:
    ///
    ///     { "name": "sphere-mlp", "data": "../shared/data/sphere",
    ///       "grid": { "model": ["mlp"], "seed": [1, 2], "fold": ["all"], "precision": ["float", "int8"] },
    ///       "options": { "epochs": 30 },
    ///       "slurm": { "time": "00:30:00", "memory": "2G", "cpus-per-task": 2, "partition": "short" } }
    ///
    /// Values may be numbers or strings; relative paths are taken from the current directory,
    /// like every other path tinyloc reads. The name defaults to the file's name.
    public static func load(_ url: URL) throws -> (spec: SweepSpec, slurm: SlurmSettings) {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw SweepError("\(url.path): cannot read the sweep file") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw SweepError("\(url.path): not JSON (\(error.localizedDescription))")
        }
        guard let top = object as? [String: Any] else { throw SweepError("\(url.path): expected a JSON object with \"grid\"") }
        let known: Set<String> = ["name", "data", "grid", "options", "slurm"]
        if let unknown = top.keys.sorted().first(where: { !known.contains($0) }) {
            throw SweepError("\(url.path): unknown key '\(unknown)'; a sweep file has \(known.sorted().joined(separator: ", "))")
        }
        func fail(_ what: String) -> SweepError { SweepError("\(url.path): \(what)") }
        guard let grid = top["grid"] as? [String: Any] else { throw fail("\"grid\" must be an object of axis → list of values") }
        var axes: [SweepSpec.Axis] = []
        for (axis, raw) in grid {
            guard SweepAxis.order.contains(axis) else { throw fail("unknown axis '\(axis)'; axes are \(SweepAxis.order.joined(separator: ", "))") }
            guard let list = raw as? [Any] else { throw fail("grid.\(axis) must be a list of values") }
            let values = try list.map { item -> String in
                guard let text = scalar(item) else { throw fail("grid.\(axis): \(item) is not a number or a string") }
                return text
            }
            axes.append(.init(name: axis, values: try expand(axis, values)))
        }
        var options: [String: String] = [:]
        if let raw = top["options"] {
            guard let object = raw as? [String: Any] else { throw fail("\"options\" must be an object") }
            for (key, value) in object {
                guard let text = scalar(value) else { throw fail("options.\(key): \(value) is not a number or a string") }
                options[key] = text
            }
        }
        var slurm = SlurmSettings()
        if let raw = top["slurm"] {
            guard let object = raw as? [String: Any] else { throw fail("\"slurm\" must be an object") }
            for (key, value) in object {
                guard let text = scalar(value) else { throw fail("slurm.\(key): \(value) is not a number or a string") }
                do { try slurm.set(key, text) } catch let error as SweepError { throw fail("slurm: \(error.description)") }
            }
        }
        let name = (top["name"] as? String) ?? url.deletingPathExtension().lastPathComponent
        let dataPath: String?
        if let raw = top["data"] {
            guard let path = raw as? String else { throw fail("\"data\" must be a path") }
            dataPath = path
        } else {
            dataPath = nil
        }
        do {
            return (try SweepSpec(name: name, data: dataPath, grid: absolutePlans(axes), options: options), slurm)
        } catch let error as SweepError {
            throw fail(error.description)
        }
    }

    /// The compact grid: axes separated by spaces or ';', each `axis=v1,v2`; seeds and numbers
    /// of epochs also take ranges (`seed=1-3`). E.g. `model=mlp,cnn seed=1-3 fold=all precision=float,int8`.
    public static func grid(_ text: String, name: String, data: String?, options: [String: String]) throws -> SweepSpec {
        var axes: [SweepSpec.Axis] = []
        for part in text.split(whereSeparator: { $0 == " " || $0 == ";" }) {
            guard let equals = part.firstIndex(of: "=") else { throw SweepError("grid: '\(part)' is not axis=value,value…") }
            let axis = String(part[..<equals]).trimmingCharacters(in: .whitespaces)
            guard SweepAxis.order.contains(axis) else { throw SweepError("grid: unknown axis '\(axis)'; axes are \(SweepAxis.order.joined(separator: ", "))") }
            if axes.contains(where: { $0.name == axis }) { throw SweepError("grid: axis '\(axis)' given twice") }
            let values = part[part.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if values.contains("") { throw SweepError("grid: axis '\(axis)' has an empty value") }
            axes.append(.init(name: axis, values: try expand(axis, values)))
        }
        return try SweepSpec(name: name, data: data, grid: absolutePlans(axes), options: options)
    }

    /// `key=value` settings from the command line (`--set epochs=5`).
    public static func options(_ settings: [String]) throws -> [String: String] {
        var options: [String: String] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "=") else { throw SweepError("--set '\(setting)': expected option=value, e.g. epochs=5") }
            options[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        return options
    }

    private static func scalar(_ value: Any) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber {
            let double = number.doubleValue
            return double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)
        }
        return nil
    }

    /// Integer ranges for seeds and epochs ("1-3" → 1, 2, 3).
    private static func expand(_ axis: String, _ values: [String]) throws -> [String] {
        guard axis == "seed" || axis == "epochs" else { return values }
        return try values.flatMap { value -> [String] in
            let bounds = value.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 2, let low = UInt64(bounds[0]), let high = UInt64(bounds[1]) else { return [value] }
            guard low <= high, high - low < 10_000 else { throw SweepError("\(axis) range '\(value)' must run upwards, at most 10000 values") }
            return (low...high).map(String.init)
        }
    }

    /// Plan files as absolute paths, so a Slurm task started elsewhere finds them.
    private static func absolutePlans(_ axes: [SweepSpec.Axis]) -> [SweepSpec.Axis] {
        axes.map { axis in
            guard axis.name == "precision" else { return axis }
            return .init(name: axis.name, values: axis.values.map { value in
                value.hasSuffix(".json") ? URL(fileURLWithPath: value).standardizedFileURL.path : value
            })
        }
    }
}
