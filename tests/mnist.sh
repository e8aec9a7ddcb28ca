#!/bin/sh
# Real accuracy on real data: the quick-start experiment and a small CNN on
# MNIST, from the data cache that ./quickstart.sh fills. Skipped when MNIST
# was not fetched.
. "${top_srcdir:-.}/tests/tap.sh"

"$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000' ||
	skip_all "MNIST is not in the data cache (digitlab data fetch mnist)"

out=$(cd "$top_srcdir" && "$DIGITLAB" run experiments/quickstart.yaml --threads 2 --json 2>&1)
ok $? "quickstart.yaml trains"
json=$(printf '%s\n' "$out" | tail -n 1)
acc=$(json_field "$json" test_accuracy)
ok "$(awk -v a="$acc" 'BEGIN { print (a >= 0.97) ? 0 : 1 }')" "quickstart.yaml reaches >= 97% on MNIST's test set ($acc)"

# notebook 003's CNN (two convolutions, max pooling, dropout) on the first
# 6,000 training images, tested on all 10,000 test images: ~97%. How fast
# it trains is measured by `digitlab bench --model cnn`, not here: a timed
# test fails on a loaded machine and passes on a fast one for no reason.
out=$(cd "$top_srcdir" && "$DIGITLAB" run experiments/nb003-cnn.yaml --set data.limit=6000 \
	--set train.batch_size=32 --json 2>&1)
ok $? "nb003-cnn.yaml trains on 6,000 images"
json=$(printf '%s\n' "$out" | tail -n 1)
acc=$(json_field "$json" test_accuracy)
ok "$(awk -v a="$acc" 'BEGIN { print (a >= 0.95) ? 0 : 1 }')" "the CNN reaches >= 95% on MNIST's test set ($acc)"

done_testing
