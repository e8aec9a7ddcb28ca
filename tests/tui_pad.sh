#!/bin/sh
# The pad in a real terminal: a small dense model trains one epoch on
# MNIST; tmux runs the dashboard (TERM=xterm-256color, so ncurses reads
# xterm's SGR mouse encoding), the test opens the run, presses d, draws
# with the keys, clears, then draws a "1" (a vertical stroke) with the
# mouse, pressed and dragged as a hand would, and reads a prediction of 1.
# The drawing saved as PGM gets the same answer from `digitlab predict`.
. "${top_srcdir:-.}/tests/tap.sh"

session=pad
. "${top_srcdir:-.}/tests/tmux.sh"
"$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000' ||
	skip_all "MNIST is not in the data cache (digitlab data fetch mnist)"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME


cat > "$scratch/pad.yaml" <<'YAML'
name: pad-mnist
seed: 1
data: {source: mnist, limit: 20000}
model:
  layers:
    - dense: {units: 64, activation: relu}
    - dense: {units: 10, activation: softmax}
train: {epochs: 1, batch_size: 64, optimizer: {type: adam, lr: 0.002}}
YAML
"$DIGITLAB" queue add "$scratch/pad.yaml" >/dev/null &&
	"$DIGITLAB" serve --drain >/dev/null 2>&1
wait_run done pad-mnist; ok $? "a dense model trains one epoch on MNIST"

mkdir "$scratch/here"
$T new-session -d -s pad -x 80 -y 24 \
	"cd '$scratch/here' && TERM=xterm-256color LANG=C.UTF-8 DIGITLAB_HOME='$DIGITLAB_HOME' \
	 '$DIGITLAB'; sleep 30"
wait_for "pad-mnist" 10; ok $? "the dashboard lists the run"
keys Enter
wait_for "1 Curves" 5; ok $? "Enter opens the run screen"
screen | tail -n 1 | grep -q "d draw"; ok $? "whose keys say d draws"
keys d
wait_for "run 1 pad-mnist: draw a digit  (its model after epoch 1)" 10
ok $? "d opens the pad with the run's model"
screen | grep -q "Draw a digit on the pad."; ok $? "a blank pad asks for a drawing"

# the keys: the pen down, three cells down; then c clears
keys Space Down Down Down
wait_for "pen down" 5; ok $? "space puts the pen down"
wait_for "prediction: " 5; ok $? "and what the arrows draw is read at once"
# the keys are read one at a time: wait for all of them
key_cells() { screen | sed -n '4,7p' | grep -c '█'; }
i=0
while [ "$(key_cells)" -ne 4 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(key_cells)" 4 "the arrows draw a stroke of four cells"
keys Space c
wait_for "Draw a digit on the pad." 5; ok $? "c clears the drawing"
screen | grep -q "pen up"; ok $? "and space lifted the pen"

# a "1": pressed at column 14 of the drawing, dragged down 10 rows,
# released (the drawing's first cell is at screen column 1, row 3)
mouse 0 15 5
for y in 6 7 8 9 10 11 12 13 14 15; do mouse 32 15 $y; done
mouse 0 15 15 m
# the dashboard reads each event as it comes and may answer before the
# drag is over: wait for the whole stroke, then for a screen that holds
stroke_rows() { screen | sed -n '6,16p' | grep -c '^│ \{13\}███ '; }
i=0
while [ "$(stroke_rows)" -ne 11 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(stroke_rows)" 11 "the drag drew every row it passed, in half blocks"
i=0
while [ "$(screen)" != "$(sleep 0.3; screen)" ] && [ $i -lt 30 ]; do i=$((i + 1)); done
wait_for "prediction: 1" 10; ok $? "a vertical stroke drawn with the mouse reads as 1"
screen | grep -q "saliency: + for, - against"; ok $? "beside the saliency of the answer"
pct=$(screen | sed -n 's/^│.*│ *1 [^0-9]*\([0-9.]*\)%.*/\1/p')
[ -n "$pct" ]; ok $? "the bar of class 1 reads $pct%"

keys s
wait_for "saved the drawing as pad-1-1.pgm" 5; ok $? "s saves the drawing as a PGM"
out=$("$DIGITLAB" predict "$DIGITLAB_HOME/checkpoints/run-1.model" "$scratch/here/pad-1-1.pgm")
ok $? "predict reads it"
is "$(printf '%s\n' "$out" | cut -d' ' -f2)" "1" "and predicts 1 too"
p1=$(printf '%s\n' "$out" | sed -n 's/.* 1:\([0-9.]*\) .*/\1/p')
is "$(awk -v p="$p1" 'BEGIN { printf "%.1f", 100 * p }')" "$pct" \
	"with the pad's probability ($p1)"
keys s
wait_for "saved the drawing as pad-1-2.pgm" 5; ok $? "a second save takes the next name"
cmp -s "$scratch/here/pad-1-1.pgm" "$scratch/here/pad-1-2.pgm"; ok $? "of the same drawing"

keys Escape
wait_for "1 Curves" 5; ok $? "Esc goes back to the run screen"
keys q
done_testing
