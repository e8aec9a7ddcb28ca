#!/bin/sh
# Real accuracy on real data: the quick-start experiment on MNIST, from the
# data cache that ./quickstart.sh fills. Skipped when MNIST was not fetched.
. "${top_srcdir:-.}/tests/tap.sh"

"$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000' ||
	skip_all "MNIST is not in the data cache (digitlab data fetch mnist)"

out=$(cd "$top_srcdir" && "$DIGITLAB" run experiments/quickstart.yaml --threads 2 --json 2>&1)
ok $? "quickstart.yaml trains"
json=$(printf '%s\n' "$out" | tail -n 1)
acc=$(json_field "$json" test_accuracy)
ok "$(awk -v a="$acc" 'BEGIN { print (a >= 0.97) ? 0 : 1 }')" "quickstart.yaml reaches >= 97% on MNIST's test set ($acc)"

done_testing
