import Compression

/// Everything the Deploy view shows for one int8 model on one chip: the arena plan, the flash
/// items, MACs, and the estimated latency and energy per prediction (see `MCUProfile`).
public struct DeploymentEstimate: Sendable, Equatable {
    public var plan: MemoryPlan
    public var flash: FlashBreakdown
    public var macs: Int
    public var profile: MCUProfile
    public var latencyMilliseconds: Double
    public var energyMicrojoules: Double
    public var fits: Bool

    public init(_ model: QuantizedMLP, inputShape: [Int]? = nil, on profile: MCUProfile,
                planner: GreedyMemoryPlanner = GreedyMemoryPlanner()) throws {
        let graph = MemoryGraph(model, inputShape: inputShape)
        plan = try planner.plan(graph)
        flash = FlashBreakdown(model)
        macs = graph.totalMACs
        self.profile = profile
        latencyMilliseconds = profile.latencyMilliseconds(macs: macs)
        energyMicrojoules = profile.energyMicrojoules(macs: macs)
        fits = profile.fits(ramBytes: plan.arenaBytes, flashBytes: flash.totalBytes)
    }
}
