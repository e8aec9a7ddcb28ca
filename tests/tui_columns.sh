#!/bin/sh
# The runs list's metric columns in tmux at 80x24: M adds the best of
# val_accuracy, and the dashboard shows the value `ls --columns
# val_accuracy:best` prints for the same run; then the epoch of the best,
# as `ls --columns val_accuracy:best_epoch` prints it; a third column does
# not fit and the summary line says so; M removes them again. The keys bar
# and ? name M.
. "${top_srcdir:-.}/tests/tap.sh"

. "${top_srcdir:-.}/tests/tmux.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }

# lr 0.05 overshoots: on the machines tried the best validation accuracy
# came before the last epoch, so best and last differ
g="$top_srcdir/tests/data/glyphs-val.yaml"
dl queue add "$g" --set train.epochs=8 --set train.optimizer.lr=0.05 --set name=g \
	> /dev/null &&
	dl queue add "$g" --set train.epochs=8 --set train.optimizer.lr=0.05 --set seed=4 \
		--set name=h > /dev/null &&
	dl serve --drain > /dev/null 2>&1
ok $? "two runs of eight epochs train"

# what ls prints for run ID in the last column of --columns COLUMN
ls_value() { dl ls --columns "$2" | awk -v id="$1" '$1 == id { print $NF }'; }
best=$(ls_value 1 val_accuracy:best)
epoch=$(ls_value 1 val_accuracy:best_epoch)
last=$(ls_value 1 val_accuracy:last)
printf '# run 1: val_accuracy best %s at epoch %s, last %s\n' "$best" "$epoch" "$last"
printf '%s %s\n' "$best" "$epoch" | grep -qE '^[01][.][0-9]{4} [1-8]$'
ok $? "ls prints run 1's best val_accuracy ($best) and its epoch ($epoch)"

wait_gone() { # wait_gone TEXT [SECONDS]: until the screen no longer shows TEXT
	i=0
	while [ $i -lt $(( ${2:-20} * 10 )) ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
heading() { screen | sed -n 3p; }
# run ID's line of the list (a marked run's starts with *)
cells() { screen | awk -v id="$1" '$1 == id || ($1 == "*" && $2 == id)' | head -n 1; }
# choose N: open the chooser and pick its Nth item (from 0)
choose() {
	keys M
	wait_for "metric columns (Enter; Esc closes)" 5 || return 1
	keys Home
	n=0
	while [ $n -lt "$1" ]; do keys j; n=$((n + 1)); done
	keys Enter
}

$T new-session -d -s dl -x 80 -y 24 "LANG=C.UTF-8 DIGITLAB_HOME='$DIGITLAB_HOME' '$DIGITLAB' ui --workers 1; sleep 30"
wait_for "?help" 10; ok $? "the dashboard opens"
keys L
wait_for "2 runs shown" 5; ok $? "the runs list"
screen | tail -n 1 | grep -qF "M columns"; ok $? "its keys bar names M"
keys '?'
wait_for "every key" 5
keys NPage
wait_for "  M        add or remove a column: a metric's last value, best" 5; ok $? "and ? explains it"
keys q
wait_for "2 runs shown" 5

keys M
wait_for "metric columns (Enter; Esc closes)" 5; ok $? "M opens the chooser"
screen | grep -qF "add     val_accuracy best"; ok $? "it offers the best of val_accuracy"
screen | grep -qF "add     loss epoch of the best"; ok $? "and every metric the runs have, in three parts"
keys Escape
wait_gone "metric columns (Enter" 5; ok $? "Esc closes it"

# loss, accuracy, val_loss, val_accuracy by last, best, epoch: 10 is val_accuracy best
choose 10
wait_for "val_acc best" 5; ok $? "Enter adds the column"
is "$(heading | awk '{ print $(NF - 1), $NF }')" "val_acc best" "headed val_acc best, last"
is "$(cells 1 | awk '{ print $NF }')" "$best" "run 1: the best val_accuracy, as ls --columns prints it"
is "$(heading | sed 's/  */ /g')" " ID NAME STATUS EPOCHS TEST ACC TIME val_acc best" \
	"at 80 columns PARAMS and TRAIN ACC made room for it"

choose 11
wait_for "val_acc best @ep" 5; ok $? "the epoch of the best comes after the best, as @ep"
is "$(cells 1 | awk '{ print $(NF - 1), $NF }')" "$best $epoch" \
	"run 1: the epoch of the best, as ls --columns prints it"

choose 7
wait_for "too narrow for: val_loss best" 5; ok $? "a third column does not fit: the summary says which"
is "$(heading | awk '{ print $NF }')" "@ep" "and it is not drawn"

keys M
wait_for "remove  val_accuracy best" 5; ok $? "the chooser offers to remove the columns shown"
keys Escape
wait_gone "metric columns (Enter" 5     # lest Esc and the next M read as Alt-M
choose 10
wait_for "column val_accuracy best removed" 5; ok $? "Enter on it removes it"
is "$(heading | awk '{ print $(NF - 2), $(NF - 1), $NF }')" "TIME val_acc @ep" \
	"its epoch stays, named by its metric"
choose 11
wait_for "column val_accuracy epoch of the best removed" 5
choose 7
wait_for "column val_loss best removed" 5
is "$(heading | sed 's/  */ /g')" " ID NAME STATUS PARAMS EPOCHS TRAIN ACC TEST ACC TIME" \
	"all removed: the list's own columns again"
screen | grep -qF "too narrow"; [ $? -ne 0 ]; ok $? "and nothing is said to be left out"

keys q
sleep 0.5
keys q 2>/dev/null
done_testing
