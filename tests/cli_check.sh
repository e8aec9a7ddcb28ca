#!/bin/sh
# digitlab check / summary / --set: the exact messages a person sees for bad
# experiment files, and that every shipped experiment file is valid.
. "${top_srcdir:-.}/tests/tap.sh"

expect_error() { # expect_error FILE-CONTENT WANT-STDERR DESCRIPTION [ARGS...]
	content=$1 want=$2 desc=$3
	shift 3
	printf '%s' "$content" > "$scratch/bad.yaml"
	got=$(cd "$scratch" && "$DIGITLAB" check bad.yaml "$@" 2>&1)
	status=$?
	is "$status" 2 "$desc: exit status 2"
	is "$got" "$want" "$desc: message"
}

out=$(cd "$top_srcdir" && "$DIGITLAB" check experiments/*.yaml 2>&1)
ok $? "every file in experiments/ is valid"
n=$(printf '%s\n' "$out" | grep -c ': ok\( (a sweep of [0-9]* runs)\)\?$')
is "$n" "$(ls "$top_srcdir"/experiments/*.yaml | wc -l)" "check says ok once per file"
is "$(printf '%s\n' "$out" | grep 'hidden-sweep')" "experiments/nb000-hidden-sweep.yaml: ok (a sweep of 13 runs)" \
	"check counts a sweep's runs"

good='model:
  layers:
    - dense: {units: 10, activation: softmax}
'
expect_error "$good
trian:
  epochs: 3
" "digitlab: bad.yaml:5:1: error: unknown key 'trian' at top level (did you mean 'train'?)" \
	"misspelt top-level key"

expect_error "$good
train:
  epochs: ten
" "digitlab: bad.yaml:6:11: error: train.epochs: expected an integer, found 'ten'" \
	"wrong type"

expect_error "$good
train:
  epochs: 0
" "digitlab: bad.yaml:6:11: error: train.epochs: must be between 1 and 1000000, found 0" \
	"out of range"

expect_error "" "digitlab: bad.yaml:1:1: error: empty experiment file" "empty file"

expect_error "model: [1, 2
" "digitlab: bad.yaml:2:1: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 8)" \
	"invalid YAML"

expect_error "$good" "digitlab: --set train.optimiser.lr=0.1: error: unknown key 'optimiser' in train (did you mean 'optimizer'?)" \
	"misspelt --set key" --set train.optimiser.lr=0.1

expect_error "model:
  layers:
    - dense: {units: 16, activation: softmax}
" "digitlab: bad.yaml: error: the last layer has 16 units but the data has 10 classes" \
	"output units must match the classes"

got=$("$DIGITLAB" check "$scratch/missing.yaml" 2>&1)
is "$?" 2 "missing file: exit status 2"
is "$got" "digitlab: $scratch/missing.yaml: error: No such file or directory" "missing file: message"

# a sweep point whose IDX images cannot be read: the file and the point named
printf '\000\000\010\003\000\000\000\001\000\000\000\002\000\000\000\002abcd' > "$scratch/images"
cat > "$scratch/idx-sweep.yaml" <<EOF
data: {source: idx, train_images: images, train_labels: l, test_images: t, test_labels: u}
model:
  layers:
    - flatten: {}
    - dense: {units: 10, activation: softmax}
sweep:
  grid: {"data.train_images": [images, gone]}
EOF
got=$(cd "$scratch" && "$DIGITLAB" check idx-sweep.yaml 2>&1)
is "$?" 2 "sweep over unreadable images: exit status 2"
is "$got" "digitlab: gone: error: sweep point train_images=gone: No such file or directory" \
	"sweep over unreadable images: the IDX file and the point named"

out=$(cd "$top_srcdir" && "$DIGITLAB" summary experiments/nb003-dense16.yaml)
ok $? "summary runs"
is "$(printf '%s\n' "$out" | grep '^Total')" "Total params: 12,730" "notebook 003's Dense16 net has 12,730 parameters"
is "$(printf '%s\n' "$out" | grep '^\[0\]' | tr -s ' ')" "[0] dense (relu) (16) 12,560" \
	"summary row of the first layer, numbered as --set numbers it"

out=$(cd "$top_srcdir" && "$DIGITLAB" summary experiments/nb003-dense16.yaml --set 'model.layers[0].dense.units=32')
is "$(printf '%s\n' "$out" | grep '^Total')" "Total params: 25,450" "--set changes the model"

# notebook 004's CNN, as Keras's summary counts it (batchnorm's running
# statistics are the 576 non-trainable parameters)
out=$(cd "$top_srcdir" && "$DIGITLAB" summary experiments/nb004-cnn.yaml)
is "$out" "$(cat "$top_srcdir/tests/golden/summary-nb004-cnn.txt")" "summary of notebook 004's CNN matches its golden file"
is "$(printf '%s\n' "$out" | grep '^Non-trainable')" "Non-trainable params: 576" "576 non-trainable parameters"

done_testing
