#!/usr/bin/env bash
# gdb session test (issue 6): `trnsim iss --elf ELF --gdb PORT` in the
# background, gdb-multiarch in batch mode against it; gdb's output must match
# the regex. Every wait is bounded; the server is killed if still running.
# usage: gdb_session.sh TRNSIM ELF PORT GDB_COMMANDS_FILE EXPECT_REGEX
set -u
trnsim=$1 elf=$2 port=$3 cmds=$4 expect=$5
source "$(dirname "$0")/gdb_lib.sh"

gdb_start_server "$port" "$trnsim" iss --elf "$elf" --gdb "$port"
gdb_batch "$cmds" "$elf" "$port" 40

out=$(cat "$work/gdb.log")
if [[ $gdb_rc -ne 0 ]] || ! grep -Pzq -- "$expect" "$work/gdb.log" || [[ $server_rc != 0 ]]; then
  echo "FAIL: gdb rc $gdb_rc, server rc ${server_rc:-still running}; expected /$expect/"
  echo "--- gdb output"; echo "$out"
  echo "--- server output"; cat "$work/server.log"
  exit 1
fi
echo "$out"
echo "--- server output"; cat "$work/server.log"
echo PASS
