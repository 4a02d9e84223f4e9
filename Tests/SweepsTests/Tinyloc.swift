import Foundation
import XCTest

/// The `tinyloc` executable `swift test` built beside the test bundle, run as a user runs it:
/// every sweep task is a child process of it, so the tests exercise the real commands.
enum Tinyloc {
    static var executable: URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("tinyloc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/tinyloc")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, stdout: URL, stderr: URL) {
        let folder = FileManager.default.temporaryDirectory
        let out = folder.appendingPathComponent("tinyloc-sweep-out-\(UUID().uuidString)")
        let err = folder.appendingPathComponent("tinyloc-sweep-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let (process, out, err) = try start(arguments, environment: environment)
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        return Result(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinyloc-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Small simulated data, so a debug build trains a task in seconds.
    static let small = ["--set", "recordings=3", "--set", "minutes=6"]

    /// A SPHERE-layout folder: four 40 s recordings, hall for 20 s then kitchen.
    static func sphereFixture(in folder: URL) throws -> URL {
        let data = folder.appendingPathComponent("sphere")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data(#"["hall", "kitchen"]"#.utf8).write(to: data.appendingPathComponent("rooms.json"))
        for k in 1...4 {
            let dir = data.appendingPathComponent(String(format: "train/%05d", k))
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var text = "t,x,y,z,Hall_AP,Kitchen_AP\n"
            for i in 0..<400 {
                let t = Double(i) / 10
                let hall = t < 20
                let jitter = Double((i * 7 + k) % 5)
                text += "\(t),0,0,1,\(hall ? -60 - jitter : -86 - jitter),\(hall ? -88 - jitter : -62 - jitter)\n"
            }
            try Data(text.utf8).write(to: dir.appendingPathComponent("acceleration.csv"))
            try Data("start,end,name,index\n0,20,hall,0\n20,40,kitchen,1\n".utf8).write(to: dir.appendingPathComponent("location_0.csv"))
        }
        return data
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], url.path)
    }
}
