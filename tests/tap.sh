# tap.sh - Test Anything Protocol helpers for the shell tests.
# Source it, call ok/is/..., finish with `done_testing`.
# $DIGITLAB is the binary under test (set by make check).
: "${DIGITLAB:=$(pwd)/digitlab}"
: "${top_srcdir:=$(pwd)}"
tap_n=0
tap_failed=0

ok() { # ok STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | sed 's/^/# /' >&2
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# json_field JSON KEY: the number or string value of a top-level key.
json_field() {
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\\(\"[^\"]*\"\\|[^,}]*\\).*/\\1/p" | head -n 1
}

# wait_run STATUS NAME [SECONDS]: until the store lists a run NAME with
# STATUS (default 10 s); fails if it never does.
wait_run() {
	waited=0
	while [ $waited -lt $(( ${3:-10} * 10 )) ]; do
		"$DIGITLAB" ls --status "$1" --json | grep -q "\"name\":\"$2\"" && return 0
		sleep 0.1
		waited=$((waited + 1))
	done
	return 1
}

# wait_file FILE [SECONDS]: until FILE exists (default 10 s).
wait_file() {
	waited=0
	while [ $waited -lt $(( ${2:-10} * 10 )) ]; do
		[ -f "$1" ] && return 0
		sleep 0.1
		waited=$((waited + 1))
	done
	return 1
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/digitlab-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
