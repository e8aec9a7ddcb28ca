#!/bin/sh
# The queue, serve and the browsing commands on a scratch store, with
# notebook 000's 5x7 glyphs (generated, so no data to fetch).
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }
count_runs() { dl ls --json | grep -o '"id":' | wc -l | tr -d ' '; }
status_of() { dl ls --json | tr '{' '\n' | grep "^\"id\":$1," | sed 's/.*"status":"\([a-z]*\)".*/\1/'; }

cat > "$scratch/glyphs.yaml" <<'YAML'
name: glyphs
seed: 3
data: {source: font5x7, train_kinds: [normal, small, digital, digital-small], test_kinds: [hand], variants: 2}
model:
  layers:
    - dense: {units: 15, activation: sigmoid}
    - dense: {units: 10, activation: softmax}
train: {epochs: 40, batch_size: full, optimizer: {type: sgd, lr: 1}}
YAML
{ cat "$scratch/glyphs.yaml"; cat <<'YAML'; } > "$scratch/sweep.yaml"
sweep:
  grid: {"model.layers[0].dense.units": [5, 15], "train.optimizer.lr": [1, 0.1]}
  repeats: 2
  inits: 4
  keep: best_initial
YAML

# ---- a bad sweep is refused whole, at the value that is wrong ----
sed 's/\[5, 15\]/[5, 0]/' "$scratch/sweep.yaml" > "$scratch/bad.yaml"
out=$(dl queue add "$scratch/glyphs.yaml" "$scratch/bad.yaml" 2>&1)
is "$?:$out" "2:digitlab: $scratch/bad.yaml:10:45: error: model.layers[0].dense.units: must be between 1 and 100000, found 0" \
	"a bad grid value is named at its line and column"
is "$(count_runs)" 0 "and no file of the command was queued"
sed 's/repeats: 2/repeat: 2/' "$scratch/sweep.yaml" > "$scratch/bad.yaml"
out=$(dl queue add "$scratch/bad.yaml" 2>&1)
is "$out" "digitlab: $scratch/bad.yaml:11:3: error: unknown key 'repeat' in sweep (expected grid, repeats, inits, keep, objective, subject_to, search, n, space or prune)" \
	"an unknown sweep key is named"

# ---- a sweep: grid x repeats, with the best of 4 initialisations ----
out=$(dl queue add "$scratch/sweep.yaml")
is "$out" "queued sweep 1 glyphs: runs 1-8 (8)" "a 2x2 grid with 2 repeats queues 8 runs"
out=$(dl queue add "$scratch/glyphs.yaml" --priority 5 --set name=urgent)
is "$out" "queued run 9 urgent" "a single run with a priority"
first=$(dl queue ls | sed -n 2p | awk '{print $1, $2}')
is "$first" "9 urgent" "the queue takes the higher priority first"
dl priority 9 -1 >/dev/null
first=$(dl queue ls | sed -n 2p | awk '{print $1}')
is "$first" "1" "and follows a changed priority"

out=$(dl cancel 8)
is "$out" "run 8: cancelled" "a queued run is cancelled, without talk of batches"
out=$(dl pause 7)
is "$out" "run 7: paused" "a queued run is paused"
dl serve --drain --workers 2 > "$scratch/serve.log" 2>&1
ok $? "serve --drain trains the queue and exits"
is "$(status_of 1)/$(status_of 6)/$(status_of 9)" "done/done/done" "the runs are done"
is "$(status_of 7)/$(status_of 8)" "paused/cancelled" "paused and cancelled runs were left alone"
out=$(dl cancel 1 2>&1)
is "$?:$out" "1:digitlab cancel: run 1 is done: nothing to cancel" "a done run cannot be cancelled"
out=$(dl retry 8 && dl resume 7)
is "$out" "run 8: queued again
run 7: resumed" "retry and resume queue them again"
dl serve --drain > /dev/null 2>&1
is "$(status_of 7)/$(status_of 8)" "done/done" "and they finish"

# repeats of one point are grouped with their mean and spread
groups=$(dl ls --group | awk 'NR > 1 && $1 == 1 {print $3, $4, $5, $6}')
is "$groups" "units=5 lr=1 2 2
units=5 lr=0.1 2 2
units=15 lr=1 2 2
units=15 lr=0.1 2 2" "ls --group shows each point's two repeats"
is "$(dl show 1 --yaml | grep -c '^  inits: 4$')" 1 "each run of the sweep searched 4 initialisations"
is "$(dl show 2 --yaml | grep '^seed:')" "seed: 4" "the second repeat has the next seed"
init=$(dl show 1 | grep '^initialisation: ')
case "$init" in
"initialisation: candidate "[1-4]" of 4 kept, initial loss "*" (all 4: "*" to "*")") ok 0 "show: the initialisation kept ($init)";;
*) ok 1 "show: the initialisation kept ($init)";;
esac
kept=$(echo "$init" | sed 's/.*initial loss \([^ ]*\) (all 4: \([^ ]*\) to .*/\1 \2/')
is "$(echo "$kept" | cut -d' ' -f1)" "$(echo "$kept" | cut -d' ' -f2)" "the candidate kept has the lowest initial loss"

# ---- browsing ----
show=$(dl show 5 --ascii)
echo "$show" | grep -q '^run 5  glyphs units=15 lr=1  done$'; ok $? "show: the summary line, with the sweep point"
echo "$show" | grep -q '^sweep 1, point units=15 lr=1, repeat 0$'; ok $? "show: the sweep point"
echo "$show" | grep -q '^  loss          [_.:=+*#-]*  '; ok $? "show: an ASCII sparkline of the loss"
echo "$show" | grep -q '^Confusion matrix'; ok $? "show: the confusion matrix"
echo "$show" | grep -q 'error per class$'; ok $? "show: the error of each class"
echo "$show" | grep -q '^misclassified test digits (true>predicted confidence): [1-6] of [0-9]*, one of each true class first$'
ok $? "show: misclassified digits, how many of how many"
if command -v sqlite3 >/dev/null 2>&1; then
	# the first kept mistake of each true class, then the second of each, ...
	want=$(sqlite3 "$DIGITLAB_HOME/runs.db" "SELECT idx, truth FROM (SELECT idx, truth, \
		row_number() OVER (PARTITION BY truth ORDER BY idx) AS r FROM misclassified \
		WHERE run_id = 5 AND split = 'test' ORDER BY r, truth LIMIT 6) ORDER BY truth, idx" |
		tr '|' ' ')
	got=$(echo "$show" | grep -o '#[0-9]* [0-9]>' | tr -d '#>')
	is "$(echo "$got" | tr '\n' ';')" "$(echo "$want" | tr '\n' ';')" \
		"show: the digits drawn are the first of each true class, not six of class 0"
else
	ok 0 "# SKIP needs the sqlite3 shell"
fi
cmp=$(dl compare 1 5)
echo "$cmp" | grep -q '^  model.layers\[0\].dense.units  *5  *15 *$'; ok $? "compare: the layer size that differs"
echo "$cmp" | grep -q 'seed'; ok $((! $?)) "compare: not what is the same"
echo "$cmp" | grep -q '^confusion difference, run 5 minus run 1'; ok $? "compare: the confusion difference"
is "$(dl export --format csv | wc -l | tr -d ' ')" 10 "export: a header and one line per run"
is "$(dl export 3 --format csv --history | wc -l | tr -d ' ')" 41 "export --history: one line per epoch"
is "$(dl export 1 2 --format json | grep -o '"yaml":' | wc -l | tr -d ' ')" 2 "export --format json: each run with its YAML"
is "$(dl ls --json | grep -o '"test_accuracy":' | wc -l | tr -d ' ')" 9 "ls --json: every run with its test accuracy"

dl tag 3 keep best >/dev/null && dl note 3 "the one to beat" >/dev/null
is "$(dl ls --tag best | awk 'NR > 1 {print $1}')" 3 "ls --tag finds the tagged run"
dl show 3 | grep -q '^note: the one to beat$'; ok $? "show prints the note"
ck="$DIGITLAB_HOME/checkpoints/run-4.model"
[ -f "$ck" ]; ok $? "a run's checkpoint is in the store"
is "$(dl rm 4)" "removed run 4 glyphs units=5 lr=0.1" "rm removes a run, naming it with its point"
[ ! -e "$ck" ] && [ "$(count_runs)" = 8 ]; ok $? "with its checkpoint"
out=$(dl show 4 2>&1)
is "$out" "digitlab show: no run 4 in $DIGITLAB_HOME/runs.db" "a removed run is gone"

# ---- stop after an epoch, then resume: the same result as without ----
dl queue add "$scratch/glyphs.yaml" --set train.epochs=100000 --set name=long >/dev/null
dl queue add "$scratch/glyphs.yaml" --set train.epochs=100000 --set name=long-twin >/dev/null
"$DIGITLAB" serve --drain --workers 1 > "$scratch/serve.log" 2>&1 &
serve=$!
for i in $(seq 1 100); do
	[ "$(status_of 10)" = running ] && break
	sleep 0.05
done
out=$(dl stop 10)
is "$out" "run 10: stopping (it ends after its epoch)" "stop asks a running run to end after its epoch"
for i in $(seq 1 100); do
	[ "$(status_of 10)" = paused ] && break
	sleep 0.05
done
is "$(status_of 10)" paused "the stopped run rests paused"
dl show 10 | grep -q '^message: stopped after epoch [0-9]*; resume continues it$'; ok $? "saying where it stopped"
wait $serve
dl resume 10 >/dev/null && dl serve --drain > /dev/null 2>&1
a=$(dl export 10 --format csv | tail -n 1 | cut -d, -f7-14)
b=$(dl export 11 --format csv | tail -n 1 | cut -d, -f7-14)
is "$a" "$b" "resumed, it ends with the metrics of its uninterrupted twin"

# ---- one serve per store ----
"$DIGITLAB" serve > "$scratch/serve1.log" 2>&1 &
serve=$!
for i in $(seq 1 100); do
	grep -q 'worker' "$scratch/serve1.log" && break
	sleep 0.05
done
out=$(dl serve 2>&1)
is "$?:$out" "4:digitlab serve: another serve (pid $serve) is running for $DIGITLAB_HOME; stop it first (kill $serve)" \
	"a second serve is refused, naming the first"
kill -TERM $serve
wait $serve
ok $? "SIGTERM stops serve cleanly"

# ---- two processes enqueue while a 2-worker serve drains ----
N=20
"$DIGITLAB" serve --workers 2 > "$scratch/serve2.log" 2>&1 &
serve=$!
enqueue() {
	for i in $(seq 1 $N); do
		dl queue add "$scratch/glyphs.yaml" --set name="$1-$i" --set train.epochs=5 >/dev/null || echo fail
	done
}
enqueue A > "$scratch/a.out" 2>&1 &
pa=$!
enqueue B > "$scratch/b.out" 2>&1 &
pb=$!
wait $pa; wait $pb
is "$(cat "$scratch/a.out" "$scratch/b.out")" "" "both processes queued all their runs"
for i in $(seq 1 400); do
	[ "$(dl ls --json | grep -o '"status":"done"' | wc -l)" -ge $((N * 2 + 10)) ] && break
	sleep 0.05
done
kill -TERM $serve; wait $serve
names=$(dl ls --name '[AB]-*' --json | tr '{' '\n' | sed -n 's/.*"name":"\([AB]-[0-9]*\)".*"status":"\([a-z]*\)".*/\1 \2/p' | sort)
is "$(echo "$names" | wc -l | tr -d ' ')" $((N * 2)) "all $((N * 2)) runs are present"
is "$(echo "$names" | cut -d' ' -f1 | sort -u | wc -l | tr -d ' ')" $((N * 2)) "each exactly once"
is "$(echo "$names" | grep -vc ' done$')" 0 "and all are done"

# ---- the validation set's analysis ----
out=$(dl show A-1 --validation 2>&1)
is "$?:$out" "1:digitlab: run $(dl ls --name A-1 --json | sed 's/.*"id":\([0-9]*\).*/\1/') kept no validation analysis (it has no validation set, or is not done)" \
	"show --validation of a run without a validation set says so"
dl queue add "$scratch/glyphs.yaml" --set name=held-out --set data.validation=0.3 >/dev/null
dl queue add "$scratch/glyphs.yaml" --set name=held-out-2 --set data.validation=0.3 \
	--set train.epochs=5 >/dev/null
dl serve --drain --workers 1 > "$scratch/serve3.log" 2>&1
show=$(dl show held-out --validation --ascii)
echo "$show" | grep -q '^Confusion matrix of the validation set'; ok $? "show --validation: its confusion matrix"
echo "$show" | grep -q '^misclassified validation digits (true>predicted'; ok $? "show --validation: its misclassified digits"
cmp=$(dl compare held-out held-out-2 --validation)
echo "$cmp" | grep -q '^validation confusion difference, run [0-9]* minus run [0-9]*'
ok $? "compare --validation: the difference of the validation confusion matrices"
dl compare A-1 held-out --validation | grep -q '^(no pair of validation confusion matrices to compare)$'
ok $? "compare --validation: a run without one is said to have none"

# ---- stop on a queued run holds it; a run of one epoch is "1 epoch" ----
dl queue add "$scratch/glyphs.yaml" --set name=one --set train.epochs=1 >/dev/null
one=$(dl ls --name one --json | sed 's/.*"id":\([0-9]*\).*/\1/')
is "$(dl stop one)" "run $one: paused (\`resume\` queues it again)" "stop on a queued run holds it paused, and says so"
dl resume one >/dev/null
dl serve --drain --workers 1 > "$scratch/serve4.log" 2>&1
grep -q "run $one one done: test accuracy [0-9.]*, 1 epoch in " "$scratch/serve4.log"
ok $? "serve's log says 1 epoch, not 1 epochs"
dl show one | grep -q '^history (1 epoch)$'; ok $? "show: history (1 epoch)"

# ---- a sweep's runs are named with their point ----
is "$(dl ls | sed -n 2p | cut -c1-52)" "$(printf '%5s  %-30s %-14s' 1 'glyphs units=5 lr=1' done)" \
	"ls: a sweep's run with its point"
dl queue add "$scratch/sweep.yaml" --set name=a-sweep-with-a-rather-long-name >/dev/null
long=$(dl ls --name 'a-sweep-*' --json | tr '{' '\n' | sed -n 's/^"id":\([0-9]*\),.*/\1/p' |
	sort -n | head -n 1)
is "$(dl queue ls | awk -v id="$long" '$1 == id' | cut -c8-37)" "a-sweep-with-a-r~ units=5 lr=1" \
	"queue ls: a long name is cut, the point kept whole"

# ---- rm takes ranges and whole sweeps ----
n_before=$(count_runs)
is "$(dl rm 2-3)" "removed run 2 glyphs units=5 lr=1
removed run 3 glyphs units=5 lr=0.1" "rm 2-3 removes the runs of the range"
out=$(dl rm 9990-9999 2>&1)
is "$?:$out" "2:digitlab rm: no runs with ids 9990-9999" "a range of no runs is said to be one"
out=$(dl rm 7-5 2>&1)
is "$?:$out" "2:digitlab rm: 7-5: a range goes from the smaller id to the larger
Try 'digitlab rm --help'." "a range the wrong way round is refused"
sweep=$(dl ls --name 'a-sweep-*' --json | sed 's/.*"sweep_id":\([0-9]*\).*/\1/' | head -n 1)
out=$(dl rm --sweep "$sweep")
is "$(echo "$out" | grep -c '^removed run [0-9]* a-sweep-with-a-rather-long-name units=')" 8 \
	"rm --sweep N removes every run of the sweep"
is "$(count_runs)" "$((n_before - 10))" "and nothing else"
out=$(dl rm --sweep "$sweep" 2>&1)
is "$?:$out" "2:digitlab rm: no runs of sweep $sweep" "a sweep with no runs left is said to have none"

done_testing
