#!/usr/bin/env bash
# maxmemory-rss.sh: does maxmemory bound the process? Start Larder (default policy) and a real
# redis-server 7 (allkeys-lru) with the same maxmemory, write each about three times its
# maxmemory in SETs of random keys, phase after phase of different value sizes (which leaves
# holes of one size where the next phase writes another), and sample each process's resident
# set (VmRSS) every 100 ms throughout. Prints, per server and maxmemory, the peak RSS, the peak's
# anonymous and file-backed parts (RssAnon, RssFile: the binary's pages are file-backed), the
# RSS and used_memory at the end, the peak over maxmemory, the anonymous peak over it, and
# Larder's garbage collections and their CPU seconds over the run.
#
# Usage: bench/maxmemory-rss.sh [-m "64mb 256mb"] [-d "32 1024 16384 100"] [-x 3] [-s "redis larder"] [-b larder-binary]
#   -m  maxmemory values to try, Redis syntax (default "64mb 256mb")
#   -s  servers to run, in order (default "redis larder")
#   -d  value sizes of the phases, in bytes, in order (default "32 1024 16384 100")
#   -x  bytes written per phase, as a multiple of maxmemory (default 3)
#   -b  a larder binary to run instead of one built from this tree
set -euo pipefail

MAXMEMS="64mb 256mb" SIZES="32 1024 16384 100" TIMES=3
SERVERS="redis larder" BIN=""
usage() { sed -n '2,16s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while getopts "m:d:x:s:b:h" opt; do
  case $opt in
    m) MAXMEMS=$OPTARG ;; d) SIZES=$OPTARG ;; x) TIMES=$OPTARG ;; s) SERVERS=$OPTARG ;; b) BIN=$OPTARG ;;
    h) usage 0 ;; *) usage 2 >&2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/larder-rss.XXXXXX")
PIDS=()
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# bytes converts a Redis memory size (64mb, 1gb, 100000) to bytes.
bytes() {
  local v=${1,,} n u
  n=${v%%[a-z]*} u=${v#"$n"}
  case $u in
    "" | b) echo "$n" ;; k) echo $((n * 1000)) ;; kb) echo $((n << 10)) ;;
    m) echo $((n * 1000000)) ;; mb) echo $((n << 20)) ;;
    g) echo $((n * 1000000000)) ;; gb) echo $((n << 30)) ;;
    *) echo "bad size $1" >&2; exit 2 ;;
  esac
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# rss_parts prints VmRSS, RssAnon and RssFile (kB) of pid $1.
rss_parts() {
  awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} /^RssFile:/ {f = $2} END {print r + 0, a + 0, f + 0}' \
    "/proc/$1/status" 2>/dev/null || echo 0 0 0
}

# sample writes the peak VmRSS of pid $1, with its RssAnon and RssFile at that moment (kB), to
# file $2 every 100 ms until the file $3 exists.
sample() {
  local peak=0 r a f
  while [ ! -e "$3" ]; do
    read -r r a f < <(rss_parts "$1")
    ((r > peak)) && peak=$r && echo "$r $a $f" >"$2"
    sleep 0.1
  done
}

# run_server starts server $1 (redis or larder) with maxmemory $2, fills it phase by phase,
# and prints one result row.
run_server() {
  local name=$1 mm=$2 mmb port pid peakf stop size n
  mmb=$(bytes "$mm")
  port=$(free_port)
  mkdir -p "$TMP/dir-$name"
  if [ "$name" = redis ]; then
    redis-server --bind 127.0.0.1 --port "$port" --dir "$TMP/dir-$name" --save "" --appendonly no \
      --maxmemory "$mm" --maxmemory-policy allkeys-lru >"$TMP/$name.log" 2>&1 &
  else
    "$TMP/larder" --port "$port" --maxmemory "$mm" --loglevel warning --cluster-enabled no \
      >"$TMP/$name.log" 2>&1 &
  fi
  pid=$! && PIDS+=("$pid")
  wait_ready "$port" "$name"
  peakf=$TMP/$name.peak stop=$TMP/$name.stop
  rm -f "$stop" && echo 0 0 0 >"$peakf"
  sample "$pid" "$peakf" "$stop" &
  local sampler=$!
  for size in $SIZES; do
    # Each SET costs about its value, its key (16 B) and some 50 B of overhead.
    n=$((TIMES * mmb / (size + 66)))
    redis-benchmark -h 127.0.0.1 -p "$port" -t set -n "$n" -r 100000000 -d "$size" -c 50 -P 16 -q \
      >>"$TMP/$name.bench" 2>&1 || { echo "$name: redis-benchmark failed" >&2; cat "$TMP/$name.bench" >&2; exit 1; }
  done
  sleep 1
  touch "$stop" && wait "$sampler"
  local used peak anon file end gc
  used=$(redis-cli -h 127.0.0.1 -p "$port" info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')
  # Larder's garbage collector over the run: cycles and CPU seconds (Redis has none).
  gc=$(redis-cli -h 127.0.0.1 -p "$port" info gc | tr -d '\r' |
    awk -F: '/^gc_cycles:/ {c = $2} /^gc_cpu_seconds:/ {s = $2} END {print (c == "" ? "-" : c "/" s)}')
  read -r peak anon file <"$peakf"
  end=$(rss_kb "$pid")
  kill "$pid" && wait "$pid" 2>/dev/null || true
  awk -v s="$name" -v mm="$mm" -v mmb="$mmb" -v peak="$peak" -v anon="$anon" -v file="$file" -v end="$end" \
    -v used="$used" -v gc="$gc" 'BEGIN {
    printf "%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%+.1f\t%+.1f\t%.2f\t%s\n", s, mm, peak / 1024, anon / 1024,
      file / 1024, end / 1024, used / 1048576, (peak * 1024 - mmb) / 1048576, (anon * 1024 - mmb) / 1048576,
      peak * 1024 / mmb, gc }'
}

main() {
  ensure_redis
  if [ -n "$BIN" ]; then
    cp "$BIN" "$TMP/larder"
  else
    (cd "$ROOT" && go build -tags grpcnotrace -o "$TMP/larder" ./cmd/larder)
  fi
  echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine: $(nproc) CPUs, $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "redis:   $(redis-server --version)"
  echo "larder:  ${BIN:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
  echo "phases:  value sizes $SIZES, each writing about ${TIMES}x maxmemory in SETs of random keys (-r 100000000)"
  echo
  {
    printf "server\tmaxmemory\tpeak_RSS_MiB\tof_which_anon\tof_which_file\tend_RSS_MiB\tend_used_MiB\tpeak-maxmemory_MiB\tanon-maxmemory_MiB\tpeak/maxmemory\tgc_cycles/cpu_s\n"
    local mm server
    for mm in $MAXMEMS; do
      for server in $SERVERS; do
        run_server "$server" "$mm"
      done
    done
  } | column -t -s $'\t'
}

main
