#!/bin/sh
# Memcheck over the paths a user takes first: the quick-start experiment run
# from the command line, then the same experiment queued, trained by a served
# worker thread into the store, read back by show and export, and the
# dashboard training a run in-process and showing every screen. Any memory
# error or any lost byte of ours fails the test, with the valgrind log in the
# test's log.
#
# On MNIST's first 6,000 training images for two epochs, so the suite stays
# fast; the whole quick-start experiment (60,000 images, six epochs) is run
# the same way with DIGITLAB_VALGRIND_FULL=1.
. "${top_srcdir:-.}/tests/tap.sh"

[ -n "${DIGITLAB_SANITIZERS:-}" ] && skip_all "valgrind cannot run a sanitizer build"
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
"$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000' ||
	skip_all "MNIST is not in the data cache (digitlab data fetch mnist)"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME

# Valgrind runs fused multiply-adds through a helper call per lane, which makes
# OpenBLAS's AVX2 kernels twenty times slower under memcheck than its AVX-only
# ones. Only the rounding differs: the sums are taken in another order.
grep -qw avx /proc/cpuinfo 2>/dev/null && OPENBLAS_CORETYPE=SandyBridge && export OPENBLAS_CORETYPE

# memcheck LOG COMMAND...: run COMMAND under memcheck with every leak kind that
# means memory was lost counted as an error; the exit status is valgrind's 99
# on an error, else the command's.
memcheck() {
	log=$1; shift
	valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 --log-file="$log" "$@"
}

# clean LOG WHAT: no errors, nothing definitely or indirectly lost
clean() {
	summary=$(grep 'ERROR SUMMARY' "$1" | head -n 1 | sed 's/.*ERROR SUMMARY: //; s/ (.*//')
	is "$summary" "0 errors from 0 contexts" "$2: no memory errors"
	lost=$(sed -n 's/.*\(definitely\|indirectly\) lost: \([0-9,]*\) bytes.*/\2/p' "$1" | tr -d , | awk '{ s += $1 } END { print s + 0 }')
	is "$lost" 0 "$2: no bytes lost"
	[ "$summary" = "0 errors from 0 contexts" ] || sed 's/^/# /' "$1"
}

if [ -n "${DIGITLAB_VALGRIND_FULL:-}" ]; then
	sets=""
else
	sets="--set data.limit=6000 --set train.epochs=2"
fi

# shellcheck disable=SC2086
out=$(cd "$top_srcdir" && memcheck "$scratch/run.vg" "$DIGITLAB" run experiments/quickstart.yaml $sets --json)
ok $? "digitlab run experiments/quickstart.yaml $sets under memcheck"
clean "$scratch/run.vg" "run"
acc=$(json_field "$(printf '%s\n' "$out" | tail -n 1)" test_accuracy)
ok "$(awk -v a="$acc" 'BEGIN { print (a >= 0.85) ? 0 : 1 }')" "it still learns ($acc)"

# shellcheck disable=SC2086
(cd "$top_srcdir" && "$DIGITLAB" queue add experiments/quickstart.yaml $sets >/dev/null)
memcheck "$scratch/serve.vg" "$DIGITLAB" serve --drain --workers 1 > "$scratch/serve.log" 2>&1
ok $? "serve --drain trains the queued run under memcheck"
clean "$scratch/serve.vg" "serve"
is "$("$DIGITLAB" ls --json | grep -o '"status":"[a-z]*"')" '"status":"done"' "the served run is done"

memcheck "$scratch/show.vg" "$DIGITLAB" show 1 > "$scratch/show.txt"
ok $? "show reads it back under memcheck"
clean "$scratch/show.vg" "show"
grep -q '^Confusion' "$scratch/show.txt"; ok $? "show printed the confusion matrix"

memcheck "$scratch/export.vg" "$DIGITLAB" export 1 --format json --history > "$scratch/export.json"
ok $? "export --history under memcheck"
clean "$scratch/export.vg" "export"

# The dashboard at 80x24 in tmux: it trains a second run in-process, then
# every screen and tab is opened before q. ncurses keeps its terminfo caches
# to the end, which memcheck counts as "possibly lost" inside libtinfo:
# those are not errors here, lost bytes of ours would be.
if command -v tmux >/dev/null 2>&1; then
	"$DIGITLAB" queue add "$top_srcdir/tests/data/glyphs.yaml" >/dev/null
	T="tmux -S $scratch/tmux.sock"
	trap 'tmux -S "$scratch/tmux.sock" kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
	$T new-session -d -s vg -x 80 -y 24 \
		"cd '$top_srcdir' && LANG=C.UTF-8 valgrind --leak-check=full \
		 --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		 --log-file='$scratch/ui.vg' '$DIGITLAB' ui --workers 1;
		 echo \"exit \$?\" > '$scratch/ui.exit'; sleep 30"
	wait_run done glyphs 60
	is "$("$DIGITLAB" ls --json | grep -o '"status":"[a-z]*"' | sort | uniq -c | tr -s ' ')" \
		' 2 "status":"done"' "the dashboard trained the queued run under memcheck"
	for k in L Home Enter 2 Right Down 3 Right 4 5 6 1 m z Escape Home Space Space C x x \
		Escape '?' Escape O q; do
		$T send-keys -t vg "$k"
		sleep 0.5
	done
	wait_file "$scratch/ui.exit"
	is "$(cat "$scratch/ui.exit" 2>/dev/null)" "exit 0" "the dashboard walked through every screen and quit"
	clean "$scratch/ui.vg" "dashboard"
fi

done_testing
