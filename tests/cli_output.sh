#!/bin/sh
# What `digitlab run` prints fits 80 columns and can be asked for in less:
# the table of epochs, --log-every, --quiet, --json alone on standard
# output, the live bar with its ETA and loss, and the note on a sweep.
. "${top_srcdir:-.}/tests/tap.sh"

cat > "$scratch/g.yaml" <<'YAML'
name: glyphs
seed: 1
data: {source: font5x7, variants: 2, validation: test}
model:
  layers:
    - dense: {units: 16, activation: relu}
    - dense: {units: 10, activation: softmax}
train: {epochs: 7, batch_size: 8}
YAML
wide() { awk 'length > 80' | wc -l | tr -d ' '; }

"$DIGITLAB" run "$scratch/g.yaml" > "$scratch/out"
ok $? "run exits 0"
rows() { awk "/^ *[0-9]+\/$1 /"; }
is "$(grep '^ *epoch ' "$scratch/out")" "epoch      loss  accuracy  val_loss  val_accuracy        lr    time" \
	"a header over the epochs"
is "$(rows 7 < "$scratch/out" | awk '{print $1}' | tr '\n' ' ')" "1/7 2/7 3/7 4/7 5/7 6/7 7/7 " \
	"a row per epoch"
is "$(rows 7 < "$scratch/out" | head -n 1 | sed 's/ *[0-9.]*s$//; s/[0-9]/9/g')" "  9/9    9.9999    9.9999    9.9999        9.9999     9.999" \
	"each metric with 4 decimals in its column"
is "$(wide < "$scratch/out")" 0 "nothing wider than 80 columns"

"$DIGITLAB" run "$scratch/g.yaml" --log-every 3 > "$scratch/out"
is "$(rows 7 < "$scratch/out" | awk '{print $1}' | tr '\n' ' ')" "1/7 3/7 6/7 7/7 " \
	"--log-every 3: the first, every third and the last epoch"

# notebook 000: 20,569 epochs of 40,000, with a validation set
(cd "$top_srcdir" && "$DIGITLAB" run experiments/nb000-font5x7.yaml --set data.validation=test) > "$scratch/out"
is "$(grep '^model:' "$scratch/out")" "model: 700 parameters; sgd lr 1; batch 40; 40000 epochs, a line every 500" \
	"a run of 40,000 epochs prints a line every 500, and says so"
is "$(rows 40000 < "$scratch/out" | wc -l | tr -d ' ')" 43 \
	"the first, every 500th, and the one early stopping ended on"
is "$(grep -A1 '^20569/40000 ' "$scratch/out" | tail -n 1 | sed 's/ (.*//')" "            early stop" \
	"the early stop follows its epoch, indented"
is "$(wide < "$scratch/out")" 0 "nothing wider than 80 columns"

"$DIGITLAB" run "$scratch/g.yaml" --quiet > "$scratch/out"
is "$(sed -n 1p "$scratch/out" | sed 's/[0-9][0-9.]*/N/g')" "Test accuracy: N - test loss: N (N samples) - N epochs in Ns" \
	"--quiet: only the result"
is "$(grep -c 'epoch ' "$scratch/out")" 0 "no epochs"
out=$("$DIGITLAB" run "$scratch/g.yaml" --quiet --log-every 2 2>&1)
is "$?:$out" "2:digitlab run: --quiet prints no epochs: drop --log-every or --quiet
Try 'digitlab run --help'." "--quiet with --log-every is refused"

"$DIGITLAB" run "$scratch/g.yaml" --json > "$scratch/out" 2> "$scratch/err"
is "$(wc -l < "$scratch/out" | tr -d ' '):$(cut -c1 "$scratch/out")$(rev "$scratch/out" | cut -c1)" "1:{}" \
	"--json: standard output is one JSON object"
grep -q '^Test accuracy: ' "$scratch/err"; ok $? "and the rest is on standard error"
"$DIGITLAB" run "$scratch/g.yaml" --json --quiet > "$scratch/out" 2> "$scratch/err"
is "$(wc -c < "$scratch/err" | tr -d ' ')" 0 "--json --quiet: the JSON alone"

# The live bar, in a terminal: ETA and running loss, within 79 columns.
if command -v script >/dev/null 2>&1; then
	cat > "$scratch/long.yaml" <<'YAML'
data: {source: font5x7, variants: 400}
model:
  layers:
    - dense: {units: 64, activation: relu}
    - dense: {units: 10, activation: softmax}
train: {epochs: 2, batch_size: 1}
YAML
	script -qc "'$DIGITLAB' run '$scratch/long.yaml'" /dev/null < /dev/null > "$scratch/tty"
	tr '\r' '\n' < "$scratch/tty" | sed 's/\x1b\[K//g' | grep ' ETA ' > "$scratch/bars"
	ok "$([ -s "$scratch/bars" ]; echo $?)" "a terminal gets a live bar"
	is "$(sed -n 1p "$scratch/bars" | sed 's/[0-9][0-9.ms]*/N/g; s/=*>*\.*\]/]/')" "  N/N [] N/N - ETA N - loss: N" \
		"with the batch, the ETA of the epoch and the running loss"
	is "$(awk 'length > 79' "$scratch/bars" | wc -l | tr -d ' ')" 0 "within 79 columns"
else
	ok 0 "# SKIP no script(1) for a terminal"
	ok 0 "# SKIP"
	ok 0 "# SKIP"
fi

# A file with a sweep: run trains its base experiment and says how to
# train the sweep.
{ cat "$scratch/g.yaml"; printf 'sweep:\n  grid: {"train.optimizer.lr": [0.1, 0.01]}\n'; } > "$scratch/sweep.yaml"
"$DIGITLAB" run "$scratch/sweep.yaml" --quiet > /dev/null 2> "$scratch/err"
is "$(cat "$scratch/err")" "digitlab run: $scratch/sweep.yaml has a sweep of 2 runs; run trains only the experiment without it.
To train the sweep: digitlab queue add $scratch/sweep.yaml, then digitlab serve --drain" \
	"run on a file with a sweep says so, and how to train it"

done_testing
