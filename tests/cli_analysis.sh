#!/bin/sh
# digitlab weights and predict --saliency on a small model trained here on
# the generated 5x7 glyphs: the layouts, the PGM files and the messages.
. "${top_srcdir:-.}/tests/tap.sh"

cat > "$scratch/conv.yaml" <<'YAML'
name: analysis-test
seed: 3
data: {source: font5x7, variants: 4, validation: test}
model:
  layers:
    - conv2d: {filters: 4, kernel: 3, padding: same, activation: relu}
    - flatten: {}
    - dense: {units: 10, activation: softmax}
train: {epochs: 5, batch_size: 8, optimizer: adam}
YAML
"$DIGITLAB" run "$scratch/conv.yaml" --checkpoint "$scratch/conv.model" >/dev/null 2>&1
ok $? "a small CNN trains and leaves a model file"

out=$("$DIGITLAB" weights "$scratch/conv.model" --ascii)
ok $? "weights runs"
is "$(printf '%s\n' "$out" | head -n 1)" "layer 1 (conv2d): 4 images of 3x3" "the first layer with weights by default"
is "$(printf '%s\n' "$out" | sed -n 2p)" "f0      f1      f2      f3" "one caption per filter, 3 pixels of 2 characters apart"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 5 "a header, the captions and 3 rows of pixels"
is "$(printf '%s\n' "$out" | sed -n 3p | wc -c | tr -d ' ')" 31 "four 6-character images 2 apart on a row"

out=$("$DIGITLAB" weights "$scratch/conv.model" --layer 3 --max 2 --ascii)
is "$(printf '%s\n' "$out" | head -n 1)" "layer 3 (dense): 10 images of 12x12" \
	"a dense layer over a 4-channel map is drawn as a near-square of its 140 weights"
is "$(printf '%s\n' "$out" | tail -n 1)" "(8 more; --max 10 shows them all)" "--max cuts the list and says so"

"$DIGITLAB" weights "$scratch/conv.model" --pgm "$scratch/pgm" >/dev/null
ok $? "weights --pgm writes files"
is "$(ls "$scratch/pgm" | wc -l | tr -d ' ')" 4 "one PGM per filter"
is "$(head -c 11 "$scratch/pgm/layer1-003.pgm" | tr '\n' ' ')" "P5 3 3 255 " "a binary 3x3 PGM"

is "$("$DIGITLAB" weights "$scratch/conv.model" --layer 2 2>&1)" \
	"digitlab: error: layer 2 (flatten) has no weights to draw" "a layer without weights"
is "$("$DIGITLAB" weights "$scratch/conv.model" --layer 9 2>&1)" \
	"digitlab: error: the model has no layer 9 (it has 3)" "a layer that does not exist"
"$DIGITLAB" weights >/dev/null 2>&1
is $? 2 "no model file: usage error"

cp "$top_srcdir/tests/data/seven.pgm" "$scratch/seven.pgm"
out=$("$DIGITLAB" predict "$scratch/conv.model" "$scratch/seven.pgm" --saliency --ascii)
ok $? "predict --saliency runs"
digit=$(printf '%s\n' "$out" | head -n 1 | sed -e 's/^[^:]*: \([0-9]\) .*/\1/')
is "$(printf '%s\n' "$out" | sed -n 2p | tr -s ' ')" "input for $digit against $digit" \
	"the image, then the pixels for and against the predicted digit"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 9 "a prediction line, captions and 7 rows"

done_testing
