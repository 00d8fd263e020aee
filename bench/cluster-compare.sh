#!/usr/bin/env bash
# cluster-compare.sh: what a Larder cluster costs and how fast it rebalances, with real
# processes on loopback.
#
#  1. Rebalance: a node with N keys (default 1M; 16-byte values, half with a 1-hour TTL), a
#     second node joins: time until no slot is in migration, keys moved and keys/s; then the
#     second node gets SIGTERM and hands its slots back: time until it has exited, keys/s.
#     Every key is counted at the end (no key lost).
#  2. Routing: redis-benchmark --cluster against 3 nodes next to plain redis-benchmark against
#     one node (cluster-enabled no), alternating over the rounds; medians and the ratio. On a
#     2-core machine this shows the cost of routing, not scaling: all nodes and the client
#     share the two cores.
#
# Usage: bench/cluster-compare.sh [-k keys] [-r rounds] [-n requests] [-P pipeline]
set -euo pipefail

KEYS=1000000 ROUNDS=3 REQUESTS=200000 PIPELINE=1
usage() { sed -n '2,15s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while getopts "k:r:n:P:h" opt; do
  case $opt in
    k) KEYS=$OPTARG ;; r) ROUNDS=$OPTARG ;; n) REQUESTS=$OPTARG ;; P) PIPELINE=$OPTARG ;;
    h) usage 0 ;; *) usage 2 >&2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/larder-cluster.XXXXXX")
PIDS=()
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ensure_redis
(cd "$ROOT" && go build -tags grpcnotrace -o "$TMP/larder" ./cmd/larder)

declare -A PORT PID TAKEN
# port sets PICKED to a free port no node of this run was given yet.
port() {
  local p
  while p=$(free_port); [ -n "${TAKEN[$p]:-}" ]; do :; done
  TAKEN[$p]=1 PICKED=$p
}
# start NAME [larder flags...]: a node on free client, bus and gossip ports, its state in $TMP.
start() {
  local name=$1 bus gossip; shift
  port; PORT[$name]=$PICKED; port; bus=$PICKED; port; gossip=$PICKED
  (cd "$TMP" && exec ./larder --port "${PORT[$name]}" --cluster-port "$bus" \
    --cluster-gossip-port "$gossip" --loglevel notice "$@" >"$TMP/$name.log" 2>&1) &
  PID[$name]=$! && PIDS+=($!)
  wait_ready "${PORT[$name]}" "$name"
}
busport() { redis-cli -p "${PORT[$1]}" cluster nodes | awk '/myself/ {split($2, a, "@"); print a[2]}'; }
joinaddr() { echo "127.0.0.1:${PORT[$1]}@$(busport "$1")"; }
info() { redis-cli -p "${PORT[$1]}" info cluster | tr -d '\r' | awk -F: -v k="$2" '$1 == k {print $2}'; }
now() { date +%s.%N; }
# settle NODE MEMBERS: wait until NODE's map has MEMBERS members and no slot in migration.
settle() {
  while [ "$(info "$1" cluster_members)" != "$2" ] || [ "$(info "$1" cluster_migrations)" != 0 ]; do
    sleep 0.05
  done
}
dbsize() { redis-cli -p "${PORT[$1]}" dbsize; }

echo "== rebalance: $KEYS keys"
start a
awk -v n="$KEYS" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = sprintf("key:%012d", i)
    if (i % 2 == 0) printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\nvalue-0123456789\r\n$2\r\nEX\r\n$4\r\n3600\r\n", length(k), k
    else printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\nvalue-0123456789\r\n", length(k), k
  }
}' | redis-cli -p "${PORT[a]}" --pipe >/dev/null
loaded=$(dbsize a)
t0=$(now)
start b --join "$(joinaddr a)"
settle a 2; settle b 2
t1=$(now)
moved=$(dbsize b)
join_s=$(echo "$t1 - $t0" | bc -l)
printf "join:  %d of %d keys moved to the new node in %.2f s (%.0f keys/s, node start included)\n" \
  "$moved" "$loaded" "$join_s" "$(echo "$moved / $join_s" | bc -l)"
t0=$(now)
kill -TERM "${PID[b]}"
wait "${PID[b]}" || true
t1=$(now)
drain_s=$(echo "$t1 - $t0" | bc -l)
left=$(dbsize a)
printf "drain: %d keys handed back, node exited in %.2f s (%.0f keys/s, 2 s of redirects after the move included)\n" \
  "$moved" "$drain_s" "$(echo "$moved / ($drain_s - 2)" | bc -l)"
echo "keys: loaded $loaded, on the remaining node after the drain $left"
[ "$left" = "$loaded" ] || { echo "keys lost: $((loaded - left))" >&2; exit 1; }
grep -h "migrate: moved slots" "$TMP"/a.log "$TMP"/b.log | sed 's/^/  /' | tail -4 || true
kill "${PID[a]}"

echo "== routing: redis-benchmark -t set,get -n $REQUESTS -r 100000 -c 50 -P $PIPELINE"
start single --cluster-enabled no
start c1
start c2 --join "$(joinaddr c1)"
settle c1 2
start c3 --join "$(joinaddr c1)"
settle c1 3; settle c2 3; settle c3 3
RAW=$TMP/raw.txt
bench() { redis-benchmark "$@" -t set,get -n "$REQUESTS" -r 100000 -c 50 -P "$PIPELINE" -q 2>/dev/null |
  tr '\r' '\n' | awk '/requests per second/ {sub(":", "", $1); print $1, $2}'; }
for r in $(seq "$ROUNDS"); do
  bench -p "${PORT[single]}" | sed "s/^/single /" >>"$RAW"
  bench --cluster -p "${PORT[c1]}" | sed "s/^/cluster3 /" >>"$RAW"
done
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
printf "%-5s %14s %14s %8s\n" test single cluster3 ratio
for t in SET GET; do
  s=$(awk -v t=$t '$1 == "single" && $2 == t {print $3}' "$RAW" | median)
  c=$(awk -v t=$t '$1 == "cluster3" && $2 == t {print $3}' "$RAW" | median)
  printf "%-5s %14.0f %14.0f %8.2f\n" "$t" "$s" "$c" "$(echo "$c / $s" | bc -l)"
done
