#!/usr/bin/env bash
# Run the workflow on a real one-node SLURM cluster (localhost) through snakemake-executor-plugin-slurm
# and check that every output it builds is byte-identical to a local build (both from clones of the
# committed HEAD, so uncommitted changes are not part of the test).
#
#   .ci/slurm_test.sh            (as root; installs slurm-wlm and munge from Debian when missing)
#
# It starts munged, slurmctld and slurmd itself (accounting off) and stops what it started. If SLURM
# cannot be started it says so in one line and fails; it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
say() { echo "slurm-test: $*"; }
fail() { echo "slurm-test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (it installs and starts the SLURM daemons)"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge from Debian"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge >/dev/null || fail "apt-get could not install slurm-wlm munge"
fi
make env >/dev/null

STATE=$(mktemp -d /tmp/scs-slurm.XXXX)
WORK=$(mktemp -d /tmp/scs-slurm-build.XXXX)
HOST=$(hostname -s)
started=()
cleanup() {
  for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${started[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ -f "$STATE/slurm.conf.before" ]; then cp "$STATE/slurm.conf.before" /etc/slurm/slurm.conf; else rm -f /etc/slurm/slurm.conf; fi
  if [ "$ok" = 1 ] && [ -z "${KEEP_SLURM_TEST:-}" ]; then rm -rf "$STATE" "$WORK"; else echo "slurm-test: logs kept in $STATE"; fi
  return 0
}
ok=0
trap cleanup EXIT

# --- munge -----------------------------------------------------------------------------------------
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge 2>/dev/null || true
chmod 400 /etc/munge/munge.key; chmod 700 /etc/munge
if ! munge -n >/dev/null 2>&1; then
  munged --force --foreground >"$STATE/munged.log" 2>&1 &
  started+=($!)
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.2; done
  munge -n >/dev/null 2>&1 || fail "munged did not start ($(tail -1 "$STATE/munged.log"))"
fi

# --- slurm.conf: one node on localhost, no accounting ------------------------------------------------
CONF_DIR=/etc/slurm
mkdir -p "$CONF_DIR" "$STATE/spool" "$STATE/ctld"
[ -f "$CONF_DIR/slurm.conf" ] && cp "$CONF_DIR/slurm.conf" "$STATE/slurm.conf.before"
cat >"$CONF_DIR/slurm.conf" <<CONF
ClusterName=scs-ci
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$HOST CPUs=2 RealMemory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 )) State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D >"$STATE/slurmctld.log" 2>&1 &
started+=($!)
slurmd -D >"$STATE/slurmd.log" 2>&1 &
started+=($!)
for _ in $(seq 60); do
  sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix)' && break
  sleep 0.5
done
sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix)' ||
  fail "the one-node cluster did not come up (slurmctld: $(tail -1 "$STATE/slurmctld.log"); slurmd: $(tail -1 "$STATE/slurmd.log"))"
say "one-node cluster up: $(sinfo -h -o '%P %D %c %t')"

# --- two clones of the committed HEAD: one built locally, one through the SLURM executor ----------
for d in local slurm; do
  git clone -q --no-hardlinks "$ROOT" "$WORK/$d" || fail "could not clone the repository"
  rm -rf "$WORK/$d/results"
done
(cd "$WORK/local" && PYTHONPATH="$WORK/local/src" "$ROOT/.venv/bin/snakemake" --cores 2 >"$STATE/local.log" 2>&1) ||
  fail "the local build failed: $(grep -m1 'ERROR' "$STATE/local.log" || tail -1 "$STATE/local.log")"
t0=$(date +%s)
(cd "$WORK/slurm" && PYTHONPATH="$WORK/slurm/src" "$ROOT/.venv/bin/snakemake" --workflow-profile workflow/profiles/slurm \
  --default-resources slurm_partition=ci --slurm-no-account --slurm-status-command squeue \
  --slurm-init-seconds-before-status-checks 1 --jobs 4 >"$STATE/slurm.log" 2>&1) ||
  fail "the SLURM build failed: $(grep -m1 'ERROR\|Error' "$STATE/slurm.log" || tail -1 "$STATE/slurm.log")"
secs=$(( $(date +%s) - t0 ))
jobs=$(grep -c "has been submitted with SLURM jobid" "$STATE/slurm.log" || true)
[ "$jobs" -gt 0 ] || fail "no job went through SLURM (see $STATE/slurm.log)"

# --- byte-identical? ---------------------------------------------------------------------------------
(cd "$WORK/local" && find results -type f | sort) >"$STATE/local.files"
(cd "$WORK/slurm" && find results -type f | sort) >"$STATE/slurm.files"
cmp -s "$STATE/local.files" "$STATE/slurm.files" ||
  fail "the two builds made different files: $(diff "$STATE/local.files" "$STATE/slurm.files" | grep '^[<>]' | head -3 | tr '\n' ' ')"
n=0; bad=()
while IFS= read -r f; do
  n=$((n + 1))
  cmp -s "$WORK/local/$f" "$WORK/slurm/$f" || bad+=("$f")
done <"$STATE/local.files"
[ "$n" -gt 0 ] || fail "the builds made no outputs"
if [ "${#bad[@]}" -gt 0 ]; then
  fail "${#bad[@]} of $n outputs differ between the SLURM and the local build: ${bad[*]:0:5}"
fi
ok=1
say "OK: $jobs jobs ran through SLURM in ${secs} s; all $n outputs byte-identical to the local build of the same commit"
