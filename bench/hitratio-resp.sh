#!/usr/bin/env bash
# hitratio-resp.sh: replay cache traces over RESP, as an application would (GET; on a miss SET a
# fixed-size value), against Redis 7 with allkeys-lru, Redis 7 with allkeys-lfu and Larder, all
# at the same maxmemory, and print each server's hits and RSS after the replay, as VmRSS and its
# anonymous and file-backed parts (RssAnon/RssFile, MB: the binary's pages are file-backed).
# Runs bench/respreplay.
#
# Usage: bench/hitratio-resp.sh [-n requests] [-v value_bytes] [-p larder_policy] [-b larder_binary] [TRACE:MAXMEMORY ...]
#   -n  requests replayed per trace (default 1000000)
#   -b  a larder binary to run instead of one built from this tree (default build: -tags
#       grpcnotrace; the README's standalone build, -tags grpcnotrace,nocluster,netgo, maps
#       7-8 MB fewer of its pages)
#   -v  bytes of the value SET on a miss (default 100)
#   -p  Larder's maxmemory-policy (default: Larder's own default)
#   TRACE:MAXMEMORY  a trace name in ../shared/traces and the maxmemory for it, e.g. arc-OLTP:8mb
#       (default: a set of traces, each at a maxmemory that holds a fraction of its keys)
# The ARC traces are from N. Megiddo and D. S. Modha, "ARC: A Self-Tuning, Low Overhead
# Replacement Cache", USENIX FAST 2003; cite it wherever results on them are published.
set -euo pipefail

REQS=1000000 VALUE=100 POLICY="" BIN=""
usage() { sed -n '2,19s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while getopts "n:v:p:b:h" opt; do
  case $opt in
    n) REQS=$OPTARG ;; v) VALUE=$OPTARG ;; p) POLICY=$OPTARG ;; b) BIN=$OPTARG ;;
    h) usage 0 ;; *) usage 2 >&2 ;;
  esac
done
shift $((OPTIND - 1))
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(arc-OLTP:4mb scarab-recs:16mb cache2k-web12:4mb corda-vaultservice:2mb lirs-multi2:1mb cloudphysics-w106:32mb)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRACES=${TRACES:-$ROOT/../shared/traces}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/larder-hitratio.XXXXXX")
PIDS=()
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# serve starts server $1 (redis-lru, redis-lfu or larder) with maxmemory $2 and prints its pid
# and port into $TMP/$1.pid and $TMP/$1.port.
serve() {
  local port; port=$(free_port)
  case $1 in
    redis-lru | redis-lfu)
      redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --daemonize no \
        --maxmemory "$2" --maxmemory-policy "allkeys-${1#redis-}" >"$TMP/$1.log" 2>&1 & ;;
    larder)
      "$TMP/larder" --port "$port" --loglevel warning --cluster-enabled no --maxmemory "$2" \
        ${POLICY:+--maxmemory-policy "$POLICY"} >"$TMP/$1.log" 2>&1 & ;;
  esac
  echo $! >"$TMP/$1.pid"; PIDS+=($!)
  echo "$port" >"$TMP/$1.port"
  wait_ready "$port" "$1"
}

stop() { local pid; pid=$(cat "$TMP/$1.pid"); kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }

# rss prints server $1's VmRSS as MB (rounded down), then its RssAnon and RssFile: "26M(a12+f14)".
rss() {
  awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} /^RssFile:/ {f = $2}
    END {printf "%dM(a%d+f%d)", r / 1024, a / 1024, f / 1024}' "/proc/$(cat "$TMP/$1.pid")/status"
}

main() {
  ensure_redis
  if [ -n "$BIN" ]; then
    cp "$BIN" "$TMP/larder"
  else
    (cd "$ROOT" && go build -tags grpcnotrace -o "$TMP/larder" ./cmd/larder)
  fi
  (cd "$ROOT/bench" && go build -o "$TMP/respreplay" ./respreplay)
  echo "redis $(redis-server --version | awk '{ print $3 }'), larder ${BIN:-$(cd "$ROOT" && git rev-parse --short HEAD)}," \
       "policy ${POLICY:-default}, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $REQS requests, $VALUE-byte values"
  printf '%-22s %9s %16s %16s %16s %16s %16s %16s\n' trace maxmemory "redis-lru hit%" "redis-lfu hit%" "larder hit%" \
    "lru RSS" "lfu RSS" "larder RSS"
  local c trace mem s out
  declare -A HIT RSS
  for c in "${CASES[@]}"; do
    trace=${c%%:*} mem=${c#*:}
    for s in redis-lru redis-lfu larder; do
      serve "$s" "$mem"
      out=$("$TMP/respreplay" -addr "127.0.0.1:$(cat "$TMP/$s.port")" -trace "$TRACES/$trace.trace.zst" \
        -n "$REQS" -value "$VALUE")
      HIT[$s]=$(awk '{ for (i = 1; i < NF; i++) if ($i == "hit_ratio") print $(i + 1) }' <<<"$out")
      RSS[$s]=$(rss "$s")
      stop "$s"
    done
    printf '%-22s %9s %16s %16s %16s %16s %16s %16s\n' "$trace" "$mem" "${HIT[redis-lru]}" "${HIT[redis-lfu]}" \
      "${HIT[larder]}" "${RSS[redis-lru]}" "${RSS[redis-lfu]}" "${RSS[larder]}"
  done
}

main
