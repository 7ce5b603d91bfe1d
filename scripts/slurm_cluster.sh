#!/usr/bin/env bash
# A single-node SLURM cluster on localhost, for testing the Snakemake SLURM path (tests/test_slurm.py).
#
#   scripts/slurm_cluster.sh install          apt-get slurm-wlm + munge if missing (needs root)
#   scripts/slurm_cluster.sh start  [STATE]   write STATE/slurm.conf, start munged, slurmctld, slurmd;
#                                             wait until the node is idle; print the two exports
#                                             (SLURM_CONF, PATH) that clients need
#   scripts/slurm_cluster.sh stop   [STATE]   stop the daemons this script started (by their pid files)
#   scripts/slurm_cluster.sh status [STATE]   sinfo
#
# Everything (config, munge key and socket, spool, logs, pid files) lives in STATE (default
# /tmp/sims-slurm), so nothing under /etc is touched and a system SLURM, if any, is left alone.
# Clients find the config through $SLURM_CONF; since Snakemake's jobstep executor drops SLURM_*
# variables before its nested `srun`, STATE/bin/srun (put first on PATH) restores it.
# No slurmdbd: accounting is off; squeue remembers finished jobs for MinJobAge = 600 s, which the
# executor's `--slurm-status-command squeue` relies on. Daemons run as the calling user (root in CI).
set -euo pipefail

cmd=${1:-}
STATE=$(realpath -m "${2:-${SIMS_SLURM_STATE:-/tmp/sims-slurm}}")
CTLD_PORT=${SIMS_SLURM_CTLD_PORT:-6917}
SLURMD_PORT=${SIMS_SLURM_SLURMD_PORT:-6918}
export SLURM_CONF="$STATE/slurm.conf"

die() { echo "slurm_cluster: $*" >&2; exit 1; }

have_binaries() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
        && command -v sbatch >/dev/null
}

install() {
    if have_binaries; then echo "slurm and munge already installed"; return; fi
    [ "$(id -u)" = 0 ] || die "installing slurm-wlm and munge needs root"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
    have_binaries || die "slurm-wlm installed but its daemons are not on PATH"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
    local user node
    user=$(id -un)
    # The node line as slurmd itself detects it (CPUs, sockets, RealMemory), so it is never drained
    # for claiming more than the machine has.
    node=$(slurmd -C | head -1)
    node=${node#NodeName=* }
    cat >"$SLURM_CONF" <<EOF
# written by scripts/slurm_cluster.sh
ClusterName=simslocal
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$STATE/munge.socket
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
SlurmctldTimeout=60
SlurmdTimeout=60
NodeName=$(hostname -s) NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

exports() { echo "export SLURM_CONF=$SLURM_CONF PATH=$STATE/bin:\$PATH"; }

start() {
    have_binaries || die "slurm-wlm/munge not installed (run: $0 install)"
    mkdir -p "$STATE/ctld" "$STATE/slurmd"
    if alive "$STATE/slurmctld.pid" && alive "$STATE/slurmd.pid"; then
        echo "already running"; exports; return
    fi
    write_conf
    mkdir -p "$STATE/bin"
    # the real srun sits next to sbatch (`command -v srun` may find this wrapper itself)
    printf '#!/bin/sh\nSLURM_CONF="${SLURM_CONF:-%s}" exec %s "$@"\n' "$SLURM_CONF" \
        "$(dirname "$(command -v sbatch)")/srun" >"$STATE/bin/srun"
    chmod +x "$STATE/bin/srun"
    if ! alive "$STATE/munged.pid"; then
        [ -f "$STATE/munge.key" ] || { mungekey --create --keyfile "$STATE/munge.key" 2>/dev/null \
            || dd if=/dev/urandom of="$STATE/munge.key" bs=1024 count=1 status=none; }
        chmod 600 "$STATE/munge.key"
        chmod 700 "$STATE"
        munged --force --key-file "$STATE/munge.key" --socket "$STATE/munge.socket" \
            --pid-file "$STATE/munged.pid" --log-file "$STATE/munged.log" --seed-file "$STATE/munged.seed"
    fi
    alive "$STATE/slurmctld.pid" || slurmctld -f "$SLURM_CONF" -i     # -i: ignore stale state files
    alive "$STATE/slurmd.pid" || slurmd -f "$SLURM_CONF"
    for _ in $(seq 60); do
        if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
            exports; return
        fi
        sleep 0.5
    done
    sinfo -N -l >&2 || true
    tail -n 20 "$STATE"/*.log >&2 || true
    die "node did not become idle within 30 s (logs above)"
}

stop() {
    local name pid
    for name in slurmd slurmctld munged; do
        [ -f "$STATE/$name.pid" ] || continue
        pid=$(cat "$STATE/$name.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        fi
        rm -f "$STATE/$name.pid"
    done
    echo "stopped"
}

case "$cmd" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) sinfo -N -l ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
