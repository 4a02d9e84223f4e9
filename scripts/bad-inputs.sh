#!/usr/bin/env bash
# The known bad inputs of issue 15 (and the ones found while fixing it), each run through a tinyloc
# binary with a 60 s limit, one line per case: exit status, seconds, and the first error, crash or
# resume line. Point it at an old build to see what used to happen.
#
#   scripts/bad-inputs.sh [BINARY]        default .build/debug/tinyloc
set -uo pipefail
binary=$(realpath "${1:-$(dirname "$0")/../.build/debug/tinyloc}")
work=$(mktemp -d /tmp/tinyloc-bad-inputs-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Three recordings of a mapped CSV (hall, then kitchen, every 20 s); the last row of the third
# holds the bad value.
python3 - <<'PY'
import os, random
random.seed(1)
def rows(bad):
    out = ["t,a,b,x,y,z,room"]
    for i in range(600):
        hall = (i // 100) % 2 == 0
        cells = ["%.1f" % (i * 0.2), "%.1f" % (-60 - random.random() * 10 if hall else -80 - random.random() * 10),
                 "%.1f" % (-85 + random.random() * 5 if hall else -62 - random.random() * 5), "0.01", "-0.98", "0.1",
                 "hall" if hall else "kitchen"]
        if bad and i == 599: cells[bad[0]] = bad[1]
        out.append(",".join(cells))
    return "\n".join(out) + "\n"
for name, bad in {"ts17": (0, "1700000000"), "ts1e7": (0, "1e7"), "ts1e18": (0, "1e18"), "rssi": (1, "1e300"),
                  "accel": (3, "1e300"), "ok": None}.items():
    os.makedirs("data/" + name)
    for r in range(3): open("data/%s/r%d.csv" % (name, r), "w").write(rows(bad if r == 2 else None))
PY

show() {
  local name=$1; shift
  local start=$SECONDS
  timeout 60 "$@" > out.txt 2>&1; local status=$?
  local line
  line=$( (grep -a -m1 -E "^Error|Fatal error|Program crashed" out.txt || grep -a -m1 "resuming after" out.txt \
           || grep -a -m1 -E "\((new|resumed)\)" out.txt) | cut -c1-160)
  [ "$status" = 124 ] && line="HANG (stopped after 60 s) $line"
  echo "$name | exit $status | $((SECONDS - start)) s | $line"
}
columns="time=t,receivers=a|b,room=room,accelerometer=x|y|z"
for c in ts17 ts1e7 ts1e18 rssi accel; do
  show "one $c cell" "$binary" run --headless --sessions-dir s --session "$c" --data "data/$c" --columns "$columns" --epochs 1
done
show "timeScale=1e10" "$binary" run --headless --sessions-dir s --session scale --data data/ok --columns "$columns,timeScale=1e10" --epochs 1

for field in '"training":{"batchSize":0}' '"windowLength":0' '"stepRate":0' '"data":{"minutesPerRecording":1e9}' \
             '"training":{"learningRate":1e30,"epochs":2}'; do
  name=edited-$RANDOM
  mkdir -p "s/$name/checkpoints" "s/$name/variants"
  echo "{\"name\":\"$name\",$field}" > "s/$name/session.json"
  show "session.json $field" "$binary" run --headless --sessions-dir s --session "$name"
done

"$binary" run --headless --sessions-dir s --session lost --recordings 3 --minutes 3 --epochs 2 > /dev/null 2>&1
rm s/lost/session.json
show "checkpoint without session.json, --seed 7" "$binary" run --headless --sessions-dir s --session lost --recordings 3 --minutes 3 --epochs 4 --seed 7
"$binary" run --headless --sessions-dir s --session kept --recordings 3 --minutes 3 --epochs 1 > /dev/null 2>&1
show "existing session, --epochs 5 --model cnn" "$binary" run --headless --sessions-dir s --session kept --epochs 5 --model cnn
show "--epochs -3" "$binary" run --headless --epochs -3

mkdir study
printf 't,ap,room\n0,-60,1\n1,-60,9223372036854775807\n' > study/csv_house_A_fp.csv
show "study CSV room 2^63" "$binary" coverage --data study
printf 't,ap,room\n0,-60,1\n1,-60,300000000\n' > study/csv_house_A_fp.csv
show "study CSV room 300000000" "$binary" coverage --data study

mkdir -p plan/data/floorplans plan/s/huge
cat > plan/data/floorplans/huge.json <<'JSON'
{"name": "huge", "notes": "", "floors": [{"index": 0, "name": "ground", "elevation": 0}],
 "rooms": [{"name": "hall", "floor": 0, "polygon": [{"x": 0, "y": 1}, {"x": 3, "y": 0}, {"x": 3, "y": 4}, {"x": 0, "y": 4}]},
           {"name": "kitchen", "floor": 0, "polygon": [{"x": 3, "y": 0}, {"x": 3.3e122, "y": 0}, {"x": 7, "y": 4}, {"x": 3, "y": 4}]}],
 "walls": [{"floor": 0, "from": {"x": 3, "y": 0}, "to": {"x": 3, "y": 1.5}, "attenuationDB": 4}],
 "doors": [{"floor": 0, "between": ["hall", "kitchen"], "at": {"x": 3, "y": 2}}],
 "receivers": [{"name": "ap", "floor": 0, "position": {"x": 1, "y": 1}, "height": 1.5}]}
JSON
echo '{"name":"huge","data":{"floorPlan":"huge","recordings":3,"minutesPerRecording":3},"training":{"epochs":1}}' > plan/s/huge/session.json
(cd plan && show "floor plan with a vertex at 3.3e122 m" "$binary" run --headless --sessions-dir s --session huge)

mkdir -p s/by-hand
echo '{"name":"by-hand","data":{"recordings":3,"minutesPerRecording":2},"training":{"epochs":1}}' > s/by-hand/session.json
show "session.json written by hand, no checkpoints/" "$binary" run --headless --sessions-dir s --session by-hand
