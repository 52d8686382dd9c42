#!/usr/bin/env bash
# Stop the daemons that tests/slurm/start_cluster.sh STATE_DIR started, by their PIDs only
# (STATE_DIR/pids), newest first: SIGTERM, then SIGKILL after 15 s; and remove its
# /etc/slurm/slurm.conf link.
set -uo pipefail

STATE=${1:?usage: stop_cluster.sh STATE_DIR}
[[ -f $STATE/pids ]] || exit 0

mapfile -t entries < <(tac "$STATE"/pids)
for entry in "${entries[@]}"; do
    read -r name pid <<<"$entry"
    if [[ $name == link ]]; then  # /etc/slurm/slurm.conf -> STATE/slurm.conf, if still ours
        [[ $(readlink "$pid") == "$STATE/slurm.conf" ]] && rm -f "$pid" && echo "removed $pid"
        continue
    fi
    # Only a live process with the expected name: a PID reused by someone else is left alone.
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || continue
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "$name ($pid) ignored SIGTERM; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    echo "stopped $name ($pid)"
done
rm -f "$STATE"/pids
