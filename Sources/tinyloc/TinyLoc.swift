import ArgumentParser

@main
struct TinyLoc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tinyloc",
        abstract: "Train indoor-localisation models, compress them to fit a microcontroller, and see what every byte buys.",
        discussion: """
            With no sub-command, tinyloc opens the workbench (a terminal UI) on the built-in simulated home and walks \
            the study's path live: a small teacher (width 16), the student distilled from it, and the student's integer \
            model, with each stage's test macro-F1 and time; it plans the RAM and replays predicted against true rooms. \
            `--model KIND` or `--session NAME` trains just that model. Everything the workbench does is reachable \
            headless (the path: `tinyloc run --headless --model teacher --teacher-width 16 --epochs 20 --session T`, \
            then `tinyloc distill --teacher T --student student`).
            """,
        subcommands: [Run.self, CV.self, Compress.self, Plan.self, Export.self, DeployCommand.self, Coverage.self, WindowsExport.self,
                      Distill.self, Bench.self, Pareto.self, Sweep.self, Collect.self],
        defaultSubcommand: Run.self
    )
}
