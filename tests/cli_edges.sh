#!/bin/sh
# Edges seen by trying hard: --priority out of range, a run queued --after
# a run that failed, --set train.optimizer.lr on a file without an
# optimizer, SIGHUP to `digitlab run`, and the time of a resumed run.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }
glyphs="$top_srcdir/tests/data/glyphs.yaml"

# ---- --priority says its range ----
out=$(dl queue add "$glyphs" --priority 99999999999 2>&1 | head -n 1)
is "$out" "digitlab queue: --priority: expected a whole number from -1000000 to 1000000, found '99999999999'" \
	"--priority out of range names the range"

# ---- --set train.optimizer.lr, the man page's example, on a file without an optimizer ----
out=$(dl queue add "$glyphs" --set train.optimizer.lr=0.01 --set train.epochs=2 2>&1)
is "$?:$out" "0:queued run 1 glyphs" "--set train.optimizer.lr works on a file with no optimizer"
is "$(dl show 1 --yaml | grep '^  optimizer:' | cut -d, -f1-2)" "  optimizer: {type: adam, lr: 0.01" \
	"  and the run trains adam at that rate"

# ---- --after a run that fails: the waiting run keeps waiting, and is named ----
# a run whose data is there when it is queued and gone when it trains
printf '\000\000\010\003\000\000\000\001\000\000\000\002\000\000\000\002abcd' > "$scratch/img.idx"
printf '\000\000\010\001\000\000\000\001\003' > "$scratch/lab.idx"
cat > "$scratch/fails.yaml" <<YAML
name: fails
data: {source: idx, train_images: $scratch/img.idx, train_labels: $scratch/lab.idx,
       test_images: $scratch/img.idx, test_labels: $scratch/lab.idx}
model: {layers: [{flatten: {}}, {dense: {units: 10}}]}
YAML
dl queue add "$scratch/fails.yaml" > /dev/null
rm "$scratch/img.idx"
dl queue add "$glyphs" --set name=waiting --after fails > /dev/null
dl serve --drain --workers 1 > "$scratch/serve.log" 2>&1
is "$?" 0 "serve --drain ends"
is "$(dl ls --json | tr '{' '\n' | grep -c '"name":"fails","status":"failed"')" 1 "the first run failed (no data)"
is "$(grep -c 'the queue is empty' "$scratch/serve.log")" 0 "serve does not say the queue is empty"
is "$(grep '^run 3 ' "$scratch/serve.log")" "run 3 waiting waits for run 2, which failed: it starts once run 2 is retried and done (digitlab retry 2), or cancel it (digitlab cancel 3)" \
	"  it names the run left waiting, and the way out"
is "$(tail -n 1 "$scratch/serve.log")" "digitlab serve: drained: nothing more can start" \
	"  and ends saying nothing more can start"
is "$(dl queue ls | tail -n 1)" "run 3 waits for run 2, which failed: it starts once run 2 is retried and done" \
	"queue ls says so too"
dl cancel 3 > /dev/null
is "$(dl queue ls | grep -c waits)" 0 "a cancelled waiter is no longer named"

# ---- SIGHUP stops `digitlab run` as SIGTERM does, with a word ----
sed 's/epochs: 20/epochs: 100000/' "$glyphs" > "$scratch/long.yaml"
"$DIGITLAB" run "$scratch/long.yaml" --log-every 1 > "$scratch/run.out" 2> "$scratch/run.err" &
pid=$!
waited=0
while ! grep -q '^ *2/100000 ' "$scratch/run.out" 2>/dev/null && [ $waited -lt 300 ]; do
	sleep 0.1
	waited=$((waited + 1))
done
kill -HUP $pid
wait $pid
is "$?" 130 "run exits 130 on SIGHUP"
case "$(cat "$scratch/run.err")" in
"digitlab: $scratch/long.yaml: interrupted: "*) ok 0 "  and says it was interrupted";;
*) ok 1 "  and says it was interrupted"; sed 's/^/# /' "$scratch/run.err";;
esac

# ---- a resumed run's time counts every epoch, not only the last segment ----
sed 's/epochs: 20/epochs: 400/' "$glyphs" > "$scratch/resume.yaml"
"$DIGITLAB" run "$scratch/resume.yaml" --checkpoint "$scratch/r.model" > "$scratch/r1.out" 2>/dev/null &
pid=$!
waited=0
while ! grep -q '^ *300/400 ' "$scratch/r1.out" 2>/dev/null && [ $waited -lt 600 ]; do
	sleep 0.1
	waited=$((waited + 1))
done
kill -TERM $pid
wait $pid
json=$(dl run --resume "$scratch/r.model" --json 2>/dev/null | tail -n 1)
total=$(printf '%s\n' "$json" | grep -o '"seconds":[0-9.e+-]*' | head -n 1 | cut -d: -f2)
epochs=$(printf '%s\n' "$json" | grep -o '"seconds":[0-9.e+-]*' | sed 1d | cut -d: -f2 |
	awk '{ s += $1 } END { printf "%.6f", s }')
ok "$(awk -v t="$total" -v e="$epochs" 'BEGIN { exit !(t >= e) }'; echo $?)" \
	"a resumed run's seconds ($total) cover all its epochs' ($epochs)"

done_testing
