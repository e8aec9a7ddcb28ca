#!/bin/sh
# digitlab export-model against the real thing: every exported file passes
# Debian's python3-onnx checker (full check), and ONNX Runtime (npm's
# onnxruntime-web, run in Node) gives the class probabilities digitlab
# predict gives, within 1e-5, on 100 MNIST test images: for the quick-start
# MLP, notebook 003's and notebook 004's CNNs (trained small here) and a
# model of every layer kind and activation; README's Node example runs as
# written. ./quickstart.sh check installs python3-onnx and onnxruntime-web
# (under tests/onnx, never globally); the test installs onnxruntime-web
# there itself when it is missing.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME

# ---- what the test needs, or why it is skipped ----
"$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000' ||
	skip_all "MNIST is not in the data cache (digitlab data fetch mnist)"
python=""
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import onnx.checker' 2>/dev/null; then python=$p; break; fi
done
[ -n "$python" ] || skip_all "python3-onnx is not installed (./quickstart.sh check installs it: apt-get install python3-onnx)"
command -v node >/dev/null 2>&1 || skip_all "node is not installed (apt-get install nodejs npm)"
ort=""
for d in "$top_srcdir/tests/onnx" "${top_builddir:-.}/tests/onnx"; do
	[ -d "$d/node_modules/onnxruntime-web" ] && { ort=$d; break; }
done
if [ -z "$ort" ]; then
	ort="${top_builddir:-.}/tests/onnx"
	mkdir -p "$ort"
	[ -f "$ort/package.json" ] || cp "$top_srcdir/tests/onnx/package.json" "$ort/"
	npm install --prefix "$ort" --no-audit --no-fund --loglevel=error >"$scratch/npm.log" 2>&1 ||
		skip_all "onnxruntime-web cannot be installed from the npm registry: $(tail -n 1 "$scratch/npm.log")"
fi
mnist=$("$DIGITLAB" data ls | sed -n 's/^mnist .* \(\/.*\)$/\1/p')
images=$(find "$mnist" -name 't10k-images*' | head -n 1)
[ -f "$images" ] || skip_all "MNIST's test images are not in $mnist"

# ---- the models, trained small ----
cat > "$scratch/every.yaml" <<'YAML'
name: every-layer
seed: 5
data: {source: mnist, limit: 600, scale: 0.5}
model:
  layers:
    - conv2d: {filters: 4, kernel: 4, stride: 2, padding: same, activation: elu}
    - batchnorm: {}
    - avgpool2d: {size: 3, stride: 2, padding: same}
    - conv2d: {filters: 6, kernel: 3, padding: valid, activation: leaky_relu, alpha: 0.2}
    - maxpool2d: {size: 2, padding: same}
    - conv2d: {filters: 5, kernel: 2, activation: selu}
    - dropout: 0.2
    - flatten: {}
    - dense: {units: 12, activation: tanh}
    - batchnorm: {}
    - dense: {units: 11, activation: sigmoid}
    - dense: {units: 10, activation: softmax}
train: {epochs: 2, batch_size: 32}
YAML
train() { # NAME FILE OVERRIDES...
	name=$1 file=$2
	shift 2
	"$DIGITLAB" run "$file" --checkpoint "$scratch/$name.model" "$@" >/dev/null 2>&1
	ok $? "$name trains (small)"
}
train quickstart "$top_srcdir/experiments/quickstart.yaml" --set data.limit=3000 \
	--set train.epochs=1
train nb003 "$top_srcdir/experiments/nb003-cnn.yaml" --set data.limit=1000 \
	--set train.epochs=1 --set 'model.layers[0].conv2d.filters=8' \
	--set 'model.layers[3].conv2d.filters=8'
train nb004 "$top_srcdir/experiments/nb004-cnn.yaml" --set data.limit=500 \
	--set data.validation=null --set train.epochs=1 --set 'train.schedule={type: constant}' \
	--set 'model.layers[0].conv2d.filters=4' --set 'model.layers[2].conv2d.filters=4' \
	--set 'model.layers[4].conv2d.filters=4' --set 'model.layers[7].conv2d.filters=6' \
	--set 'model.layers[9].conv2d.filters=6' --set 'model.layers[11].conv2d.filters=6' \
	--set 'model.layers[15].dense.units=16'
train every "$scratch/every.yaml"

# ---- export, check, run ----
pairs=""
for name in quickstart nb003 nb004 every; do
	out=$("$DIGITLAB" export-model "$scratch/$name.model" -o "$scratch/$name.onnx" 2>&1)
	ok $? "$name: export-model writes an ONNX file ($out)"
	err=$("$python" -c 'import sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
assert m.opset_import[0].version == 13, m.opset_import
assert [i.name for i in m.graph.input] == ["input"], m.graph.input
d = m.graph.input[0].type.tensor_type.shape.dim
assert d[0].dim_param == "N" and [x.dim_value for x in d[1:]] == [1, 28, 28], d
' "$scratch/$name.onnx" 2>&1)
	ok $? "$name: onnx.checker.check_model(full_check=True) accepts it, opset 13, input [N, 1, 28, 28]${err:+ ($err)}"
	"$DIGITLAB" predict "$scratch/$name.model" "$images" --limit 100 --json > "$scratch/$name.jsonl"
	ok $? "$name: digitlab predict --json on 100 test images"
	pairs="$pairs $scratch/$name.onnx $scratch/$name.jsonl"
done
# shellcheck disable=SC2086
out=$(cd "$ort" && NODE_PATH="$ort/node_modules" node "$top_srcdir/tests/onnx/compare.js" \
	"$images" 100 $pairs 2>&1)
ok $? "ONNX Runtime (onnxruntime-web in Node) runs the four models${out:+: $(echo $out)}"
for name in quickstart nb003 nb004 every; do
	line=$(printf '%s\n' "$out" | grep "/$name.onnx ")
	diff=$(printf '%s\n' "$line" | sed -n 's/.* max-difference \([^ ]*\) .*/\1/p')
	ok "$(awk -v d="$diff" 'BEGIN { print (d != "" && d + 0 <= 1e-5) ? 0 : 1 }')" \
		"$name: ONNX Runtime's probabilities are digitlab's within 1e-5 (largest difference $diff)"
	is "$(printf '%s\n' "$line" | sed -n 's/.* classes-agree //p')" "100/100" \
		"$name: the same class for every image"
done

# ---- README's example, as written, runs an exported model in Node ----
sed -n '/^## Using a trained model elsewhere/,/^## /p' "$top_srcdir/README.md" |
	sed -n '/^```js$/,/^```$/p' | sed '1d;$d' > "$scratch/digits.mjs"
cp "$scratch/quickstart.onnx" "$scratch/digits.onnx"
ln -s "$(cd "$ort" && pwd)/node_modules" "$scratch/node_modules"
out=$(cd "$scratch" && node digits.mjs 2>&1)
is "$(printf '%s\n' "$out" | head -n 1)" "Float32Array(10) [" \
	"README's Node example prints the 10 probabilities"

# ---- the command's errors ----
out=$("$DIGITLAB" export-model "$scratch/quickstart.model" 2>&1)
is "$?:$(printf '%s\n' "$out" | head -n 1)" "2:digitlab export-model: where to? (-o FILE.onnx)" \
	"-o is required"
out=$("$DIGITLAB" export-model "$scratch/quickstart.model" -o "$scratch/no/such/dir.onnx" 2>&1)
is "$?:$out" "1:digitlab: $scratch/no/such/dir.onnx: error: No such file or directory" \
	"an unwritable destination is an error naming it"
"$DIGITLAB" queue add "$top_srcdir/experiments/quickstart.yaml" --set data.limit=500 \
	--set train.epochs=1 >/dev/null && "$DIGITLAB" serve --drain >/dev/null 2>&1
out=$("$DIGITLAB" export-model quickstart -o "$scratch/run.onnx" 2>&1)
ok $? "a run of the store, by name, is exported from its checkpoint ($out)"

done_testing
