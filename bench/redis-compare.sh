#!/usr/bin/env bash
# redis-compare.sh: run the same redis-benchmark load against a real
# redis-server 7 and against Larder on loopback, alternating the two servers
# over several rounds, and print the median ops/s, p50 and p99 of each.
#
# Usage: bench/redis-compare.sh [-r rounds] [-n requests] [-t tests]
#                               [-c clients] [-P "1 16"] [-d datasize]
#                               [-L "larder flags", e.g. "--io-loops 1"]
# Raw per-round figures go to a log file whose path is printed at the end.
set -euo pipefail

ROUNDS=3 REQUESTS=200000 TESTS=set,get CLIENTS=50 PIPELINES="1 16" DATASIZE="" LARDER_FLAGS=""
usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while getopts "r:n:t:c:P:d:L:h" opt; do
  case $opt in
    r) ROUNDS=$OPTARG ;;   n) REQUESTS=$OPTARG ;;  t) TESTS=$OPTARG ;;
    c) CLIENTS=$OPTARG ;;  P) PIPELINES=$OPTARG ;; d) DATASIZE=$OPTARG ;;
    L) LARDER_FLAGS=$OPTARG ;;
    h) usage 0 ;;          *) usage 2 >&2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/larder-bench.XXXXXX")
LOG=$(mktemp "${TMPDIR:-/tmp}/larder-bench-$(date +%Y%m%d-%H%M%S).XXXXXX.log")
RAW=$TMP/raw.tsv   # server pipeline round test rps avg min p50 p95 p99 max server_cpu_us client_cpu_us
PIDS=()
declare -A PORT PID   # per server name (redis, larder): its port and pid

# cleanup stops both servers and removes the temp dir; it runs on every exit.
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# start_servers launches redis-server and Larder, each on its own free port.
start_servers() {
  mkdir -p "$TMP/redis"
  PORT[redis]=$(free_port)
  redis-server --bind 127.0.0.1 --port "${PORT[redis]}" --dir "$TMP/redis" \
    --save "" --appendonly no --daemonize no >"$TMP/redis.log" 2>&1 &
  PID[redis]=$! && PIDS+=($!)
  wait_ready "${PORT[redis]}" redis
  PORT[larder]=$(free_port)
  # shellcheck disable=SC2086 # LARDER_FLAGS is a list of flags
  "$TMP/larder" --port "${PORT[larder]}" --loglevel warning --cluster-enabled no $LARDER_FLAGS >"$TMP/larder.log" 2>&1 &
  PID[larder]=$! && PIDS+=($!)
  wait_ready "${PORT[larder]}" larder
}

# check_alive aborts if server $1 has exited: redis-benchmark would otherwise
# retry the connection forever.
check_alive() {
  kill -0 "${PID[$1]}" 2>/dev/null && return
  echo "$1 exited unexpectedly; its log:" >&2
  cat "$TMP/$1.log" >&2
  exit 1
}

# cpu_ticks prints the user+system CPU time of process $1 so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run_one runs redis-benchmark against server $1 with pipeline depth $2 in
# round $3, one test at a time, and appends one row per test to $RAW, with the
# CPU time the server and the benchmark client each spent per request (in
# microseconds: on two cores, each of them can take a core, and the ratio of
# ops/s says which one ran out). A failed run (e.g. a command the server does
# not implement yet) is logged and skipped.
run_one() {
  local t out s0 s1 ct hz
  hz=$(getconf CLK_TCK)
  for t in ${TESTS//,/ }; do
    check_alive "$1"
    local args=(-h 127.0.0.1 -p "${PORT[$1]}" -t "$t" -n "$REQUESTS" -r 100000
                -c "$CLIENTS" -P "$2" -q --csv)
    [ -n "$DATASIZE" ] && args+=(-d "$DATASIZE")
    echo "== round $3 $1 -P $2: redis-benchmark ${args[*]}" >>"$LOG"
    s0=$(cpu_ticks "${PID[$1]}")
    # The client's CPU time: bash's time keyword reports its child's user+sys.
    if ! ct=$( { TIMEFORMAT='%U %S'; time redis-benchmark "${args[@]}" >"$TMP/out" 2>>"$LOG"; } 2>&1 ); then
      echo "   FAILED, see $LOG; skipped" | tee -a "$LOG" >&2
      continue
    fi
    s1=$(cpu_ticks "${PID[$1]}")
    out=$(cat "$TMP/out")
    echo "$out" >>"$LOG"
    # redis-benchmark may print more than one row for a test (LRANGE first
    # pushes its list): the CPU times are the whole run's, per request, on
    # each of its rows. CSV rows look like "SET","123.45","0.3",...; the
    # header row starts with "test".
    printf '%s\n' "$out" | awk -F'","' -v s="$1" -v p="$2" -v r="$3" -v n="$REQUESTS" \
        -v sc="$(( s1 - s0 ))" -v hz="$hz" -v ct="$ct" '
      /^"/ && !/^"test"/ { gsub(/^"|"\r?$/, ""); row[++rows] = $0 }
      END { split(ct, c, " "); OFS = "\t"
            for (i = 1; i <= rows; i++) {
              $0 = row[i]
              print s, p, r, $1, $2, $3, $4, $5, $6, $7, $8,
                    sprintf("%.2f", sc / hz * 1e6 / (n * rows)), sprintf("%.2f", (c[1] + c[2]) * 1e6 / (n * rows))
            } }' >>"$RAW"
  done
}

# report prints, per test and pipeline depth, the medians over rounds and
# the Larder/Redis ratio of ops/s.
report() {
  awk -F'\t' '
    function median(list,   a, n, t, i, j) {
      n = split(list, a, " ")
      if (n == 0) return ""
      for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function cell(v, fmt) { return v == "" ? "n/a" : sprintf(fmt, v) }
    { k = $4 SUBSEP $2; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
      rps[k, $1] = rps[k, $1] " " $5; p50[k, $1] = p50[k, $1] " " $8; p99[k, $1] = p99[k, $1] " " $10
      cpu[k, $1] = cpu[k, $1] " " $12; ccpu[k, $1] = ccpu[k, $1] " " $13 }
    END {
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", "test", "P", "redis_ops/s", "redis_p50", "redis_p99",
             "larder_ops/s", "larder_p50", "larder_p99", "larder/redis",
             "redis_cpu_us", "larder_cpu_us", "cpu_redis/larder", "client_cpu_us"
      for (i = 1; i <= nk; i++) {
        k = keys[i]; split(k, tp, SUBSEP)
        rr = median(rps[k, "redis"]); lr = median(rps[k, "larder"])
        rc = median(cpu[k, "redis"]); lc = median(cpu[k, "larder"])
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", tp[1], tp[2],
          cell(rr, "%.0f"), cell(median(p50[k, "redis"]), "%.3f"), cell(median(p99[k, "redis"]), "%.3f"),
          cell(lr, "%.0f"), cell(median(p50[k, "larder"]), "%.3f"), cell(median(p99[k, "larder"]), "%.3f"),
          (rr > 0 && lr != "") ? sprintf("%.2f", lr / rr) : "n/a",
          cell(rc, "%.2f"), cell(lc, "%.2f"), (rc != "" && lc > 0) ? sprintf("%.2f", rc / lc) : "n/a",
          cell(median(ccpu[k, "redis"] ccpu[k, "larder"]), "%.2f")
      }
    }' "$RAW" | column -t -s $'\t'
}

main() {
  ensure_redis
  (cd "$ROOT" && go build -tags grpcnotrace -o "$TMP/larder" ./cmd/larder)
  start_servers
  : >"$RAW"
  {
    echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "machine: $(nproc) CPUs, $(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r)"
    echo "redis:   $(redis-server --version)"
    echo "larder:  $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown) ($("$TMP/larder" --version))"
    echo "load:    -t $TESTS -n $REQUESTS -r 100000 -c $CLIENTS${DATASIZE:+ -d $DATASIZE}, pipelines: $PIPELINES, rounds: $ROUNDS"
    echo "larder flags: ${LARDER_FLAGS:-(none)}"
  } | tee -a "$LOG"
  local round p server order
  for round in $(seq "$ROUNDS"); do
    # Alternate which server goes first so neither always runs on a warmer machine.
    if ((round % 2)); then order="redis larder"; else order="larder redis"; fi
    for p in $PIPELINES; do
      for server in $order; do
        echo "round $round/$ROUNDS: $server -P $p" >&2
        run_one "$server" "$p" "$round"
      done
    done
  done
  { echo; echo "raw rows (server P round test rps avg min p50 p95 p99 max server_cpu_us client_cpu_us):"; cat "$RAW"; } >>"$LOG"
  echo
  echo "medians over $ROUNDS round(s); latencies in ms; ratio = Larder ops/s / Redis ops/s;"
  echo "cpu_us = the server's CPU time per request (user+system), cpu_redis/larder above 1 favours Larder;"
  echo "client_cpu_us = redis-benchmark's own, against both: at most 1e6/client_cpu_us requests/s on one core"
  report | tee -a "$LOG"
  echo
  echo "raw per-round figures: $LOG"
}

main
