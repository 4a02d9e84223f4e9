import Foundation

/// Why a floor plan could not be used. Every case names the file.
public enum FloorPlanError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    /// Not valid JSON, or JSON without the fields a `FloorPlan` needs; `reason` names the field.
    case malformed(path: String, reason: String)
    /// Valid JSON that describes an impossible home (see `FloorPlan.problems()`).
    case inconsistent(path: String, problems: [String])
    case notFound(name: String, searched: [String])

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read floor plan: \(reason)"
        case let .malformed(path, reason): return "\(path): not a floor plan: \(reason)"
        case let .inconsistent(path, problems): return "\(path): inconsistent floor plan:\n  " + problems.joined(separator: "\n  ")
        case let .notFound(name, searched): return "no built-in floor plan \"\(name)\" (looked in \(searched.joined(separator: ", ")))"
        }
    }
}

extension FloorPlan {
    /// Reads and checks a plan; a plan with any problem is rejected whole.
    public static func load(from url: URL) throws -> FloorPlan {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FloorPlanError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let plan: FloorPlan
        do { plan = try JSONDecoder().decode(FloorPlan.self, from: data) } catch let error as DecodingError {
            throw FloorPlanError.malformed(path: url.path, reason: describeDecodingError(error))
        }
        let problems = plan.problems()
        if !problems.isEmpty { throw FloorPlanError.inconsistent(path: url.path, problems: problems) }
        return plan
    }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }

    /// The folder of plans shipped with tinyloc: `data/floorplans` under the working directory
    /// (running from the repo root), else the one beside this source file, so tests and tools run
    /// from elsewhere still find it.
    public static func builtInDirectory() -> URL? {
        candidateDirectories().first { isDirectory($0) }
    }

    public static var builtInNames: [String] {
        guard let dir = builtInDirectory(),
              let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// A shipped plan by name, e.g. `builtIn("sphere-house")`.
    public static func builtIn(_ name: String) throws -> FloorPlan {
        guard let dir = builtInDirectory() else {
            throw FloorPlanError.notFound(name: name, searched: candidateDirectories().map(\.path))
        }
        let url = dir.appendingPathComponent(name + ".json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FloorPlanError.notFound(name: name, searched: [dir.path])
        }
        return try load(from: url)
    }

    private static func candidateDirectories() -> [URL] {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        // Sources/Localisation/<this file> → repo root.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return [cwd.appendingPathComponent("data/floorplans"), repo.appendingPathComponent("data/floorplans")]
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Everything that makes the plan unusable, one sentence each; empty when it is fine.
    /// Rooms are unique by name and the door graph (stairs included) must join every room.
    public func problems() -> [String] {
        var out: [String] = []
        let floorIndices = Set(floors.map(\.index))
        if floors.isEmpty { out.append("no floors") }
        if floorIndices.count != floors.count { out.append("floor indices repeat") }
        if rooms.isEmpty { out.append("no rooms") }
        if receivers.isEmpty { out.append("no receivers") }
        var seen = Set<String>()
        for (i, room) in rooms.enumerated() {
            let tag = "rooms[\(i)] \"\(room.name)\""
            if room.name.isEmpty { out.append("rooms[\(i)]: empty name") }
            if !seen.insert(room.name).inserted { out.append("\(tag): name used twice") }
            if !floorIndices.contains(room.floor) { out.append("\(tag): unknown floor \(room.floor)") }
            if room.polygon.count < 3 || Geometry.area(room.polygon) < 0.1 { out.append("\(tag): polygon needs ≥ 3 vertices and some area") }
        }
        for (i, wall) in walls.enumerated() {
            if !floorIndices.contains(wall.floor) { out.append("walls[\(i)]: unknown floor \(wall.floor)") }
            if wall.from == wall.to { out.append("walls[\(i)]: zero length") }
        }
        for (i, door) in doors.enumerated() {
            let tag = "doors[\(i)]"
            guard door.between.count == 2, door.between[0] != door.between[1] else {
                out.append("\(tag): must join two different rooms"); continue
            }
            if let to = door.toFloor, to == door.floor || !floorIndices.contains(to) { out.append("\(tag): bad toFloor \(to)") }
            for name in door.between {
                guard let room = room(named: name) else { out.append("\(tag): unknown room \"\(name)\""); continue }
                if room.floor != door.floor(of: name) {
                    out.append("\(tag): room \"\(name)\" is on floor \(room.floor), not \(door.floor(of: name))")
                } else if !Geometry.contains(room.polygon, door.at) && Geometry.distanceToBoundary(room.polygon, door.at) > 0.05 {
                    out.append("\(tag): point (\(door.at.x), \(door.at.y)) is not on room \"\(name)\"")
                }
            }
        }
        var receiverNames = Set<String>()
        for (i, receiver) in receivers.enumerated() {
            if !receiverNames.insert(receiver.name).inserted { out.append("receivers[\(i)] \"\(receiver.name)\": name used twice") }
            if !floorIndices.contains(receiver.floor) { out.append("receivers[\(i)] \"\(receiver.name)\": unknown floor \(receiver.floor)") }
        }
        out += outOfBounds()
        if out.isEmpty, let first = rooms.first {
            let reached = connectedRooms(from: first.name)
            let cut = rooms.map(\.name).filter { !reached.contains($0) }
            if !cut.isEmpty { out.append("no door path from \"\(first.name)\" to \(cut.joined(separator: ", "))") }
        }
        return out
    }

    /// A home fits in ±100 m, floors and receivers within 100 m of the ground, walls cost at most
    /// 100 dB. The simulator lays its shadowing grid (cells of 0.1–0.5 m) over the plan's extent, so
    /// a vertex at 3e122 m, which the other checks let through, trapped converting the grid's width
    /// to Int; a plan in survey coordinates (kilometres from an origin) would allocate gigabytes.
    static let coordinateMetres: ClosedRange<Double> = -100...100
    static let heightMetres: ClosedRange<Double> = -100...100
    static let attenuationDB: ClosedRange<Double> = 0...100

    private func outOfBounds() -> [String] {
        var out: [String] = []
        func check(_ path: String, _ value: Double, _ range: ClosedRange<Double>, _ unit: String) {
            if !range.contains(value) {
                out.append("\(path): \(value) \(unit) is outside \(PhysicalLimits.describe(range, unit))")
            }
        }
        func check(_ path: String, _ point: Point) {
            check(path + ".x", point.x, Self.coordinateMetres, "m")
            check(path + ".y", point.y, Self.coordinateMetres, "m")
        }
        if rooms.count > PhysicalLimits.maxRooms { out.append("\(rooms.count) rooms, at most \(PhysicalLimits.maxRooms)") }
        if receivers.count > PhysicalLimits.maxReceivers { out.append("\(receivers.count) receivers, at most \(PhysicalLimits.maxReceivers)") }
        for (i, floor) in floors.enumerated() { check("floors[\(i)].elevation", floor.elevation, Self.heightMetres, "m") }
        for (i, room) in rooms.enumerated() {
            for (j, point) in room.polygon.enumerated() { check("rooms[\(i)].polygon[\(j)]", point) }
        }
        for (i, wall) in walls.enumerated() {
            check("walls[\(i)].from", wall.from)
            check("walls[\(i)].to", wall.to)
            check("walls[\(i)].attenuationDB", wall.attenuationDB, Self.attenuationDB, "dB")
        }
        for (i, door) in doors.enumerated() { check("doors[\(i)].at", door.at) }
        for (i, receiver) in receivers.enumerated() {
            check("receivers[\(i)].position", receiver.position)
            check("receivers[\(i)].height", receiver.height, Self.heightMetres, "m")
        }
        return out
    }

    /// Room names sorted, the fixed class order of simulated data sets (the same order as SPHERE's rooms.json).
    public var roomNames: [String] { rooms.map(\.name).sorted() }

    func connectedRooms(from start: String) -> Set<String> {
        var reached: Set<String> = [start], frontier = [start]
        while let room = frontier.popLast() {
            for door in doors where door.between.contains(room) {
                for other in door.between where reached.insert(other).inserted { frontier.append(other) }
            }
        }
        return reached
    }
}
