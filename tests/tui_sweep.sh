#!/bin/sh
# The sweep view in a real terminal: three sweeps of the 5x7 glyphs (one,
# two and four keys) are trained, then tmux runs the dashboard at 80x24,
# the test opens each sweep with w and reads what is drawn: the objective
# by one key, the heatmap of two (Enter lists a cell's runs, Esc comes
# back), the parallel coordinates of four; then too small a terminal, and
# ASCII.
. "${top_srcdir:-.}/tests/tap.sh"

. "${top_srcdir:-.}/tests/tmux.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
data="$top_srcdir/tests/data"

for f in 1key 2keys 4keys; do
	"$DIGITLAB" queue add "$data/sweep-$f.yaml" >/dev/null || echo "# queue add $f failed"
done
"$DIGITLAB" serve --drain --workers 2 >/dev/null 2>&1
ok $? "three sweeps trained: runs 1-8 (one key), 9-17 (two), 18-33 (four)"

start() { # start WIDTH HEIGHT LANG ARGS...
	w=$1 h=$2 lang=$3
	shift 3
	$T new-session -d -s dl -x "$w" -y "$h" \
		"LANG=$lang DIGITLAB_HOME='$DIGITLAB_HOME' '$DIGITLAB' $* ;
		 echo \"exit \$?\" > '$scratch/exit'; sleep 30"
}
# filter TEXT: the runs list shows only runs whose name holds TEXT
filter() {
	keys /
	wait_for "filter: " 5
	n=0
	while [ $n -lt 12 ]; do keys BSpace; n=$((n + 1)); done
	keys "$1" Enter
}

start 80 24 C.UTF-8 --workers 1
wait_for "sweep-" 10; ok $? "the dashboard opens on the trained store"
keys L
wait_for "33 runs shown of 33" 5; ok $? "L lists every run"
screen | tail -n 1 | grep -q "w sweep"
ok $? "the key bar offers w on a run of a sweep"

# one key
filter sweep-lr
wait_for "8 runs shown of 33" 5
keys w
wait_for "sweep 1 sweep-lr  grid, 1 key, 4 points" 5; ok $? "w opens the run's sweep"
wait_for "lr (log scale)" 2; ok $? "one key: the objective against lr, on a log axis"
screen | grep -q "test_accuracy by lr: mean ± sd over repeats"
ok $? "with mean and spread over the repeats"
screen | grep -q "^done 8  running 0  pruned 0  queued 0  of 8"
ok $? "its progress"
screen | grep -q "^keys by variance explained (η² = between-value sum of squares / total)"
ok $? "the keys by variance explained, saying how"
screen | grep -q "^best point lr="
ok $? "and the best point"
keys Left Enter
wait_for "2 runs of sweep 1 at lr=" 5
ok $? "left selects a value, Enter lists its two runs"
keys Escape
wait_for "sweep 1 sweep-lr" 5; ok $? "Esc goes back to the sweep"
keys Escape
wait_for "8 runs shown of 33" 5; ok $? "Esc returns to the runs list"

# two keys
filter sweep-grid
wait_for "9 runs shown of 33" 5
keys w
wait_for "sweep 2 sweep-grid  grid, 2 keys, 9 points" 5; ok $? "a two-key sweep"
screen | grep -q "^units    0.01     0.1       1"
ok $? "draws a heatmap: lr across, units down"
best=$(screen | sed -n 's/^best point \(units=[0-9]* lr=[0-9.]*\) .*/\1/p')
[ -n "$best" ]; ok $? "the best point is named ($best)"
[ "$(screen | grep -o '[0-9]\*' | wc -l)" = 1 ]; ok $? "one cell is marked best"
keys Enter
wait_for "of sweep 2 at $best  (Esc: back to the sweep)" 5
ok $? "Enter lists the runs of the selected cell, the best at first"
screen | grep -q "sweep-grid  *done"
ok $? "its run is listed"
keys Escape
wait_for "sweep 2 sweep-grid" 5; ok $? "Esc goes back to the sweep"
keys Up Enter
wait_for "1 run of sweep 2 at" 5
ok $? "arrows select another cell, Enter lists its runs"
keys Escape Escape
wait_for "9 runs shown of 33" 5; ok $? "and Esc twice returns to the list it came from"

# four keys
filter sweep-four
wait_for "16 runs shown of 33" 5
keys w
wait_for "sweep 3 sweep-four  grid, 4 keys, 16 points" 5; ok $? "a four-key sweep"
screen | grep -q "units *lr *batch_size *epochs *test_accuracy"
ok $? "draws parallel coordinates: an axis per key and one for the objective"
[ "$(screen | grep -c "^  \(units\|lr\|batch_size\|epochs\) ")" = 4 ]
ok $? "and ranks the four keys"
screen | grep -q "^best run [0-9]*  test_accuracy"
ok $? "naming the best run"

# help, too small, quit
keys '?'
wait_for "every key" 5
keys NPage NPage
wait_for "Sweep view (w on a run of a sweep)" 5
ok $? "? lists the sweep view's keys"
keys Escape
wait_for "sweep 3 sweep-four" 5
$T resize-window -t dl -x 60 -y 20
wait_for "digitlab needs a 80x24 terminal" 5; ok $? "below 80x24 it says it needs more"
$T resize-window -t dl -x 80 -y 24
wait_for "sweep 3 sweep-four" 5; ok $? "and comes back at 80x24"
keys q
i=0; while [ ! -f "$scratch/exit" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(cat "$scratch/exit" 2>/dev/null)" "exit 0" "q quits"
$T kill-server 2>/dev/null; rm -f "$scratch/exit"

# ASCII, on a server of its own (a new session on the socket of one just
# killed can find it still exiting)
T="tmux -S $scratch/tmux2.sock"
start 80 24 C
wait_for "sweep-" 10
keys L
wait_for "33 runs shown of 33" 5
filter sweep-grid
wait_for "9 runs shown of 33" 5
keys w
wait_for "sweep 2 sweep-grid" 5; ok $? "in a C locale the sweep view opens too"
screen | grep -q "eta^2 = between-value"
ok $? "in ASCII"
LC_ALL=C screen | LC_ALL=C grep -q '[^ -~]'
ok $((!$?)) "with no byte outside ASCII on screen"
keys q
$T kill-server 2>/dev/null

done_testing
