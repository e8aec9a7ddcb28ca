#!/bin/sh
# Threads a run asks for and what it gets: threads: auto takes one thread
# for a model too small to split; serve gives a run asking for two only one
# while others wait behind it, keeps that count, and queue ls shows it.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }
thr() { dl queue ls --all | awk -v id="$1" '$1 == id { print $5 }'; }

cat > "$scratch/glyphs.yaml" <<'YAML'
name: glyphs
seed: 3
data: {source: font5x7, variants: 2}
model:
  layers:
    - dense: {units: 15, activation: sigmoid}
    - dense: {units: 10, activation: softmax}
train: {epochs: 20, batch_size: full, optimizer: {type: sgd, lr: 1}}
YAML

out=$(dl run "$scratch/glyphs.yaml" --threads auto --quiet --json)
is "$(json_field "$out" threads)" 1 "run --threads auto: a 15-unit network trains on 1 thread"
out=$(dl run "$scratch/glyphs.yaml" --set train.threads=auto --quiet --json)
is "$(json_field "$out" threads)" 1 "train.threads: auto in the file does the same"
out=$(dl run "$scratch/glyphs.yaml" --set train.threads=2 --quiet --json)
is "$(json_field "$out" threads)" 2 "train.threads: 2 is taken as asked"
out=$(dl run "$scratch/glyphs.yaml" --threads none 2>&1)
is "$?:$out" "2:digitlab run: --threads: expected a whole number from 1 to 256 or auto, found 'none'
Try 'digitlab run --help'." "a bad --threads is refused"

dl queue add "$scratch/glyphs.yaml" --threads 2 > /dev/null &&
dl queue add "$scratch/glyphs.yaml" --threads 2 > /dev/null &&
dl queue add "$scratch/glyphs.yaml" --threads auto > /dev/null
ok $? "three runs queued"
is "$(dl queue ls | sed -n 1p | awk '{print $5}')" THR "queue ls has a THR column"
is "$(thr 1) $(thr 2) $(thr 3)" "2 2 all" "queued: the threads asked for, all for auto"
dl serve --drain --workers 2 --cores 2 > "$scratch/serve.log" 2>&1
ok $? "serve drains them"
is "$(thr 1)" 1 "run 1 asked for 2 with two runs behind it: it trained on 1"
is "$(thr 3)" 1 "the auto run trained on the 1 thread its model pays for"
grep -q "run 1 glyphs started (1 thread(s))" "$scratch/serve.log"
ok $? "the serve log says so"

done_testing
