#!/usr/bin/env bash
# local-cluster.sh: run an N-node Larder cluster on this machine, for trying it out.
#
# Usage: scripts/local-cluster.sh [N] [first-port]     (defaults: 3 nodes from port 7001)
#
# Builds cmd/larder, starts node 1 on first-port, then nodes 2..N joining it, one after the
# other (each waits until the slots the ring gives it have moved). Each node keeps its state in
# larder-PORT/ under ./local-cluster/ and logs to local-cluster/PORT.log. Connect with
# `redis-cli -c -p 7001` (redis-tools; the script needs redis-cli too). Ctrl-C stops every node,
# the last joined first: each hands its slots to the others, as SIGTERM does, and its state is
# removed (a node that left cannot rejoin as itself), so node 1 ends with every key, and running
# the script again brings node 1 back with them and the others joining anew.
set -euo pipefail
N=${1:-3} FIRST=${2:-7001}
[ "$N" -ge 1 ] && [ "$FIRST" -ge 1 ] && [ $((FIRST + N - 1 + 20000)) -le 65535 ] ||
  { echo "usage: $0 [N >= 1] [first-port <= $((65535 - 20000 - N + 1))]" >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$PWD/local-cluster
mkdir -p "$DIR"
(cd "$ROOT" && go build -tags grpcnotrace -o "$DIR/larder" ./cmd/larder)

command -v redis-cli >/dev/null || { echo "needs redis-cli: apt-get install redis-tools" >&2; exit 2; }

PIDS=()
stop() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do # the last joined leaves first
    kill -TERM "${PIDS[$i]}" 2>/dev/null && wait "${PIDS[$i]}" 2>/dev/null || true
    [ "$i" -gt 0 ] && rm -rf "$DIR/larder-$((FIRST + i))"
  done
}
trap stop EXIT
trap 'exit 130' INT TERM

field() { redis-cli -p "$1" INFO cluster 2>/dev/null | tr -d '\r' | awk -F: -v k="$2" '$1 == k {print $2}'; }

for ((i = 0; i < N; i++)); do
  port=$((FIRST + i))
  args=(--port "$port" --dir "$DIR")
  [ "$i" -gt 0 ] && args+=(--join "127.0.0.1:$FIRST")
  "$DIR/larder" "${args[@]}" >>"$DIR/$port.log" 2>&1 &
  PIDS+=($!)
  until [ "$(field "$port" cluster_members)" = "$((i + 1))" ] && [ "$(field "$port" cluster_migrations)" = 0 ]; do
    kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "node on port $port exited; its log:" >&2; tail -5 "$DIR/$port.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "node $((i + 1)) on 127.0.0.1:$port: $(field "$port" cluster_slots_served) slots"
done
echo "cluster of $N up: redis-cli -c -p $FIRST   (Ctrl-C stops it)"
wait
