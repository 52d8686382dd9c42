#!/usr/bin/env bash
# Start a private single-node SLURM on loopback: munged, slurmctld, slurmd.
#
#   tests/slurm/start_cluster.sh STATE_DIR
#
# Installs the Debian packages if missing (root and apt-get needed), then writes
# STATE_DIR/slurm.conf and starts the daemons in the background with their own munge socket,
# ports, spool and logs under STATE_DIR; the one thing outside it is a link
# /etc/slurm/slurm.conf -> STATE_DIR/slurm.conf (see below), made only where no file is
# there. The PIDs of what it started go to STATE_DIR/pids ("name pid" lines);
# tests/slurm/stop_cluster.sh STATE_DIR stops exactly those and removes the link. Clients
# find the cluster with
#   export SLURM_CONF=STATE_DIR/slurm.conf
# (printed as the last line). On failure it prints one line
#   SLURM SETUP FAILED at step '<step>': <reason>
# followed by the daemon logs, stops what it started, and exits with 3.
set -uo pipefail

mkdir -p "${1:?usage: start_cluster.sh STATE_DIR}" && STATE=$(cd "$1" && pwd -P) || exit 3
HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGES=(slurmctld slurmd slurm-client munge)

fail() {
    echo "SLURM SETUP FAILED at step '$1': $2" >&2
    for log in "$STATE"/munge/munged.log "$STATE"/slurmctld.log "$STATE"/slurmd.log; do
        [[ -s $log ]] && { echo "--- tail of $log" >&2; tail -n 15 "$log" >&2; }
    done
    [[ -f $STATE/pids ]] && "$HERE/stop_cluster.sh" "$STATE" >&2
    exit 3
}

wait_for() {  # wait_for SECONDS COMMAND...: poll COMMAND until it succeeds
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
}

alive() { kill -0 "$1" 2>/dev/null; }

# 1. packages
[[ $(id -u) == 0 ]] || fail root "not root (uid $(id -u)): installing packages and running slurmd need root"
missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if ((${#missing[@]})); then
    command -v apt-get >/dev/null || fail apt-get "packages ${missing[*]} are missing and there is no apt-get"
    echo "installing ${missing[*]}"
    timeout -k 10 300 apt-get update -qq >"$STATE.apt.log" 2>&1 \
        || fail "apt-get update" "$(tail -n 3 "$STATE.apt.log" | tr '\n' ' ')"
    DEBIAN_FRONTEND=noninteractive timeout -k 10 600 apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >>"$STATE.apt.log" 2>&1 \
        || fail "apt-get install" "$(tail -n 3 "$STATE.apt.log" | tr '\n' ' ')"
    rm -f "$STATE.apt.log"
fi
for tool in munged munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] \
        || fail packages "$tool not found after installing ${PACKAGES[*]}"
done
[[ -r /etc/munge/munge.key ]] || fail "munge key" "/etc/munge/munge.key is missing (the munge package creates it)"

# 2. configuration: everything under STATE, free ports, this host's CPUs and memory
mkdir -p "$STATE"/{spool/ctld,spool/d,munge} || fail configure "cannot create $STATE"
chmod 755 "$STATE" "$STATE"/munge  # munged (user munge) needs execute rights on its socket dir
chown munge:munge "$STATE"/munge
: >"$STATE"/pids
HOST=$(hostname -s)
CPUS=$(nproc)
# Memory is booked, not enforced (no cgroups here): offer at least 32 GB so that the profile's
# requests (preprocess asks for 8000 MB) fit on small CI machines too; config_overrides
# makes slurmd take these numbers instead of draining the node for "low RealMemory".
MEM_MB=$(awk '/MemTotal/ {m = $2 / 1024 * 0.8; printf "%d", (m > 32768 ? m : 32768)}' /proc/meminfo)
read -r CTLD_PORT SLURMD_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))') || fail configure "cannot find two free ports"
cat >"$STATE"/slurm.conf <<EOF
ClusterName=attnaudit
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$STATE/munge/socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobContainerType=job_container/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=600
SchedulerType=sched/backfill
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$STATE/spool/ctld
SlurmdSpoolDir=$STATE/spool/d
SlurmctldPidFile=$STATE/slurmctld.pidfile
SlurmdPidFile=$STATE/slurmd.pidfile
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
# A fake GPU: jobs asking for gpu=1 get --gpus=1 and CUDA_VISIBLE_DEVICES=0, nothing more.
echo "NodeName=$HOST Name=gpu File=/dev/null" >"$STATE"/gres.conf
export SLURM_CONF=$STATE/slurm.conf

# The executor plugin strips SLURM_* (SLURM_CONF too) before its `srun` inside each job, so
# that srun reads the compiled-in /etc/slurm/slurm.conf: link it to ours while we run. A real
# file there is a system SLURM's and is never touched; a link left by a dead test is stale.
SYSTEM_CONF=/etc/slurm/slurm.conf
if [[ -L $SYSTEM_CONF ]]; then
    other=$(dirname "$(readlink "$SYSTEM_CONF")")
    other_ctld=$(awk '$1 == "slurmctld" {print $2}' "$other/pids" 2>/dev/null)
    if [[ $other != "$STATE" && -n $other_ctld && $(cat "/proc/$other_ctld/comm" 2>/dev/null) == slurmctld ]]; then
        fail "/etc/slurm/slurm.conf" "another test cluster ($other) is running; stop it first"
    fi
    rm -f "$SYSTEM_CONF"
elif [[ -e $SYSTEM_CONF ]]; then
    fail "/etc/slurm/slurm.conf" "a system SLURM configuration exists there; this test does not replace it"
fi
mkdir -p /etc/slurm && ln -s "$SLURM_CONF" "$SYSTEM_CONF" || fail "/etc/slurm/slurm.conf" "cannot create the link"
echo "link $SYSTEM_CONF" >>"$STATE"/pids

# 3. munged, with its own socket (a system munged, if any, is left alone)
setpriv --reuid munge --regid munge --clear-groups /usr/sbin/munged -F \
    --socket="$STATE/munge/socket" --key-file=/etc/munge/munge.key \
    --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/munge/munged.log" \
    --seed-file="$STATE/munge/seed" >"$STATE/munge/munged.out" 2>&1 </dev/null &
echo "munged $!" >>"$STATE"/pids
munge_ok() { munge -S "$STATE/munge/socket" -n | unmunge -S "$STATE/munge/socket"; }
wait_for 15 munge_ok || fail munged "no credential round trip through $STATE/munge/socket: $(tail -n 2 "$STATE/munge/munged.out" | tr '\n' ' ')"

# 4. slurmctld (-i: ignore state left by an earlier run)
/usr/sbin/slurmctld -D -i >"$STATE/slurmctld.out" 2>&1 </dev/null &
pid=$!
echo "slurmctld $pid" >>"$STATE"/pids
wait_for 30 scontrol ping || fail slurmctld "$(alive "$pid" && echo "not answering 'scontrol ping' after 30 s" || echo "exited: $(tail -n 2 "$STATE/slurmctld.out" | tr '\n' ' ')")"

# 5. slurmd, until the node is idle
/usr/sbin/slurmd -D -N "$HOST" >"$STATE/slurmd.out" 2>&1 </dev/null &
pid=$!
echo "slurmd $pid" >>"$STATE"/pids
node_idle() { [[ $(sinfo -h -n "$HOST" -o %t) == idle ]]; }
wait_for 30 node_idle || fail slurmd "$(alive "$pid" && echo "node $HOST is '$(sinfo -h -n "$HOST" -o %t)', not idle, after 30 s" || echo "exited: $(tail -n 2 "$STATE/slurmd.out" | tr '\n' ' ')")"

echo "cluster up: node $HOST, $CPUS CPUs, ${MEM_MB} MB, 1 fake GPU, ports $CTLD_PORT/$SLURMD_PORT"
echo "export SLURM_CONF=$SLURM_CONF"
