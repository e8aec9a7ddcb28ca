#!/bin/sh
# digitlab sweep ls and sweep show on three real sweeps of the 5x7 glyphs
# (one, two and four keys): the best point named is the one with the best
# mean as `export` reports the runs, the variance shares are the ones
# computed here from the same numbers, and the mistakes are answered.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
data="$top_srcdir/tests/data"

out=$("$DIGITLAB" sweep ls)
is "$out" "no sweeps in the store (queue an experiment file with a sweep: section)" \
	"sweep ls on an empty store says there are none"

out=$("$DIGITLAB" sweep show 1 2>&1); st=$?
is "$out" "digitlab: sweep 1: no runs in the store ('digitlab sweep ls' lists the sweeps)" \
	"a sweep id with no runs is named"
is $st 2 "and is a usage error"
out=$("$DIGITLAB" sweep show x 2>&1 | head -n 1)
is "$out" "digitlab sweep: 'x' is not a sweep id (a number that 'digitlab sweep ls' lists)" \
	"a sweep id that is not a number"
out=$("$DIGITLAB" sweep frob 2>&1 | head -n 1)
is "$out" "digitlab sweep: unknown subcommand 'frob' (expected ls or show)" "an unknown subcommand"
out=$("$DIGITLAB" sweep show 1 --wide 2>&1 | head -n 1)
is "$out" "digitlab sweep: unknown option '--wide'" "an unknown option"

for f in 1key 2keys 4keys; do
	"$DIGITLAB" queue add "$data/sweep-$f.yaml" >/dev/null || echo "queue add $f failed"
done
"$DIGITLAB" serve --drain --workers 2 >/dev/null 2>&1
ok $? "the three sweeps train"

out=$("$DIGITLAB" sweep ls | awk 'NR > 1 { print $1, $2, $3, $4, $5, $6 }')
is "$out" "1 sweep-lr lr 4 8 8
2 sweep-grid units,lr 9 9 9
3 sweep-four units,lr,batch_size,epoc 16 16 16" "sweep ls: id, name, keys, points, runs, done"

"$DIGITLAB" export > "$scratch/runs.csv"

# best_point SWEEP: the point of the best mean test accuracy, from export
# (the first queued of equals)
best_point() {
	awk -F, -v s="$1" 'NR > 1 && $4 == s { if (!($5 in n)) order[++k] = $5; n[$5]++; sum[$5] += $14 }
		END { b = order[1]
		      for (i = 2; i <= k; i++) if (sum[order[i]] / n[order[i]] > sum[b] / n[b]) b = order[i]
		      print b }' "$scratch/runs.csv"
}
# share SWEEP KEY: the key's eta squared in percent, one decimal, from export
share() {
	awk -F, -v s="$1" -v k="$2" 'NR > 1 && $4 == s {
			split($5, kv, " "); v = ""
			for (i in kv) if (index(kv[i], k "=") == 1) v = kv[i]
			y[NR] = $14; g[NR] = v; n++; t += $14; gn[v]++; gs[v] += $14 }
		END { m = t / n
			for (r in y) tot += (y[r] - m) ^ 2
			for (v in gn) btw += gn[v] * (gs[v] / gn[v] - m) ^ 2
			printf "%.1f%%\n", 100 * btw / tot }' "$scratch/runs.csv"
}

for id in 1 2 3; do
	LANG=C.UTF-8 LC_ALL=C.UTF-8 "$DIGITLAB" sweep show $id > "$scratch/show$id.txt"
	ok $? "sweep show $id"
	got=$(sed -n 's/^best point \(.*[^ ]\)  [.0-9][0-9]* .*/\1/p' "$scratch/show$id.txt")
	is "$got" "$(best_point $id)" "sweep $id: the best point is the best mean of its runs"
done

grep -q "lr (log scale)" "$scratch/show1.txt"
ok $? "one key: the objective by lr, on a log axis"
grep -q "mean ± sd over repeats" "$scratch/show1.txt"
ok $? "with mean and spread over the repeats"
got=$(sed -n 's/^  lr  *[^ ]*  *\([0-9.]*%\).*/\1/p' "$scratch/show1.txt")
is "$got" "$(share 1 lr)" "lr's share of the variance is its eta squared"

grep -q "^units    0.01     0.1       1$" "$scratch/show2.txt"
ok $? "two keys: a heatmap, lr across, units down"
[ "$(grep -c '^\(4\|16\|64\)  ' "$scratch/show2.txt")" = 3 ]
ok $? "a row per units value"
[ "$(grep -o '[0-9]\*' "$scratch/show2.txt" | wc -l)" = 1 ]
ok $? "one best cell marked"
for key in units lr; do
	got=$(sed -n "s/^  $key  *[^ ]*  *\([0-9.]*%\).*/\1/p" "$scratch/show2.txt")
	is "$got" "$(share 2 $key)" "$key's share of the variance is its eta squared"
done
grep -q "η² = between-value sum of squares / total" "$scratch/show2.txt"
ok $? "the page says how the share is computed"

grep -q "units *lr *batch_size *epochs *test_accuracy" "$scratch/show3.txt"
ok $? "four keys: parallel coordinates, an axis per key and the objective"
LC_ALL=C grep -q "$(printf '\342')[$(printf '\240-\243')]" "$scratch/show3.txt"
ok $? "drawn in braille"
got=$(grep -c "^  \(units\|lr\|batch_size\|epochs\) " "$scratch/show3.txt")
is "$got" 4 "every key ranked"
got=$(grep "^best run" "$scratch/show3.txt" | awk '{ print $3 }')
want=$(awk -F, 'NR > 1 && $4 == 3 { print $14, $1 }' "$scratch/runs.csv" | sort -k1,1nr -k2,2n |
	head -n 1 | cut -d' ' -f2)
is "$got" "$want" "the best run is the run of the best test accuracy"

"$DIGITLAB" sweep show 2 --ascii > "$scratch/ascii.txt"
LC_ALL=C grep -q '[^ -~]' "$scratch/ascii.txt"
ok $((!$?)) "--ascii prints ASCII only"
grep -q "eta^2" "$scratch/ascii.txt"
ok $? "eta^2 spelt in ASCII"
LANG=C LC_ALL=C "$DIGITLAB" sweep show 2 > "$scratch/c.txt"
cmp -s "$scratch/c.txt" "$scratch/ascii.txt"
ok $? "a locale that is not UTF-8 gets the ASCII page"

done_testing
