#!/usr/bin/env bash
# kill -9 soak: runs `tinyloc run --headless` on one session and kills it with SIGKILL at a random
# moment, N times, each start resuming what the last one left. Checked at every kill: the next
# start resumes (never starts over, never fails) from the checkpoint on disk, and at most one
# finished epoch is lost (the one whose metrics line was written just before the kill). At the end
# the session is finished and its report and learning curve compared with an uninterrupted run of
# the same settings.
#
#   scripts/soak.sh [N] [MAX_DELAY_SECONDS]      defaults: 20 kills, each within 4 s of its start
#
# Uses the debug build unless TINYLOC names another binary. A session that finishes between kills
# is compared and a new one started, so kills keep landing on every stage (start, training, report).
set -uo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20}
max_delay=${2:-4}
binary=${TINYLOC:-.build/debug/tinyloc}
[ -x "$binary" ] || swift build >&2
work=$(mktemp -d /tmp/tinyloc-soak-XXXXXX)
trap 'rm -rf "$work"' EXIT
settings=(--recordings 3 --minutes 10 --epochs 12)

# What must match the uninterrupted run: report.json, and the epoch lines without "seconds".
fingerprint() {
  python3 - "$1" <<'PY'
import json, sys
folder = sys.argv[1]
report = json.load(open(folder + "/report.json"))
report.pop("session", None)
epochs = [json.loads(l) for l in open(folder + "/metrics.jsonl") if '"event":"epoch"' in l]
for e in epochs: e.pop("seconds", None)
print(json.dumps({"report": report, "epochs": epochs}, sort_keys=True))
PY
}

# Epochs in the checkpoint (its header is JSON after the magic and a length; docs/FORMATS.md).
checkpoint_epochs() {
  python3 - "$1/checkpoints/last.ckpt" <<'PY'
import json, struct, sys
try:
    data = open(sys.argv[1], "rb").read()
    n = struct.unpack("<I", data[8:12])[0]
    print(json.loads(data[12:12 + n])["epochsDone"])
except FileNotFoundError:
    print(0)
PY
}

epoch_lines() { grep -c '"event":"epoch"' "$1/metrics.jsonl" 2>/dev/null || true; }

"$binary" run --headless --sessions-dir "$work" --session reference "${settings[@]}" > "$work/reference.out" 2>&1 \
  || { echo "the reference run failed:"; cat "$work/reference.out"; exit 1; }
reference=$(fingerprint "$work/reference")

killed=0 opened=0 resumed=0 failures=0 lost_max=0 lost_total=0 completed=0 mismatches=0 generation=1
session=soak-$generation
finish() {
  completed=$((completed + 1))
  if [ "$(fingerprint "$work/$session")" != "$reference" ]; then
    mismatches=$((mismatches + 1)); echo "$session finished with results different from the uninterrupted run"
  fi
  generation=$((generation + 1)); session=soak-$generation
}

while [ "$killed" -lt "$kills" ]; do
  had_config=$([ -f "$work/$session/session.json" ] && echo 1 || echo 0)
  had_epochs=$(checkpoint_epochs "$work/$session")
  "$binary" run --headless --sessions-dir "$work" --session "$session" "${settings[@]}" > "$work/out" 2>&1 &
  pid=$!
  sleep "$(awk -v m="$max_delay" -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.05 + rand() * m }')"
  kill -9 "$pid" 2>/dev/null && was_killed=1 || was_killed=0
  wait "$pid" 2>/dev/null; status=$?

  # How this start began, as far as it got before the kill.
  if grep -q "^Error" "$work/out"; then
    failures=$((failures + 1)); echo "start $((killed + 1)) failed:"; grep "^Error" "$work/out"
  elif [ "$had_config" = 1 ] && grep -q "(new)" "$work/out"; then
    failures=$((failures + 1)); echo "start $((killed + 1)) began $session again instead of resuming it"
  else
    grep -q "(resumed)" "$work/out" && opened=$((opened + 1))
    after=$(sed -n 's/.*resuming after epoch \([0-9]*\).*/\1/p' "$work/out" | head -1)
    if [ -n "$after" ]; then
      resumed=$((resumed + 1))
      [ "$after" = "$had_epochs" ] || { failures=$((failures + 1)); echo "resumed after epoch $after, the checkpoint held $had_epochs"; }
    fi
  fi

  if [ "$was_killed" = 1 ]; then
    killed=$((killed + 1))
    lost=$(( $(epoch_lines "$work/$session") - $(checkpoint_epochs "$work/$session") ))
    [ "$lost" -gt "$lost_max" ] && lost_max=$lost
    lost_total=$((lost_total + lost))
  elif [ "$status" -ne 0 ]; then
    failures=$((failures + 1)); echo "an unkilled run exited with $status:"; tail -3 "$work/out"
  fi
  [ -f "$work/$session/report.json" ] && [ "$was_killed" = 0 ] && finish
done
if [ -d "$work/$session" ]; then
  if "$binary" run --headless --sessions-dir "$work" --session "$session" "${settings[@]}" > "$work/out" 2>&1; then
    finish
  else
    failures=$((failures + 1)); echo "finishing $session failed:"; tail -3 "$work/out"
  fi
fi
echo "kills $killed · starts that reopened the session $opened, of which reached 'resuming after epoch' $resumed" \
     "(the rest were killed while loading data) · failed or wrong starts $failures ·" \
     "finished epochs lost per kill: max $lost_max, total $lost_total (besides the epoch in progress) ·" \
     "sessions finished $completed, identical to the uninterrupted run $((completed - mismatches))"
[ "$failures" -eq 0 ] && [ "$mismatches" -eq 0 ]
