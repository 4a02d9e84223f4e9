import XCTest
@testable import Localisation

final class WindowingTests: XCTestCase {
    /// 1 s steps, two packets per step at k and k + 0.5, none in step 3; 8 complete steps.
    /// Receiver A hears every packet (−60 then −70 dBm); B only the first packet of step 1 (−90).
    private func tinyDataset() -> Dataset {
        var times: [Double] = [], rssi: [Float] = [], accel: [Float] = []
        for k in 0...8 {
            for half in [0.0, 0.5] where k != 3 && !(k == 8 && half > 0) {
                times.append(Double(k) + half)
                rssi.append(half == 0 ? -60 : -70)
                rssi.append(k == 1 && half == 0 ? -90 : .nan)
                accel.append(contentsOf: [Float(k), half == 0 ? 1 : 0, -1])
            }
        }
        let intervals = [RoomInterval(start: 0, end: 2, room: 0), RoomInterval(start: 2, end: 4, room: 1), RoomInterval(start: 5, end: 6, room: 2)]
        let recording = Recording(name: "tiny", receivers: ["A", "B"], times: times, rssi: rssi, accel: accel, intervals: intervals)
        return Dataset(name: "tiny", rooms: ["r0", "r1", "r2"], receivers: ["A", "B"], recordings: [recording])
    }

    func testFeaturesLabelsTiesAndDroppedWindows() {
        let config = WindowConfig(stepRate: 1, length: 4, hop: 2)
        let windows = makeWindows(dataset: tinyDataset(), recordings: [0], config: config)
        XCTAssertEqual(windows.features, 7)
        XCTAssertEqual(windows.featureNames, ["rssi:A", "rssi:B", "heard:A", "heard:B", "accel:x", "accel:y", "accel:z"])
        // Window 0 (steps 0–3): r0 twice, r1 twice → tie → r1, the room of the later step.
        // Window 1 (steps 2–5): r1, r1, unlabelled, r2 → r1. Window 2 (steps 4–7): one labelled step → dropped.
        XCTAssertEqual(windows.count, 2)
        XCTAssertEqual(windows.labels, [1, 1])
        XCTAssertEqual(windows.stepLabels, [0, 0, 1, 1, 1, 1, 1, 2], "window 1's unlabelled step 4 carries step 3's room")
        XCTAssertEqual(windows.startTimes, [0, 2])
        XCTAssertEqual(windows.recordingIndex, [0, 0])
        let a: Float = (-65 + 120) / 60
        let silent: Float = 0
        let b: Float = (-90 + 120) / 60
        let expected: [Float] = [
            a, silent, 1, 0, 0, 0.5, -1,       // step 0
            a, b, 1, 0.5, 1, 0.5, -1,          // step 1: B heard one of two packets
            a, silent, 1, 0, 2, 0.5, -1,       // step 2
            silent, silent, 0, 0, 2, 0.5, -1,  // step 3: no packets; accelerometer holds step 2
        ]
        XCTAssertEqual(Array(windows.x[0..<28]), expected)
        XCTAssertEqual(Array(windows.x[28..<35]), [a, silent, 1, 0, 2, 0.5, -1], "window 1 starts at step 2")
    }

    func testStepLabelIsTheRoomAtTheStepCentre() {
        let steps = StepFeatures(recording: tinyDataset().recordings[0], stepRate: 1, includeAccelerometer: false)
        XCTAssertEqual(steps.steps, 8)
        XCTAssertEqual(steps.features, 4)
        XCTAssertEqual(steps.labels, [0, 0, 1, 1, nil, 2, nil, nil])
    }

    func testStepLabelsFillUnlabelledStepsFromTheNearestLabelledOne() {
        let windows = makeWindows(dataset: tinyDataset(), recordings: [0], config: WindowConfig(stepRate: 1, length: 2, hop: 1))
        // Steps 4–5 (nil, r2): the leading unlabelled step takes the room after it.
        let start = try! XCTUnwrap(windows.startTimes.firstIndex(of: 4))
        XCTAssertEqual(Array(windows.stepLabels[(2 * start)..<(2 * start + 2)]), [2, 2])
        let both = WindowSet.concatenating([windows, windows])
        XCTAssertEqual(both.stepLabels, windows.stepLabels + windows.stepLabels)
    }

    func testWithoutAccelerometerFeaturesAreTwoPerReceiver() {
        var dataset = tinyDataset()
        dataset.recordings[0].accel = nil
        let windows = makeWindows(dataset: dataset, recordings: [0], config: WindowConfig(stepRate: 1, length: 4, hop: 2))
        XCTAssertEqual(windows.features, 4)
        XCTAssertEqual(windows.x.count, windows.count * 4 * 4)
    }

    func testScalerFitsOnTrainingWindowsOnly() {
        let windows = makeWindows(dataset: tinyDataset(), recordings: [0], config: WindowConfig(stepRate: 1, length: 4, hop: 2))
        let scaler = FeatureScaler.fit(on: windows)
        XCTAssertEqual(scaler.minimum[4], 0)
        XCTAssertEqual(scaler.maximum[4], 5, "accel x reaches 5 at step 5, in window 1")
        let scaled = scaler.applied(to: windows)
        XCTAssertTrue(scaled.x.allSatisfy { (0...1).contains($0) })
        XCTAssertEqual(scaled.x[6], 0, "a constant feature maps to 0")
        XCTAssertEqual(scaled.x[4 + 7 * 2], 0.4, accuracy: 1e-6)
        let decoded = try? JSONDecoder().decode(FeatureScaler.self, from: JSONEncoder().encode(scaler))
        XCTAssertEqual(decoded, scaler)
    }

    func testSimulatedWindowsHaveSphereShape() throws {
        let dataset = simulateDataset(plan: try sphereHouse(), config: shortTour(), recordings: 1, seed: 2)
        let windows = makeWindows(dataset: dataset, recordings: [0])
        XCTAssertEqual(windows.features, 11)
        XCTAssertEqual(windows.length, 20)
        XCTAssertGreaterThan(windows.count, 100)
        XCTAssertTrue(windows.x.allSatisfy { $0.isFinite })
    }
}
