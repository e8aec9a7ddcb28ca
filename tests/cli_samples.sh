#!/bin/sh
# Answers sample by sample from the command line, on runs trained here on
# the generated 5x7 glyphs: `compare A B --samples` prints exactly what the
# second run fixes and breaks with both runs' answers and confidences and
# refuses runs on different test sets; `show --flips` and `show --epoch`
# read every epoch's validation answers; class names are printed escaped.
. "${top_srcdir:-.}/tests/tap.sh"

command -v sqlite3 >/dev/null || skip_all "needs the sqlite3 shell (quickstart.sh check installs it)"
DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }

cp "$top_srcdir/tests/data/answers.yaml" "$scratch/a.yaml"
dl queue add "$scratch/a.yaml" > /dev/null
dl queue add "$scratch/a.yaml" --set seed=4 --set name=b > /dev/null
dl queue add "$scratch/a.yaml" --set name=hand --set 'data.test_kinds=[hand]' \
	--set train.epochs=1 > /dev/null
dl queue add "$scratch/a.yaml" --set name=short --set data.test_limit=20 \
	--set train.epochs=1 > /dev/null
dl serve --drain > /dev/null 2>&1
ok $? "four runs train"

out=$(dl compare 1 2 --samples --ascii --max 2)
is "$out" "runs 1 and 2 on the same test set of 50 samples:
run 2 fixes 7 digits that run 1 got wrong and breaks 3

fixed by run 2 (wrong in run 1, right in run 2): 7
  #1      true 1      run 1: 3       21%   run 2: 1       20%
  #3      true 3      run 1: 7       25%   run 2: 3       22%
  #12     true 2      run 1: 7       26%   run 2: 2       20%
  #15     true 5      run 1: 4       15%   run 2: 5       16%
  #24     true 4      run 1: 8       19%   run 2: 4       24%
  #29     true 9      run 1: 8       20%   run 2: 9       17%
  #32     true 2      run 1: 7       19%   run 2: 2       18%
#1 3>1          #3 7>3
 +@             +++@+
  @               ++
  @             +   @
 +++             +++
(5 more; --max 7 draws them all)

broken by run 2 (right in run 1, wrong in run 2): 3
  #4      true 4      run 1: 4       20%   run 2: 1       19%
  #8      true 8      run 1: 8       22%   run 2: 6       20%
  #28     true 8      run 1: 8       22%   run 2: 6       20%
#4 4>1          #8 8>6
  +@            +++++
++ @            +++++
+++@+           @   @
   +             +++
(1 more; --max 3 draws them all)" "compare --samples: the fixed and the broken, both runs' answers, digits drawn"

out=$(dl compare 2 1 --samples --ascii | sed -n 2p)
is "$out" "run 1 fixes 3 digits that run 2 got wrong and breaks 7" "the other way round"

out=$(dl compare 1 4 --samples 2>&1)
is "$?:$out" "1:digitlab compare: runs 1 and 4 have different test sets (50 samples of 5x7 and 20 of 5x7): --samples compares answers on one test set" \
	"test sets of different sizes are refused"
out=$(dl compare 1 3 --samples 2>&1)
is "$?:$out" "1:digitlab compare: runs 1 and 3 have different test sets (50 samples of 5x7 each, not the same ones): --samples compares answers on one test set" \
	"and so are different samples of the same size"
out=$(dl compare 1 2 3 --samples 2>&1 | head -n 1)
is "$out" "digitlab compare: --samples compares exactly 2 runs" "--samples takes two runs"
dl queue add "$scratch/a.yaml" --set name=queued > /dev/null
out=$(dl compare 1 5 --samples 2>&1)
is "$?:$out" "1:digitlab compare: run 5 kept no test answers per sample (it has no test set, has not finished, or ran before digitlab kept them)" \
	"a run not trained has no answers"

# ---- through time ----
out=$(dl show 1 --flips --ascii --max 3)
is "$(printf '%s\n' "$out" | sed -n 1,2p)" "run 1: validation answers of epochs 1 to 6, 50 samples
from epoch 1 to epoch 6: 11 fixed, 2 broken" "show --flips: from the first epoch to the last by default"
is "$(printf '%s\n' "$out" | grep -c '^#')" 3 "three lists, a band of at most 3 digits each"
is "$(printf '%s\n' "$out" | grep -A3 '^unstable')" "unstable digits, whose answer changed most often: 33 changed at least once
  #21     true 1      4 changes  0..0.0
  #4      true 4      3 changes  00.0..
  #5      true 5      3 changes  666.6." "unstable digits, most changes first, with their answers through the epochs"
out=$(dl show 1 --flips --epoch 5 --ascii | sed -n 2p)
is "$out" "from epoch 5 to epoch 6: 2 fixed, 1 broken" "--epoch chooses the epoch compared with the last"
out=$(dl show 1 --flips --epoch 9 2>&1)
is "$?:$out" "1:digitlab show: run 1 kept no answers of epoch 9 (it kept epochs 1 to 6)" \
	"an epoch not kept is refused"

# the confusion matrix of every epoch adds up to the 50 validation samples
sums=""
for e in 1 2 3 4 5 6; do
	s=$(dl show 1 --epoch "$e" --ascii | sed -n '/^Confusion matrix of the validation set after epoch '"$e"' /,/^  9 /p' |
		awk 'NR > 2 { for (i = 2; i <= 11; i++) { gsub(/[^0-9]/, "", $i); t += $i } } END { print t }')
	sums="$sums$s "
done
is "$sums" "50 50 50 50 50 50 " "show --epoch: each epoch's validation matrix holds the 50 samples"
d1=$(dl show 1 --epoch 1 --ascii | grep -A11 '^Confusion matrix')
d6=$(dl show 1 --epoch 6 --ascii | grep -A11 '^Confusion matrix')
[ "$d1" != "$d6" ]
ok $? "and the matrix of epoch 1 is not the last one's"

# ---- class names come out escaped ----
sqlite3 "$DIGITLAB_HOME/runs.db" "UPDATE classes SET name = 'x' || char(27) || '[2J' WHERE label = 1"
out=$(dl compare 1 2 --samples --ascii)
case "$out" in
*"$(printf '\033')"*) ok 1 "compare --samples prints no raw escape";;
*'true x\x1b[2J'*) ok 0 "compare --samples prints class names escaped";;
*) ok 1 "compare --samples prints class names escaped"; printf '# %s\n' "$out" | head;;
esac
out=$(dl show 1 --flips --ascii)
case "$out" in
*"$(printf '\033')"*) ok 1 "show --flips prints no raw escape";;
*'true x\x1b'*) ok 0 "show --flips prints class names escaped";;
*) ok 1 "show --flips prints class names escaped";;
esac

done_testing
