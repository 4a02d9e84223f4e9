import Compression
import Deploy
import Foundation
import Localisation
import Models
import Sessions
@testable import Workbench

/// A controller that hands out a fixed snapshot and records every command.
final class FakeController: WorkbenchController {
    var state: WorkbenchState
    private(set) var commands: [String] = []
    private(set) var snapshots = 0

    init(_ state: WorkbenchState = Fixtures.state()) { self.state = state }

    func snapshot() -> WorkbenchState {
        snapshots += 1
        return state
    }
    func togglePause() { commands.append("togglePause") }
    func selectLayer(delta: Int) { commands.append("selectLayer(\(delta))") }
    func replay(_ command: ReplayCommand) { commands.append("replay(\(command))") }
    func startRun(dataSource: Int, model: Int, teacher: Int) { commands.append("startRun(\(dataSource), \(model), \(teacher))") }
    func quit() { commands.append("quit") }
    func compress(_ command: CompressCommand) { commands.append("compress(\(command))") }
    func exportC() { commands.append("exportC") }
    func openSession(_ name: String) { commands.append("openSession(\(name))") }
}

enum Fixtures {
    /// Two floors of two 4 m × 4 m rooms each, side by side east–west.
    static let plan: FloorPlan = {
        func room(_ name: String, floor: Int, x: Double) -> String {
            """
            {"name": "\(name)", "floor": \(floor), "polygon": [
              {"x": \(x), "y": 0}, {"x": \(x + 4), "y": 0}, {"x": \(x + 4), "y": 4}, {"x": \(x), "y": 4}]}
            """
        }
        let json = """
        {"name": "test-house", "notes": "", "walls": [], "doors": [], "receivers": [],
         "floors": [{"index": 0, "name": "ground", "elevation": 0}, {"index": 1, "name": "first", "elevation": 2.8}],
         "rooms": [\(room("living", floor: 0, x: 0)), \(room("kitchen", floor: 0, x: 4)),
                   \(room("bed1", floor: 1, x: 0)), \(room("bath", floor: 1, x: 4))]}
        """
        return try! JSONDecoder().decode(FloorPlan.self, from: Data(json.utf8))
    }()

    /// A student's integer model as the engine makes it (random weights, windows shaped like the
    /// input), so the RAM and quantization panes draw what a run really produces.
    static let engine: (memory: MemorySummary, layers: [LayerQuantizationReport]) = {
        let model = ModelConfig(kind: .student).build(shape: ModelShape(steps: 20, features: 11, classes: 9), seed: 3)
        var seed: UInt64 = 0x9E37_79B9
        let windows = (0..<16).map { _ in (0..<220).map { _ -> Float in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(seed >> 40) / 16_777_216
        } }
        let integer = try! IntegerModel(model, calibrationWindows: windows)!
        let memory = try! MemorySummary(model: model, integer: integer, mcu: .nRF52840, ramBudgetBytes: 64 * 1024)
        return (memory, try! integer.quantizationReport(on: windows))
    }()

    static func state() -> WorkbenchState {
        let epochs = (1...18).map { e -> WorkbenchState.EpochMetrics in
            let t = Double(e)
            return .init(epoch: e, trainLoss: 1.2 * exp(-t / 6), valLoss: 1.2 * exp(-t / 8) + 0.1,
                         trainF1: 1 - exp(-t / 5), valF1: 0.9 - exp(-t / 5))
        }
        var quantization = SessionController.quantization(engine.layers, floatF1: 0.842, int8F1: 0.831, deployedAccuracy: nil)
        quantization.selected = 1
        // kitchen is true throughout; the last step is predicted "living", the three before it right.
        let steps = (0..<4).map { i in WorkbenchState.ReplayStep(time: Double(i) * 2, trueRoom: 1, predictedRoom: i == 3 ? 0 : 1) }
        var training = WorkbenchState.Training(epochs: epochs, currentEpoch: 18, maxEpochs: 40, running: true, paused: false,
                                               status: "best val F1 0.87 at 17")
        training.inProgress = .init(epoch: 19, fraction: 0.416)
        return WorkbenchState(
            header: .init(session: "demo-1126", dataset: "sphere-sim", model: "student", stage: "int8"),
            training: training,
            memory: SessionController.memory(engine.memory),
            quantization: quantization,
            replay: .init(recording: "00006", plan: plan, rooms: ["living", "kitchen", "bed1", "bath"], steps: steps,
                          index: 3, playing: false, speed: 8))
    }

    static func render(_ state: WorkbenchState = state(), ui: WorkbenchUI = WorkbenchUI(), width: Int, height: Int,
                       capabilities: Capabilities = .full) -> InMemoryScreen {
        let screen = InMemoryScreen(width: width, height: height, capabilities: capabilities)
        WorkbenchApp.render(state: state, ui: ui, into: screen)
        return screen
    }
}

extension InMemoryScreen {
    /// The text of a rectangle of the shown screen, one string per row.
    func lines(in rect: Rect) -> [String] {
        (rect.row..<rect.bottom).map { r in String(Array(line(r))[rect.col..<rect.right]) }
    }

    /// Every (row, col) where `needle` starts.
    func find(_ needle: String) -> [(row: Int, col: Int)] {
        (0..<size.height).flatMap { r -> [(row: Int, col: Int)] in
            let chars = Array(line(r)), n = Array(needle)
            guard chars.count >= n.count else { return [] }
            return (0...(chars.count - n.count)).filter { Array(chars[$0..<$0 + n.count]) == n }.map { (r, $0) }
        }
    }
}
