/// A target microcontroller with the few figures needed to say whether a model fits and roughly
/// how long and how much energy one prediction takes.
///
/// latency (ms) = MACs · cyclesPerMAC / clock · 1000;
/// energy (µJ) = supply V · active current mA · latency ms (V · mA · ms = µJ).
///
/// These are *estimates*: MAC-bound time only (no per-op overhead, RESHAPE copies, input
/// quantization or caches), and the current is the datasheet's CPU-active figure, not a
/// measurement of this workload. Good for ranking chips and models, not for a battery budget.
public struct MCUProfile: Sendable, Codable, Equatable, Identifiable {
    public var id: String { name }
    public var name: String
    public var core: String
    public var clockHz: Double
    public var ramBytes: Int
    public var flashBytes: Int
    /// Effective cycles per int8 MAC of a fully connected layer with the vendor's optimised kernels.
    public var cyclesPerMAC: Double
    public var activeCurrentMilliamps: Double
    public var supplyVolts: Double
    /// Where the figures come from.
    public var source: String

    public init(name: String, core: String, clockHz: Double, ramBytes: Int, flashBytes: Int,
                cyclesPerMAC: Double, activeCurrentMilliamps: Double, supplyVolts: Double, source: String) {
        self.name = name
        self.core = core
        self.clockHz = clockHz
        self.ramBytes = ramBytes
        self.flashBytes = flashBytes
        self.cyclesPerMAC = cyclesPerMAC
        self.activeCurrentMilliamps = activeCurrentMilliamps
        self.supplyVolts = supplyVolts
        self.source = source
    }

    public func latencyMilliseconds(macs: Int) -> Double { Double(macs) * cyclesPerMAC / clockHz * 1000 }

    public func energyMicrojoules(macs: Int) -> Double { supplyVolts * activeCurrentMilliamps * latencyMilliseconds(macs: macs) }

    public func fits(ramBytes ram: Int, flashBytes flash: Int) -> Bool { ram <= ramBytes && flash <= flashBytes }
}

extension MCUProfile {
    /// Chips a wearable might use. Clock, RAM and flash are from the vendors' datasheets; the run
    /// currents are their typical CPU-active figures; cycles per MAC are rough readings of
    /// published CMSIS-NN / ESP-NN fully-connected benchmarks (Cortex-M4's SMLAD does two 16-bit
    /// MACs per cycle but operand unpacking costs about as much again; the M0+ has no SIMD).
    public static let nRF52840 = MCUProfile(
        name: "nRF52840", core: "Cortex-M4F", clockHz: 64e6, ramBytes: 256 * 1024, flashBytes: 1024 * 1024,
        cyclesPerMAC: 1.0, activeCurrentMilliamps: 3.3, supplyVolts: 3.0,
        source: "Nordic nRF52840 PS: 64 MHz, 256 KB RAM, 1 MB flash; ~3.3 mA CPU running from flash, DC/DC, 3 V. CMSIS-NN ≈ 1 cycle/MAC (estimate).")
    public static let stm32L476 = MCUProfile(
        name: "STM32L476", core: "Cortex-M4F", clockHz: 80e6, ramBytes: 128 * 1024, flashBytes: 1024 * 1024,
        cyclesPerMAC: 1.0, activeCurrentMilliamps: 8.0, supplyVolts: 3.0,
        source: "ST STM32L476 datasheet: 80 MHz, 128 KB SRAM, 1 MB flash; ~100 µA/MHz run mode (≈8 mA at 80 MHz), 3 V. CMSIS-NN ≈ 1 cycle/MAC (estimate).")
    public static let rp2040 = MCUProfile(
        name: "RP2040", core: "Cortex-M0+", clockHz: 133e6, ramBytes: 264 * 1024, flashBytes: 2 * 1024 * 1024,
        cyclesPerMAC: 4.0, activeCurrentMilliamps: 25, supplyVolts: 3.3,
        source: "Raspberry Pi RP2040 datasheet: 133 MHz, 264 KB SRAM, external QSPI flash (2 MB on the Pico); ~25 mA busy on one core (board-level, rough). No SIMD: ≈ 4 cycles/MAC (estimate).")
    public static let esp32S3 = MCUProfile(
        name: "ESP32-S3", core: "Xtensa LX7", clockHz: 240e6, ramBytes: 512 * 1024, flashBytes: 8 * 1024 * 1024,
        cyclesPerMAC: 0.5, activeCurrentMilliamps: 50, supplyVolts: 3.3,
        source: "Espressif ESP32-S3 datasheet: 240 MHz, 512 KB SRAM, external flash (8 MB typical module); ~50 mA CPU active, radio off. ESP-NN SIMD ≈ 0.5 cycle/MAC (estimate).")

    public static let catalogue: [MCUProfile] = [nRF52840, stm32L476, rp2040, esp32S3]
}
