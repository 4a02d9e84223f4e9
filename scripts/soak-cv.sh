#!/usr/bin/env bash
# kill -9 soak of `tinyloc cv --json`: kills it with SIGKILL at a random moment, N times, each start
# resuming from the folds saved in <json>.partial. Checked: no start fails; a start that resumes
# says it takes over exactly the folds the progress file held; a finished cross-validation's JSON
# equals an uninterrupted run's (then the next round starts from nothing).
#
#   scripts/soak-cv.sh [N] [MAX_DELAY_SECONDS]   defaults: 20 kills, each within 6 s of its start
set -uo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20}
max_delay=${2:-6}
binary=${TINYLOC:-.build/debug/tinyloc}
[ -x "$binary" ] || swift build >&2
work=$(mktemp -d /tmp/tinyloc-soak-cv-XXXXXX)
trap 'rm -rf "$work"' EXIT
settings=(cv --recordings 4 --minutes 4 --epochs 3 --seeds 1,2)

same_json() { python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$1" "$2"; }
saved_folds() { python3 -c 'import json, sys
try: print(len(json.load(open(sys.argv[1]))["folds"]))
except FileNotFoundError: print(0)' "$1"; }

"$binary" "${settings[@]}" --json "$work/reference.json" > "$work/reference.out" 2>&1 \
  || { echo "the reference run failed:"; cat "$work/reference.out"; exit 1; }

json=$work/soak.json
killed=0 resumed=0 failures=0 finished=0 mismatches=0
while [ "$killed" -lt "$kills" ]; do
  had=$(saved_folds "$json.partial")
  "$binary" "${settings[@]}" --json "$json" > "$work/out" 2>&1 &
  pid=$!
  sleep "$(awk -v m="$max_delay" -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.05 + rand() * m }')"
  kill -9 "$pid" 2>/dev/null && was_killed=1 || was_killed=0
  wait "$pid" 2>/dev/null; status=$?
  if grep -q "^Error" "$work/out"; then
    failures=$((failures + 1)); echo "start $((killed + 1)) failed:"; grep "^Error" "$work/out"
  fi
  took=$(sed -n 's/^resuming from .*: \([0-9]*\) folds already done/\1/p' "$work/out")
  if [ -n "$took" ]; then
    resumed=$((resumed + 1))
    [ "$took" = "$had" ] || { failures=$((failures + 1)); echo "took over $took folds, the progress file held $had"; }
  elif [ "$had" -gt 0 ] && grep -q "^cross-validation" "$work/out"; then
    failures=$((failures + 1)); echo "start $((killed + 1)) ignored $had saved folds"
  fi
  if [ "$was_killed" = 1 ]; then
    killed=$((killed + 1))
  elif [ "$status" -ne 0 ]; then
    failures=$((failures + 1)); echo "an unkilled run exited with $status"; tail -3 "$work/out"
  elif [ -f "$json" ]; then
    finished=$((finished + 1))
    same_json "$json" "$work/reference.json" || { mismatches=$((mismatches + 1)); echo "round $finished differs from the uninterrupted run"; }
    rm -f "$json"
  fi
done
if "$binary" "${settings[@]}" --json "$json" > "$work/out" 2>&1; then
  finished=$((finished + 1))
  same_json "$json" "$work/reference.json" || { mismatches=$((mismatches + 1)); echo "the last round differs from the uninterrupted run"; }
else
  failures=$((failures + 1)); echo "finishing the last round failed:"; tail -3 "$work/out"
fi
echo "kills $killed · starts that took over saved folds $resumed · failed or wrong starts $failures ·" \
     "cross-validations finished $finished, identical to the uninterrupted run $((finished - mismatches))"
[ "$failures" -eq 0 ] && [ "$mismatches" -eq 0 ]
