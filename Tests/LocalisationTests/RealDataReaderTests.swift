import XCTest
@testable import Localisation

/// The study-CSV and mapped-CSV readers, the SPHERE reader's remaining bad-input cases, the gap
/// rule of windowing, and receiver coverage — all on small files written here.
final class RealDataReaderTests: XCTestCase {
    private func write(_ files: [String: String]) throws -> URL {
        let root = try temporaryDirectory()
        for (name, text) in files {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root
    }

    private func dataFileError(_ body: () throws -> Any) -> DataFileError? {
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

    // MARK: study CSV

    private let fingerprint = """
        index,ap_kitchen,ap_hall,room
        0,-70,-120,1
        1,-71,,1
        2,-90,-60,2
        3,-91,-61,2

        """
    private let freeLiving = "index,ap_kitchen,ap_hall,room\n0,-80,-80,2\n1,-80,-80,\n2,-72,-100,1\n"

    func testStudyCSVReadsBothFilesOfAHouse() throws {
        let folder = try write(["csv_house_A_fp.csv": fingerprint, "csv_house_A_fl.csv": freeLiving,
                                "rooms.json": #"["kitchen", "hall"]"#])
        let dataset = try StudyCSVReader.load(path: folder)
        XCTAssertEqual(dataset.name, "study-A")
        XCTAssertEqual(dataset.rooms, ["kitchen", "hall"])
        XCTAssertEqual(dataset.receivers, ["ap_kitchen", "ap_hall"])
        XCTAssertEqual(dataset.recordings.map(\.name), ["A-fp", "A-fl"], "fingerprint first")
        let fp = dataset.recordings[0]
        for (t, expected) in zip(fp.times, [0, 0.2, 0.4, 0.6]) { XCTAssertEqual(t, expected, accuracy: 1e-12, "an index column numbers rows 0.2 s apart") }
        XCTAssertNil(fp.accel)
        XCTAssertEqual(fp.rssi[0], -70)
        XCTAssertTrue(fp.rssi[1].isNaN, "−120 is the study's fill for not heard")
        XCTAssertTrue(fp.rssi[3].isNaN, "an empty cell is not heard")
        XCTAssertEqual(fp.intervals.map(\.room), [0, 1], "1-based labels")
        XCTAssertEqual(fp.intervals[0].start, 0)
        XCTAssertEqual(fp.intervals[0].end, 0.4, accuracy: 1e-9)
        XCTAssertEqual(fp.intervals[1].end, 0.8, accuracy: 1e-9, "the last row extends by the usual row interval")
        let fl = dataset.recordings[1]
        XCTAssertEqual(fl.intervals.map(\.room), [1, 0], "an empty label is an unlabelled row")
        XCTAssertEqual(fl.intervals[0].end, 0.2, accuracy: 1e-9)
    }

    func testStudyCSVTimeColumnAndDefaultRoomNames() throws {
        let folder = try write(["csv_house_B_fp.csv": "timestamp,r1,room\n10.0,-60,1\n10.5,-61,3\n"])
        let dataset = try StudyCSVReader.load(path: folder.appendingPathComponent("csv_house_B_fp.csv"))
        XCTAssertEqual(dataset.recordings[0].times, [10.0, 10.5])
        XCTAssertEqual(dataset.rooms, ["room 1", "room 2", "room 3"])
    }

    func testStudyCSVBadInputNamesFileLineAndColumn() throws {
        func failure(_ fp: String, rooms: String? = nil, house: String? = nil) throws -> DataFileError? {
            var files = ["csv_house_A_fp.csv": fp]
            if let rooms { files["rooms.json"] = rooms }
            let folder = try write(files)
            return dataFileError { try StudyCSVReader.load(path: folder, house: house) }
        }
        let text = try XCTUnwrap(try failure("index,a,b,room\n0,-70,-80,1\n1,-70,strong,1\n"))
        XCTAssertTrue(text.file.hasSuffix("csv_house_A_fp.csv"))
        XCTAssertEqual(text.line, 3)
        XCTAssertEqual(text.column, "b")
        XCTAssertEqual(try failure("index,a,b,room\n0,nan,-80,1\n")?.column, "a")
        let unknown = try XCTUnwrap(try failure("index,a,b,room\n0,-70,-80,1\n1,-70,-80,3\n", rooms: #"["x", "y"]"#))
        XCTAssertEqual(unknown.line, 3)
        XCTAssertEqual(unknown.column, "room")
        XCTAssertTrue(unknown.message.contains("unknown room"), unknown.message)
        XCTAssertEqual(try failure("index,a,b,room\n0,-70,-80,0\n")?.column, "room", "labels are 1-based")
        XCTAssertEqual(try failure("index,a,b,room\n0,-70,-80,1.5\n")?.column, "room")
        let backwards = try XCTUnwrap(try failure("t,a,b,room\n5,-70,-80,1\n4,-70,-80,1\n"))
        XCTAssertEqual(backwards.line, 3)
        XCTAssertEqual(backwards.column, "t")
        let extra = try XCTUnwrap(try failure("index,a,b,room\n0,-70,-80,1,9\n"))
        XCTAssertEqual(extra.line, 2)
        XCTAssertEqual(extra.column, "field 5")
        let missing = try XCTUnwrap(try failure("index,a,b,room\n0,-70,-80\n"))
        XCTAssertEqual(missing.column, "room")
        XCTAssertEqual(try failure("")?.message, "empty file")
        XCTAssertEqual(try failure("index,a,b,room\n")?.message, "no rows after the header")
        XCTAssertEqual(try failure("index,a,a,room\n0,1,2,1\n")?.column, "a", "a column named twice")
        XCTAssertNotNil(try failure("index,a,b,room\n0,-70,-80,1\n", house: "Z"), "a house that is not there")
        XCTAssertNotNil(dataFileError { try StudyCSVReader.load(path: URL(fileURLWithPath: "/nonexistent/csv_house_A_fp.csv")) })

        let mismatch = try write(["csv_house_A_fp.csv": "index,a,b,room\n0,-70,-80,1\n", "csv_house_A_fl.csv": "index,b,a,room\n0,-70,-80,1\n"])
        let error = try XCTUnwrap(dataFileError { try StudyCSVReader.load(path: mismatch) })
        XCTAssertTrue(error.file.hasSuffix("csv_house_A_fl.csv"), "receivers must agree between fp and fl")
    }

    func testStudyCSVNames() {
        XCTAssertEqual(StudyCSVReader.parseName("csv_house_A_fp.csv")?.house, "A")
        XCTAssertEqual(StudyCSVReader.parseName("csv_house_long_name_fl.csv")?.part, "fl")
        XCTAssertNil(StudyCSVReader.parseName("csv_house__fp.csv"))
        XCTAssertNil(StudyCSVReader.parseName("house_A_fp.csv"))
    }

    // MARK: mapped CSV

    func testMappedCSVWithMappingFromTheCommandLine() throws {
        let mapping = try CSVColumnMapping(parsing: "time=ms,timeScale=0.001,receivers=ap1|ap2,room=where,accelerometer=ax|ay|az,ignore=note")
        XCTAssertEqual(mapping.receivers, ["ap1", "ap2"])
        let folder = try write([
            "walk-2.csv": "ms,ap2,ap1,where,ax,ay,az,note\n0,-60,,hall,0,0,1,x\n500,-61,-80,kitchen,0,0.5,1,\n1000,,-79,kitchen,0,0,1,\n",
            "walk-1.csv": "where,ms,ap1,ap2,ax,ay,az,note\nhall,0,-50,-55,0,0,1,\n",
        ])
        let dataset = try MappedCSVReader.load(path: folder, mapping: mapping)
        XCTAssertEqual(dataset.recordings.map(\.name), ["walk-1", "walk-2"])
        XCTAssertEqual(dataset.rooms, ["hall", "kitchen"], "found names, sorted")
        let walk = dataset.recordings[1]
        XCTAssertEqual(walk.times, [0, 0.5, 1.0])
        XCTAssertTrue(walk.rssi[0].isNaN)
        XCTAssertEqual(walk.rssi[1], -60, "columns follow the mapping, not the file's order")
        XCTAssertEqual(walk.accel?[4], 0.5)
        XCTAssertEqual(walk.intervals.map(\.room), [0, 1])
    }

    func testMappedCSVBadInput() throws {
        let mapping = CSVColumnMapping(time: "t", receivers: ["a"], room: "room", rooms: ["hall"])
        func failure(_ text: String) throws -> DataFileError? {
            let folder = try write(["r.csv": text])
            return dataFileError { try MappedCSVReader.load(path: folder.appendingPathComponent("r.csv"), mapping: mapping) }
        }
        let missing = try XCTUnwrap(try failure("t,room\n0,hall\n"))
        XCTAssertEqual(missing.line, 1)
        XCTAssertEqual(missing.column, "a")
        XCTAssertTrue(missing.message.contains("missing column"))
        let extra = try XCTUnwrap(try failure("t,a,b,room\n0,-60,-61,hall\n"))
        XCTAssertEqual(extra.column, "b")
        XCTAssertTrue(extra.message.contains("extra column"))
        let room = try XCTUnwrap(try failure("t,a,room\n0,-60,hall\n1,-60,attic\n"))
        XCTAssertEqual(room.line, 3)
        XCTAssertEqual(room.column, "room")
        XCTAssertEqual(try failure("t,a,room\n0,NaN,hall\n")?.column, "a")
        XCTAssertEqual(try failure("t,a,room\n,-60,hall\n")?.column, "t")
        XCTAssertEqual(try failure("t,a,room\n1,-60,hall\n0,-60,hall\n")?.line, 3)

        XCTAssertThrowsError(try CSVColumnMapping(parsing: "time=t,room=r"), "receivers are required")
        XCTAssertThrowsError(try CSVColumnMapping(parsing: "time=t,receivers=a,room=r,colour=blue"))
        XCTAssertThrowsError(try CSVColumnMapping(parsing: "time=t,receivers=a|t,room=r"), "a column mapped twice")
        XCTAssertThrowsError(try CSVColumnMapping(parsing: "time=t,receivers=a,room=r,accelerometer=x|y"))
        let json = try write(["m.json": #"{"time": "t", "receivers": ["a"], "room": "room"}"#, "bad.json": #"{"time": 3}"#])
        XCTAssertEqual(try CSVColumnMapping.load(json: json.appendingPathComponent("m.json")).room, "room")
        XCTAssertNotNil(dataFileError { try CSVColumnMapping.load(json: json.appendingPathComponent("bad.json")) })
    }

    // MARK: SPHERE, cases the older tests do not cover

    private func sphere(_ samples: String?, locations: String) throws -> URL {
        var files = ["rooms.json": #"["bath", "hall"]"#, "train/00001/location_0.csv": locations]
        if let samples { files["train/00001/acceleration.csv"] = samples }
        return try write(files)
    }

    func testSphereMissingFileExtraFieldAndReversedInterval() throws {
        let good = "t,x,y,z,A\n0.0,0,0,1,-70\n0.1,0,0,1,\n"
        let missing = try XCTUnwrap(dataFileError { try SphereReader.load(folder: try sphere(nil, locations: "start,end,name,index\n")) })
        XCTAssertTrue(missing.file.hasSuffix("train/00001/acceleration.csv"))
        XCTAssertEqual(missing.message, "file not found")

        let extra = try XCTUnwrap(dataFileError {
            try SphereReader.load(folder: try sphere("t,x,y,z,A\n0.0,0,0,1,-70,-71\n", locations: "start,end,name,index\n"))
        })
        XCTAssertEqual(extra.line, 2)
        XCTAssertEqual(extra.column, "field 6")

        let reversed = try XCTUnwrap(dataFileError {
            try SphereReader.load(folder: try sphere(good, locations: "start,end,name,index\n2,1,hall,1\n"))
        })
        XCTAssertEqual(reversed.line, 2)
        XCTAssertEqual(reversed.column, "end")

        let overlapping = try XCTUnwrap(dataFileError {
            try SphereReader.load(folder: try sphere(good, locations: "start,end,name,index\n0,2,hall,1\n1,3,bath,0\n"))
        })
        XCTAssertEqual(overlapping.line, 3)
        XCTAssertEqual(overlapping.column, "start")
        XCTAssertEqual(try XCTUnwrap(dataFileError {
            try SphereReader.load(folder: try sphere(good, locations: "start,end,name,index\nx,2,hall,1\n"))
        }).column, "start")
    }

    func testSphereRecordingWithoutTheChosenAnnotatorIsLeftOutAndSaid() throws {
        var files = ["rooms.json": #"["bath", "hall"]"#]
        for id in ["00001", "00002"] {
            files["train/\(id)/acceleration.csv"] = "t,x,y,z,A\n0.0,0,0,1,-70\n"
            files["train/\(id)/location_0.csv"] = "start,end,name,index\n0,1,hall,1\n"
        }
        files["train/00002/location_1.csv"] = "start,end,name,index\n0,1,bath,0\n"
        let dataset = try SphereReader.load(folder: try write(files), annotator: 1)
        XCTAssertEqual(dataset.recordings.map(\.name), ["00002"])
        XCTAssertEqual(dataset.notes, ["00001 has no location_1.csv and is left out"])
    }

    // MARK: gaps and windows

    /// 1 s steps, packets every 0.25 s from 0 to 20 s except a silence from 7.0 to 10.0 s.
    private func gappyRecording() -> Dataset {
        var times: [Double] = []
        var t = 0.0
        while t < 20 {
            if !(t > 7 && t < 10) { times.append(t) }
            t += 0.25
        }
        let recording = Recording(name: "gap", receivers: ["A"], times: times, rssi: times.map { _ in -60 }, accel: nil,
                                  intervals: [RoomInterval(start: 0, end: 20, room: 0)])
        return Dataset(name: "gap", rooms: ["hall"], receivers: ["A"], recordings: [recording])
    }

    func testWindowsDoNotStraddleAGapLongerThanAStep() {
        let config = WindowConfig(stepRate: 1, length: 4, hop: 2)
        let steps = StepFeatures(recording: gappyRecording().recordings[0], stepRate: 1, includeAccelerometer: false,
                                 maxGap: config.effectiveMaxGap)
        // Packets at 7.0 then 10.0: steps 8 and 9 are inside the gap; step 10 starts new data.
        // The last packet is at 19.75 s, so there are 19 whole steps.
        XCTAssertEqual(steps.segments, [0, 0, 0, 0, 0, 0, 0, 0, nil, nil, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        let windows = makeWindows(dataset: gappyRecording(), recordings: [0], config: config)
        XCTAssertEqual(windows.startTimes, [0, 2, 4, 10, 12, 14], "after the gap windows restart at step 10")

        var across = config
        across.maxGap = .infinity
        let all = makeWindows(dataset: gappyRecording(), recordings: [0], config: across)
        XCTAssertEqual(all.startTimes, [0, 2, 4, 6, 8, 10, 12, 14], "configured: windows may span the gap")
    }

    func testASilenceOfOneStepIsNotAGap() {
        // Packets every 0.5 s with step 2 (2.0–3.0 s) empty: 1.5 s = the usual 0.5 s + one 1 s step.
        let times: [Double] = [0, 0.5, 1, 1.5, 3, 3.5, 4, 4.5, 5, 5.5]
        let recording = Recording(name: "r", receivers: ["A"], times: times, rssi: times.map { _ in -60 }, accel: nil, intervals: [])
        let steps = StepFeatures(recording: recording, stepRate: 1, includeAccelerometer: false, maxGap: 1)
        XCTAssertEqual(steps.segments, [0, 0, 0, 0, 0])
        let later = StepFeatures(recording: Recording(name: "r", receivers: ["A"], times: [2.5, 3, 3.5, 4], rssi: [-60, -60, -60, -60],
                                                      accel: nil, intervals: []),
                                 stepRate: 1, includeAccelerometer: false, maxGap: 1)
        XCTAssertEqual(later.segments, [nil, nil, 0, 0], "no data before the first packet")
    }

    func testScalerKeepsSilenceAtZero() {
        let windows = WindowSet(count: 2, length: 1, features: 2, x: [0.5, 3, 0.9, 5], labels: [0, 0], recordingIndex: [0, 0],
                                startTimes: [0, 0], rooms: ["a"], featureNames: ["rssi:A", "accel:x"])
        let scaler = FeatureScaler.fit(on: windows, keepingZero: [0])
        XCTAssertEqual(scaler.minimum, [0, 3])
        XCTAssertEqual(scaler.maximum, [0.9, 5])
        let silent = WindowSet(count: 1, length: 1, features: 2, x: [0, 4], labels: [0], recordingIndex: [0], startTimes: [0],
                               rooms: ["a"], featureNames: ["rssi:A", "accel:x"])
        XCTAssertEqual(scaler.applied(to: silent).x, [0, 0.5])
    }

    func testCoverageCountsHeardPackets() {
        let recording = Recording(name: "r", receivers: ["A", "B", "C"], times: [0, 1, 2, 3],
                                  rssi: [-60, .nan, .nan, -70, .nan, .nan, .nan, -80, .nan, -62, -90, .nan], accel: nil,
                                  intervals: [RoomInterval(start: 0, end: 1.5, room: 0)])
        let coverage = ReceiverCoverage(recording)
        XCTAssertEqual(coverage.packets, 4)
        XCTAssertEqual(coverage.labelledSeconds, 1.5)
        XCTAssertEqual(coverage.receivers.map(\.heardRate), [0.75, 0.5, 0])
        XCTAssertEqual(coverage.receivers[0].meanRSSI ?? 0, -64, accuracy: 1e-9)
        XCTAssertNil(coverage.receivers[2].meanRSSI)
        XCTAssertEqual(coverage.silent, ["C"])
    }
}
