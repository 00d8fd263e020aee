# lib.sh: helpers shared by the bench scripts (sourced, not run). The caller sets TMP (a scratch
# directory, removed on exit) and PIDS (an array of the servers it started, stopped on exit).

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# ensure_redis installs redis-server and redis-tools (redis-cli, redis-benchmark) if missing.
ensure_redis() {
  command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null &&
    command -v redis-cli >/dev/null && return
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q redis-server redis-tools >/dev/null ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q redis-server redis-tools >/dev/null; }
}

# free_port prints a loopback TCP port that nothing is listening on, nor on the ports a Larder
# node takes beside it (+1000 admin, +10000 bus, +20000 gossip). Another process may still take
# it before the server does, on a shared machine.
free_port() {
  local p q used
  while :; do
    p=$((20000 + RANDOM % 25000)) # below 45536: a cluster node also takes port+10000 and +20000
    used=""
    for q in $p $((p + 1000)) $((p + 10000)) $((p + 20000)); do
      (exec 3<>"/dev/tcp/127.0.0.1/$q") 2>/dev/null && used=1 && break
    done
    [ -z "$used" ] && { echo "$p"; return; }
  done
}

# wait_ready waits up to 10 s for a PING on port $1; $2 names the server (its log: $TMP/$2.log).
wait_ready() {
  local i
  for i in $(seq 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ] && return
    sleep 0.1
  done
  echo "$2 did not answer PING on port $1; its log:" >&2
  cat "$TMP/$2.log" >&2
  exit 1
}
