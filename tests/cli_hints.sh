#!/bin/sh
# Mistakes a newcomer makes on the command line, each answered with the fix:
# the command meant, the --set for an option that names a key, the values
# an option takes, what to do about a YAML slip, the image predict wants.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
cp "$top_srcdir/tests/data/glyphs.yaml" "$scratch/g.yaml"

out=$("$DIGITLAB" trian 2>&1)
is "$?:$out" "2:digitlab: unknown command 'trian' (did you mean 'run'?)
Try 'digitlab --help' for the list of commands." "a misspelt command: the one meant, not 30 lines of usage"
out=$("$DIGITLAB" lst 2>&1)
is "$out" "digitlab: unknown command 'lst' (did you mean 'ls'?)
Try 'digitlab --help' for the list of commands." "a misspelt ls"
out=$("$DIGITLAB" xyzzy 2>&1)
is "$out" "digitlab: unknown command 'xyzzy'
Try 'digitlab --help' for the list of commands." "a word like no command: no guess"

out=$("$DIGITLAB" run "$scratch/g.yaml" --epochs 1 2>&1)
is "$?:$out" "2:digitlab run: unknown option '--epochs' (use --set train.epochs=1)
Try 'digitlab run --help'." "--epochs 1: use --set train.epochs=1"
out=$("$DIGITLAB" check "$scratch/g.yaml" --learning-rate=0.1 2>&1)
is "$out" "digitlab check: unknown option '--learning-rate' (use --set train.optimizer.lr=0.1)
Try 'digitlab check --help'." "--learning-rate=0.1: the key it names, by its Keras name"
out=$("$DIGITLAB" queue add "$scratch/g.yaml" --frobnicate 2>&1)
is "$out" "digitlab queue: unknown option '--frobnicate'
Try 'digitlab queue --help'." "an option that names nothing"

out=$("$DIGITLAB" run "$scratch/g.yaml" --set epochs=1 2>&1)
is "$?:$out" "2:digitlab: --set epochs=1: error: unknown key 'epochs' at top level (did you mean 'train.epochs'?)" \
	"--set epochs=1: did you mean train.epochs"
out=$("$DIGITLAB" check "$scratch/g.yaml" --set 'train.optimizer={type: adam, learning_rate: 0.1}' 2>&1)
is "$out" "digitlab: --set train.optimizer={type: adam, learning_rate: 0.1}: error: unknown key 'learning_rate' in train.optimizer (did you mean 'lr'?)" \
	"Keras's learning_rate: did you mean lr"

out=$("$DIGITLAB" ls --sort accuracy 2>&1)
is "$?:$out" "2:digitlab ls: --sort: unknown value 'accuracy' (expected one of: id, name, status, params, epochs, train_acc, val_acc, test_acc, seconds, created)
Try 'digitlab ls --help'." "ls --sort accuracy: the valid keys listed"
out=$("$DIGITLAB" ls --sort -test_ac 2>&1)
is "$out" "digitlab ls: --sort: unknown value 'test_ac' (did you mean 'test_acc'? expected one of: id, name, status, params, epochs, train_acc, val_acc, test_acc, seconds, created)
Try 'digitlab ls --help'." "ls --sort -test_ac: the close one"
"$DIGITLAB" ls --sort -test_accuracy >/dev/null
ok $? "ls --sort takes the names ls --json prints (test_accuracy)"
out=$("$DIGITLAB" ls --status finished 2>&1)
is "$out" "digitlab ls: --status: unknown value 'finished' (expected one of: queued, running, done, failed, diverged, cancelled, interrupted, paused, pruned)
Try 'digitlab ls --help'." "ls --status finished: the statuses listed"

# YAML slips: an unquoted grid key with [ ] in { }, a tab, a bare layer kind
{ cat "$scratch/g.yaml"; printf 'sweep:\n  grid: {model.layers[0].dense.units: [5, 10]}\n'; } > "$scratch/grid.yaml"
out=$("$DIGITLAB" check "$scratch/grid.yaml" 2>&1)
is "$out" "digitlab: $scratch/grid.yaml:11:22: error: invalid YAML: a key with [ ] inside { } must be quoted, as in {\"model.layers[0].dense.units\": [...]}" \
	"an unquoted grid key: quote it"
printf 'model:\n\tlayers:\n    - dense: {units: 10}\n' > "$scratch/tab.yaml"
out=$("$DIGITLAB" check "$scratch/tab.yaml" 2>&1)
is "$out" "digitlab: $scratch/tab.yaml:2:1: error: invalid YAML: a tab where YAML wants spaces: indent with spaces only" \
	"a tab in the indentation: use spaces"
printf 'data: {source: font5x7}\nmodel:\n  layers:\n    - dense: {units: 16}\n    - batchnorm\n    - dense: {units: 10, activation: softmax}\n' > "$scratch/bn.yaml"
out=$("$DIGITLAB" check "$scratch/bn.yaml" 2>&1)
is "$out" "digitlab: $scratch/bn.yaml:5:7: error: model.layers[1]: a layer kind is a key with its settings: write '- batchnorm: {}'" \
	"- batchnorm: write '- batchnorm: {}'"

# predict: a model of the glyphs, a text file, a PNG, dark ink on white
"$DIGITLAB" run "$scratch/g.yaml" --quiet --set train.epochs=2 --checkpoint "$scratch/g.model" >/dev/null
echo "not an image" > "$scratch/notes.txt"
out=$("$DIGITLAB" predict "$scratch/g.model" "$scratch/notes.txt" 2>&1)
is "$?:$out" "1:digitlab: $scratch/notes.txt: error: not an image digitlab reads: a PNG or PGM image, a folder of them, an IDX image file or a pixel CSV file" \
	"a text file: not an image it reads, and what it reads"
# a 7 drawn dark on white, as a scanner or a paint program gives it
printf 'P2\n5 7\n1\n0 0 0 0 0\n1 1 1 1 0\n1 1 1 1 0\n1 1 1 0 1\n1 1 0 1 1\n1 1 0 1 1\n1 1 0 1 1\n' > "$scratch/dark7.pgm"
"$DIGITLAB" predict "$scratch/g.model" "$scratch/dark7.pgm" >/dev/null 2>"$scratch/err"
is "$(cat "$scratch/err")" "digitlab predict: $scratch/dark7.pgm: warning: the border is light (mean 0.60) and the model reads light digits on a dark ground: for a dark digit on a light ground add --invert" \
	"dark ink on white without --invert: a warning from the border"
"$DIGITLAB" predict "$scratch/g.model" "$scratch/dark7.pgm" --invert >/dev/null 2>"$scratch/err"
is "$(cat "$scratch/err")" "" "with --invert: no warning"
"$DIGITLAB" predict "$scratch/g.model" "$top_srcdir/tests/data/seven.pgm" >/dev/null 2>"$scratch/err"
is "$(cat "$scratch/err")" "" "a light digit on dark: no warning"

done_testing
