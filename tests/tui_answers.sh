#!/bin/sh
# The dashboard's answers through time and across runs, in tmux at 80x24:
# on a finished run's Confusion tab `[` scrubs from the last epoch back to
# the first and the matrix drawn is the one `show --epoch` prints for each;
# a click on the epoch track jumps to the last epoch; `f` lists the broken,
# fixed and unstable digits; the compare screen's `S` says what the second
# run fixes and breaks, and `f` switches between the two lists.
. "${top_srcdir:-.}/tests/tap.sh"

. "${top_srcdir:-.}/tests/tmux.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }

cp "$top_srcdir/tests/data/answers.yaml" "$scratch/a.yaml"
dl queue add "$scratch/a.yaml" > /dev/null
dl queue add "$scratch/a.yaml" --set seed=4 --set name=b > /dev/null
dl serve --drain > /dev/null 2>&1
ok $? "two runs of six epochs train"

# the numbers of the 10x10 matrix under "t\p", without the heat glyphs
numbers() { sed -n '/^t.p /,/^  9 /p' | sed 's/[^0-9 ]/ /g' |
	awk 'NR > 1 { print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'; }

$T new-session -d -s dl -x 80 -y 24 "LANG=C.UTF-8 DIGITLAB_HOME='$DIGITLAB_HOME' '$DIGITLAB' ui --workers 1; sleep 30"
wait_for "?help" 10; ok $? "the dashboard opens"
keys L
wait_for "2 runs shown" 5
keys Home Enter 2
wait_for "test confusion" 5; ok $? "the run's Confusion tab shows the test matrix"
screen | tail -n 1 | grep -qF "[ ] epoch  f flips"; ok $? "the keys bar names [ ] and f"

keys '['
wait_for "validation confusion, epoch 6 of 6" 5; ok $? "[ shows the last epoch, named"
last=$(screen | numbers)
is "$last" "$(dl show 1 --epoch 6 | numbers)" "its matrix is the one show --epoch 6 prints"
for e in 5 4 3 2 1; do
	keys '['
	wait_for "epoch $e of 6" 5 || break
done
ok $? "[ steps back one epoch at a time to the first"
first=$(screen | numbers)
is "$first" "$(dl show 1 --epoch 1 | numbers)" "the matrix drawn is epoch 1's"
[ "$first" != "$last" ]; ok $? "and it is not the last epoch's: the matrix changed"
is "$(printf '%s\n' "$first" | awk '{ for (i = 2; i <= 11; i++) t += $i } END { print t }')" 50 \
	"it holds the 50 validation samples"
keys '['
wait_for "epoch 1 of 6" 5; ok $? "[ stops at the first epoch"
# the track: after "validation confusion, epoch 1 of 6 ", 30 columns wide
click 64 3
wait_for "epoch 6 of 6" 5; ok $? "a click at the end of the epoch track shows the last epoch"
keys Down Down Down Right
wait_for "true 3 predicted 1 after epoch 6: 2 digits" 5; ok $? "a cell opens onto that epoch's digits"
keys '['
wait_for "true 3 predicted 1 after epoch 5: " 5; ok $? "and they follow the epoch shown"

keys '[' '[' '[' '[' f
wait_for "broken: right after epoch 1, wrong after the last (6)" 5
ok $? "f lists the digits broken since the epoch shown"
screen | grep -qF "2 digits"; ok $? "two of them, as show --flips counts"
keys f
wait_for "fixed: wrong after epoch 1, right after the last (6)" 5; ok $? "f again: the fixed"
keys f
wait_for "unstable: answer changed most often" 5; ok $? "and the unstable digits"
screen | grep -qF "#21, true 1"; ok $? "the most unstable first, with its answers through the epochs"
screen | grep -qF "0··0·0"; ok $? "drawn as a strip: the class where wrong, a dot where right"
keys f
wait_for "validation confusion, epoch 1 of 6" 5; ok $? "and back to the matrix"

keys Escape
sleep 0.3
keys L Home Space Space C
wait_for "S samples" 5; ok $? "the compare screen names S in its keys bar"
keys S
wait_for "run 2 fixes 7 digits that run 1 got wrong and breaks 3 (test set of 50)" 5
ok $? "S: what the second run fixes and breaks, as compare --samples says"
screen | grep -qF "run 1: 3  21% wrong"; ok $? "the selected digit with both runs' answers and confidences"
keys f
wait_for "broken by run 2 (right in run 1, wrong in run 2): 3" 5; ok $? "f: the broken list"
keys q
sleep 0.5
keys q 2>/dev/null
done_testing
