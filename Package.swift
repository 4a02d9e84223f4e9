// swift-tools-version: 6.0
import PackageDescription

// The GEMM micro-kernel is compiled twice: portably (TinyTensorKernels) and, on x86-64, once more
// with AVX2+FMA code generation (TinyTensorHaswell). Swift's default x86-64 target has no FMA, so
// `SIMD.addingProduct` would become a libm call per lane; TinyTensor picks the Haswell build at run
// time only when the CPU reports AVX2 and FMA, so the binary still runs on older x86-64 CPUs.
#if arch(x86_64)
let haswellTargets: [Target] = [
    .target(
        name: "TinyTensorHaswell",
        dependencies: ["TinyTensorKernels"],
        swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])]
    )
]
let haswellDependency: [Target.Dependency] = ["TinyTensorHaswell"]
#else
let haswellTargets: [Target] = []
let haswellDependency: [Target.Dependency] = []
#endif

let package = Package(
    name: "tinyloc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tinyloc", targets: ["tinyloc"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: haswellTargets + [
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW"),
        .target(name: "CTinyCPU"),
        .target(name: "TinyTensorKernels"),
        .target(name: "TinyTensor", dependencies: ["TinyTensorKernels", "CTinyCPU"] + haswellDependency),
        .target(name: "TinyNN", dependencies: ["TinyTensor"]),
        .target(name: "Localisation", dependencies: ["TinyTensor"]),
        .target(name: "Graph"),
        .target(name: "Models", dependencies: ["TinyNN", "Graph"]),
        .target(name: "Compression", dependencies: ["Graph"]),
        .target(name: "Deploy", dependencies: ["Compression", "Graph"]),
        .target(name: "Sessions", dependencies: ["Deploy", "Compression", "Models", "Localisation", "Graph", "TinyTensor"]),
        .target(name: "Sweeps", dependencies: ["Sessions", "Compression", "Models", "Localisation"]),
        .target(name: "Workbench", dependencies: ["Sessions", "Deploy", "Compression", "Models", "Localisation", "Graph", "CNCursesW"]),
        .executableTarget(
            name: "tinyloc",
            dependencies: ["Workbench", "Sweeps", "Sessions", "Deploy", "Compression", "Models", "Localisation", "Graph", "TinyTensor", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "TinyTensorTests", dependencies: ["TinyTensor"]),
        .testTarget(name: "TinyNNTests", dependencies: ["TinyNN"]),
        .testTarget(name: "LocalisationTests", dependencies: ["Localisation"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Graph", "Localisation", "TinyNN", "TinyTensor"]),
        .testTarget(name: "GraphTests", dependencies: ["Graph"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression", "Graph", "Models", "TinyTensor"]),
        .testTarget(name: "DeployTests", dependencies: ["Deploy", "Compression", "Graph", "Models"]),
        .testTarget(name: "SessionsTests", dependencies: ["Sessions", "Compression", "Deploy", "Graph", "Localisation", "Models", "TinyTensor"]),
        .testTarget(name: "SweepsTests", dependencies: ["Sweeps"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Workbench"]),
    ],
    swiftLanguageModes: [.v5]
)
