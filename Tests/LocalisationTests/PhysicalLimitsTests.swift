import XCTest
@testable import Localisation

/// Finite values no sensor can produce, which used to pass the readers' "finite number" check and
/// bring the program down later (a 1e300 dBm overflowing to infinity in calibration; a Unix time in
/// one row making windowing allocate a step for every 0.2 s since 1970).
final class PhysicalLimitsTests: XCTestCase {
    private func write(_ files: [String: String]) throws -> URL {
        let root = try temporaryDirectory()
        for (name, text) in files {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root
    }

    private func failure(_ body: () throws -> Any) -> DataFileError? {
        do {
            _ = try body()
        } catch let error as DataFileError {
            return error
        } catch {
            XCTFail("expected a DataFileError, got \(error)")
            return nil
        }
        XCTFail("expected an error")
        return nil
    }

    private func sphere(samples: String, locations: String = "start,end,name,index\n0,1,hall,1\n") throws -> DataFileError? {
        let root = try write(["rooms.json": #"["bath", "hall"]"#, "train/00001/acceleration.csv": samples,
                              "train/00001/location_0.csv": locations])
        return failure { try SphereReader.load(folder: root) }
    }

    func testSphereRejectsAbsurdTimesRSSIAndAcceleration() throws {
        let head = "t,x,y,z,A\n0.0,0,0,1,-70\n"
        let unix = try XCTUnwrap(try sphere(samples: head + "1700000000,0,0,1,-70\n"))
        XCTAssertEqual(unix.line, 3)
        XCTAssertEqual(unix.column, "t")
        XCTAssertTrue(unix.message.contains("time 1700000000 s is outside 0…86400 s"), unix.message)
        XCTAssertEqual(try sphere(samples: head + "1e7,0,0,1,-70\n")?.column, "t")
        XCTAssertEqual(try sphere(samples: head + "1e18,0,0,1,-70\n")?.column, "t")
        XCTAssertEqual(try sphere(samples: "t,x,y,z,A\n-5,0,0,1,-70\n")?.line, 2, "a time before the start")

        let rssi = try XCTUnwrap(try sphere(samples: head + "0.1,0,0,1,1e300\n"))
        XCTAssertEqual(rssi.line, 3)
        XCTAssertEqual(rssi.column, "A")
        XCTAssertTrue(rssi.description.hasSuffix(#"acceleration.csv:3 column "A": RSSI 1e+300 dBm is outside -150…20 dBm"#), rssi.description)
        XCTAssertEqual(try sphere(samples: head + "0.1,0,0,1,-1e300\n")?.column, "A")
        let accel = try XCTUnwrap(try sphere(samples: head + "0.1,0,1e300,1,\n"))
        XCTAssertEqual(accel.column, "y")
        XCTAssertTrue(accel.message.hasPrefix("acceleration 1e+300 g is outside -50…50 g"), accel.message)

        let interval = try XCTUnwrap(try sphere(samples: head, locations: "start,end,name,index\n0,1e12,hall,1\n"))
        XCTAssertEqual(interval.column, "end")
        // The edges of the ranges are still data.
        XCTAssertNoThrow(try SphereReader.load(folder: try write([
            "rooms.json": #"["bath", "hall"]"#, "train/00001/location_0.csv": "start,end,name,index\n0,86400,hall,1\n",
            "train/00001/acceleration.csv": "t,x,y,z,A\n0,-50,50,0,-150\n86400,0,0,1,20\n",
        ])))
    }

    func testStudyCSVRejectsAbsurdValuesButTakesAnyFillAsNotHeard() throws {
        func load(_ fp: String) throws -> Dataset {
            try StudyCSVReader.load(path: try write(["csv_house_A_fp.csv": fp]))
        }
        let filled = try load("t,ap,room\n0,-1e300,1\n1,-60,1\n")
        XCTAssertTrue(filled.recordings[0].rssi[0].isNaN, "below the −120 dBm fill value means not heard")
        let loud = try XCTUnwrap(failure { try load("t,ap,room\n0,-60,1\n1,1e300,1\n") })
        XCTAssertEqual(loud.line, 3)
        XCTAssertEqual(loud.column, "ap")
        let late = try XCTUnwrap(failure { try load("t,ap,room\n0,-60,1\n1e7,-60,1\n") })
        XCTAssertEqual(late.column, "t")
    }

    func testMappedCSVBoundsScaledTimesRSSIAndAcceleration() throws {
        let folder = try write(["r.csv": "t,a,x,y,z,room\n0,-60,0,0,1,hall\n1000,-61,0,0,1,hall\n"])
        let file = folder.appendingPathComponent("r.csv")
        let scaled = try XCTUnwrap(failure {
            try MappedCSVReader.load(path: file, mapping: try CSVColumnMapping(parsing: "time=t,receivers=a,room=room,accelerometer=x|y|z,timeScale=1e10"))
        })
        XCTAssertEqual(scaled.line, 3, "1000 × 1e10 s is past a day; row 2's 0 is fine")
        XCTAssertEqual(scaled.column, "t")
        let mapping = try CSVColumnMapping(parsing: "time=t,receivers=a,room=room,accelerometer=x|y|z")
        XCTAssertEqual(try MappedCSVReader.load(path: file, mapping: mapping).recordings[0].times, [0, 1000])
        try Data("t,a,x,y,z,room\n0,-60,0,0,1,hall\n1,-61,0,-1e300,1,hall\n".utf8).write(to: file)
        XCTAssertEqual(failure { try MappedCSVReader.load(path: file, mapping: mapping) }?.column, "y")
        try Data("t,a,x,y,z,room\n0,1e300,0,0,1,hall\n".utf8).write(to: file)
        XCTAssertEqual(failure { try MappedCSVReader.load(path: file, mapping: mapping) }?.column, "a")

        let json = try write(["m.json": #"{"time": "t", "receivers": ["a"], "room": "room", "timeScale": -1}"#])
        XCTAssertNotNil(failure { try CSVColumnMapping.load(json: json.appendingPathComponent("m.json")) },
                        "a JSON mapping's timeScale is checked like the command line's")
    }
}

extension PhysicalLimitsTests {
    /// A room number of 2^63 crashed converting to Int, and 300000000 built 300 M room names.
    func testStudyCSVRoomNumbersAreBounded() throws {
        for label in ["9223372036854775807", "300000000", "1001"] {
            let folder = try write(["csv_house_A_fp.csv": "t,ap,room\n0,-60,1\n1,-60,\(label)\n"])
            let error = try XCTUnwrap(failure { try StudyCSVReader.load(path: folder) }, label)
            XCTAssertEqual(error.line, 3, label)
            XCTAssertEqual(error.column, "room", label)
            XCTAssertTrue(error.message.contains("expected a whole number 1…1000"), error.message)
        }
        let folder = try write(["csv_house_A_fp.csv": "t,ap,room\n0,-60,1\n1,-60,1000\n"])
        XCTAssertEqual(try StudyCSVReader.load(path: folder).rooms.count, 1000, "the bound itself is a home's rooms")
    }
}

extension PhysicalLimitsTests {
    /// Found by fuzz/run.sh floorplan: a vertex at 3.3e122 m passed every check, and the simulator
    /// trapped converting its shadowing grid's width to Int.
    func testFloorPlanCoordinatesHeightsAndAttenuationAreBounded() throws {
        let plan = #"""
            {"name": "two-rooms", "notes": "", "floors": [{"index": 0, "name": "ground", "elevation": 0}],
             "rooms": [{"name": "hall", "floor": 0, "polygon": [{"x": 0, "y": 1}, {"x": 3, "y": 0}, {"x": 3, "y": 4}, {"x": 0, "y": 4}]},
                       {"name": "kitchen", "floor": 0, "polygon": [{"x": 3, "y": 0}, {"x": @X, "y": 0}, {"x": 7, "y": 4}, {"x": 3, "y": 4}]}],
             "walls": [{"floor": 0, "from": {"x": 3, "y": 0}, "to": {"x": 3, "y": 1.5}, "attenuationDB": @DB}],
             "doors": [{"floor": 0, "between": ["hall", "kitchen"], "at": {"x": 3, "y": 2}}],
             "receivers": [{"name": "ap", "floor": 0, "position": {"x": 1, "y": 1}, "height": @H}]}
            """#
        func problems(x: String = "7", db: String = "4", height: String = "1.5") throws -> [String] {
            let text = plan.replacingOccurrences(of: "@X", with: x).replacingOccurrences(of: "@DB", with: db)
                .replacingOccurrences(of: "@H", with: height)
            return try JSONDecoder().decode(FloorPlan.self, from: Data(text.utf8)).problems()
        }
        XCTAssertEqual(try problems(), [])
        XCTAssertEqual(try problems(x: "333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333337"),
                       ["rooms[1].polygon[1].x: 3.333333333333333e+122 m is outside -100…100 m"])
        XCTAssertEqual(try problems(db: "-3"), ["walls[0].attenuationDB: -3.0 dB is outside 0…100 dB"])
        XCTAssertEqual(try problems(db: "1e308"), ["walls[0].attenuationDB: 1e+308 dB is outside 0…100 dB"])
        XCTAssertEqual(try problems(height: "-1e9"), ["receivers[0].height: -1000000000.0 m is outside -100…100 m"])
    }
}
