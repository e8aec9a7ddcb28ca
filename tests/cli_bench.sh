#!/bin/sh
# `digitlab bench` over several models and thread counts in one call: a JSON
# object a line, in order, each saying how many threads the model used (a
# model whose passes do not pay for a second thread uses one). Speeds are
# not checked: no timed tests. Skipped when MNIST was not fetched.
. "${top_srcdir:-.}/tests/tap.sh"

"$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000' ||
	skip_all "MNIST is not in the data cache (digitlab data fetch mnist)"

"$DIGITLAB" bench --model all --threads 1,2 --samples 64 --json > "$scratch/out"
ok $? "bench --model all --threads 1,2 exits 0"
fields() {
	while read -r line; do
		printf '%s %s %s %s\n' "$(json_field "$line" model)" "$(json_field "$line" threads)" \
			"$(json_field "$line" threads_used)" "$(json_field "$line" batch)"
	done < "$1"
}
is "$(fields "$scratch/out")" '"dense16" 1 1 128
"dense16" 2 2 128
"mlp" 1 1 32
"mlp" 2 2 32
"cnn" 1 1 32
"cnn" 2 2 32' "every model at every thread count, in order"
# the CNN's line names its convolution kernels, the dense models' do not
kernels=$(json_field "$(sed -n 5p "$scratch/out")" conv_kernels)
if [ -n "${DIGITLAB_CONV:-}" ] && [ "$DIGITLAB_CONV" != auto ]; then
	is "$kernels" "\"$DIGITLAB_CONV\"" "the CNN's line names the kernels DIGITLAB_CONV chose"
elif grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
	is "$kernels" '"avx512"' "the CNN's line names its kernels: AVX-512 on this processor"
else
	ok "$(printf '%s\n' "$kernels" | grep -Eqx '"(avx2|im2col)"'; echo $?)" \
		"the CNN's line names its kernels ($kernels) on this processor without AVX-512"
fi
ok "$(sed -n 1p "$scratch/out" | grep -qv conv_kernels; echo $?)" "dense16's line names none"
forced=$(DIGITLAB_CONV=im2col "$DIGITLAB" bench --model cnn --samples 32)
ok "$(printf '%s\n' "$forced" | grep -q ' conv=im2col$'; echo $?)" \
	"DIGITLAB_CONV=im2col: the text line says conv=im2col"
loss() { sed -n "$2p" "$1" | sed 's/.*"loss":\([0-9.]*\).*/\1/'; }
# dense16 keeps its helper for the evaluation's batches of 1,000, but no
# pass of a training batch of 128 pays for it
is "$(loss "$scratch/out" 1)" "$(loss "$scratch/out" 2)" \
	"dense16 asked for 2 threads trains exactly as on 1"

"$DIGITLAB" bench --model cnn --threads 2,auto --samples 64 --json > "$scratch/again"
is "$(loss "$scratch/again" 1)" "$(loss "$scratch/out" 6)" "the CNN on 2 threads repeats its loss bit for bit"
is "$(json_field "$(sed -n 2p "$scratch/again")" threads)" '"auto"' "threads auto is named as asked"

out=$("$DIGITLAB" bench --model mlp --threads 1,x 2>&1)
is "$?:$out" "2:digitlab bench: --threads: expected a whole number from 1 to 256, found 'x'
Try 'digitlab bench --help'." "a bad count in the list is refused"
out=$("$DIGITLAB" bench --model mlp --threads , 2>&1)
is "$?:$out" "2:digitlab bench: --threads: expected whole numbers or auto, found ','
Try 'digitlab bench --help'." "an empty list is refused"
out=$("$DIGITLAB" bench --model lenet 2>&1)
is "$?:$out" "2:digitlab bench: unknown model 'lenet' (expected dense16, mlp, cnn or all)
Try 'digitlab bench --help'." "an unknown model is refused, naming all"

done_testing
