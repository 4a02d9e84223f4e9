import ArgumentParser
import Foundation
import Sessions
import Workbench

/// `tinyloc` / `tinyloc run`: the workbench on a session, training live on a background thread.
struct WorkbenchLauncher {
    let session: Session
    let pace: Double

    func run() throws {
        if let problem = TerminalCheck.problem() {
            FileHandle.standardError.write(Data("tinyloc: \(problem)\n".utf8))
            throw ExitCode(2)
        }
        let controller = SessionController(session: session, epochPace: pace)
        controller.start()
        try WorkbenchApp.runInTerminal(controller: controller)
        controller.quit()
        // The pipeline stops at its next batch; the last finished epoch is already on disk.
        if !controller.waitUntilStopped(timeout: 10) {
            FileHandle.standardError.write(Data("tinyloc: the pipeline did not stop within 10 s; the last saved epoch is kept\n".utf8))
        }
        print("session \(session.config.name) saved in \(session.folder.path)")
    }
}
