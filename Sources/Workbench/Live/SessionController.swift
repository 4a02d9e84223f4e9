import Compression
import Deploy
import Foundation
import Graph
import Localisation
import Models
import Sessions

/// Runs a session's pipeline on a background thread and turns its events into the snapshots the
/// workbench draws. Everything the UI thread reads is guarded by one lock; the engine never waits
/// on the UI (it only takes the lock to record an event).
public final class SessionController: WorkbenchController, @unchecked Sendable {
    /// What the "new run" picker offers, and how to make a session from a choice.
    public struct RunCatalogue {
        public var dataSources: [String]
        public var models: [String]
        /// Makes the session for a choice; with a teacher session, the new run distils from it.
        public var makeSession: (_ dataSource: Int, _ model: Int, _ teacher: Session?) throws -> Session

        public init(dataSources: [String], models: [String], makeSession: @escaping (Int, Int, Session?) throws -> Session) {
            self.dataSources = dataSources
            self.models = models
            self.makeSession = makeSession
        }
    }

    private var session: Session
    private var runner: ExperimentRunner
    private let epochPace: Double
    private let catalogue: RunCatalogue?
    private let lock = NSLock()
    private var state: WorkbenchState
    private var replayTrack: ReplayTrack?
    private var replayPredictions: [Int] = []
    /// The decoder the final replay's rooms went through, if the session has one.
    private var replayDecoder: String?
    private var floorPlan: FloorPlan?
    private var rooms: [String] = []
    private var replayClock = Date()
    private var replayPosition: Double = 0
    /// Signalled once by each pipeline thread when it ends.
    private let finished = DispatchSemaphore(value: 0)
    /// Sessions finished in this workbench, offered as teachers for the next run.
    private var finishedSessions: [Session] = []
    /// Which run the events belong to; events of a run that was replaced are dropped.
    private var generation = 0
    /// Seconds of recording between two replay steps (the window hop).
    private var stepSeconds: Double
    /// The default demo: when the current (teacher) run finishes, a student is distilled from it.
    private var followUp: StudyPath?
    /// When the path's running stage started.
    private var stageStart = Date()
    /// Set by `quit` and while `switchRun` stops the current run, so a finished teacher does not
    /// hand over to its student meanwhile.
    private var stopping = false

    /// With `path`, `session` is its teacher's, and the student follows when the teacher finishes.
    public init(session: Session, epochPace: Double, catalogue: RunCatalogue? = nil, current: (dataSource: Int, model: Int) = (0, 0),
                path: StudyPath? = nil) {
        self.session = session
        self.epochPace = epochPace
        self.catalogue = catalogue
        runner = ExperimentRunner(session: session, epochPace: epochPace)
        stepSeconds = 1
        state = WorkbenchState()
        followUp = path
        if path != nil {
            state.studyPath = [.init(.teacher, progress: .running), .init(.student), .init(.int8)]
        }
        reset(for: session)
        if let catalogue {
            state.choices = .init(dataSources: catalogue.dataSources, models: catalogue.models,
                                  currentDataSource: current.dataSource, currentModel: current.model)
        }
    }

    /// Clears everything shown about the previous run (call with the lock held or before start).
    private func reset(for session: Session) {
        let config = session.config
        stepSeconds = Double(config.windowHop) / config.stepRate
        let dataName = config.data.kind == .simulated ? "\(config.data.floorPlan)-sim" : config.data.kind.rawValue
        let (choices, studyPath) = (state.choices, state.studyPath)
        state = WorkbenchState(
            header: .init(session: config.name, dataset: dataName, model: config.model.kind.rawValue, stage: "starting"),
            training: .init(maxEpochs: config.training.epochs, running: true, status: "starting"))
        state.choices = choices
        state.studyPath = studyPath
        replayTrack = nil
        replayPredictions = []
        replayDecoder = nil
        floorPlan = nil
        rooms = []
        replayPosition = 0
    }

    /// Starts the pipeline thread for the current session.
    public func start() {
        lock.lock()
        let (runner, generation) = (self.runner, self.generation)
        stageStart = Date()
        lock.unlock()
        let thread = Thread { [self] in
            var completed = false
            do {
                completed = try runner.run { event in self.record(event, generation: generation) } != nil
            } catch {
                update(generation) {
                    $0.notice = .init("\(error)", isError: true)
                    $0.training.running = false
                    $0.training.status = "failed"
                    if let running = $0.studyPath.firstIndex(where: { $0.progress == .running }) { $0.studyPath[running].progress = .waiting }
                }
            }
            update(generation) { $0.training.running = false }
            // The student's pipeline thread signals when it ends, for both.
            if completed, distilFromFinishedTeacher(generation: generation) { return }
            finished.signal()
        }
        thread.name = "tinyloc.pipeline"
        thread.start()
    }

    /// The default demo's second stage: the run that just finished is the teacher; the student
    /// distilled from it takes its place, unless the user quit or started another run meanwhile.
    private func distilFromFinishedTeacher(generation: Int) -> Bool {
        lock.lock()
        guard generation == self.generation, !stopping, let path = followUp else {
            lock.unlock()
            return false
        }
        followUp = nil
        let teacher = session
        lock.unlock()
        let student: Session
        do {
            student = try Session.openOrCreate(root: teacher.folder.deletingLastPathComponent(),
                                               config: path.studentConfig(teacher: teacher)).session
        } catch {
            update(generation) { $0.notice = .init("cannot distil the student from \(teacher.config.name): \(error)", isError: true) }
            return false
        }
        lock.lock()
        guard generation == self.generation, !stopping else {
            lock.unlock()
            return false
        }
        replaceRun(with: student)
        state.studyPath[1].progress = .running
        lock.unlock()
        start()
        return true
    }

    /// Under `lock`: the next run's session and runner; its events are the only ones shown from now on.
    private func replaceRun(with next: Session) {
        generation += 1
        session = next
        runner = ExperimentRunner(session: next, epochPace: epochPace)
        reset(for: next)
    }

    /// Under `lock`: the path's running stage is done; the next one (if any) starts now.
    private func finishStage(testF1: Double) {
        guard let running = state.studyPath.firstIndex(where: { $0.progress == .running }) else { return }
        let now = Date()
        state.studyPath[running].progress = .done(testF1: testF1, seconds: now.timeIntervalSince(stageStart))
        stageStart = now
        // The student's integer conversion follows in the same run; the student itself is started by the hand-over.
        if running + 1 < state.studyPath.count, state.studyPath[running + 1].step == .int8 {
            state.studyPath[running + 1].progress = .running
        }
    }

    /// The running stage of the path, if any.
    private var runningStage: WorkbenchState.PathStage.Step? {
        state.studyPath.first { $0.progress == .running }?.step
    }

    /// The session on screen (the student's once the demo has handed over to it, or another run's).
    public var currentSession: Session {
        lock.lock()
        defer { lock.unlock() }
        return session
    }

    /// Waits until the pipeline thread has stopped (after `quit()`, at the next batch).
    public func waitUntilStopped(timeout: TimeInterval) -> Bool {
        finished.wait(timeout: .now() + timeout) == .success
    }

    private func update(_ generation: Int, _ change: (inout WorkbenchState) -> Void) {
        lock.lock()
        if generation == self.generation { change(&state) }
        lock.unlock()
    }

    private func record(_ event: PipelineEvent, generation: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard generation == self.generation else { return }
        switch event {
        case .stage(let text):
            state.header.stage = text
            state.training.status = text
        case let .dataReady(summary, replay, plan):
            rooms = summary.rooms
            replayTrack = replay
            state.coverage = Self.coverage(summary)
            floorPlan = plan
            replayPredictions = []
            let validation = summary.validationRecordings.isEmpty ? "none" : summary.validationRecordings.joined(separator: ",")
            state.header.dataset = "\(summary.source) · val \(validation) · test \(summary.testRecordings.joined(separator: ","))"
            let silentInTest = summary.testRecordings.compactMap { name in
                summary.silentButHeardInTraining(name).map { "\($0.joined(separator: ", ")) silent in all of test recording \(name)" }
            }
            let ignored = summary.ignoredReceivers.map { "\($0.joined(separator: ", ")) never heard in training: the model ignores it" }
            let notes = [summary.splitNote, ignored].compactMap { $0 } + silentInTest
            if !notes.isEmpty { state.notice = .init(notes.joined(separator: "; ")) }
        case .modelBuilt(let model):
            state.training.parameters = model.parameters
            if let running = state.studyPath.firstIndex(where: { $0.progress == .running }) {
                state.studyPath[running].detail = Text.count(model.parameters)
            }
            state.compress.unavailable = model.hasGraph ? "tuning opens when training has finished" : nil
            // Said now, so the panes do not promise a plan or integer layers that will never come.
            if !model.hasGraph {
                state.quantization.unavailable = "\(model.kind) stays float32: no graph lowering for it yet"
                state.memory.unavailable = "no RAM plan for \(model.kind): it has no graph lowering yet"
            }
        case let .teacher(name, model, history):
            state.training.teacher = .init(label: "\(model) (\(name))", epochs: history.map(Self.metrics))
        case .resumed(let history):
            state.training.epochs = history.map(Self.metrics)
            state.training.currentEpoch = history.last?.epoch ?? 0
            state.notice = .init("resumed after epoch \(state.training.currentEpoch)")
        case let .memoryPlanned(memory):
            state.memory = Self.memory(memory)
        case let .epoch(record, predictions):
            state.training.epochs.append(Self.metrics(record))
            state.training.currentEpoch = record.epoch
            state.training.status = Self.bestSoFar(state.training.epochs)
            replayPredictions = predictions
            startReplayIfIdle()
        case .trained(let testF1):
            if runningStage == .student { finishStage(testF1: testF1) }
        case let .finished(report, predictions, decoder):
            switch runningStage {
            case .teacher: finishStage(testF1: report.testFloat.macroF1)
            case .int8: report.testInt8.map { finishStage(testF1: $0.macroF1) }
            default: break
            }
            if !finishedSessions.contains(where: { $0.folder == session.folder }) {
                finishedSessions.append(session)
                state.choices.teachers = ["none"] + finishedSessions.map { "\($0.config.model.kind.rawValue) · \($0.config.name)" }
            }
            state.header.stage = report.testInt8 == nil ? "float" : "int8"
            state.training.running = false
            state.training.status = String(format: "done · best epoch %d · test F1 float %.2f", report.bestEpoch, report.testFloat.macroF1)
                + (report.testInt8.map { String(format: " / int8 %.2f", $0.macroF1) } ?? "")
            if let memory = report.memory { state.memory = Self.memory(memory) }
            let noInt8 = state.quantization.unavailable
            state.quantization = Self.quantization(report)
            state.quantization.unavailable = noInt8
            replayPredictions = predictions
            replayDecoder = decoder
            startReplayIfIdle()
            refreshVariants(root: session.folder.deletingLastPathComponent())
            if followUp != nil, !stopping {
                // The demo's teacher: its student trains next and needs the cores more than tuning would.
                state.compress.unavailable = "tuning opens on the student, which trains next"
                state.presentation.waiting = "the choices appear when the student has finished"
            } else if report.memory != nil {
                state.compress.unavailable = "loading the trained model for tuning…"
                state.presentation.waiting = "getting the choices ready…"
                prepareCompress(session: session, generation: generation)
            } else {
                state.presentation.waiting = "this model cannot be put on a wristband yet"
                state.compress.unavailable = "\(report.model) has no integer form to tune"
            }
        }
        refreshReplay()
    }

    private func startReplayIfIdle() {
        guard state.replay == nil else { return }
        replayClock = Date()
        replayPosition = 0
        refreshReplay(playing: true)
    }

    /// Rebuilds the replay steps from the track and the latest predictions, keeping the position.
    private func refreshReplay(playing: Bool? = nil) {
        guard let track = replayTrack, let plan = floorPlan, replayPredictions.count == track.trueRooms.count else { return }
        let steps = zip(track.times, zip(track.trueRooms, replayPredictions)).map {
            WorkbenchState.ReplayStep(time: $0.0, trueRoom: $0.1.0, predictedRoom: $0.1.1)
        }
        let previous = state.replay
        state.replay = WorkbenchState.Replay(
            recording: track.recording, plan: plan, rooms: rooms, steps: steps,
            index: min(Int(replayPosition), max(steps.count - 1, 0)),
            playing: playing ?? previous?.playing ?? true, speed: previous?.speed ?? 16, decoder: replayDecoder)
    }

    /// Moves the replay forward by the wall time since the last call, looping at the end.
    private func advanceReplay() {
        let now = Date()
        defer { replayClock = now }
        guard var replay = state.replay, replay.playing, !replay.steps.isEmpty else { return }
        replayPosition += now.timeIntervalSince(replayClock) * replay.speed / stepSeconds
        if replayPosition >= Double(replay.steps.count) { replayPosition = 0 }
        replay.index = Int(replayPosition)
        state.replay = replay
    }

    /// Jobs queued or running off the UI thread; while there are any the app keeps polling, so a
    /// result lands on screen without a key press. Its own lock: callers may hold `lock` or not.
    private var backgroundJobs = 0
    private let jobsLock = NSLock()

    private func inBackground(_ queue: DispatchQueue, _ work: @escaping () -> Void) {
        jobsLock.lock()
        backgroundJobs += 1
        jobsLock.unlock()
        queue.async { [self] in
            work()
            jobsLock.lock()
            backgroundJobs -= 1
            jobsLock.unlock()
        }
    }

    // MARK: WorkbenchController

    public func snapshot() -> WorkbenchState {
        lock.lock()
        defer { lock.unlock() }
        advanceReplay()
        jobsLock.lock()
        state.backgroundWork = backgroundJobs > 0
        jobsLock.unlock()
        state.training.paused = runner.control.isPaused
        state.training.inProgress = runner.control.progress.map {
            .init(epoch: $0.epoch, fraction: $0.fraction, validating: $0.validating)
        }
        return state
    }

    public func togglePause() {
        lock.lock()
        // The demo's hand-over replaces the runner from the pipeline thread: read it under the lock.
        let (running, control) = (state.training.running, runner.control)
        lock.unlock()
        guard running else { return }
        control.setPaused(!control.isPaused)
    }

    public func selectLayer(delta: Int) {
        update(generation) { state in
            let count = state.quantization.tensors.count
            guard count > 0 else { return }
            state.quantization.selected = (state.quantization.selected + delta + count) % count
        }
    }

    public func replay(_ command: ReplayCommand) {
        lock.lock()
        defer { lock.unlock() }
        advanceReplay()
        guard var replay = state.replay else { return }
        switch command {
        case .togglePlay: replay.playing.toggle()
        case .faster: replay.speed = min(replay.speed * 2, 256)
        case .slower: replay.speed = max(replay.speed / 2, 1)
        case .scrub(let direction):
            let minute = max(1, Int((60 / stepSeconds).rounded()))
            replayPosition = Double(min(max(Int(replayPosition) + direction * minute, 0), replay.steps.count - 1))
            replay.index = Int(replayPosition)
        }
        state.replay = replay
    }

    public func startRun(dataSource: Int, model: Int, teacher: Int) {
        guard let catalogue else { return }
        let teacherSession = finishedSessions.indices.contains(teacher - 1) ? finishedSessions[teacher - 1] : nil
        do {
            let next = try catalogue.makeSession(dataSource, model, teacherSession)
            guard switchRun(to: next) else { return }
            update(generation) {
                $0.choices.currentDataSource = dataSource
                $0.choices.currentModel = model
            }
        } catch {
            update(generation) { $0.notice = .init("cannot start that run: \(error)", isError: true) }
        }
    }

    public func quit() {
        lock.lock()
        stopping = true
        let current = runner
        lock.unlock()
        current.control.stop()
    }

    public func openSession(_ name: String) {
        lock.lock()
        let root = session.folder.deletingLastPathComponent(), current = session.config.name
        lock.unlock()
        guard name != current else { return }
        do {
            var config = try Session.readConfig(root.appendingPathComponent(name).appendingPathComponent("session.json"))
            // The folder's name is the session's name (as `tinyloc compress` opens it).
            config.name = name
            let opened = try Session.openOrCreate(root: root, config: config).session
            switchRun(to: opened)
        } catch {
            update(generation) { $0.notice = .init("cannot open session \(name): \(error)", isError: true) }
        }
    }

    /// Stops the current run and starts `next` in its place; false when the run would not stop.
    @discardableResult
    private func switchRun(to next: Session) -> Bool {
        lock.lock()
        stopping = true
        let current = runner
        lock.unlock()
        current.control.stop()
        if !waitUntilStopped(timeout: 10) {
            update(generation) { $0.notice = .init("the current run did not stop within 10 s; try again", isError: true) }
            return false
        }
        lock.lock()
        stopping = false
        // Another run leaves the demo's path.
        followUp = nil
        state.studyPath = []
        replaceRun(with: next)
        lock.unlock()
        start()
        return true
    }

    // MARK: Compare view

    /// Reads every variants/*.json of every session beside this one, off the UI thread.
    private func refreshVariants(root: URL) {
        inBackground(compressQueue) { [self] in
            let rows = Self.variantRows(in: root)
            lock.lock()
            state.variants = rows
            lock.unlock()
        }
    }

    static func variantRows(in root: URL) -> [WorkbenchState.VariantRow] {
        let rows = VariantSummary.all(in: root).map { v in
            WorkbenchState.VariantRow(session: v.session, model: v.model, name: v.name, precision: precisionWords(v.plan),
                                      validationF1: v.validation.macroF1, testF1: v.test.macroF1, arenaBytes: v.arenaBytes,
                                      flashBytes: v.flashBytes)
        }
        return rows.sorted { ($0.testF1, $1.session) > ($1.testF1, $0.session) }
    }

    static func precisionWords(_ plan: PrecisionPlan) -> String {
        let changed = plan.layers.values.compactMap(\.weights).filter { $0 != plan.weights }
        var words = plan.weights.rawValue
        if !changed.isEmpty {
            let counts = Dictionary(grouping: changed, by: \.rawValue).sorted { $0.key < $1.key }
            words = "mixed: " + counts.map { "\($0.value.count) \($0.key)" }.joined(separator: ", ")
        }
        // Per-tensor scales cost accuracy and save flash: two rows that differ only there must not look alike.
        let perTensor = plan.layers.values.compactMap(\.granularity).filter { $0 != plan.granularity }.count
        if perTensor > 0 { words += " · \(perTensor) per-\(plan.granularity == .perChannel ? "tensor" : "channel")" }
        if plan.activations == .int16 { words += " · 16x8" }
        return words
    }

    // MARK: Present view

    /// On `compressQueue`: picks the largest, the best that fits the watch and the smallest of the
    /// session's saved variants, and runs each one's integer model over the replay's windows.
    private func preparePresentation(session: Session, runGeneration: Int) {
        guard let evaluator else { return }
        struct Saved: Decodable {
            struct Score: Decodable { var accuracy: Double }
            var name: String
            var plan: PrecisionPlan
            var test: Score
            var arenaBytes: Int
            var flashBytes: Int
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: session.variantsFolder.path)) ?? []
        let saved = files.filter { $0.hasSuffix(".json") }.sorted().compactMap { file -> Saved? in
            guard let data = FileManager.default.contents(atPath: session.variantsFolder.appendingPathComponent(file).path) else { return nil }
            return try? JSONDecoder().decode(Saved.self, from: data)
        }
        var picks: [(label: String, variant: Saved)] = []
        func pick(_ label: String, _ variant: Saved?) {
            guard let variant else { return }
            if let i = picks.firstIndex(where: { $0.variant.name == variant.name }) {
                picks[i].label += " · " + label
            } else {
                picks.append((label, variant))
            }
        }
        pick("largest", saved.max { ($0.flashBytes, $0.test.accuracy) < ($1.flashBytes, $1.test.accuracy) })
        pick("fits the watch", saved.filter { $0.arenaBytes <= WorkbenchState.watchRAMBytes }
            .max { ($0.test.accuracy, -$0.flashBytes) < ($1.test.accuracy, -$1.flashBytes) })
        pick("smallest", saved.min { ($0.flashBytes, -$0.test.accuracy) < ($1.flashBytes, -$1.test.accuracy) })
        do {
            let windows = evaluator.trained.windows.validation
            let choices = try picks.map { label, variant in
                WorkbenchState.Presentation.Choice(
                    label: label, variant: variant.name, accuracy: variant.test.accuracy, ramBytes: variant.arenaBytes,
                    flashBytes: variant.flashBytes, predictions: try evaluator.integerModel(variant.plan).predict(windows))
            }
            update(runGeneration) {
                $0.presentation.choices = choices
                $0.presentation.waiting = choices.isEmpty ? "no saved model to show yet" : ""
            }
        } catch {
            update(runGeneration) { $0.presentation.waiting = "cannot replay the saved models: \(error)" }
        }
    }

    // MARK: Deploy view

    /// Writes the run's integer model (variants/int8.json) as C into <session>/export, off the UI thread.
    public func exportC() {
        lock.lock()
        let session = self.session, runGeneration = generation
        state.memory.exportStatus = "exporting…"
        lock.unlock()
        inBackground(compressQueue) { [self] in
            let status: String
            do {
                let file = session.variantsFolder.appendingPathComponent("int8.json")
                guard FileManager.default.fileExists(atPath: file.path) else {
                    throw SessionError.notFound("an integer model for this session yet (it is written when training finishes)")
                }
                let variant = try JSONDecoder().decode(VariantReport.self, from: Data(contentsOf: file))
                let export = try CExporter(windowed: variant.graph, streaming: variant.streamingGraph).export()
                let folder = session.folder.appendingPathComponent("export", isDirectory: true)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for (name, text) in [("model.h", export.header), ("model.c", export.source), ("README.md", export.readme)] {
                    try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(name))
                }
                status = "exported C to \(folder.path)"
            } catch {
                status = "export failed: \(error)"
            }
            update(runGeneration) { $0.memory.exportStatus = status }
        }
    }

    // MARK: Compress view (one engine path with `tinyloc compress`: PlanEvaluator)

    /// Evaluations run here, one at a time, never on the UI thread.
    private let compressQueue = DispatchQueue(label: "tinyloc.compress")
    /// Touched only on `compressQueue`.
    private var evaluator: PlanEvaluator?
    /// The plan on screen and the ones before it (for undo); guarded by `lock`.
    private var plan = PrecisionPlan()
    private var undoPlans: [PrecisionPlan] = []
    /// Bumped per requested evaluation, so a late result never overwrites a newer one.
    private var planGeneration = 0

    private func prepareCompress(session: Session, generation: Int) {
        inBackground(compressQueue) { [self] in
            do {
                let opened = try PlanEvaluator(TrainedSession.open(session))
                evaluator = opened
                lock.lock()
                plan = PrecisionPlan()
                undoPlans = []
                compressGraph = opened.graph
                lock.unlock()
                evaluate(PrecisionPlan(), runGeneration: generation, planGeneration: 0)
                preparePresentation(session: session, runGeneration: generation)
            } catch {
                update(generation) { $0.compress.unavailable = "cannot tune this model: \(error)" }
            }
        }
    }

    /// On `compressQueue`: scores `plan` and shows it, unless the run or the plan changed meanwhile.
    private func evaluate(_ plan: PrecisionPlan, runGeneration: Int, planGeneration: Int) {
        guard let evaluator else { return }
        do {
            let report = try evaluator.evaluate(plan, name: "workbench")
            let layers = Set(evaluator.layers)
            let quality = Dictionary(uniqueKeysWithValues: report.layers.map { ($0.name, $0) })
            let rows = report.graph.ops.map { op -> WorkbenchState.Compress.Row in
                let output = report.graph.tensor(op.outputs[0])!
                var weights = ""
                if layers.contains(op.name) {
                    weights = plan.weightsDescription(of: op.name)
                }
                let isIsland: Bool
                if case .floatIsland = op.kernel { isIsland = true } else { isIsland = false }
                let measured = quality[op.name]
                return .init(name: op.name, type: op.kernel.typeName, weights: weights, output: "int\(output.quantization.bits)",
                             flashBytes: op.kernel.flashBytes, outputBytes: output.bytes, sqnrDB: measured?.activationSQNR,
                             histogram: measured?.activationErrorHistogram ?? Histogram(lowerBound: -2, upperBound: 2, binCount: 16),
                             hasWeights: layers.contains(op.name), isFloatIsland: isIsland)
            }
            lock.lock()
            defer { lock.unlock() }
            guard runGeneration == generation, planGeneration == self.planGeneration else { return }
            let selected = state.compress.selected
            state.compress.rows = rows
            state.compress.selected = min(selected, rows.count - 1)
            state.compress.validationF1 = report.validation.macroF1
            state.compress.floatValidationF1 = report.floatValidationMacroF1
            state.compress.arenaBytes = report.arenaBytes
            state.compress.flashBytes = report.flashBytes
            state.compress.budgetBytes = session.config.ramBudgetBytes
            state.compress.status = "ready"
            state.compress.unavailable = nil
        } catch {
            update(runGeneration) { $0.compress.status = "cannot run that plan: \(error)" }
        }
    }

    public func compress(_ command: CompressCommand) {
        lock.lock()
        defer { lock.unlock() }
        guard !state.compress.rows.isEmpty else { return }
        let count = state.compress.rows.count
        switch command {
        case .select(let delta):
            state.compress.selected = (state.compress.selected + delta + count) % count
            return
        case .weights(let step):
            guard let row = state.compress.selectedRow, row.hasWeights, let graph = compressGraph else {
                state.compress.status = "\(state.compress.selectedRow?.name ?? "this op") has no weights to set; o sets its output"
                return
            }
            let ladder: [PrecisionPlan.WeightPrecision] = [.int4, .int8, .int16, .fp16]
            var index = ladder.firstIndex(of: plan.weights(of: row.name)) ?? 1
            var next: PrecisionPlan?
            for _ in ladder.indices {
                index += step
                guard ladder.indices.contains(index) else { break }
                var candidate = plan
                candidate.layers[row.name, default: .init()].weights = ladder[index]
                if (try? candidate.validate(for: graph)) != nil { next = candidate; break }
            }
            guard let next else {
                state.compress.status = "\(row.name): no \(step > 0 ? "wider" : "narrower") weights it can run"
                return
            }
            change(to: next)
        case .toggleOutput:
            guard let row = state.compress.selectedRow else { return }
            var next = plan
            next.layers[row.name, default: .init()].output = row.output == "int16" ? .int8 : .int16
            change(to: next)
        case .undo:
            guard let previous = undoPlans.popLast() else {
                state.compress.status = "nothing to undo"
                return
            }
            plan = previous
            requestEvaluation()
        case .autoSearch:
            startSearch()
        case .save:
            let plan = self.plan, session = self.session, runGeneration = generation
            let existing = (try? FileManager.default.contentsOfDirectory(atPath: session.variantsFolder.path)) ?? []
            var n = 1
            while existing.contains("tuned-\(n).json") { n += 1 }
            let name = "tuned-\(n)"
            state.compress.status = "saving \(name)…"
            inBackground(compressQueue) { [self] in
                do {
                    guard let evaluator else { return }
                    let report = try evaluator.evaluate(plan, name: name)
                    try session.saveJSON(report, to: session.variantsFolder.appendingPathComponent("\(name).json"))
                    update(runGeneration) { $0.compress.status = "saved variants/\(name).json" }
                    refreshVariants(root: session.folder.deletingLastPathComponent())
                    preparePresentation(session: session, runGeneration: runGeneration)
                } catch {
                    update(runGeneration) { $0.compress.status = "not saved: \(error)" }
                }
            }
        }
    }

    /// The automatic search runs here, beside `compressQueue`, so +/- keep being evaluated meanwhile.
    private let searchQueue = DispatchQueue(label: "tinyloc.search")
    /// The search's own evaluator (an evaluator caches calibrations and is not shared between
    /// threads); touched only on `searchQueue`.
    private var searchEvaluator: PlanEvaluator?

    /// Under `lock`: `tinyloc compress --auto` with the session's RAM budget and its chip's flash.
    private func startSearch() {
        guard !state.compress.searching else {
            state.compress.status = "a search is already running"
            return
        }
        let session = self.session, runGeneration = generation
        let chip = MCUProfile.catalogue.first { $0.name == session.config.mcu } ?? .nRF52840
        let ramBudget = session.config.ramBudgetBytes, flashBudget = chip.flashBytes
        let budget = "RAM \(Self.kilobytes(ramBudget)) · flash \(Self.kilobytes(flashBudget)) (\(chip.name))"
        state.compress.searching = true
        state.compress.status = "searching under \(budget)…"
        // The trained session is shared read-only; its model is no longer run once the first evaluator exists.
        inBackground(compressQueue) { [self] in
            guard let trained = evaluator?.trained else { return }
            inBackground(searchQueue) { [self] in
                let outcome: Result<(front: [PlanPoint], chosen: PlanPoint, layers: Int), Error>
                do {
                    if searchEvaluator?.trained.session.folder != session.folder { searchEvaluator = try PlanEvaluator(trained) }
                    let searcher = searchEvaluator!
                    let (front, chosen) = try searcher.search(ramBudget: ramBudget, flashBudget: flashBudget, maxDrop: nil)
                    outcome = .success((front, chosen, searcher.layers.count))
                } catch {
                    outcome = .failure(error)
                }
                lock.lock()
                defer { lock.unlock() }
                guard runGeneration == generation else { return }
                state.compress.searching = false
                switch outcome {
                case .success(let found):
                    state.compress.front = found.front.map { p in
                        .init(validationF1: p.validationMacroF1, arenaBytes: p.arenaBytes, flashBytes: p.flashBytes,
                              int4Layers: p.plan.layers.values.filter { $0.weights == .int4 }.count, isChosen: p == found.chosen)
                    }
                    state.compress.frontBudget = budget
                    change(to: found.chosen.plan)
                case .failure(let error):
                    state.compress.status = "search: \(error)"
                }
            }
        }
    }

    private static func kilobytes(_ bytes: Int) -> String {
        bytes >= 1024 * 1024 ? String(format: "%.2f MB", Double(bytes) / 1_048_576) : "\(bytes / 1024) KB"
    }

    /// The lowered graph plans are checked against (under `lock`; set when the evaluator is ready).
    private var compressGraph: Graph?

    /// Under `lock`: remembers the current plan for undo, shows `next`, evaluates it in the background.
    private func change(to next: PrecisionPlan) {
        undoPlans.append(plan)
        plan = next
        requestEvaluation()
    }

    /// Under `lock`.
    private func requestEvaluation() {
        planGeneration += 1
        state.compress.canUndo = !undoPlans.isEmpty
        state.compress.status = "evaluating…"
        let plan = self.plan, runGeneration = generation, planGeneration = self.planGeneration
        inBackground(compressQueue) { [self] in evaluate(plan, runGeneration: runGeneration, planGeneration: planGeneration) }
    }

    // MARK: Engine values → screen values

    /// The epoch early stopping would keep so far (the first with the highest validation F1).
    static func bestSoFar(_ epochs: [WorkbenchState.EpochMetrics]) -> String {
        guard let best = epochs.max(by: { $0.valF1 < $1.valF1 || ($0.valF1 == $1.valF1 && $0.epoch > $1.epoch) }) else { return "" }
        return String(format: "best val F1 %.2f at %d", best.valF1, best.epoch)
    }

    private static func metrics(_ record: EpochRecord) -> WorkbenchState.EpochMetrics {
        .init(epoch: record.epoch, trainLoss: Double(record.trainLoss), valLoss: Double(record.validationLoss),
              trainF1: record.trainF1, valF1: record.validationF1)
    }

    /// Bars are the deployed plan's RAM per layer (integer windowed when there is one), beside
    /// the streaming figure per layer for models that stream.
    static func memory(_ memory: MemorySummary) -> WorkbenchState.Memory {
        let deployed = memory.deployed
        let streaming = memory.integer == nil ? memory.floatStreaming : memory.integerStreaming
        let streamingLayers = Dictionary(uniqueKeysWithValues: (streaming?.layers ?? []).map { ($0.name, $0.bytes) })
        var state = WorkbenchState.Memory(
            layers: deployed.layers.map { .init(name: $0.name, bytes: $0.bytes, isPeak: $0.isPeak,
                                               streamingBytes: streaming == nil ? nil : streamingLayers[$0.name]) },
            precision: deployed.precision + (streaming == nil ? "" : " · windowed / streaming"),
            budgetBytes: memory.ramBudgetBytes, arenaPeakBytes: deployed.arenaBytes, flashBytes: deployed.flashBytes,
            macs: deployed.macs, latency: String(format: "≈%.2f ms @ %@", memory.latencyMilliseconds, memory.mcu),
            streamingArenaBytes: streaming?.arenaBytes)
        state.timeline = deployed.ops.map { .init(name: $0.name, bytes: $0.liveBytes, isPeak: $0.isPeak) }
        state.persistentBytes = deployed.persistentBytes
        state.chips = MCUProfile.catalogue.map { chip in
            .init(name: chip.name, core: chip.core, ramBytes: chip.ramBytes, flashBytes: chip.flashBytes,
                  fits: chip.fits(ramBytes: deployed.arenaBytes, flashBytes: deployed.flashBytes),
                  latency: String(format: "≈%.2f ms", chip.latencyMilliseconds(macs: deployed.macs)))
        }
        return state
    }

    private static func quantization(_ report: ExperimentReport) -> WorkbenchState.Quantization {
        quantization(report.quantization, floatF1: report.testFloat.macroF1, int8F1: report.testInt8?.macroF1,
                     deployedAccuracy: (report.testInt8 ?? report.testFloat).accuracy)
    }

    /// Every op's output (and its weights, where it has them) as a row of the quantization pane.
    static func quantization(_ layers: [LayerQuantizationReport], floatF1: Double?, int8F1: Double?,
                             deployedAccuracy: Double?) -> WorkbenchState.Quantization {
        var tensors = [WorkbenchState.QuantizedTensor]()
        for layer in layers {
            if let weights = layer.weightErrorHistogram {
                tensors.append(.init(name: "\(layer.name).weight", layer: layer.layer, kind: .weight, precision: "int8",
                                     sqnrDB: layer.weightSQNR ?? .infinity, histogram: weights))
            }
            tensors.append(.init(name: "\(layer.name).out", layer: layer.layer, kind: .activation, precision: "int\(layer.bits)",
                                 sqnrDB: layer.activationSQNR ?? .infinity, histogram: layer.activationErrorHistogram))
        }
        return .init(tensors: tensors, selected: 0, floatF1: floatF1, int8F1: int8F1, deployedAccuracy: deployedAccuracy)
    }

    private static func coverage(_ summary: ExperimentReport.DataSummary) -> WorkbenchState.Coverage {
        let rows = (summary.coverage ?? []).map { recording -> WorkbenchState.Coverage.Row in
            let role = summary.testRecordings.contains(recording.recording) ? "test"
                : summary.validationRecordings.contains(recording.recording) ? "validation"
                : summary.trainRecordings.contains(recording.recording) ? "train" : "unused"
            let rates = summary.receivers.map { name in recording.receivers.first { $0.name == name }?.heardRate ?? 0 }
            return .init(recording: recording.recording, role: role, heardRates: rates)
        }
        return .init(receivers: summary.receivers, rows: rows)
    }
}
