#!/bin/sh
# The dashboard in a real terminal: tmux runs it at 80x24 and 200x60, the
# test types keys and reads the screen with capture-pane. It queues
# quickstart.yaml through the UI, watches the epoch counter move, opens the
# run, finds the confusion matrix and misclassified digits, selects a
# confusion cell and sees its digits, resizes mid-run, and quits with the
# terminal restored.
. "${top_srcdir:-.}/tests/tap.sh"

. "${top_srcdir:-.}/tests/tmux.sh"
"$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000' ||
	skip_all "MNIST is not in the data cache (digitlab data fetch mnist)"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
glyphs="$top_srcdir/tests/data/glyphs.yaml"
T="tmux -S $scratch/tmux1.sock"


# the dashboard, then the terminal's state after it exits
start() { # start WIDTH HEIGHT LANG ARGS...
	w=$1 h=$2 lang=$3
	shift 3
	$T new-session -d -s dl -x "$w" -y "$h" \
		"cd '$top_srcdir' && LANG=$lang DIGITLAB_HOME='$DIGITLAB_HOME' \
		 EDITOR='$scratch/editor --scripted' TMPDIR='$scratch' '$DIGITLAB' $* ;
		 echo \"exit \$?\" > '$scratch/exit'; stty -a > '$scratch/stty'; sleep 30"
}

# E clones a run into $EDITOR: this one breaks the file, then fixes it, then
# leaves it alone, then breaks it again (its first argument proves that
# EDITOR may hold options)
cat > "$scratch/editor" <<'SH'
#!/bin/sh
[ "$1" = --scripted ] || exit 2
count=$(cat "${0%/*}/edits" 2>/dev/null || echo 0); count=$((count + 1))
echo $count > "${0%/*}/edits"
case $count in
1|4) sed -i 's/^  epochs: .*/  epochs: many/; s/^name: .*/name: edited/' "$2" ;;
2) sed -i 's/^  epochs: .*/  epochs: 1/' "$2" ;;
esac
SH
chmod +x "$scratch/editor"

# ---- 80x24, UTF-8 ----
start 80 24 C.UTF-8 --workers 1
wait_for "No runs yet" 10; ok $? "the dashboard opens on an empty store"
screen | head -n 1 | grep -q "workers: 1 in-process"; ok $? "with no serve it trains here, and says so"
keys a
wait_for "queue an experiment" 5; ok $? "a opens the picker over experiments/"
keys End
wait_for "experiments/quickstart.yaml" 5; ok $? "which lists quickstart.yaml"
keys Escape; sleep 0.3; keys A
wait_for "queue file:" 5
keys "experiments/quicks" Tab
wait_for "queue file: experiments/quickstart.yaml" 5; ok $? "Tab completes a path"
keys Enter
wait_for "queued run 1 quickstart" 10; ok $? "Enter queues it"
wait_for "running" 30; ok $? "and it starts"
# EPOCH reads "3/6": the epoch training of those planned
epoch_now() { screen | awk '$1 == 1 && $2 == "quickstart" && $3 == "running" { for (i = 4; i <= NF; i++) if ($i ~ /^[0-9]+\/6$/) { sub(/\/.*/, "", $i); print $i; exit } }'; }
first=""
for i in $(seq 1 100); do first=$(epoch_now); [ -n "$first" ] && break; sleep 0.1; done
later=$first
for i in $(seq 1 200); do later=$(epoch_now); [ -n "$later" ] && [ "$later" -gt "$first" ] && break; sleep 0.1; done
[ -n "$first" ] && [ -n "$later" ] && [ "$later" -gt "$first" ]
ok $? "the epoch counter advances ($first, then $later)"

keys Enter
wait_for "run 1 quickstart" 5; ok $? "Enter opens the run screen"
wait_for "loss per epoch" 10; ok $? "with the loss chart"
$T resize-window -t dl -x 200 -y 60
sleep 0.5
wait_for "learning rate" 5
[ "$(screen | wc -l)" -ge 60 ] && [ "$(screen | awk 'length($0) > 150' | wc -l)" -gt 0 ]
ok $? "resized mid-run to 200x60, it redraws at the new size"
$T resize-window -t dl -x 60 -y 20
wait_for "digitlab needs a 80x24 terminal" 5; ok $? "below 80x24 it says what it needs"
$T resize-window -t dl -x 80 -y 24
wait_for "run 1 quickstart" 5; ok $? "and comes back at 80x24"

wait_for "run 1 quickstart done" 60; ok $? "the run finishes while watched"
keys 2
wait_for "confusion, counts" 5; ok $? "2 shows the confusion matrix"
screen | grep -q "error per class"; ok $? "beside the error of each class"
# the cell with the most digits: from the store, then the arrows there
cell=$("$DIGITLAB" export 1 --format json | sed 's/.*"confusion":\[\[//; s/\]\]}.*//' | tr -d '[' |
	awk -F'],' '{ for (t = 1; t <= NF; t++) { n = split($t, v, ","); for (p = 1; p <= n; p++)
		if (t - 1 != p - 1 && v[p] + 0 > best) { best = v[p] + 0; bt = t - 1; bp = p - 1 } } }
		END { print bt, bp }')
set -- $cell
keys Down   # the first arrow selects cell 0,0 (and moves down to 1,0)
keys Up
n=0; while [ $n -lt "$1" ]; do keys Down; n=$((n + 1)); done
n=0; while [ $n -lt "$2" ]; do keys Right; n=$((n + 1)); done
wait_for "true $1 predicted $2:" 5; ok $? "arrows select a confusion cell (true $1, predicted $2)"
screen | sed -n '/true '"$1"' predicted '"$2"':/,$p' | grep -q '[▀▄█]'
ok $? "and its misclassified digits are drawn below"
# a click on the cell of true 9, predicted 4: the matrix's header row is on
# screen row 4, its label column 4 wide, its cells 5
click 26 14
wait_for "true 9 predicted 4:" 5; ok $? "a mouse click selects a confusion cell"
keys 3
wait_for "misclassified test digits" 5; ok $? "3 shows the misclassified digits"
screen | grep -q "saliency"; ok $? "with the selected digit's saliency"
screen | grep -q '[▀▄█]'; ok $? "drawn in half blocks"
first=$(screen | grep -o '#[0-9]*: [0-9]→[0-9]')
click 2 13   # the second thumbnail: at 80 columns they go one per row, 7 rows each
for i in $(seq 1 20); do
	now=$(screen | grep -o '#[0-9]*: [0-9]→[0-9]')
	[ -n "$now" ] && [ "$now" != "$first" ] && break
	sleep 0.1
done
[ -n "$first" ] && [ -n "$now" ] && [ "$now" != "$first" ]
ok $? "a click on a digit selects it ($first, then $now)"
keys V
wait_for "misclassified validation digits" 5; ok $? "V shows the validation set's digits"
keys 2
wait_for "validation confusion, counts" 5; ok $? "and its confusion matrix"
total=$(screen | awk '$1 ~ /^[0-9]$/ && $2 ~ /[0-9]$/ && NF >= 11 { for (i = 2; i <= 11; i++) { v = $i; gsub(/[^0-9]/, "", v); s += v } } END { print s }')
is "$total" 6000 "which counts the 6,000 validation images"
keys V
wait_for "test confusion, counts" 5; ok $? "V again goes back to the test set"
click 50 2   # " 5 Model " on the tab bar
wait_for "Output Shape" 5; ok $? "a click on a tab opens it"
keys Escape; sleep 0.3
keys '?'
wait_for "every key" 5; ok $? "? lists every key"
keys Escape; sleep 0.3; keys Escape; sleep 0.3

# a run queued by another process appears without a key press
"$DIGITLAB" queue add "$glyphs" --set name=from-outside >/dev/null
wait_for "from-outside" 10; ok $? "a run queued by another process appears by itself"
keys L
wait_for "runs shown of" 5; ok $? "L lists every run"
keys /
keys "from" Enter
wait_for "filter: from" 5
[ "$(screen | grep -c quickstart)" = 0 ] && screen | grep -q "from-outside"
ok $? "/ filters the list by name"
keys / BSpace BSpace BSpace BSpace Enter
wait_for "quickstart" 5
wait_run done from-outside
keys Home Space Space C
wait_for "test accuracy" 5; ok $? "space marks runs and C compares them"
screen | grep -q "settings that differ"; ok $? "showing the settings that differ"
keys x
wait_for " minus " 5; ok $? "x shows the confusion difference at 80x24"
[ "$(screen | grep -c -e 'settings that differ' -e 'validation accuracy per epoch')" = 0 ]
ok $? "in place of the curves and settings"
screen | grep -q "x curves and settings"; ok $? "the key to go back is shown"
keys V
wait_for "no pair of validation confusion matrices" 5
ok $? "V: the validation sets' difference, here missing for the glyph run"
keys V
wait_for "test confusion, " 5; ok $? "V again: the test sets'"
keys x
wait_for "settings that differ" 5; ok $? "x again brings them back"
keys Escape; sleep 0.3

# the dashboard sees its own writes at once (PRAGMA data_version moves only
# for other connections'), and a question that destroys names the run
keys O; sleep 0.3
keys P
wait_for "QUEUE PAUSED" 5; ok $? "P pauses the queue, and the header says so at once"
keys A
wait_for "queue file:" 5
keys "$glyphs" Enter
wait_for "queued run " 10
new=$(screen | sed -n 's/.*queued run \([0-9]*\) .*/\1/p' | head -n 1)
screen | head -n 1 | grep -q "queued 1 "; ok $? "a run queued while the queue is paused is counted at once"
screen | grep -q "^ *$new glyphs .*queued"; ok $? "and listed at once"
keys d
wait_for "delete run $new glyphs? (y/n)" 5; ok $? "d asks, naming the run"
keys y
wait_for "run $new removed" 5
screen | grep -q "^ *$new glyphs "; ok $((! $?)) "y removes it, and its row goes at once"
keys P
for i in $(seq 1 50); do screen | head -n 1 | grep -q "QUEUE PAUSED" || break; sleep 0.1; done
screen | head -n 1 | grep -q "QUEUE PAUSED"; ok $((! $?)) "P again resumes the queue, and the header says so"
keys L; sleep 0.3
keys Home t
wait_for "tag run 1 quickstart: " 5; ok $? "t asks for a tag, naming the run"
keys best Enter
wait_for "run 1 tagged best" 5
keys Enter
wait_for "[best]" 5; ok $? "the run screen shows its tags"
keys n
wait_for "note on run 1 quickstart: " 5
keys "first try" Enter
wait_for "note: first try" 5; ok $? "and its note, at once"
keys Escape; sleep 0.3

# clone and edit: an invalid edit is shown under the editor and can be
# edited again; an unchanged clone is not queued; an edit given up on is kept
keys Home E
wait_for "e edit again" 10; ok $? "E: an invalid edit offers to edit it again"
$T capture-pane -p -J -t dl | grep -q "^$scratch/digitlab-clone-.*\.yaml:[0-9]*:[0-9]*: error: train.epochs: expected an integer"
ok $? "under the error, with its line and column"
keys e Enter
wait_for "edited" 10; "$DIGITLAB" ls --json | grep -q '"name":"edited"'
ok $? "edited again and valid, the clone is queued"
"$DIGITLAB" show edited --yaml | grep -q '^  epochs: 1$'; ok $? "with the edit"
keys E
wait_for "not changed; nothing queued" 10; ok $? "an unchanged clone is not queued"
keys E
wait_for "e edit again" 10
keys n Enter
wait_for "not queued; kept in $scratch/digitlab-clone-" 10; ok $? "an edit given up on is kept, and the message says where"
grep -q '^name: edited' "$scratch"/digitlab-clone-*.yaml; ok $? "the kept file holds the edit"

# v previews the run's augmentation in the plain terminal; Enter comes back
keys v
wait_for "press Enter to return to the dashboard" 20; ok $? "v previews the run's augmentation"
$T capture-pane -p -S -200 -t dl | grep -q "^augment: \|^sample 0: label [0-9]"; ok $? "drawing its digits"
keys Enter
wait_for "?help" 5; ok $? "Enter returns to the dashboard"

# quitting while a run trains here asks; i interrupts it, to resume later
"$DIGITLAB" queue add "$glyphs" --set name=long --set train.epochs=100000 >/dev/null
wait_for "long" 10
wait_run running long
keys q
wait_for "runs are training here" 5; ok $? "q with a run training here asks what to do"
keys i
wait_file "$scratch/exit"
is "$(cat "$scratch/exit" 2>/dev/null)" "exit 0" "i quits with status 0"
"$DIGITLAB" ls --status interrupted --json | grep -q '"name":"long"'
ok $? "and the run is interrupted, to resume on the next start"
grep -q ' icanon' "$scratch/stty" && grep -q ' echo ' "$scratch/stty"
ok $? "the terminal is restored (canonical mode, echo)"
$T kill-server 2>/dev/null; rm -f "$scratch/exit"
"$DIGITLAB" cancel long >/dev/null

# a dropped SSH link (SIGHUP) interrupts the runs training here cleanly
"$DIGITLAB" queue add "$glyphs" --set name=hangup --set train.epochs=100000 >/dev/null
start 80 24 C.UTF-8 --workers 1
wait_run running hangup
pid=$(cat "$DIGITLAB_HOME/serve.pid")
kill -HUP "$pid"
wait_file "$scratch/exit"
is "$(cat "$scratch/exit" 2>/dev/null)" "exit 0" "SIGHUP ends the dashboard with status 0"
"$DIGITLAB" ls --status interrupted --json | grep -q '"name":"hangup"'
ok $? "and its run is interrupted, to resume on the next start"
$T kill-server 2>/dev/null; rm -f "$scratch/exit"
"$DIGITLAB" cancel hangup >/dev/null

# b hands the queue to a background serve, which takes the run up again
"$DIGITLAB" queue add "$glyphs" --set name=handoff --set train.epochs=100000 >/dev/null
start 80 24 C.UTF-8 --workers 1
wait_run running handoff
keys q
wait_for "runs are training here" 5
keys b
wait_file "$scratch/exit"
is "$(cat "$scratch/exit" 2>/dev/null)" "exit 0" "b quits with status 0"
for i in $(seq 1 100); do
	"$DIGITLAB" queue ls | grep -q ' handoff .*:serve:' && break
	sleep 0.1
done
"$DIGITLAB" queue ls | grep -q ' handoff .*:serve:'
ok $? "and a background serve goes on with the run"
serve_pid=$(cat "$DIGITLAB_HOME/serve.pid")
"$DIGITLAB" cancel handoff >/dev/null
kill "$serve_pid" 2>/dev/null
for i in $(seq 1 50); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.1; done
$T kill-server 2>/dev/null; rm -f "$scratch/exit"

# ---- 200x60, ASCII ----
T="tmux -S $scratch/tmux2.sock"
start 200 60 C --ascii
wait_for "quickstart" 10; ok $? "at 200x60 the run is listed"
screen | grep -q '[^ -~]'; ok $((! $?)) "--ascii draws ASCII only"
keys L
wait_for "runs shown of" 5
keys Home Enter 2
wait_for "confusion, counts" 5; ok $? "its confusion matrix"
keys q
wait_file "$scratch/exit" 5
is "$(cat "$scratch/exit" 2>/dev/null)" "exit 0" "and q quits"
$T kill-server 2>/dev/null

done_testing
