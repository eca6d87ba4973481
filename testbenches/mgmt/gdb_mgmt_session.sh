#!/usr/bin/env bash
# gdb on the management subsystem (issue 6): `trnsim mgmt --gdb PORT ARGS...`
# in the background, gdb-multiarch in batch mode against it; gdb's output must
# match the regex in EXPECT_FILE (grep -P, whole output), both must exit 0,
# and the simulated time of the session must equal that of the same run
# without gdb to within 1 us: gdb holding the core (including the script's
# host-time pause at the breakpoint) adds no simulated time.
# Every wait is bounded; the server is killed if still running.
# usage: gdb_mgmt_session.sh MGMT_RUN ELF PORT GDB_COMMANDS_FILE EXPECT_FILE [server args...]
# MGMT_RUN may carry a subcommand after a '|': "path/to/trnsim|chip".
set -u
IFS='|' read -r -a run <<< "$1"
elf=$2 port=$3 cmds=$4 expect_file=$5
shift 5
source "$(dirname "$0")/gdb_lib.sh"
sim_us() { sed -n 's/.*simulated \([0-9.]*\) us.*/\1/p' "$1" | tail -1; }

# Reference: the same run without gdb.
timeout 60 "${run[@]}" --elf "$elf" "$@" --quiet >"$work/ref.log" 2>&1
ref_rc=$?
ref_us=$(sim_us "$work/ref.log")
if [[ $ref_rc -ne 0 || -z $ref_us ]]; then
  echo "FAIL: the reference run (no gdb) failed (rc $ref_rc):"; cat "$work/ref.log"; exit 1
fi

gdb_start_server "$port" "${run[@]}" --elf "$elf" "$@" --gdb "$port" --gdb-timeout 30
gdb_batch "$cmds" "$elf" "$port" 60

gdb_us=$(sim_us "$work/server.log")
expect=$(cat "$expect_file")
same_time=$(awk -v a="${ref_us:-0}" -v b="${gdb_us:--1}" 'BEGIN { d = a - b; if (d < 0) d = -d; print (b >= 0 && d < 1.0) ? 1 : 0 }')
if [[ $gdb_rc -ne 0 ]] || ! grep -Pzq -- "$expect" "$work/gdb.log" || [[ $server_rc != 0 ]] || [[ $same_time != 1 ]]; then
  echo "FAIL: gdb rc $gdb_rc, server rc ${server_rc:-still running}, simulated ${gdb_us:-?} us with gdb vs $ref_us us without; expected /$expect/"
  echo "--- gdb output"; cat "$work/gdb.log"
  echo "--- server output"; cat "$work/server.log"
  exit 1
fi
cat "$work/gdb.log"
echo "--- server output"; cat "$work/server.log"
echo "simulated time: $gdb_us us with gdb, $ref_us us without"
echo PASS
