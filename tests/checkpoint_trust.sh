#!/bin/sh
# A checkpoint proves whose it is: another run's checkpoint copied over a
# run's is refused, saying so. Checkpoint paths are kept relative to the
# store: a moved store resumes its runs where they stopped, and `rm` takes
# the moved checkpoint with it. Two processes checkpointing one file never
# share a temporary file.
. "${top_srcdir:-.}/tests/tap.sh"

command -v sqlite3 >/dev/null || skip_all "needs the sqlite3 shell (quickstart.sh check installs it)"
DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }
strip_times() { sed -e 's/"seconds":[0-9.e+-]*//g'; }
status_of() { dl ls --json | tr '{' '\n' | grep "^\"id\":$1," | sed 's/.*"status":"\([a-z]*\)".*/\1/'; }
sed 's/epochs: 20/epochs: 3000/' "$top_srcdir/tests/data/glyphs.yaml" > "$scratch/long.yaml"

# serve until every given run has a checkpoint, then kill -9 it
serve_until_checkpoints() {
	"$DIGITLAB" serve --workers 2 --checkpoint-every 0 > "$scratch/serve.log" 2>&1 &
	serve=$!
	for id in "$@"; do
		wait_file "$DIGITLAB_HOME/checkpoints/run-$id.model" 30
	done
	kill -9 $serve
	wait $serve 2>/dev/null
}

# ---- another run's checkpoint is refused ----
dl queue add "$scratch/long.yaml" --set name=one --set seed=1 > /dev/null
dl queue add "$scratch/long.yaml" --set name=two --set seed=2 > /dev/null
serve_until_checkpoints 1 2
cp "$DIGITLAB_HOME/checkpoints/run-2.model" "$DIGITLAB_HOME/checkpoints/run-1.model"
dl cancel 2 > /dev/null
dl serve --drain > "$scratch/serve2.log" 2>&1
is "$(status_of 1)" failed "a run handed another run's checkpoint does not resume from it"
is "$(dl show 1 | grep '^message: ')" "message: $DIGITLAB_HOME/checkpoints/run-1.model is not this run's checkpoint: it holds another experiment (two, seed 2), so the run was not resumed from it. Move it away and retry the run to train it from the start" \
	"  and says whose it is and what to do"
rm "$DIGITLAB_HOME/checkpoints/run-1.model"
dl retry 1 > /dev/null
"$DIGITLAB" serve --drain > /dev/null 2>&1
is "$(status_of 1)" done "once it is moved away, a retry trains the run from the start"

# ---- a moved store resumes its runs, and rm finds their checkpoints ----
dl queue add "$scratch/long.yaml" --set name=three > /dev/null
serve_until_checkpoints 3
first=$(sqlite3 "$DIGITLAB_HOME/runs.db" "SELECT seconds FROM epochs WHERE run_id = 3 AND epoch = 1")
is "$(sqlite3 "$DIGITLAB_HOME/runs.db" "SELECT checkpoint FROM runs WHERE id = 3")" \
	"checkpoints/run-3.model" "the checkpoint's path is kept relative to the store"
mv "$DIGITLAB_HOME" "$scratch/moved"
DIGITLAB_HOME="$scratch/moved"
dl serve --drain > "$scratch/serve3.log" 2>&1
is "$(status_of 3)" done "the moved store's interrupted run is trained to the end"
is "$(sqlite3 "$DIGITLAB_HOME/runs.db" "SELECT seconds FROM epochs WHERE run_id = 3 AND epoch = 1")" \
	"$first" "  resumed from its checkpoint: its first epoch was not trained again"
dl rm 3 > /dev/null
ok "$([ ! -e "$DIGITLAB_HOME/checkpoints/run-3.model" ]; echo $?)" "rm removes the moved checkpoint"

# ---- two `run --resume` of one model file at once never trip over each other ----
"$DIGITLAB" run "$scratch/long.yaml" --log-every 1 --checkpoint "$scratch/twice.model" > "$scratch/t0.out" 2>&1 &
pid=$!
waited=0
while ! grep -q '^ *5/3000 ' "$scratch/t0.out" 2>/dev/null && [ $waited -lt 300 ]; do
	sleep 0.1
	waited=$((waited + 1))
done
kill -TERM $pid
wait $pid 2>/dev/null
"$DIGITLAB" run --resume "$scratch/twice.model" --json --quiet > "$scratch/t1.out" 2> "$scratch/t1.err" &
first=$!
"$DIGITLAB" run --resume "$scratch/twice.model" --json --quiet > "$scratch/t2.out" 2> "$scratch/t2.err"
second=$?
wait $first
is "$?:$second" "0:0" "two runs resuming one model file at once both finish"
is "$(cat "$scratch/t1.err" "$scratch/t2.err")" "" "  without a word of error"
is "$(tail -n 1 "$scratch/t1.out" | strip_times)" "$(tail -n 1 "$scratch/t2.out" | strip_times)" \
	"  with the same metrics"
is "$(ls "$scratch" | grep -c 'twice.model.tmp')" 0 "  and no temporary file left"
"$DIGITLAB" run --resume "$scratch/twice.model" > "$scratch/t3.out" 2>&1
is "$?:$(head -n 1 "$scratch/t3.out")" "0:resuming $scratch/twice.model after epoch 3000" \
	"  and the model file they leave is whole"

done_testing
