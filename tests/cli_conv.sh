#!/bin/sh
# DIGITLAB_CONV chooses the convolution kernels: on a processor with
# AVX-512, im2col forces the im2col + OpenBLAS fallback that every other
# processor runs. The fallback must compute what the direct kernels do, up
# to float rounding: a small CNN trains to the same accuracy with either,
# and a trained model predicts the same digits with the same probabilities.
# A value it does not know is refused before any work.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
unset DIGITLAB_CONV

out=$(DIGITLAB_CONV=avx3 "$DIGITLAB" --version 2>&1)
is "$?:$out" "2:digitlab: DIGITLAB_CONV=avx3: expected auto, im2col or avx512" \
	"an unknown DIGITLAB_CONV is refused"
out=$(DIGITLAB_CONV=$(printf 'x\033[2J') "$DIGITLAB" --version 2>&1)
is "$out" 'digitlab: DIGITLAB_CONV=x\x1b[2J: expected auto, im2col or avx512' \
	"and its value is escaped"
out=$(DIGITLAB_CONV=im2col "$DIGITLAB" --version 2>&1)
is "$?:$out" "0:$("$DIGITLAB" --version)" "im2col is taken on any processor"

if ! "$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000'; then
	echo "# MNIST is not in the data cache (digitlab data fetch mnist): no training"
	done_testing
	exit
fi
if grep -q '^flags.*avx512f' /proc/cpuinfo 2>/dev/null; then
	echo "# AVX-512: the direct kernels against the im2col fallback"
else
	echo "# no AVX-512: both runs take im2col, so they must agree bit for bit"
fi

# 32-filter convolutions, strided and not, so that every direct kernel
# (forward, input and weight gradient) has its part.
cat > "$scratch/conv.yaml" <<'YAML'
name: conv-kernels
seed: 1
data: {source: mnist, limit: 3000, test_limit: 2000, validation: 0.1}
model:
  init: glorot_uniform
  layers:
    - conv2d: {filters: 32, kernel: 3, padding: same, activation: relu}
    - conv2d: {filters: 32, kernel: 5, stride: 2, padding: same, activation: relu}
    - batchnorm: {}
    - conv2d: {filters: 32, kernel: 3, padding: same, activation: relu}
    - flatten: {}
    - dense: {units: 10, activation: softmax}
train: {epochs: 2, batch_size: 32, loss: cross_entropy, optimizer: {type: adam, lr: 0.001}}
YAML

for k in auto im2col; do
	DIGITLAB_CONV=$k "$DIGITLAB" run "$scratch/conv.yaml" --quiet --json \
		--checkpoint "$scratch/$k.model" > "$scratch/$k.json" 2> "$scratch/$k.err"
	ok $? "the CNN trains with DIGITLAB_CONV=$k"
done
acc_auto=$(json_field "$(cat "$scratch/auto.json")" test_accuracy)
acc_im2col=$(json_field "$(cat "$scratch/im2col.json")" test_accuracy)
ok "$(awk -v a="$acc_auto" -v b="$acc_im2col" \
	'BEGIN { d = a - b; if (d < 0) d = -d; print (a >= 0.9 && d <= 0.01) ? 0 : 1 }')" \
	"the same test accuracy within a point ($acc_auto, $acc_im2col with im2col)"

# The same model, both ways, on the first 1,000 test images.
images=$("$DIGITLAB" data ls | awk '$1 == "mnist" { print $NF }')/t10k-images-idx3-ubyte
for k in auto im2col; do
	DIGITLAB_CONV=$k "$DIGITLAB" predict "$scratch/auto.model" "$images" --limit 1000 --json \
		> "$scratch/predict-$k.json"
	ok $? "predict with DIGITLAB_CONV=$k"
done
classes() { sed 's/.*"class":"\([^"]*\)".*/\1/' "$1" | tr -d '\n'; }
is "$(classes "$scratch/predict-im2col.json")" "$(classes "$scratch/predict-auto.json")" \
	"the same class for each of the 1,000 images"
gap=$(paste -d '\n' "$scratch/predict-auto.json" "$scratch/predict-im2col.json" |
	sed 's/.*"probabilities":\[\([^]]*\)\].*/\1/' |
	awk -F, 'NR % 2 { for (i = 1; i <= NF; i++) p[i] = $i; next }
		 { for (i = 1; i <= NF; i++) { d = $i - p[i]; if (d < 0) d = -d; if (d > m) m = d } }
		 END { printf "%.2g\n", m }')
ok "$(awk -v g="$gap" 'BEGIN { print (g <= 1e-5) ? 0 : 1 }')" \
	"and the same probabilities within 1e-5 (largest gap $gap)"

done_testing
