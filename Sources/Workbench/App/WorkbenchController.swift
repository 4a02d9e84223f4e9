/// What the workbench asks of the engine. The app calls every method from its UI thread;
/// `snapshot()` is called often and must be cheap.
public protocol WorkbenchController: AnyObject {
    func snapshot() -> WorkbenchState
    /// Pauses a running training, or resumes a paused one.
    func togglePause()
    /// Moves the selected layer (quantization tensor) up (-1) or down (+1).
    func selectLayer(delta: Int)
    func replay(_ command: ReplayCommand)
    /// Stops the current run (its last finished epoch stays saved) and starts a new session on
    /// `choices.dataSources[dataSource]` with `choices.models[model]`, distilling from
    /// `choices.teachers[teacher]` unless that is 0 ("none"; a teacher brings its own data).
    func startRun(dataSource: Int, model: Int, teacher: Int)
    /// The user left; stop background work that only the screen needed.
    func quit()
    /// Compress view: moves the selected op, steps its weight precision (int4 ↔ int8 ↔ int16 ↔
    /// fp16), toggles its output between int8 and int16, undoes the last change, saves the plan
    /// as a variant of the session. Evaluation runs in the background; none of these waits.
    func compress(_ command: CompressCommand)
    /// Deploy view: writes the session's integer model as C (model.h, model.c) into the session's
    /// export/ folder, in the background; the Deploy view shows where.
    func exportC()
    /// Compare view: stops the current run and opens the session of that name in the sessions
    /// folder (a finished one re-evaluates its best epoch; an unfinished one trains on).
    func openSession(_ name: String)
}

public enum CompressCommand: Equatable, Sendable {
    case select(Int)
    case weights(Int)
    case toggleOutput
    case undo
    case save
    /// The automatic mixed-precision search under the session's RAM budget and its chip's flash;
    /// the chosen plan becomes the current one (undo returns to the plan before).
    case autoSearch
}

public enum ReplayCommand: Equatable, Sendable {
    case togglePlay
    case faster
    case slower
    /// Moves the replay one minute of recording back (-1) or forward (+1), playing or not.
    case scrub(Int)
}
