#!/bin/sh
# SIGKILL of serve at random moments, up to twenty times over one run: every
# restart resumes it from its last checkpoint, and it ends with exactly the
# metrics of an uninterrupted twin. Generated 5x7 glyphs, no data to fetch.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
cat > "$scratch/glyphs.yaml" <<'YAML'
name: killed
seed: 11
data: {source: font5x7, variants: 3}
model:
  layers:
    - dense: {units: 24, activation: sigmoid}
    - dropout: 0.1
    - dense: {units: 10, activation: softmax}
train: {epochs: 4000, batch_size: full, optimizer: {type: sgd, lr: 0.5}}
YAML
"$DIGITLAB" queue add "$scratch/glyphs.yaml" >/dev/null
"$DIGITLAB" queue add "$scratch/glyphs.yaml" --set name=twin --after 1 >/dev/null

# The run's epochs so far, from the store.
epochs_done() {
	n=$("$DIGITLAB" ls --json | tr '{' '\n' | sed -n 's/^"id":1,.*"epochs":\([0-9]*\).*/\1/p')
	echo "${n:-0}"
}

# Kill serve after a pseudo-random 20 to 139 more epochs, up to twenty times;
# with a checkpoint every epoch, each kill lands at a different point of one.
# How far a run gets between two looks at the store depends on the machine
# (an epoch here is a fraction of a millisecond), so the kills stop once
# three quarters of the run are done: the last quarter is the final serve's.
# Even a machine that overshoots each target by 600 epochs kills five times.
kills=0 seed=7
while [ $kills -lt 20 ] && [ "$(epochs_done)" -lt 3000 ]; do
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	target=$(( $(epochs_done) + 20 + seed % 120 ))
	"$DIGITLAB" serve --workers 1 --checkpoint-every 0 > "$scratch/serve.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 600 ] && [ "$(epochs_done)" -lt $target ]; do
		sleep 0.01
		i=$((i + 1))
	done
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	"$DIGITLAB" ls --status done --json | grep -q '"name":"killed"' && break
	kills=$((kills + 1))
done
ok "$([ $kills -ge 5 ] && echo 0 || echo 1)" "serve was killed at least 5 times during the run ($kills)"
"$DIGITLAB" serve --drain --workers 1 > "$scratch/serve.log" 2>&1
ok $? "the last serve drains the queue"
is "$("$DIGITLAB" ls --status done --json | grep -o '"name":"[a-z]*"' | sort | tr '\n' ' ')" \
	'"name":"killed" "name":"twin" ' "both runs are done"
a=$("$DIGITLAB" export 1 --format csv | tail -n 1 | cut -d, -f7-14)
b=$("$DIGITLAB" export 2 --format csv | tail -n 1 | cut -d, -f7-14)
echo "# killed $kills times: $a"
echo "# uninterrupted:     $b"
is "$a" "$b" "the killed run ends with its uninterrupted twin's metrics, bit for bit"

done_testing
