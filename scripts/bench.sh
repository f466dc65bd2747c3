#!/usr/bin/env bash
# Run `ocop bench` once per catalogue size, each against a fresh all-in-one
# server and database: a second import into the same server would update
# the first one's products instead of adding new ones.
# BENCH_PRODUCTS lists the sizes (default: 10,000 and 100,000 products);
# BENCH_ARGS passes further flags to ocop bench (default: 10 s runs). A
# --products in BENCH_ARGS runs that size alone.
set -euo pipefail
cd "$(dirname "$0")/.."

args=${BENCH_ARGS:---duration 10s}
sizes=${BENCH_PRODUCTS:-10000 100000}
if [[ " $args " =~ [[:space:]]--products[=[:space:]] ]]; then
	sizes=given
fi

work=$(mktemp -d)
bin="$work/ocop"
go build -o "$bin" ./services/ocop
admin="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
addr=127.0.0.1:18080
nats=127.0.0.1:14222
pid=
db=

stop_server() {
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
	if [[ -n $db ]]; then
		psql "$admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null || true
		db=
	fi
}
trap 'stop_server; rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3)"
for size in $sizes; do
	db="ocop_bench_$$_$size"
	data="$work/data-$size"
	mkdir -p "$data"
	psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
	export DATABASE_URL="${admin%/postgres*}/$db?sslmode=disable"
	"$bin" serve --addr "$addr" --data-dir "$data" --nats-listen "$nats" >"$data/serve.log" 2>&1 &
	pid=$!
	ready=
	for _ in $(seq 1 120); do
		if "$bin" probe "http://$addr/readyz" >/dev/null 2>&1; then
			ready=1
			break
		fi
		sleep 0.5
	done
	if [[ -z $ready ]]; then
		echo "ocop serve was not ready after 60 s; the end of its log:" >&2
		tail -20 "$data/serve.log" >&2
		exit 1
	fi
	products=()
	if [[ $size != given ]]; then
		products=(--products "$size")
	fi
	# shellcheck disable=SC2086
	NATS_URL="nats://$nats" "$bin" bench --url "http://$addr" --pid "$pid" "${products[@]}" $args
	stop_server
done
