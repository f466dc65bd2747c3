#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers and prints one URL to reach it.
#
#   scripts/ensure-postgres.sh           URL of the application database (ocop)
#   scripts/ensure-postgres.sh --admin   URL of the maintenance database (postgres),
#                                        where tests create their own databases
#
# In order: DATABASE_URL (or TEST_DATABASE_URL with --admin) if set; the local
# server on 127.0.0.1:5432; a Debian cluster, started; a private cluster under
# ./data/postgres on port 5433 made with initdb and pg_ctl; and, for root on a
# machine with apt-get, PostgreSQL installed first. Messages go to stderr.
set -euo pipefail

admin=false
[[ "${1:-}" == "--admin" ]] && admin=true
db=ocop
$admin && db=postgres

say() { echo "ensure-postgres: $*" >&2; }

answers() { # host port
	if command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -h "$1" -p "$2" -t 2
	else
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
	fi
}

given="${DATABASE_URL:-}"
$admin && given="${TEST_DATABASE_URL:-}"
if [[ -n "$given" ]]; then
	echo "$given"
	exit 0
fi

if answers 127.0.0.1 5432; then
	echo "postgres://postgres@127.0.0.1:5432/${db}?sslmode=disable"
	exit 0
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]] && [[ -n "$(ls /etc/postgresql 2>/dev/null)" ]]; then
	version="$(ls /etc/postgresql | sort -V | tail -n 1)"
	say "starting the Debian cluster $version/main"
	pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
	for _ in $(seq 1 30); do
		if answers 127.0.0.1 5432; then
			echo "postgres://postgres@127.0.0.1:5432/${db}?sslmode=disable"
			exit 0
		fi
		sleep 1
	done
	say "the Debian cluster $version/main did not answer on 127.0.0.1:5432"
fi

find_bin() {
	command -v "$1" 2>/dev/null && return 0
	ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

private_port="${OCOP_PG_PORT:-5433}"
private_dir="${OCOP_PG_DIR:-$(pwd)/data/postgres}"
private_url="postgres://postgres@127.0.0.1:${private_port}/${db}?sslmode=disable"
if answers 127.0.0.1 "$private_port"; then
	echo "$private_url"
	exit 0
fi

initdb="$(find_bin initdb || true)"
pg_ctl="$(find_bin pg_ctl || true)"
if [[ -z "$initdb" || -z "$pg_ctl" ]]; then
	if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		say "installing PostgreSQL with apt-get"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
		exec "$0" "$@"
	fi
	say "no PostgreSQL found: install PostgreSQL 15 or later (e.g. apt-get install postgresql), or set DATABASE_URL"
	exit 1
fi

run_as=()
if [[ "$(id -u)" == 0 ]]; then
	# initdb refuses to run as root: the private cluster belongs to postgres.
	run_as=(runuser -u postgres --)
fi
if [[ ! -f "$private_dir/PG_VERSION" ]]; then
	say "creating a private cluster in $private_dir"
	mkdir -p "$private_dir"
	[[ ${#run_as[@]} -gt 0 ]] && chown postgres "$private_dir"
	"${run_as[@]}" "$initdb" -D "$private_dir" -U postgres --auth=trust -E UTF8 >&2
fi
say "starting the private cluster on port $private_port"
"${run_as[@]}" "$pg_ctl" -D "$private_dir" -l "$private_dir/server.log" -w \
	-o "-p $private_port -k $private_dir -c listen_addresses=127.0.0.1" start >&2
echo "$private_url"
