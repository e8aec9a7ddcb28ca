#!/bin/sh
# Model files: a run killed with SIGKILL resumes from its last checkpoint to
# exactly the metrics of an uninterrupted run; predict classifies images with
# a saved model; damaged or hostile model files are refused with a message;
# a model file from before the field-by-field encoding reads as it did.
. "${top_srcdir:-.}/tests/tap.sh"

cat > "$scratch/font.yaml" <<'YAML'
name: resume-test
seed: 11
data:
  source: font5x7
  variants: 20
  validation: test
model:
  layers:
    - dense: {units: 64, activation: relu}
    - dropout: 0.1
    - dense: {units: 10, activation: softmax}
train:
  epochs: 150
  batch_size: 4
  optimizer: {type: adam, lr: 0.002}
  schedule: {type: reduce_on_plateau, monitor: loss, factor: 0.5, patience: 3}
YAML

strip_times() { tail -n 1 | sed -e 's/"seconds":[0-9.e+-]*//g'; }
checkpoint_epoch() { od -An -tu4 -j12 -N4 "$1" 2>/dev/null | tr -d ' '; }

ref=$("$DIGITLAB" run "$scratch/font.yaml" --json --checkpoint "$scratch/ref.model" 2>/dev/null)
ok $? "uninterrupted run with checkpoints"
is "$(checkpoint_epoch "$scratch/ref.model")" 150 "the last checkpoint is of epoch 150"

"$DIGITLAB" run "$scratch/font.yaml" --json --checkpoint "$scratch/killed.model" \
	>/dev/null 2>&1 &
pid=$!
tries=0
while [ "$(checkpoint_epoch "$scratch/killed.model")" = "" ] ||
      [ "$(checkpoint_epoch "$scratch/killed.model")" -lt 2 ]; do
	tries=$((tries + 1))
	[ $tries -gt 600 ] && break
	sleep 0.05
done
kill -9 $pid 2>/dev/null
killed=$?
wait $pid 2>/dev/null
at=$(checkpoint_epoch "$scratch/killed.model")
ok "$([ $killed -eq 0 ] && [ "$at" -ge 2 ] && [ "$at" -lt 150 ]; echo $?)" \
	"SIGKILL during training, after the checkpoint of epoch $at"
ok "$([ -z "$(ls "$scratch"/killed.model.tmp* 2>/dev/null)" ] || [ -s "$scratch/killed.model" ]; echo $?)" \
	"a complete checkpoint survives the kill"

resumed=$("$DIGITLAB" run --resume "$scratch/killed.model" --json 2>/dev/null)
ok $? "the killed run resumes"
is "$(printf '%s\n' "$resumed" | strip_times)" "$(printf '%s\n' "$ref" | strip_times)" \
	"resumed run ends bit-identical to the uninterrupted one (history, test metrics, confusion)"

# predict: the clean "7" glyph of the normal kind as a 5x7 PGM, scaled up.
cp "$top_srcdir/tests/data/seven.pgm" "$scratch/seven.pgm"
out=$("$DIGITLAB" predict "$scratch/ref.model" "$scratch/seven.pgm")
ok $? "predict runs on a PGM image"
ok "$(printf '%s\n' "$out" | grep -q "^$scratch/seven.pgm: [0-9]  0:[0-9.]* 1:[0-9.]* .* 9:[0-9.]*$"; echo $?)" \
	"predict prints the digit and ten probabilities"

head -c 1000 "$scratch/ref.model" > "$scratch/short.model"
got=$("$DIGITLAB" predict "$scratch/short.model" "$scratch/seven.pgm" 2>&1)
is "$?" 1 "truncated model file: exit status 1"
ok "$(printf '%s\n' "$got" | grep -q "^digitlab: $scratch/short.model: error: corrupt model file: the header declares"; echo $?)" \
	"truncated model file: the sizes do not add up"

cp "$scratch/ref.model" "$scratch/flipped.model"
printf 'X' | dd of="$scratch/flipped.model" bs=1 seek=2000 conv=notrunc 2>/dev/null
is "$("$DIGITLAB" predict "$scratch/flipped.model" "$scratch/seven.pgm" 2>&1)" \
	"digitlab: $scratch/flipped.model: error: corrupt model file: checksum mismatch" \
	"a flipped byte is caught by the checksum"

# A header claiming 10^12 weights in a file of a few hundred bytes.
{
	printf 'DLMODEL\000\001\000\000\000\000\000\000\000\012\000\000\000\000\000\000\000'
	printf '\001\000\000\000\000\000\000\000\000\020\245\324\350\000\000\000'
	head -c 300 /dev/zero
} > "$scratch/hostile.model"
is "$("$DIGITLAB" predict "$scratch/hostile.model" "$scratch/seven.pgm" 2>&1)" \
	"digitlab: $scratch/hostile.model: error: corrupt model file: the header declares 1000000000000 parameters and 0 + 0 bytes of state, which do not fit its 340 bytes" \
	"a hostile header is refused before any allocation"

is "$("$DIGITLAB" predict "$scratch/font.yaml" "$scratch/seven.pgm" 2>&1)" \
	"digitlab: $scratch/font.yaml: error: not a digitlab model file (bad magic)" \
	"a file of another kind is named as such"

# A model file written before every field was encoded little-endian one by
# one (by memcpy, on a little-endian host) means the same today: the same
# prediction, and resumed (it is complete: nothing left to train) the same
# history, test metrics and confusion matrix.
cp "$top_srcdir/tests/data/font-v1.model" "$scratch/v1.model"
is "$("$DIGITLAB" predict "$scratch/v1.model" "$scratch/seven.pgm")" \
	"$scratch/seven.pgm: 7  0:0.000 1:0.011 2:0.005 3:0.005 4:0.008 5:0.005 6:0.000 7:0.965 8:0.000 9:0.000" \
	"an older model file predicts as it did"
is "$("$DIGITLAB" run --resume "$scratch/v1.model" --json 2>/dev/null | strip_times)" \
	"$(cat "$top_srcdir/tests/golden/resume-font-v1.json")" \
	"and resumes to the history and results it had"

# A checkpoint of an earlier format (trainer state version 1, whose history
# kept 160 bytes of events per epoch) still resumes: interrupted after
# epoch 2 of 4.
cp "$top_srcdir/tests/data/trainer-state-v1.model" "$scratch/v1.model"
out=$("$DIGITLAB" run --resume "$scratch/v1.model" --json 2>"$scratch/err")
ok $? "a version-1 checkpoint resumes"
is "$(json_field "$out" status):$(json_field "$out" epochs)" '"done":4' "and ends done after its 4 epochs"
is "$(head -n 1 "$scratch/err")" "resuming $scratch/v1.model after epoch 2" "from epoch 2"
is "$(printf '%s\n' "$out" | grep -o '"epoch":[0-9]*' | tr '\n' ' ')" '"epoch":1 "epoch":2 "epoch":3 "epoch":4 ' \
	"with the history it kept"

done_testing
