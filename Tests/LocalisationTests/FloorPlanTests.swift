import XCTest
@testable import Localisation

final class FloorPlanTests: XCTestCase {
    func testSphereHouseLoadsAndIsConsistent() throws {
        let plan = try sphereHouse()
        XCTAssertEqual(plan.problems(), [])
        XCTAssertEqual(plan.roomNames, ["bath", "bed1", "bed2", "hall", "kitchen", "living", "stairs", "study", "toilet"])
        XCTAssertEqual(plan.receivers.map(\.name), ["Kitchen_AP", "Lounge_AP", "Upstairs_AP", "Study_AP"])
        XCTAssertEqual(Set(plan.rooms.map(\.floor)), [0, 1])
        XCTAssertTrue(plan.notes.contains("Assumed"))
        // Every receiver stands inside a room of its own floor.
        for receiver in plan.receivers {
            XCTAssertTrue(plan.rooms.contains { $0.floor == receiver.floor && Geometry.contains($0.polygon, receiver.position) }, receiver.name)
        }
        // Rooms on one floor do not overlap: sample points belong to at most one room.
        for floor in [0, 1] {
            for x in stride(from: 0.05, to: 5.0, by: 0.1) {
                for y in stride(from: 0.05, to: 10.6, by: 0.1) {
                    let p = FloorPlan.Point(x: x, y: y)
                    XCTAssertLessThanOrEqual(plan.rooms.filter { $0.floor == floor && Geometry.contains($0.polygon, p) }.count, 1)
                }
            }
        }
        for wall in plan.walls { XCTAssertTrue((3...15).contains(wall.attenuationDB)) }
        let stairs = plan.doors.filter { $0.toFloor != nil }
        XCTAssertEqual(stairs.count, 1)
        XCTAssertEqual(stairs.first?.between, ["hall", "stairs"])
    }

    func testRoundTripThroughJSON() throws {
        let plan = try sphereHouse()
        let url = try temporaryDirectory().appendingPathComponent("plan.json")
        try plan.write(to: url)
        XCTAssertEqual(try FloorPlan.load(from: url), plan)
    }

    func testLoaderNamesTheProblem() throws {
        let dir = try temporaryDirectory()
        let missing = dir.appendingPathComponent("nope.json")
        XCTAssertThrowsError(try FloorPlan.load(from: missing)) { error in
            guard case FloorPlanError.unreadable(let path, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing.path)
        }
        let broken = dir.appendingPathComponent("broken.json")
        try Data(#"{"name": "x", "notes": "", "floors": [], "rooms": [{"name": "a", "floor": "ground"}]}"#.utf8).write(to: broken)
        XCTAssertThrowsError(try FloorPlan.load(from: broken)) { error in
            guard case FloorPlanError.malformed(_, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("rooms[0]"), reason)
        }
        var plan = try sphereHouse()
        plan.doors[0].between = ["living", "garage"]
        plan.receivers[1].name = plan.receivers[0].name
        let bad = dir.appendingPathComponent("bad.json")
        try plan.write(to: bad)
        XCTAssertThrowsError(try FloorPlan.load(from: bad)) { error in
            guard case FloorPlanError.inconsistent(_, let problems) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(problems.contains { $0.contains("garage") }, "\(problems)")
            XCTAssertTrue(problems.contains { $0.contains("used twice") }, "\(problems)")
        }
        XCTAssertThrowsError(try FloorPlan.builtIn("no-such-home"))
    }

    func testBuiltInFoundFromAnotherWorkingDirectory() throws {
        let original = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(original) }
        FileManager.default.changeCurrentDirectoryPath(try temporaryDirectory().path)
        XCTAssertEqual(try FloorPlan.builtIn("sphere-house").name, "sphere-house")
        XCTAssertTrue(FloorPlan.builtInNames.contains("sphere-house"))
    }

    func testGeometry() {
        let square = [FloorPlan.Point(x: 0, y: 0), .init(x: 2, y: 0), .init(x: 2, y: 2), .init(x: 0, y: 2)]
        XCTAssertTrue(Geometry.contains(square, .init(x: 1, y: 1)))
        XCTAssertFalse(Geometry.contains(square, .init(x: 3, y: 1)))
        XCTAssertEqual(Geometry.area(square), 4)
        XCTAssertTrue(Geometry.segmentsIntersect(.init(x: -1, y: 1), .init(x: 3, y: 1), .init(x: 0, y: 0), .init(x: 0, y: 2)))
        XCTAssertFalse(Geometry.segmentsIntersect(.init(x: 1, y: 1), .init(x: 1.5, y: 1), .init(x: 0, y: 0), .init(x: 0, y: 2)))
    }
}
