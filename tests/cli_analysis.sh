#!/bin/sh
# digitlab weights and predict --saliency on small models trained here on
# the generated 5x7 glyphs: the layouts, the PGM files and the messages.
. "${top_srcdir:-.}/tests/tap.sh"

cat > "$scratch/conv.yaml" <<'YAML'
name: analysis-cnn
seed: 3
data: {source: font5x7, variants: 4, validation: test}
model:
  layers:
    - conv2d: {filters: 4, kernel: 3, padding: same, activation: relu}
    - flatten: {}
    - dense: {units: 10, activation: softmax}
train: {epochs: 5, batch_size: 8, optimizer: adam}
YAML
# notebook 001's shape: one hidden dense layer over the image
cat > "$scratch/dense.yaml" <<'YAML'
name: analysis-dense
seed: 3
data: {source: font5x7, variants: 4, validation: test}
model:
  layers:
    - dense: {units: 10, activation: sigmoid}
    - dense: {units: 10, activation: softmax}
train: {epochs: 5, batch_size: 8, optimizer: adam}
YAML
"$DIGITLAB" run "$scratch/conv.yaml" --checkpoint "$scratch/conv.model" >/dev/null 2>&1
ok $? "a small CNN trains and leaves a model file"
"$DIGITLAB" run "$scratch/dense.yaml" --checkpoint "$scratch/dense.model" >/dev/null 2>&1
ok $? "a 35-10-10 dense net trains and leaves a model file"

# --- the terminal grid ---
out=$("$DIGITLAB" weights "$scratch/conv.model" --ascii)
ok $? "weights runs"
is "$(printf '%s\n' "$out" | sed -n 1p)" "layer 1 (conv2d): 4 images of 3x3, one per filter" \
	"the first layer with weights by default"
is "$(printf '%s\n' "$out" | sed -n 2p | sed 's/[0-9.]\{1,\}/N/g')" \
	"scale: black -N, mid-grey N, white +N" "the scale line: what black and white stand for"
is "$(printf '%s\n' "$out" | sed -n 3p)" "f0      f1      f2      f3" \
	"one caption per filter, images of 3 two-character pixels, 2 apart"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 6 "two header lines, the captions and 3 rows of pixels"
# rows end at their last glyph: the widest spans the band
is "$(printf '%s\n' "$out" | sed -n 4,6p | awk '{ print length($0) }' | sort -n | tail -n 1)" 30 \
	"every row: four 6-character images 2 apart"
is "$(printf '%s\n' "$out" | sed -n 4,6p | tr -d ' .:=+*#%@-' | wc -c | tr -d ' ')" 3 \
	"--ascii: only the ASCII ramp"

out=$("$DIGITLAB" weights "$scratch/conv.model" --layer 3 --max 2 --ascii)
is "$(printf '%s\n' "$out" | sed -n 1p)" \
	"layer 3 (dense): 40 images of 5x7, one per unit and input channel" \
	"a dense layer over a 4-channel 5x7 map: one image per unit and channel"
is "$(printf '%s\n' "$out" | sed -n 3p)" "u0 c0       u0 c1" "captions name unit and channel"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 11 "two headers, captions, 7 rows and the note"
is "$(printf '%s\n' "$out" | tail -n 1)" "(38 more; --max 40 shows them all)" "--max cuts the list and says so"

out=$("$DIGITLAB" weights "$scratch/dense.model" --ascii)
is "$(printf '%s\n' "$out" | sed -n 1p)" "layer 1 (dense): 10 images of 5x7, one per unit" \
	"hidden units drawn in the shape of the input glyph"
is "$(printf '%s\n' "$out" | grep -c '^unit 0 ')" 1 "units 0.. on the first band"
is "$(printf '%s\n' "$out" | grep -o 'unit [0-9]' | wc -l | tr -d ' ')" 10 "ten captions"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 19 \
	"two headers, then two bands of caption and 7 rows with a blank line between"
out=$("$DIGITLAB" weights "$scratch/dense.model" --layer 2 --columns 5 --ascii)
is "$(printf '%s\n' "$out" | sed -n 1p)" "layer 2 (dense): 10 images of 4x3, one per unit" \
	"10 hidden inputs: a 4x3 near-square"
is "$(printf '%s\n' "$out" | sed -n 3p)" "unit 0    unit 1    unit 2    unit 3    unit 4" \
	"--columns sets the images per band"

# --- PGM files ---
"$DIGITLAB" weights "$scratch/conv.model" --pgm "$scratch/pgm" >"$scratch/out"
ok $? "weights --pgm writes files"
is "$(cat "$scratch/out")" "4 images written to $scratch/pgm" "and says where"
is "$(ls "$scratch/pgm" | tr '\n' ' ')" \
	"layer1-filter00.pgm layer1-filter01.pgm layer1-filter02.pgm layer1-filter03.pgm " \
	"one PGM per filter, named in order, no temporary left"
is "$(head -c 11 "$scratch/pgm/layer1-filter03.pgm" | tr '\n' ' ')" "P5 3 3 255 " "a binary 3x3 PGM"
is "$(wc -c < "$scratch/pgm/layer1-filter03.pgm" | tr -d ' ')" 20 "its header and 9 pixels"
"$DIGITLAB" weights "$scratch/conv.model" --layer 3 --pgm "$scratch/pgm3" >/dev/null
is "$(ls "$scratch/pgm3" | wc -l | tr -d ' ')" 40 "one PGM per unit and channel"
is "$(ls "$scratch/pgm3" | sed -n '1p;$p' | tr '\n' ' ')" "layer3-unit00-c0.pgm layer3-unit09-c3.pgm " \
	"named by unit and channel"
is "$(head -c 11 "$scratch/pgm3/layer3-unit09-c3.pgm" | tr '\n' ' ')" "P5 5 7 255 " "width 5, height 7"

# --- errors ---
is "$("$DIGITLAB" weights "$scratch/conv.model" --layer 2 2>&1)" \
	"digitlab: error: layer 2 (flatten) has no weights to draw" "a layer without weights"
"$DIGITLAB" weights "$scratch/conv.model" --layer 9 >/dev/null 2>"$scratch/err"
is $? 1 "a layer the model lacks: exit 1"
is "$(cat "$scratch/err")" "digitlab: error: the model has no layer 9 (it has 3)" "and its message"
"$DIGITLAB" weights >/dev/null 2>"$scratch/err"
is $? 2 "no model file: usage error"
is "$(cat "$scratch/err")" "digitlab weights: which model file?
Try 'digitlab weights --help'." "its exact message"
is "$("$DIGITLAB" weights "$scratch/conv.model" --columns 0 2>&1)" \
	"digitlab weights: --columns: expected a whole number from 1 to 64, found '0'
Try 'digitlab weights --help'." "a bad --columns"
"$DIGITLAB" weights "$scratch/missing.model" >/dev/null 2>&1
is $? 1 "a missing model file: exit 1"

# --- predict --saliency ---
cp "$top_srcdir/tests/data/seven.pgm" "$scratch/seven.pgm"
out=$("$DIGITLAB" predict "$scratch/conv.model" "$scratch/seven.pgm" --saliency --ascii)
ok $? "predict --saliency runs"
digit=$(printf '%s\n' "$out" | head -n 1 | sed -e 's/^[^:]*: \([0-9]\) .*/\1/')
is "$(printf '%s\n' "$out" | sed -n 2p | tr -s ' ')" "input for $digit against $digit" \
	"the image, then the pixels for and against the predicted digit"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 9 "a prediction line, captions and 7 rows"
is "$(printf '%s\n' "$out" | sed -n 2p | awk '{ print index($0, "for"), index($0, "against") }')" \
	"13 25" "three 10-character images 2 apart, each under its caption"
is "$(printf '%s\n' "$out" | sed -n 3,9p | awk 'length($0) > 34' | wc -l | tr -d ' ')" 0 \
	"no row wider than the three"

# an IDX file of six 7x5 images: --saliency draws the first 4 unless --limit
{
	printf '\000\000\010\003\000\000\000\006\000\000\000\007\000\000\000\005'
	i=0
	while [ $i -lt 6 ]; do
		printf '\000\377\377\377\000\000\000\000\377\000\000\000\377\000\000'
		printf '\000\000\377\000\000\000\377\000\000\000\000\377\000\000\000'
		printf '\000\377\000\000\000'
		i=$((i + 1))
	done
} > "$scratch/sevens.idx"
out=$("$DIGITLAB" predict "$scratch/dense.model" "$scratch/sevens.idx" --saliency --ascii)
ok $? "predict --saliency on an IDX file"
is "$(printf '%s\n' "$out" | grep -c 'sevens.idx\[[0-9]\]: ')" 4 "the first 4 images by default"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 36 "each: a prediction, captions and 7 rows"
out=$("$DIGITLAB" predict "$scratch/dense.model" "$scratch/sevens.idx" --saliency --limit 1 --ascii)
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 9 "--limit 1: one image"
out=$("$DIGITLAB" predict "$scratch/dense.model" "$scratch/sevens.idx")
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 6 "without --saliency: every image, one line each"

done_testing
