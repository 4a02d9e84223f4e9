#!/usr/bin/env bash
# Wall time of an 8-task sweep on Slurm, from `tinyloc sweep --slurm` to the collected table:
# the MLP × seeds 1–4 × held-out SPHERE recordings 00006 and 00007, one CPU per task.
#
#   SLURM_CONF=… scripts/slurm-sweep-bench.sh TINYLOC DATA [ROUNDS]
#
# Needs a running Slurm (scripts/local-slurm.sh start DIR prints the SLURM_CONF to use). Prints
# each round's seconds and the median.
set -euo pipefail
tinyloc=$(realpath "$1")
data=$(realpath "$2")
rounds=${3:-3}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
times=()
for round in $(seq "$rounds"); do
  dir=$scratch/round-$round
  start=$EPOCHREALTIME
  "$tinyloc" sweep --grid "model=mlp seed=1-4 fold=00006,00007" --data "$data" --name slurm8 --dir "$dir" \
    --slurm --cpus-per-task 1 --mem 1G --time 10 >/dev/null
  until "$tinyloc" sweep status "$dir" | grep -q '^all finished'; do sleep 0.2; done
  "$tinyloc" collect "$dir" >/dev/null
  seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  echo "round $round: $seconds s"
  times+=("$seconds")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print "median " v[int((NR + 1) / 2)] " s over " NR " rounds" }'
