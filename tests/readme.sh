#!/bin/sh
# README's examples run as written: every `./digitlab` line of its code
# blocks, in order, from a checkout-like directory with a store of its own.
# The overrides keep it small: runs and queued runs train one epoch on 300
# images (--set), bench takes 256 samples, data fetch gets only what is in
# the cache (no network in tests), the dashboard's lines are left out, and
# before rm the queue is left to drain. The man page's examples are checked.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
small="--set train.epochs=1 --set data.limit=300 --set data.test_limit=100"
cd "$scratch" || exit 1
ln -s "$top_srcdir/experiments" experiments
ln -s "$top_srcdir/tests" tests
ln -s "$DIGITLAB" digitlab
trap './digitlab serve --stop >/dev/null 2>&1; rm -rf "$scratch"' EXIT

# The README's command lines: a code line starting "./digitlab", without the
# comment at its end.
sed -n 's/^    \(\.\/digitlab .*\)/\1/p' "$top_srcdir/README.md" |
	sed 's/   *# .*//' > "$scratch/commands"
ok "$([ "$(wc -l < "$scratch/commands")" -ge 25 ]; echo $?)" \
	"README has its examples ($(wc -l < "$scratch/commands" | tr -d ' ') command lines)"

# What is already in the data cache (data fetch needs no network for it).
cached=$(./digitlab data ls | awk 'NR > 1 && $2 != "-" {print $1}' | tr '\n' ' ')

wait_queue() {
	for i in $(seq 1 600); do
		[ -z "$(./digitlab ls --json | grep -o '"status":"\(queued\|running\)"')" ] && return 0
		sleep 0.1
	done
	return 1
}

while IFS= read -r line; do
	set -- $line
	cmd=$2
	sub=$3
	extra=""
	allowed=0
	case "$cmd $sub" in
	"run --resume"*) ;;
	"run "*|"queue add") extra=$small ;;
	"bench "*) extra="--samples 256" ;;
	"data fetch")
		keep=""
		for name in $(echo "$line" | cut -d' ' -f4-); do
			case " $cached " in *" $name "*) keep="$keep $name" ;; esac
		done
		line="./digitlab data fetch$keep" ;;
	"ui "*|" ") continue ;;
	"stop "*) allowed=1 ;;          # the run may be done already: nothing to stop
	"rm "*) wait_queue ;;
	esac
	case "$line" in
	*" > "*) run="${line%% > *} $extra > ${line#* > }" ;;
	*) run="$line $extra" ;;
	esac
	sh -c "$run" > "$scratch/out" 2>&1
	status=$?
	ok "$([ "$status" -eq 0 ] || [ "$status" -le "$allowed" ]; echo $?)" "$line ($status)"
	[ "$status" -le "$allowed" ] || sed 's/^/#   /' "$scratch/out"
done < "$scratch/commands"

is "$(./digitlab serve --stop)" \
	"digitlab serve: no serve is running for $DIGITLAB_HOME" "serve --stop in README stopped it"

# The man page's experiments are valid as printed.
man=$top_srcdir/man/digitlab-experiment.5
awk '/^\.SH EXAMPLE/ {on = 1} on && /^\.SH TOP-LEVEL/ {exit}
     on && /^\.nf/ {n++; block = 1; next} /^\.fi/ {block = 0}
     block {print > ("'"$scratch"'/man-example-" n ".yaml")}' "$man"
is "$(./digitlab check "$scratch/man-example-1.yaml" "$scratch/man-example-2.yaml" 2>&1)" \
	"$scratch/man-example-1.yaml: ok
$scratch/man-example-2.yaml: ok (a sweep of 4 runs)" "the man page's two examples check, the CNN a sweep of 4"

done_testing
