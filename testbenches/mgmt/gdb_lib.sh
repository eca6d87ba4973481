# Shared by the gdb session tests (gdb_session.sh, gdb_mgmt_session.sh):
# a work directory removed on exit, a debug server started in the background
# and awaited until it listens, and one gdb-multiarch batch run against it.
# Every wait is bounded; the server is killed if still running at exit.
# Source it, then: gdb_start_server PORT CMD...; gdb_batch CMDS ELF PORT TIMEOUT_S
# (sets gdb_rc and server_rc; gdb's output in $work/gdb.log, the server's in
# $work/server.log).
work=$(mktemp -d)
server_pid=
gdb_cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap gdb_cleanup EXIT

gdb_start_server() {
  local port=$1
  shift
  "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do  # up to 10 s for the listening line
    grep -q "listening on 127.0.0.1:$port" "$work/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q "listening on 127.0.0.1:$port" "$work/server.log"; then
    echo "FAIL: the server did not start listening:"; cat "$work/server.log"; exit 1
  fi
}

gdb_batch() {
  local cmds=$1 elf=$2 port=$3 limit=$4
  sed -e "s|@PORT@|$port|g" -e "s|@ELF@|$elf|g" "$cmds" >"$work/cmds.gdb"
  timeout "$limit" gdb-multiarch -batch -nx -x "$work/cmds.gdb" "$elf" >"$work/gdb.log" 2>&1
  gdb_rc=$?
  for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  server_rc=
  if ! kill -0 "$server_pid" 2>/dev/null; then wait "$server_pid"; server_rc=$?; fi
}
