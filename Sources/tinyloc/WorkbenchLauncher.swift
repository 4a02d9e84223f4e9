import ArgumentParser
import Foundation
import Models
import Sessions
import Workbench

/// `tinyloc` / `tinyloc run`: the workbench on a session, training live on a background thread.
struct WorkbenchLauncher {
    let session: Session
    let pace: Double
    /// The configuration the command line asked for; new runs started with `n` start from it.
    let baseConfig: SessionConfig
    let sessionsRoot: URL
    /// The default demo: `session` is the path's teacher, and its student follows.
    var path: StudyPath?

    /// Refuses a terminal the workbench cannot draw on, before anything (a session folder) is made.
    static func checkTerminal() throws {
        if let problem = TerminalCheck.problem() {
            FileHandle.standardError.write(Data("tinyloc: \(problem)\n".utf8))
            throw ExitCode(2)
        }
    }

    func run() throws {
        let sources = dataSources()
        let models = Self.modelChoices
        let current = (sources.firstIndex { $0.source == session.config.data } ?? 0,
                       models.firstIndex { $0.config.kind == session.config.model.kind
                           && $0.config.labelsSteps == session.config.model.labelsSteps } ?? 0)
        let catalogue = SessionController.RunCatalogue(
            dataSources: sources.map(\.label), models: models.map(\.label)
        ) { [baseConfig, sessionsRoot] dataSource, model, teacher in
            let formatter = DateFormatter()
            formatter.dateFormat = "MMdd-HHmmss"
            var config: SessionConfig
            if let teacher {
                // A student learns on exactly its teacher's data, split and windows.
                config = teacher.config
                config.teacher = .init(session: teacher.folder.path)
            } else {
                config = baseConfig
                config.data = sources[dataSource].source
                // A split names recordings of one data set; another data set gets the default split.
                if config.data != baseConfig.data { config.splitSpec = nil }
            }
            config.name = "run-\(formatter.string(from: Date()))-\(models[model].config.kind.rawValue)"
                + (models[model].config.labelsSteps ? "-crf" : "")
            config.model = models[model].config
            try config.checkTrainable()
            return try Session.openOrCreate(root: sessionsRoot, config: config).session
        }
        let controller = SessionController(session: session, epochPace: pace, catalogue: catalogue, current: current, path: path)
        controller.start()
        try WorkbenchApp.runInTerminal(controller: controller)
        controller.quit()
        // The pipeline stops at its next batch; the last finished epoch is already on disk.
        if !controller.waitUntilStopped(timeout: 10) {
            FileHandle.standardError.write(Data("tinyloc: the pipeline did not stop within 10 s; the last saved epoch is kept\n".utf8))
        }
        // The footer may have cut an error short; the terminal's scrollback keeps all of it.
        if let notice = controller.snapshot().notice, notice.isError {
            FileHandle.standardError.write(Data("tinyloc: \(notice.text)\n".utf8))
        }
        let last = controller.currentSession
        if last.folder != session.folder {
            print("session \(session.config.name) saved in \(session.folder.path)")
        }
        print("session \(last.config.name) saved in \(last.folder.path)")
    }

    /// Every model kind, and each teacher once more with its CRF head.
    static var modelChoices: [(label: String, config: ModelConfig)] {
        ModelKind.allCases.flatMap { kind -> [(label: String, config: ModelConfig)] in
            var plain = ModelConfig(kind: kind)
            guard plain.canLabelSteps else { return [(kind.rawValue, plain)] }
            let choice = (kind.rawValue, plain)
            plain.addCRF()
            return [choice, ("\(kind.rawValue) + CRF", plain)]
        }
    }

    /// The simulated home, the data the command line named, and the SPHERE recordings when they
    /// sit where this repository expects them (../shared/data/sphere).
    private func dataSources() -> [(label: String, source: SessionConfig.DataSource)] {
        var simulated = SessionConfig.DataSource()
        if baseConfig.data.kind == .simulated { simulated = baseConfig.data }
        var sources = [(label: "simulated home (\(simulated.floorPlan))", source: simulated)]
        if baseConfig.data.kind != .simulated {
            sources.append((label: "\(baseConfig.data.kind.rawValue) \(baseConfig.data.path ?? "")", source: baseConfig.data))
        } else {
            let sphere = URL(fileURLWithPath: "../shared/data/sphere")
            if FileManager.default.fileExists(atPath: sphere.appendingPathComponent("train").path) {
                var source = SessionConfig.DataSource()
                source.kind = .sphere
                source.path = sphere.path
                sources.append((label: "SPHERE \(sphere.path)", source: source))
            }
        }
        return sources
    }
}
