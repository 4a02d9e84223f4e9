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
}

public enum ReplayCommand: Equatable, Sendable {
    case togglePlay
    case faster
    case slower
}
