#!/usr/bin/env bash
# Builds a libFuzzer target from the package's own sources and runs it.
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer options…]   e.g. fuzz/run.sh sphere 60
#   fuzz/run.sh all SECONDS [libFuzzer options…]      every target in turn
#   fuzz/run.sh build                                 builds every target, runs none
#
# FUZZ_CONFIGURATION=debug builds the modules unoptimised: half the build time, for CI, where the
# point is that every target still builds and survives a few seconds.
#
# TARGET is a file of fuzz/targets (sphere, study-csv, mapped-csv, floorplan, session-json,
# checkpoint, cv-progress, precision-plan, sweep-file). The modules up to Sweeps are compiled once by SwiftPM, instrumented
# for libFuzzer and AddressSanitizer, in .build/fuzz (apart from the normal build); each target is
# its entry file plus Support.swift linked against them. The run starts from fuzz/corpus/TARGET
# and adds what it finds to .build/fuzz/corpus/TARGET (kept out of the repo); a crash is written to
# .build/fuzz/crashes/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: fuzz/run.sh TARGET|all SECONDS [libFuzzer options…] | fuzz/run.sh build}
# Release code with sanitizers by default: as many checks, several times the executions per second.
configuration=${FUZZ_CONFIGURATION:-release}
build=.build/fuzz
[ "$configuration" = release ] || build=.build/fuzz-$configuration
modules=$build/$configuration
optimise=$([ "$configuration" = release ] && echo -O || echo -Onone)
all=$(cd fuzz/targets && ls *.swift | grep -v '^Support.swift$' | sed 's/\.swift$//')

swift build -c "$configuration" --build-path "$build" --target Sweeps \
  -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >&2

link() {
  local name=$1
  [ -f "fuzz/targets/$name.swift" ] || { echo "no fuzz target '$name' (have: $(echo $all))" >&2; exit 2; }
  local objects
  objects=$(ls "$modules"/{TinyTensorKernels,TinyTensorHaswell,CTinyCPU,TinyTensor,TinyNN,Localisation,Graph,Models,Compression,Deploy,Sessions,Sweeps}.build/*.o 2>/dev/null)
  # The entry file is compiled as a library (-parse-as-library): libFuzzer brings main().
  swiftc "$optimise" -parse-as-library -sanitize=fuzzer,address -g -use-ld=lld -module-name "fuzz_${name//-/_}" \
    -I "$modules/Modules" -Xcc -fmodule-map-file="$modules/CTinyCPU.build/module.modulemap" \
    "fuzz/targets/$name.swift" fuzz/targets/Support.swift $objects -o "$build/$name" >&2
}

if [ "$target" = build ]; then
  for name in $all; do link "$name"; echo "built $build/$name"; done
  exit 0
fi

seconds=${2:?usage: fuzz/run.sh TARGET SECONDS}
shift 2

fuzz() {
  local name=$1; shift
  link "$name"
  local corpus=$build/corpus/$name
  mkdir -p "$corpus" "$build/crashes"
  # -timeout: an input that takes over 10 s is a hang; -rss_limit_mb: one that needs 2 GB is a
  # runaway allocation. Leak detection is off: Foundation's Data(contentsOf:) leaks its buffer for
  # an empty file, which would stop every run at the first empty input.
  ASAN_OPTIONS=detect_leaks=0 "$build/$name" "$corpus" "fuzz/corpus/$name" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -detect_leaks=0 -artifact_prefix="$build/crashes/$name-" -print_final_stats=1 "$@"
}

if [ "$target" = all ]; then
  for name in $all; do echo "fuzz $name" >&2; fuzz "$name" "$@"; done
else
  fuzz "$target" "$@"
fi
