#!/usr/bin/env bash
# memory-compare.sh: load the same collections into a real redis-server 7 and
# into Larder on loopback, and compare how much memory each process takes for
# them: the growth of its resident set (VmRSS in /proc/PID/status) from just
# before the load to just after it, per key, and the Larder/Redis ratio.
#
# Usage: bench/memory-compare.sh [-k keys] [-b keys] [-n hashes] [-s sets] [-z zsets] [-w secs]
#   -k  number of strings, 16-byte keys, 32-byte values (default 1000000)
#   -b  number of strings, 16-byte keys, 1 KB values (default 200000)
#   -n  number of hashes of 5 short fields          (default 1000000)
#   -s  number of sets of 5 small integers           (default 1000000)
#   -z  number of sorted sets of 50 members          (default 100000)
#   -w  seconds to let each server settle before the "after" reading (default 3)
# Each data set gets a fresh pair of servers. Both get MEMORY PURGE before each
# reading (jemalloc purge for Redis, a GC returning freed pages for Larder), and
# the figures are printed for both "after load" and "after purge", with the
# share of the purged growth that is key and value bytes (strings only). A data
# set given 0 keys is skipped.
set -euo pipefail

STRS=1000000 KBS=200000 HASHES=1000000 SETS=1000000 ZSETS=100000 SETTLE=3
usage() { sed -n '2,14s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while getopts "k:b:n:s:z:w:h" opt; do
  case $opt in
    k) STRS=$OPTARG ;; b) KBS=$OPTARG ;;
    n) HASHES=$OPTARG ;; s) SETS=$OPTARG ;; z) ZSETS=$OPTARG ;; w) SETTLE=$OPTARG ;;
    h) usage 0 ;; *) usage 2 >&2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/larder-mem.XXXXXX")
PIDS=()
declare -A PORT PID

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# start_servers launches a fresh redis-server and Larder.
start_servers() {
  rm -rf "$TMP/redis" && mkdir -p "$TMP/redis"
  PORT[redis]=$(free_port)
  redis-server --bind 127.0.0.1 --port "${PORT[redis]}" --dir "$TMP/redis" \
    --save "" --appendonly no --daemonize no >"$TMP/redis.log" 2>&1 &
  PID[redis]=$! && PIDS+=($!)
  wait_ready "${PORT[redis]}" redis
  PORT[larder]=$(free_port)
  "$TMP/larder" --port "${PORT[larder]}" --loglevel warning --cluster-enabled no >"$TMP/larder.log" 2>&1 &
  PID[larder]=$! && PIDS+=($!)
  wait_ready "${PORT[larder]}" larder
}

stop_servers() {
  local s
  for s in redis larder; do kill "${PID[$s]}" 2>/dev/null || true; wait "${PID[$s]}" 2>/dev/null || true; done
  PIDS=()
}

# rss prints server $1's resident set in bytes.
rss() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/${PID[$1]}/status"; }

# used prints server $1's used_memory from INFO memory.
used() { redis-cli -h 127.0.0.1 -p "${PORT[$1]}" info memory | awk -F: '/^used_memory:/ { print $2 + 0 }'; }

purge() { redis-cli -h 127.0.0.1 -p "${PORT[$1]}" memory purge >/dev/null 2>&1 || true; }

# gen_resp prints the commands of data set $1 ($2 keys) in RESP, for redis-cli --pipe.
gen_resp() {
  awk -v kind="$1" -v n="$2" '
    function cmd(argc, a,   i, s) {
      s = "*" argc "\r\n"
      for (i = 1; i <= argc; i++) s = s "$" length(a[i]) "\r\n" a[i] "\r\n"
      printf "%s", s
    }
    BEGIN {
      pad = sprintf("%1024s", ""); gsub(/ /, "x", pad)
      for (i = 0; i < n; i++) {
        if (kind == "str") {
          a[1] = "SET"; a[2] = sprintf("key:%012d", i); a[3] = sprintf("v%031d", i)
          cmd(3, a)
        } else if (kind == "kb") {
          a[1] = "SET"; a[2] = sprintf("key:%012d", i); a[3] = sprintf("%012d", i) substr(pad, 13)
          cmd(3, a)
        } else if (kind == "hash") {
          a[1] = "HSET"; a[2] = "h:" i
          a[3] = "name";  a[4] = "user" i
          a[5] = "email"; a[6] = "u" i "@ex.io"
          a[7] = "age";   a[8] = 18 + i % 70
          a[9] = "city";  a[10] = "city" i % 500
          a[11] = "score"; a[12] = i % 100000
          cmd(12, a)
        } else if (kind == "set") {
          a[1] = "SADD"; a[2] = "s:" i
          for (j = 0; j < 5; j++) a[3 + j] = (i + j * 7) % 1000
          cmd(7, a)
        } else {
          a[1] = "ZADD"; a[2] = "z:" i
          for (j = 0; j < 50; j++) { a[3 + 2 * j] = (i + j) % 1000; a[4 + 2 * j] = "member:" j }
          cmd(102, a)
        }
      }
    }'
}

# load sends data set $1 ($2 keys) to server $3 and checks that none failed.
load() {
  local out
  out=$(gen_resp "$1" "$2" | redis-cli -h 127.0.0.1 -p "${PORT[$3]}" --pipe 2>&1)
  if ! grep -q "errors: 0," <<<"$out"; then
    echo "loading $1 into $3 failed: $out" >&2
    exit 1
  fi
}

RESULTS=$TMP/results.tsv

# measure runs data set $1 ($2 keys, described as $3) on fresh servers.
measure() {
  local kind=$1 n=$2 what=$3 payload=${4:-0} s b0 a0 p0 u0 u1
  [ "$n" -gt 0 ] || return 0
  start_servers
  for s in redis larder; do
    purge "$s"; sleep 1
    b0=$(rss "$s"); u0=$(used "$s")
    load "$kind" "$n" "$s"
    sleep "$SETTLE"
    a0=$(rss "$s")
    purge "$s"; sleep "$SETTLE"
    p0=$(rss "$s"); u1=$(used "$s")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$what" "$s" "$n" $((a0 - b0)) $((p0 - b0)) $((u1 - u0)) \
      "$(redis-cli -h 127.0.0.1 -p "${PORT[$s]}" object encoding "$(key_of "$kind")")" "$payload" >>"$RESULTS"
  done
  stop_servers
}

key_of() { case $1 in str | kb) echo key:000000000000 ;; hash) echo h:0 ;; set) echo s:0 ;; *) echo z:0 ;; esac; }

report() {
  awk -F'\t' '
    { k = $1; if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
      n[k] = $3; grow[k, $2] = $4; purged[k, $2] = $5; used[k, $2] = $6; enc[k, $2] = $7; pay[k] = $8 }
    function per(v, k) { return sprintf("%.1f", v / n[k]) }
    function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
    function share(k, s) { return pay[k] > 0 && purged[k, s] > 0 ? sprintf("%.2f", pay[k] * n[k] / purged[k, s]) : "-" }
    END {
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", "data set", "keys", "encoding(redis/larder)",
        "redis B/key", "larder B/key", "ratio", "redis B/key purged", "larder B/key purged", "ratio purged",
        "used_memory B/key redis/larder", "payload/RSS redis/larder"
      for (i = 1; i <= nk; i++) {
        k = order[i]
        printf "%s\t%s\t%s/%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%s/%s\n", k, n[k], enc[k, "redis"], enc[k, "larder"],
          per(grow[k, "redis"], k), per(grow[k, "larder"], k), ratio(grow[k, "larder"], grow[k, "redis"]),
          per(purged[k, "redis"], k), per(purged[k, "larder"], k), ratio(purged[k, "larder"], purged[k, "redis"]),
          per(used[k, "redis"], k), per(used[k, "larder"], k), share(k, "redis"), share(k, "larder")
      }
    }' "$RESULTS" | column -t -s $'\t'
}

main() {
  ensure_redis
  (cd "$ROOT" && go build -tags grpcnotrace -o "$TMP/larder" ./cmd/larder)
  echo "redis: $(redis-server --version | awk '{ print $3 }')  larder: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
       " $(nproc) cores  $(date -u +%Y-%m-%dT%H:%MZ)"
  : >"$RESULTS"
  measure str "$STRS" "strings, 16 B keys, 32 B values" 48
  measure kb "$KBS" "strings, 16 B keys, 1 KB values" 1040
  measure hash "$HASHES" "hashes, 5 short fields"
  measure set "$SETS" "sets, 5 small integers"
  measure zset "$ZSETS" "sorted sets, 50 members"
  report
}

main
