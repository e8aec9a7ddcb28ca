#!/bin/sh
# Your own images: a folder data set of drawn shapes (cat, dog, owl: PNG
# written with libpng by tests/make_shapes) trains to a known accuracy,
# its class names reach the console, the store (show, compare) and the
# model file (predict); bad images are refused naming the file, or skipped
# and counted; Kaggle's pixel CSV layout trains and predicts.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
shapes="${top_builddir:-.}/tests/make_shapes"
cd "$scratch" || exit 1

"$shapes" shapes 150 7
ok $? "make_shapes writes 3 x 150 PNG images"
cat > shapes.yaml <<'YAML'
name: shapes
seed: 3
data:
  source: folder
  path: shapes
  invert: true           # dark ink on white paper
  test_fraction: 0.25
model:
  layers:
    - conv2d: {filters: 8, kernel: 3, activation: relu}
    - maxpool2d: {size: 2}
    - conv2d: {filters: 8, kernel: 3, activation: relu}
    - maxpool2d: {size: 2}
    - flatten: {}
    - dense: {units: 3, activation: softmax}
train:
  epochs: 40
  batch_size: 16
  optimizer: {type: adam, lr: 0.003}
YAML

# ---- digitlab run: the known accuracy, the names in the report ----
out=$("$DIGITLAB" run shapes.yaml --threads 1 --checkpoint shapes.model 2>&1)
ok $? "the shapes train"
is "$(printf '%s\n' "$out" | sed -n 1p)" \
	"shapes: folder (3 classes): 337 train, 113 test, 1x28x28" \
	"the classes are the subfolders; the last quarter of the shuffled images is the test set"
is "$(printf '%s\n' "$out" | grep '^Test accuracy' | cut -d' ' -f1-3)" "Test accuracy: 0.9381" \
	"40 epochs reach 93.81% on the held-out shapes (seed 3, one thread)"
is "$(printf '%s\n' "$out" | sed -n '/^Confusion/,/^$/p')" "Confusion matrix (rows: true class, columns: predicted)
         cat   dog   owl
  cat     29     0     3
  dog      0    35     3
  owl      1     0    42" "the confusion matrix is labelled with the class names"
is "$(printf '%s\n' "$out" | grep '^  dog  *[0-9.]*%')" "  dog    7.89%  (3 of 38)" "so is the per-class error"

# ---- the store: show and compare name the classes ----
"$DIGITLAB" queue add shapes.yaml --set train.epochs=5 >/dev/null &&
	"$DIGITLAB" queue add shapes.yaml --set train.epochs=6 >/dev/null &&
	"$DIGITLAB" serve --drain --workers 1 >/dev/null 2>&1
ok $? "two shape runs queued and trained by serve"
out=$("$DIGITLAB" show 1 --ascii)
is "$(printf '%s\n' "$out" | sed -n '/^Confusion matrix of the test set/,/^$/p' | sed -n 2,5p | cut -c1-19)" \
"t\\p   cat  dog  owl
cat    19   *3  #10
dog     0   37   :1
owl    *6  #11   26" "show labels the heatmap's rows and columns with the class names"
ok "$(printf '%s\n' "$out" | grep -c '^owl .*%$' | grep -qx 1; echo $?)" \
	"show's per-class error names the classes"
ok "$(printf '%s\n' "$out" | sed -n '/^misclassified test digits/{n;p;}' |
	grep -Eq '^#[0-9]+ (cat|dog|owl)>(cat|dog|owl) [01]\.[0-9]{2} '; echo $?)" \
	"show's misclassified digits name their true and predicted classes"
printf '%s\n' "$out" | sed -n 2p | grep -q '^params [0-9]*  epochs 5 .*  time [0-9.]*s  peak memory [0-9]*\.[0-9] MiB$'
ok $? "show gives the peak memory of the serve that trained the run"
"$DIGITLAB" ls --json | grep -q '"id":1,.*,"peak_rss":[1-9][0-9]*}'
ok $? "ls --json gives it in bytes"
"$DIGITLAB" export 1 | sed -n 2p | grep -q '^1,.*,[0-9.]*,[1-9][0-9]*,$'
ok $? "and export, between the time and the tags"
out=$("$DIGITLAB" compare 1 2)
is "$(printf '%s\n' "$out" | sed -n '/^confusion difference/,$p' | sed -n 2,3p)" \
"         cat   dog   owl
  cat     +2    -2     ." "compare's confusion difference names the classes"

# ---- predict: PNG files and folders, by the names in the model file ----
out=$("$DIGITLAB" predict shapes.model shapes/owl/000.png)
is "$(printf '%s\n' "$out" | cut -d' ' -f1-2)" "shapes/owl/000.png: owl" \
	"a PNG file is classified by name, inverted as the training images were"
out=$("$DIGITLAB" predict shapes.model shapes/dog)
is "$(printf '%s\n' "$out" | wc -l | tr -d ' '):$(printf '%s\n' "$out" | sed -n 1p | cut -d' ' -f1)" \
	"150:shapes/dog/000.png:" "a folder: every image in it, in name order"
is "$(printf '%s\n' "$out" | sed -n 1p | sed 's/ [a-z]*:[0-9.]*/ P/g')" \
	"shapes/dog/000.png: dog  P P P" "each line: the class and the probability of each class"

# ---- bad images ----
mkdir -p bad/a bad/b
cp shapes/cat/000.png shapes/cat/001.png bad/a/ && cp shapes/dog/000.png bad/b/
head -c 100 shapes/dog/001.png > bad/b/truncated.png
: > bad/b/empty.png
# a PNG header that claims 10000 x 10000 pixels (the CRC is not checked first)
printf '\211PNG\r\n\032\n\000\000\000\015IHDR\000\000\047\020\000\000\047\020\010\000\000\000\000\000\000\000\000' > bad/b/huge.png
sed 's/path: shapes/path: bad/; s/epochs: 40/epochs: 1/; s/units: 3/units: 2/' shapes.yaml > bad.yaml
out=$("$DIGITLAB" run bad.yaml 2>&1)
is "$?:$out" "1:digitlab: bad/b/empty.png: error: the file is empty: a PNG or PGM image expected" \
	"an unreadable image is an error naming it"
out=$("$DIGITLAB" run bad.yaml --set data.bad_images=skip 2>&1)
# the data line, wrapped to 80 columns, joined again
is "$(printf '%s\n' "$out" | sed '/^model:/,$d' | tr '\n' ' ' | tr -s ' ' | sed 's/ $//')" \
	"shapes: folder (2 classes, 3 unreadable images skipped): 2 train, 1 test, 1x28x28" \
	"with bad_images: skip they are left out and counted"
rm bad/b/*.png
out=$("$DIGITLAB" run bad.yaml 2>&1)
is "$?:$out" "1:digitlab: bad/b: error: class 'b' holds no images (.png or .pgm files)" \
	"a class folder without images is an error naming it"

# ---- Kaggle's digit-recognizer CSV layout ----
# 4x4 images: class 0 is bright above, class 1 below; with and without labels
awk 'BEGIN {
	srand(5)
	printf "label"; for (i = 0; i < 16; i++) printf ",pixel%d", i; print ""
	for (r = 0; r < 200; r++) {
		c = r % 2; printf "%d", c
		for (i = 0; i < 16; i++) printf ",%d", ((i < 8) == (c == 0)) ? 160 + int(rand() * 95) : int(rand() * 90)
		print ""
	}
}' > train.csv
awk 'BEGIN {
	for (i = 0; i < 16; i++) printf "%spixel%d", i ? "," : "", i; print ""
	for (i = 0; i < 16; i++) printf "%s%d", i ? "," : "", i < 8 ? 200 : 10; print ""
	for (i = 0; i < 16; i++) printf "%s%d", i ? "," : "", i < 8 ? 10 : 200; print ""
}' > test.csv
cat > csv.yaml <<'YAML'
name: csv
seed: 1
data: {source: csv, path: train.csv, classes: [above, below], test_fraction: 0.2}
model:
  layers:
    - dense: {units: 2, activation: softmax}
train: {epochs: 20, batch_size: 8}
YAML
out=$("$DIGITLAB" run csv.yaml --checkpoint csv.model 2>&1)
ok $? "a labelled pixel CSV trains"
is "$(printf '%s\n' "$out" | sed -n 1p)" "csv: csv (2 classes): 160 train, 40 test, 1x4x4" \
	"its shape comes from the header's 16 pixel columns"
is "$(printf '%s\n' "$out" | grep '^Test accuracy' | cut -d' ' -f1-3)" "Test accuracy: 1.0000" \
	"the two kinds of image are told apart"
out=$("$DIGITLAB" predict csv.model test.csv | cut -d' ' -f1-2)
is "$out" "test.csv[0]: above
test.csv[1]: below" "predict classifies the rows of a CSV without labels, by class name"
sed '3s/,1[0-9]*,/,1x,/' train.csv > broken.csv
out=$("$DIGITLAB" run csv.yaml --set data.path=broken.csv 2>&1)
ok "$(printf '%s\n' "$out" | grep -q '^digitlab: broken.csv:3:[0-9]*: error: pixel[0-9]* is not an integer 0..255$'; echo $?)" \
	"a bad value is reported at its line and column"
sed '1s/pixel3,/pixel4,/' train.csv > header.csv
out=$("$DIGITLAB" run csv.yaml --set data.path=header.csv 2>&1)
is "$out" "digitlab: header.csv:1:28: error: expected column 'pixel3' in the header (label,pixel0,pixel1,...)" \
	"a header out of order is refused where it goes wrong"
out=$("$DIGITLAB" run csv.yaml --set data.path=test.csv 2>&1)
is "$out" "digitlab: test.csv:1:1: error: the header has no label column: a training set needs label,pixel0,..." \
	"a training set needs labels"

# ---- 47 classes (EMNIST Balanced's shape, generated: no registry offers it) ----
"$shapes" --idx47 e47 40 3
ok $? "a 47-class IDX set is generated"
cat > e47.yaml <<'YAML'
name: balanced47
seed: 1
data:
  source: idx
  train_images: e47/train-images.idx
  train_labels: e47/train-labels.idx
  test_images: e47/test-images.idx
  test_labels: e47/test-labels.idx
  classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", A, B, C, D, E, F, G, H, I, J,
            K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z, a, b, d, e, f, g, h, n, q, r, t]
model:
  layers:
    - dense: {units: 47, activation: softmax}
train: {epochs: 3, batch_size: 32}
YAML
"$DIGITLAB" check e47.yaml >/dev/null
ok $? "check knows the data has 47 classes"
"$DIGITLAB" check e47.yaml --set model.layers[0].dense.units=10 > check.out 2>&1
is "$(cat check.out)" "digitlab: e47.yaml: error: the last layer has 10 units but the data has 47 classes" \
	"and says so when the model disagrees"
id=$("$DIGITLAB" queue add e47.yaml | sed -n 's/^queued run \([0-9]*\).*/\1/p') &&
	"$DIGITLAB" serve --drain >/dev/null 2>&1
ok $? "it trains through the queue"
out=$("$DIGITLAB" show "$id" --ascii | sed -n '/^Confusion matrix of the test set/,/^$/p')
is "$(printf '%s\n' "$out" | sed -n 2p)" \
	"t\\p 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt  error per class" \
	"show draws 47 classes as a compact heatmap within 80 columns, one column a class"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "50" "a row for each class, then the names"
is "$(printf '%s\n' "$out" | sed -n 50p)" \
	"classes: 0 1 2 3 4 5 6 7 8 9 A B C D E F G H I J K L M N O P Q R S T U V W X Y Z a b d e f g h n q r t" \
	"the names in full below it"
is "$(printf '%s\n' "$out" | sed -n 49p | cut -c1-6)" "  t   " "the last row is the last class"

done_testing
