#!/usr/bin/env bash
# Start a fresh all-in-one server and run `ocop bench` against it.
# BENCH_ARGS passes flags to ocop bench (default: 10,000 products, 10 s runs).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(mktemp -d)/ocop
go build -o "$bin" ./services/ocop
data=$(mktemp -d)
db="ocop_bench_$$"
admin="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="${admin%/postgres*}/$db?sslmode=disable"
addr=127.0.0.1:18080
nats=127.0.0.1:14222

"$bin" serve --addr "$addr" --data-dir "$data" --nats-listen "$nats" >"$data/serve.log" 2>&1 &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	psql "$admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null || true
	rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
	"$bin" probe "http://$addr/readyz" >/dev/null 2>&1 && break
	sleep 0.5
done

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3)"
# shellcheck disable=SC2086
NATS_URL="nats://$nats" "$bin" bench --url "http://$addr" --pid "$pid" ${BENCH_ARGS:---products 10000 --duration 10s}
