import Foundation

/// Builds an exported model for a Cortex-M4F (arm-none-eabi-gcc -O2, hard float), runs it under QEMU's
/// mps2-an386 board with semihosting, and reads back its sizes, instructions per inference, peak
/// stack and outputs. QEMU models no cycles: with `-icount shift=7` every instruction advances the
/// core clock by 128 ns and SysTick (25 MHz) by 3.2 ticks, so instructions = ticks · 40 / 128
/// (checked on a loop of known length: 200,000 instructions read as 199,998).
public struct CortexM4Measurement {
    /// What the measurement needs, as Debian packages.
    public static let packages = ["gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "qemu-system-arm"]
    public static let compileFlags = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard", "-O2", "-std=c99", "-Wall",
                                      "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections"]
    public static let linkFlags = ["-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections"]
    public static let qemuArguments = ["-M", "mps2-an386", "-nographic", "-monitor", "none", "-semihosting-config", "enable=on,target=native",
                                       "-icount", "shift=7"]

    public struct Tools: Sendable {
        public var gcc: String
        public var size: String
        public var qemu: String
    }

    public struct Sizes: Sendable, Equatable {
        public var text: Int
        public var data: Int
        public var bss: Int
    }

    public struct Run: Sendable, Equatable {
        public var instructions: Int
        /// Deepest stack the call reached below its caller, by painting (64 B or less reads as 64).
        public var stackBytes: Int
        public var scores: [Int32]
    }

    public struct Result: Sendable {
        /// model.o alone: the model's code, const data and arenas.
        public var model: Sizes
        /// The whole program (model, startup, semihosting output).
        public var program: Sizes
        public var predictions: [Run]
        /// Per window, the mean over its T steps of one `tinyloc_step`.
        public var steps: [Run]
        /// The commands that built and ran it.
        public var commands: [String]
    }

    public enum Failure: Error, CustomStringConvertible {
        case missingTools([String])
        case failed(command: String, output: String)
        case unreadable(String)

        public var description: String {
            switch self {
            case .missingTools(let missing):
                return "measuring on a Cortex-M4F needs \(missing.joined(separator: ", ")) on PATH: "
                    + "apt-get install \(CortexM4Measurement.packages.joined(separator: " "))"
            case .failed(let command, let output): return "\(command) failed:\n\(output)"
            case .unreadable(let output): return "unexpected output from the emulated chip:\n\(output)"
            }
        }
    }

    /// The cross tools on PATH, or `Failure.missingTools` naming the missing ones.
    public static func findTools(path: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin") throws -> Tools {
        func find(_ name: String) -> String? {
            path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        let gcc = find("arm-none-eabi-gcc"), size = find("arm-none-eabi-size"), qemu = find("qemu-system-arm")
        let newlib = FileManager.default.fileExists(atPath: "/usr/lib/arm-none-eabi/newlib") || FileManager.default.fileExists(atPath: "/usr/lib/arm-none-eabi/lib")
        var missing: [String] = []
        if gcc == nil || size == nil { missing.append("arm-none-eabi-gcc (gcc-arm-none-eabi)") }
        if !newlib { missing.append("newlib (libnewlib-arm-none-eabi)") }
        if qemu == nil { missing.append("qemu-system-arm (qemu-system-arm)") }
        guard let gcc, let size, let qemu, missing.isEmpty else { throw Failure.missingTools(missing) }
        return Tools(gcc: gcc, size: size, qemu: qemu)
    }

    public var tools: Tools
    public var export: CExport

    public init(tools: Tools, export: CExport) {
        self.tools = tools
        self.export = export
    }

    /// Writes the export and the bench into `folder`, builds, runs each window (int8 input codes)
    /// through `tinyloc_predict` and, for a streaming export, step by step through `tinyloc_step`.
    public func run(windows: [[Int32]], in folder: URL) throws -> Result {
        precondition(!windows.isEmpty, "at least one window")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rows = windows.map { "    { " + $0.map(String.init).joined(separator: ", ") + " }" }.joined(separator: ",\n")
        let inputs = "#define BENCH_WINDOWS \(windows.count)\nstatic const int8_t bench_inputs[BENCH_WINDOWS][TINYLOC_INPUT_SIZE] = {\n\(rows)\n};\n"
        for (name, text) in [("model.h", export.header), ("model.c", export.source), ("bench.c", Self.bench), ("link.ld", Self.linkerScript),
                             ("inputs.h", inputs)] {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        var commands: [String] = []
        func run(_ tool: String, _ arguments: [String]) throws -> String {
            let line = ([tool] + arguments).joined(separator: " ")
            commands.append(line)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
            process.currentDirectoryURL = folder
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw Failure.failed(command: line, output: output) }
            return output
        }
        _ = try run(tools.gcc, Self.compileFlags + ["-c", "model.c", "-o", "model.o"])
        _ = try run(tools.gcc, Self.compileFlags + Self.linkFlags + ["-T", "link.ld", "bench.c", "model.o", "-o", "bench.elf"])
        let model = try Self.sizes(run(tools.size, ["model.o"]))
        let program = try Self.sizes(run(tools.size, ["bench.elf"]))
        let output = try run(tools.qemu, Self.qemuArguments + ["-kernel", "bench.elf"])
        var predictions: [Run] = [], steps: [Run] = []
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count >= 6, words[1] == "ticks", words[3] == "stack", words[5] == "scores",
                  let ticks = Int(words[2]), let stack = Int(words[4]) else { continue }
            let run = Run(instructions: (ticks * 40 + 64) / 128, stackBytes: stack, scores: words[6...].compactMap { Int32($0) })
            if words[0] == "predict" { predictions.append(run) } else if words[0] == "step" { steps.append(run) }
        }
        guard predictions.count == windows.count else { throw Failure.unreadable(output) }
        return Result(model: model, program: program, predictions: predictions, steps: steps, commands: commands)
    }

    /// The Berkeley line of arm-none-eabi-size: text data bss dec hex filename.
    static func sizes(_ output: String) throws -> Sizes {
        let lines = output.split(separator: "\n")
        guard lines.count >= 2 else { throw Failure.unreadable(output) }
        let fields = lines[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }
        guard fields.count >= 3 else { throw Failure.unreadable(output) }
        return Sizes(text: fields[0], data: fields[1], bss: fields[2])
    }

    static let linkerScript = #"""
/* mps2-an386 under QEMU: code at 0, SRAM at 0x20000000. Sized like a 1 MB / 128 KB Cortex-M4F part. */
ENTRY(tl_reset_handler)
MEMORY { FLASH (rx) : ORIGIN = 0x00000000, LENGTH = 1024K  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 128K }
SECTIONS {
  .vectors : { KEEP(*(.vectors)) } > FLASH
  .text : { *(.text .text.*) *(.rodata .rodata.*) . = ALIGN(4); } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  .data : { tl_data_start = .; *(.data .data.*) . = ALIGN(4); tl_data_end = .; } > RAM AT > FLASH
  tl_data_load = LOADADDR(.data);
  .bss (NOLOAD) : { tl_bss_start = .; *(.bss .bss.*) *(COMMON) . = ALIGN(4); tl_bss_end = .; } > RAM
  tl_stack_top = ORIGIN(RAM) + LENGTH(RAM);
}
"""#

    /// Startup (vector table, .data/.bss, the FPU on), SysTick as the instruction counter, stack
    /// painting, semihosting output, and the runs of every window.
    static let bench = #"""
#include <stdint.h>
#include <string.h>
#include "model.h"
#include "inputs.h"

extern uint32_t tl_data_start, tl_data_end, tl_data_load, tl_bss_start, tl_bss_end, tl_stack_top;
int main(void);

/* SysTick runs on the core clock; under QEMU's -icount every instruction advances it by a fixed
   amount, so elapsed ticks count instructions. It is 24 bits wide: wraps are counted. */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
#define CPACR (*(volatile uint32_t *)0xE000ED88)
static volatile uint32_t wraps;

static void systick_handler(void) { wraps++; }

static uint64_t ticks(void) {
    uint32_t before, value, after;
    do { before = wraps; value = SYST_CVR; after = wraps; } while (before != after);
    return (uint64_t)before * 0x1000000u + (0xFFFFFFu - value);
}

/* ARM semihosting: r0 = operation, r1 = argument, bkpt 0xAB. */
static int32_t semihost(int32_t op, const void *arg) {
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void print(const char *s) { semihost(0x04, s); }

static void print_number(int64_t v) {
    char text[24];
    int i = 23;
    int negative = v < 0;
    uint64_t u = negative ? (uint64_t)(-v) : (uint64_t)v;
    text[i] = 0;
    do { text[--i] = (char)('0' + u % 10); u /= 10; } while (u);
    if (negative) text[--i] = '-';
    print(text + i);
}

void tl_reset_handler(void) {
    memcpy(&tl_data_start, &tl_data_load, (size_t)((uint8_t *)&tl_data_end - (uint8_t *)&tl_data_start));
    memset(&tl_bss_start, 0, (size_t)((uint8_t *)&tl_bss_end - (uint8_t *)&tl_bss_start));
    CPACR |= 0xFu << 20;  /* the FPU, for the hard-float ABI */
    __asm__ volatile("dsb\n isb");
    {
        uint32_t exit_block[2] = { 0x20026, (uint32_t)main() }; /* ADP_Stopped_ApplicationExit, status */
        semihost(0x20, exit_block);
    }
    for (;;) {}
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&tl_stack_top, tl_reset_handler, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, systick_handler,
};

/* The stack below the caller is painted before a call and scanned after it: the deepest word
   that changed is how far the call reached. */
#define PAINT 0xA5A5A5A5u
static uint8_t *stack_pointer(void) { uint8_t *sp; __asm__ volatile("mov %0, sp" : "=r"(sp)); return sp; }

static void paint(uint8_t *sp) { uint32_t *p; for (p = &tl_bss_end; (uint8_t *)p < sp - 64; p++) *p = PAINT; }

static uint32_t reached(uint8_t *sp) {
    uint32_t *p = &tl_bss_end;
    while ((uint8_t *)p < sp - 64 && *p == PAINT) p++;
    return (uint32_t)(sp - (uint8_t *)p);
}

static void print_scores(const int8_t *scores) {
    int c;
    for (c = 0; c < TINYLOC_OUTPUT_SIZE; c++) { print(c ? " " : ""); print_number(scores[c]); }
    print("\n");
}

int main(void) {
    int8_t scores[TINYLOC_OUTPUT_SIZE];
    uint8_t *sp = stack_pointer();
    uint64_t start, empty;
    int w;
    SYST_RVR = 0xFFFFFF;
    SYST_CVR = 0;
    SYST_CSR = 7; /* core clock, interrupt, enabled */
    start = ticks();
    empty = ticks() - start;
    for (w = 0; w < BENCH_WINDOWS; w++) {
        uint64_t elapsed;
        paint(sp);
        start = ticks();
        tinyloc_predict(bench_inputs[w], scores);
        elapsed = ticks() - start - empty;
        print("predict ticks "); print_number((int64_t)elapsed);
        print(" stack "); print_number(reached(sp)); print(" scores ");
        print_scores(scores);
    }
#ifdef TINYLOC_STEP_SIZE
    for (w = 0; w < BENCH_WINDOWS; w++) {
        int t;
        uint64_t elapsed = 0;
        tinyloc_reset();
        paint(sp);
        for (t = 0; t < TINYLOC_INPUT_SIZE / TINYLOC_STEP_SIZE; t++) {
            start = ticks();
            tinyloc_step(bench_inputs[w] + t * TINYLOC_STEP_SIZE, scores);
            elapsed += ticks() - start - empty;
        }
        print("step ticks "); print_number((int64_t)(elapsed / (TINYLOC_INPUT_SIZE / TINYLOC_STEP_SIZE)));
        print(" stack "); print_number(reached(sp)); print(" scores ");
        print_scores(scores);
    }
#endif
    return 0;
}
"""#
}
