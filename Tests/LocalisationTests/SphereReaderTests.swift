import XCTest
@testable import Localisation

final class SphereReaderTests: XCTestCase {
    private func fixture(samples: String, locations: String) throws -> URL {
        let root = try temporaryDirectory()
        try Data(#"["bath", "hall", "kitchen"]"#.utf8).write(to: root.appendingPathComponent("rooms.json"))
        let rec = root.appendingPathComponent("train/00001")
        try FileManager.default.createDirectory(at: rec, withIntermediateDirectories: true)
        try Data(samples.utf8).write(to: rec.appendingPathComponent("acceleration.csv"))
        try Data(locations.utf8).write(to: rec.appendingPathComponent("location_0.csv"))
        return root
    }

    private let goodSamples = """
        t,x,y,z,Kitchen_AP,Lounge_AP
        0.05,0.1,0.9,0.4,-84.0,
        0.10,0.2,0.8,0.3,,-70.5\r
        0.15,0.3,0.7,0.2,-85,-71

        """
    private let goodLocations = "start,end,name,index\n0.0,0.08,hall,1\n0.09,0.2,kitchen,2\n"

    func testReadsFixture() throws {
        let dataset = try SphereReader.load(folder: try fixture(samples: goodSamples, locations: goodLocations))
        XCTAssertEqual(dataset.rooms, ["bath", "hall", "kitchen"])
        XCTAssertEqual(dataset.receivers, ["Kitchen_AP", "Lounge_AP"])
        let r = try XCTUnwrap(dataset.recordings.first)
        XCTAssertEqual(r.name, "00001")
        XCTAssertEqual(r.times, [0.05, 0.10, 0.15])
        XCTAssertEqual(r.accel, [0.1, 0.9, 0.4, 0.2, 0.8, 0.3, 0.3, 0.7, 0.2])
        XCTAssertEqual(r.rssi[0], -84)
        XCTAssertTrue(r.rssi[1].isNaN, "empty cell = not heard")
        XCTAssertTrue(r.rssi[2].isNaN)
        XCTAssertEqual(Array(r.rssi[3...5]), [-70.5, -85, -71])
        XCTAssertEqual(r.intervals, [RoomInterval(start: 0, end: 0.08, room: 1), RoomInterval(start: 0.09, end: 0.2, room: 2)])
    }

    private func error(samples: String? = nil, locations: String? = nil) throws -> DataFileError {
        let folder = try fixture(samples: samples ?? goodSamples, locations: locations ?? goodLocations)
        do {
            _ = try SphereReader.load(folder: folder)
        } catch let error as DataFileError {
            return error
        }
        XCTFail("expected an error")
        return DataFileError(file: "", message: "")
    }

    func testErrorsNameFileLineAndColumn() throws {
        let text = try error(samples: "t,x,y,z,Kitchen_AP\n0.0,0.1,0.2,0.3,-80\n0.05,0.1,abc,0.3,-80\n")
        XCTAssertTrue(text.file.hasSuffix("train/00001/acceleration.csv"))
        XCTAssertEqual(text.line, 3)
        XCTAssertEqual(text.column, "y")
        XCTAssertTrue(text.description.contains("acceleration.csv:3 column \"y\""), text.description)

        let nan = try error(samples: "t,x,y,z,Kitchen_AP\n0.0,0.1,0.2,0.3,NaN\n")
        XCTAssertEqual(nan.line, 2)
        XCTAssertEqual(nan.column, "Kitchen_AP")

        let short = try error(samples: "t,x,y,z,Kitchen_AP\n0.0,0.1,0.2\n")
        XCTAssertEqual(short.line, 2)
        XCTAssertNil(short.column)

        let backwards = try error(samples: "t,x,y,z,Kitchen_AP\n1.0,0,0,1,\n0.5,0,0,1,\n")
        XCTAssertEqual(backwards.column, "t")

        XCTAssertEqual(try error(samples: "t,x,y,z,Kitchen_AP\n").message, "no samples after the header")
        XCTAssertEqual(try error(samples: "").message, "empty file")
        XCTAssertEqual(try error(samples: "time,x,y,z,A\n1,0,0,1,\n").line, 1)

        let room = try error(locations: "start,end,name,index\n0,1,hall,1\n1,2,garage,4\n")
        XCTAssertTrue(room.file.hasSuffix("location_0.csv"))
        XCTAssertEqual(room.line, 3)
        XCTAssertEqual(room.column, "name")

        XCTAssertEqual(try error(locations: "start,end,name,index\n0,1,hall,2\n").column, "index")
        XCTAssertEqual(try error(locations: "start,end,name,index\n0,1,hall,1\n0.5,2,bath,0\n").column, "start")
        XCTAssertEqual(try error(locations: "begin,end,name,index\n").line, 1)
    }

    func testMissingFolderIsAnError() {
        XCTAssertThrowsError(try SphereReader.load(folder: URL(fileURLWithPath: "/nonexistent/sphere"))) { error in
            XCTAssertTrue("\(error)".contains("rooms.json"), "\(error)")
        }
    }

    func testRealRecording00006() throws {
        guard FileManager.default.fileExists(atPath: sphereFolder.appendingPathComponent("train/00006").path) else {
            throw XCTSkip("SPHERE data not found at \(sphereFolder.path)")
        }
        let dataset = try SphereReader.load(folder: sphereFolder, only: ["00006"])
        XCTAssertEqual(dataset.rooms.count, 9)
        XCTAssertEqual(dataset.receivers, ["Kitchen_AP", "Lounge_AP", "Upstairs_AP", "Study_AP"])
        let r = try XCTUnwrap(dataset.recordings.first)
        XCTAssertEqual(r.packetCount, 17_500)
        XCTAssertEqual(r.intervals.count, 19)
        XCTAssertEqual(r.intervals.first, RoomInterval(start: 37.04, end: 40.94, room: 3))
        // In 00006 the lounge and study receivers never report (MODELS.md: cope with silent receivers).
        for j in [1, 3] { XCTAssertTrue((0..<r.packetCount).allSatisfy { r.rssi[$0 * 4 + j].isNaN }) }
        let heard = (0..<r.packetCount).map { r.rssi[$0 * 4] }.filter { !$0.isNaN }
        XCTAssertTrue(heard.allSatisfy { (-110 ... -40).contains($0) })
        let windows = makeWindows(dataset: dataset, recordings: [0])
        XCTAssertEqual(windows.features, 11)
        // 00006 has long silences (the longest 51 s): windows that would span one are not made.
        XCTAssertEqual(windows.count, 310)
        let spanning = makeWindows(dataset: dataset, recordings: [0], config: WindowConfig(maxGap: .infinity))
        XCTAssertGreaterThan(spanning.count, 600)
    }
}
