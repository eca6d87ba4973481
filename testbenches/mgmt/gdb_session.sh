#!/usr/bin/env bash
# gdb session test (issue 6): `trnsim iss --elf ELF --gdb PORT` in the
# background, gdb-multiarch in batch mode against it; gdb's output must match
# the regex. Every wait is bounded; the server is killed if still running.
# usage: gdb_session.sh TRNSIM ELF PORT GDB_COMMANDS_FILE EXPECT_REGEX
set -u
trnsim=$1 elf=$2 port=$3 cmds=$4 expect=$5
work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$trnsim" iss --elf "$elf" --gdb "$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do  # up to 10 s for the listening line
  grep -q "listening on 127.0.0.1:$port" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "listening on 127.0.0.1:$port" "$work/server.log"; then
  echo "FAIL: the server did not start listening:"; cat "$work/server.log"; exit 1
fi

sed -e "s|@PORT@|$port|g" -e "s|@ELF@|$elf|g" "$cmds" >"$work/cmds.gdb"
timeout 40 gdb-multiarch -batch -nx -x "$work/cmds.gdb" "$elf" >"$work/gdb.log" 2>&1
gdb_rc=$?
for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
server_rc=
if ! kill -0 "$server_pid" 2>/dev/null; then wait "$server_pid"; server_rc=$?; fi

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
