#!/bin/sh
# digitlab run on generated 5x7 digits: it learns, it is deterministic, it
# reports in JSON, it stops a diverging run with exit status 3.
. "${top_srcdir:-.}/tests/tap.sh"

cat > "$scratch/font.yaml" <<'YAML'
name: font-test
seed: 3
data:
  source: font5x7
  train_kinds: [normal, small, digital, digital-small, hand]
  variants: 6
  validation: test
model:
  layers:
    - dense: {units: 32, activation: tanh}
    - dense: {units: 10, activation: softmax}
train:
  epochs: 40
  batch_size: 16
  optimizer: {type: adam, lr: 0.01}
YAML

run1=$("$DIGITLAB" run "$scratch/font.yaml" --json 2>"$scratch/err")
ok $? "run exits 0"
json=$(printf '%s\n' "$run1" | tail -n 1)
acc=$(json_field "$json" test_accuracy)
ok "$(awk -v a="$acc" 'BEGIN { print (a >= 0.95) ? 0 : 1 }')" "learns the 5x7 glyphs (test accuracy $acc >= 0.95)"
is "$(json_field "$json" epochs)" 40 "JSON reports 40 epochs"
is "$(json_field "$json" status)" '"done"' "JSON reports status done"
is "$(json_field "$json" params)" 1482 "JSON reports (35*32+32) + (32*10+10) = 1482 parameters"
is "$(printf '%s\n' "$run1" | wc -l | tr -d ' ')" 1 "--json: standard output is the JSON alone"
is "$(grep -c '^ *[0-9]*/40  ' "$scratch/err")" 40 "the rest goes to standard error: a row per epoch"
ok "$(grep -q '^Confusion matrix' "$scratch/err"; echo $?)" "the confusion matrix"
ok "$(grep -q '^Per-class error' "$scratch/err"; echo $?)" "and the per-class error"

# Same file, seed and threads: every metric identical (only timings differ).
strip_times() { sed -e 's/ - [0-9.]*s$//' -e 's/"seconds":[0-9.e+-]*//g' -e 's/in [0-9.]*s$//'; }
run2=$("$DIGITLAB" run "$scratch/font.yaml" --json 2>/dev/null)
is "$(printf '%s\n' "$run2" | strip_times | cksum)" "$(printf '%s\n' "$run1" | strip_times | cksum)" \
	"same seed and thread count give identical metrics"
run3=$("$DIGITLAB" run "$scratch/font.yaml" --json --set seed=4 2>/dev/null)
ok "$([ "$(printf '%s\n' "$run3" | strip_times | cksum)" != "$(printf '%s\n' "$run1" | strip_times | cksum)" ]; echo $?)" \
	"another seed gives other metrics"

# Augmentation: prepared in the batch thread, still deterministic.
aug1=$("$DIGITLAB" run "$scratch/font.yaml" --json --set 'augment={rotation: 10, zoom: 0.1, shift: 0.1}' 2>/dev/null)
ok $? "a run with augmentation"
aug2=$("$DIGITLAB" run "$scratch/font.yaml" --json --set 'augment={rotation: 10, zoom: 0.1, shift: 0.1}' 2>/dev/null)
is "$(printf '%s\n' "$aug2" | strip_times | cksum)" "$(printf '%s\n' "$aug1" | strip_times | cksum)" \
	"augmented runs with the same seed give identical metrics"
ok "$([ "$(printf '%s\n' "$aug1" | strip_times | cksum)" != "$(printf '%s\n' "$run1" | strip_times | cksum)" ]; echo $?)" \
	"augmentation changes what is learned"
out=$("$DIGITLAB" augment-preview "$scratch/font.yaml" 2 --ascii --set 'augment={shift: 0.2}')
ok $? "augment-preview runs"
is "$(printf '%s\n' "$out" | grep -c '^sample [01]: label [0-9]$')" 2 "augment-preview shows the two digits asked for"
# pixels scaled to 255 are on at half the brightest, so they draw the same
scaled=$("$DIGITLAB" augment-preview "$scratch/font.yaml" 2 --ascii --set 'augment={shift: 0.2}' \
	--set data.scale=255)
is "$(printf '%s\n' "$scaled" | tail -n +2)" "$(printf '%s\n' "$out" | tail -n +2)" \
	"augment-preview draws data scaled to 255 as it draws data in [0, 1]"
printf '%s\n' "$out" | grep -q '^+-*+  +-*+$'; ok $? "each pair framed, two columns apart"

# A learning rate far too large makes the loss overflow: diverged, exit 3.
"$DIGITLAB" run "$scratch/font.yaml" --set train.loss=mse \
	--set 'model.layers[1].dense.activation=linear' \
	--set train.optimizer='{type: sgd, lr: 1.0e+30}' >"$scratch/out" 2>"$scratch/err"
is "$?" 3 "a diverging run exits with status 3"
ok "$(grep -q "^digitlab: $scratch/font.yaml: run diverged: loss became \(NaN\|infinite\) at epoch 1, batch [0-9]* of [0-9]*$" "$scratch/err"; echo $?)" \
	"and says where the loss stopped being finite"

# Bad data: a truncated IDX file names the file and what is wrong.
head -c 100 /dev/zero > "$scratch/trunc-images"
cat > "$scratch/idx.yaml" <<YAML
data:
  source: idx
  train_images: $scratch/trunc-images
  train_labels: $scratch/trunc-images
  test_images: $scratch/trunc-images
  test_labels: $scratch/trunc-images
model:
  layers:
    - dense: {units: 10, activation: softmax}
YAML
"$DIGITLAB" run "$scratch/idx.yaml" >/dev/null 2>"$scratch/err"
status=$?
ok "$([ "$status" -ne 0 ] && [ "$status" -ne 3 ]; echo $?)" "a bad data file fails the run (status $status)"
ok "$(grep -q "^digitlab: $scratch/trunc-images: error: " "$scratch/err"; echo $?)" "the error names the data file"

# Notebook 000's workflow on the generated glyphs: full-batch gradient descent
# at lr 1 fits the 40 training glyphs until the mean squared error is below
# 0.001 (the notebook needed about 18,000 epochs), and most hand-drawn test
# glyphs come out right.
json=$(cd "$top_srcdir" && "$DIGITLAB" run experiments/nb000-font5x7.yaml --json | tail -n 1)
is "$(json_field "$json" stopped_early)" true "nb000-font5x7 reaches its training-error target"
epochs=$(json_field "$json" epochs)
ok "$([ "$epochs" -gt 15000 ] && [ "$epochs" -lt 25000 ]; echo $?)" "in 15,000-25,000 epochs ($epochs)"
acc=$(json_field "$json" test_accuracy)
ok "$(awk -v a="$acc" 'BEGIN { print (a >= 0.7) ? 0 : 1 }')" "and gets >= 7 of the 10 hand-drawn glyphs right ($acc)"

done_testing
