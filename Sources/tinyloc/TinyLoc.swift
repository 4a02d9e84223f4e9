import ArgumentParser

@main
struct TinyLoc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tinyloc",
        abstract: "Train indoor-localisation models, compress them to fit a microcontroller, and see what every byte buys.",
        discussion: """
            With no sub-command, tinyloc opens the workbench (a terminal UI) on the built-in simulated home:
            it trains the MLP live, converts it to an integer model, plans its RAM and replays predicted against true rooms.
            Everything the workbench does is reachable headless with `tinyloc run --headless`.
            """,
        subcommands: [Run.self, CV.self, Compress.self, Plan.self, Export.self, DeployCommand.self, Coverage.self, WindowsExport.self,
                      Distill.self, Bench.self, Pareto.self, Sweep.self, Collect.self],
        defaultSubcommand: Run.self
    )
}
