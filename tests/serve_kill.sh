#!/bin/sh
# kill -9 of serve in the middle of an epoch, then serve again: the run
# resumes from its last checkpoint and ends with exactly the metrics of an
# uninterrupted run with the same seed. On MNIST (a 30,000-image subset),
# so that an epoch lasts long enough to be killed inside.
. "${top_srcdir:-.}/tests/tap.sh"

"$DIGITLAB" data ls 2>/dev/null | grep -q '^mnist  *60000' ||
	skip_all "MNIST is not in the data cache (digitlab data fetch mnist)"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }

cat > "$scratch/mlp.yaml" <<'YAML'
name: killed
seed: 7
data: {source: mnist, limit: 30000, validation: 0.1}
model:
  layers:
    - dense: {units: 256, activation: relu}
    - dropout: 0.2
    - dense: {units: 10, activation: softmax}
train: {epochs: 4, batch_size: 32}
YAML
dl queue add "$scratch/mlp.yaml" >/dev/null
dl queue add "$scratch/mlp.yaml" --set name=uninterrupted >/dev/null

# the first run, killed during its third epoch
"$DIGITLAB" serve --workers 1 > "$scratch/serve1.log" 2>&1 &
serve=$!
for i in $(seq 1 600); do
	dl queue ls | grep -q '^ *1  killed  *running 3:[1-9]' && break
	sleep 0.02
done
kill -9 $serve
wait $serve 2>/dev/null
line=$(dl queue ls | grep '^ *1 ')
echo "$line" | grep -q 'running 3:'; ok $? "serve was killed during epoch 3 ($line)"
is "$(dl ls --json | grep -o '"id":2,[^}]*"status":"queued"' | wc -l | tr -d ' ')" 1 \
	"the second run had not started"

# serve again: the dead serve's run is found at once and resumed
dl serve --drain --workers 1 > "$scratch/serve2.log" 2>&1
ok $? "the second serve drains the queue"
grep -q '^run 1 killed was left running by a worker that died; it resumes from its checkpoint$' \
	"$scratch/serve2.log"
ok $? "it says it found the killed run"
a=$(dl export 1 --format csv | tail -n 1 | cut -d, -f3,7-14)
b=$(dl export 2 --format csv | tail -n 1 | cut -d, -f3,7-14)
echo "# killed and resumed: $a"
echo "# uninterrupted:      $b"
case "$a" in done,*) ok 0 "the killed run ends done";; *) ok 1 "the killed run ends done ($a)";; esac
is "$a" "$b" "with the final metrics of the uninterrupted run, bit for bit"

done_testing
