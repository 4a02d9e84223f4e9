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
        .target(name: "Models", dependencies: ["TinyNN", "Localisation"]),
        .target(name: "Compression", dependencies: ["Models"]),
        .target(name: "Deploy", dependencies: ["Compression"]),
        .target(name: "Sessions", dependencies: ["Deploy"]),
        .target(name: "Workbench", dependencies: ["Sessions", "CNCursesW"]),
        .executableTarget(
            name: "tinyloc",
            dependencies: ["Workbench", "Sessions", "Deploy", "TinyTensor", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "TinyTensorTests", dependencies: ["TinyTensor"]),
        .testTarget(name: "TinyNNTests", dependencies: ["TinyNN"]),
        .testTarget(name: "LocalisationTests", dependencies: ["Localisation"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression"]),
        .testTarget(name: "DeployTests", dependencies: ["Deploy"]),
        .testTarget(name: "SessionsTests", dependencies: ["Sessions"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Workbench"]),
    ],
    swiftLanguageModes: [.v5]
)
