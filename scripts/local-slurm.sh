#!/usr/bin/env bash
# A throwaway single-node Slurm on loopback, without systemd, for the sweep tests and benchmarks.
#
#   scripts/local-slurm.sh start DIR [CTLD_PORT]   start munged, slurmctld and slurmd under DIR and wait
#                                                  until the node is idle; prints the SLURM_CONF to export
#   scripts/local-slurm.sh stop DIR                shut them down (by the pids recorded in DIR)
#
# Needs root (slurmd runs jobs as their owner) and the Debian packages slurm-wlm and munge.
# The daemons run in the foreground of their own session (setsid), so they outlive this script
# and stop only through `stop`. slurmd listens on CTLD_PORT + 1.
set -euo pipefail

usage() { echo "usage: $0 start DIR [CTLD_PORT] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
base=$(realpath -m "$2")

stop_cluster() {
  if [ -f "$base/etc/slurm.conf" ]; then
    SLURM_CONF="$base/etc/slurm.conf" scontrol shutdown >/dev/null 2>&1 || true
  fi
  for name in slurmctld slurmd munged; do
    [ -f "$base/$name.pid" ] || continue
    pid=$(cat "$base/$name.pid")
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$base/$name.pid"
  done
}

case "$action" in
  stop) stop_cluster; exit 0 ;;
  start) ;;
  *) usage ;;
esac

ctld_port=${3:-6817}
slurmd_port=$((ctld_port + 1))
[ "$(id -u)" -eq 0 ] || { echo "local-slurm: needs root (slurmd starts jobs as their owner)" >&2; exit 1; }
for tool in munged munge slurmctld slurmd sinfo sbatch; do
  command -v "$tool" >/dev/null || { echo "local-slurm: $tool not found; install the Debian packages slurm-wlm and munge" >&2; exit 1; }
done
for port in "$ctld_port" "$slurmd_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "local-slurm: port $port is in use (a cluster still running? $0 stop DIR)" >&2; exit 1
  fi
done

rm -rf "$base"
install -d -m 0755 "$base" "$base/etc" "$base/state" "$base/spool" "$base/log"
install -d -m 0755 -o munge -g munge "$base/munge"   # munged refuses a folder others can write
trap 'status=$?; if [ $status -ne 0 ]; then tail -n 5 "$base"/log/* >&2 2>/dev/null; stop_cluster; fi' EXIT

dd if=/dev/urandom of="$base/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$base/munge/munge.key"
chmod 0400 "$base/munge/munge.key"
socket=$base/munge/munge.socket
setsid setpriv --reuid=munge --regid=munge --init-groups \
  munged -F --key-file="$base/munge/munge.key" --socket="$socket" --pid-file="$base/munge/munged.pid" \
  --log-file="$base/log/munged.log" --seed-file="$base/munge/munged.seed" </dev/null >>"$base/log/munged.out" 2>&1 &
echo $! >"$base/munged.pid"
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
munge -n --socket="$socket" | unmunge --socket="$socket" >/dev/null || { echo "local-slurm: munge does not answer" >&2; exit 1; }

cpus=$(nproc)
export SLURM_CONF=$base/etc/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=tinyloc
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$base/state
SlurmdSpoolDir=$base/spool
SlurmctldPidFile=$base/slurmctld.daemon.pid
SlurmdPidFile=$base/slurmd.daemon.pid
SlurmctldLogFile=$base/log/slurmctld.log
SlurmdLogFile=$base/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 )) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

# -D keeps each daemon in the foreground, so the pid recorded is the daemon's own.
setsid slurmctld -D -i -f "$SLURM_CONF" </dev/null >>"$base/log/slurmctld.out" 2>&1 &
echo $! >"$base/slurmctld.pid"
setsid slurmd -D -N localhost -f "$SLURM_CONF" </dev/null >>"$base/log/slurmd.out" 2>&1 &
echo $! >"$base/slurmd.pid"

deadline=$((SECONDS + ${LOCAL_SLURM_TIMEOUT:-60}))
until [ "$(sinfo -h -N -n localhost -o %T 2>/dev/null)" = idle ]; do
  kill -0 "$(cat "$base/slurmctld.pid")" 2>/dev/null || { echo "local-slurm: slurmctld exited" >&2; exit 1; }
  kill -0 "$(cat "$base/slurmd.pid")" 2>/dev/null || { echo "local-slurm: slurmd exited" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "local-slurm: the node never became idle: $(sinfo -N 2>&1)" >&2; exit 1; }
  sleep 0.2
done
echo "SLURM_CONF=$SLURM_CONF"
