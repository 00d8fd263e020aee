#!/usr/bin/env bash
# restart-larder.sh PORT [larder args...]: (re)start a throwaway Larder node on 127.0.0.1:PORT,
# stopping the previous one by its pidfile. Used as the -r reset command of
# ../shared/scripts/redis-suite.sh, so that each unit of the Redis test suite starts clean:
#   redis-suite.sh -p 21000 -P cache -x --singledb -r "bench/restart-larder.sh 21000" unit/...
# The node is standalone (--cluster-enabled no), as the suite's Redis is; later args may override.
# LARDER_BIN names the binary (default: build ./cmd/larder into /tmp/larder-suite/larder once).
set -u
PORT=${1:-21000}; shift || true
D=/tmp/larder-suite; mkdir -p $D; PF=$D/larder-$PORT.pid
BIN=${LARDER_BIN:-$D/larder}
if [ ! -x "$BIN" ]; then
  (cd "$(dirname "$0")/.." && go build -tags grpcnotrace -o "$BIN" ./cmd/larder) || exit 1
fi
OLD=$(cat $PF 2>/dev/null)
if [ -n "$OLD" ] && kill -0 "$OLD" 2>/dev/null; then
  kill "$OLD"; for i in $(seq 50); do kill -0 "$OLD" 2>/dev/null || break; sleep 0.1; done
fi
env -u LARDER_BIN "$BIN" --port "$PORT" --loglevel warning --cluster-enabled no "$@" >>$D/larder-$PORT.log 2>&1 &
echo $! > $PF
for i in $(seq 50); do redis-cli -p $PORT ping 2>/dev/null | grep -q PONG && exit 0; sleep 0.1; done
echo "larder on $PORT did not come up"; exit 1
