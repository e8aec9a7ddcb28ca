#!/bin/sh
# The disk fills while a run writes its checkpoint (an LD_PRELOAD shim makes
# the fourth checkpoint's writes fail with ENOSPC): the run is marked failed
# with the reason, the store stays usable, the previous checkpoint stays
# valid, and once there is room again a retry continues from it to the
# metrics of an uninterrupted twin.
. "${top_srcdir:-.}/tests/tap.sh"

[ -n "${DIGITLAB_SANITIZERS:-}" ] &&
	skip_all "an LD_PRELOAD shim cannot come before the sanitizers' runtime"
shim="${top_builddir:-.}/tests/fault/enospc.so"
[ -f "$shim" ] || skip_all "the fault shim was not built"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
cat > "$scratch/glyphs.yaml" <<'YAML'
name: full-disk
seed: 5
data: {source: font5x7, variants: 2}
model:
  layers:
    - dense: {units: 16, activation: relu}
    - dense: {units: 10, activation: softmax}
train: {epochs: 8, batch_size: 8}
YAML
"$DIGITLAB" queue add "$scratch/glyphs.yaml" >/dev/null
"$DIGITLAB" queue add "$scratch/glyphs.yaml" --set name=twin --after 1 >/dev/null

DIGITLAB_FAULT_CHECKPOINTS=3 LD_PRELOAD="$shim" \
	"$DIGITLAB" serve --drain --workers 1 --checkpoint-every 0 > "$scratch/serve.log" 2>&1
ok $? "serve itself carries on"
msg=$("$DIGITLAB" show 1 | sed -n 's/^message: //p')
case "$msg" in
*"cannot write checkpoint: No space left on device"*) ok 0 "the run failed, saying why ($msg)";;
*) ok 1 "the run failed, saying why ($msg)";;
esac
is "$("$DIGITLAB" ls --status failed --json | grep -o '"name":"[a-z-]*"')" '"name":"full-disk"' \
	"it is marked failed"
ck="$DIGITLAB_HOME/checkpoints/run-1.model"
[ -f "$ck" ] && [ -z "$(ls "$ck".tmp* 2>/dev/null)" ]
ok $? "the last good checkpoint is there, the partial one gone"
"$DIGITLAB" predict "$ck" "$top_srcdir/tests/data/seven.pgm" >/dev/null 2>&1
ok $? "and it is a valid model file"
"$DIGITLAB" retry 1 >/dev/null && "$DIGITLAB" serve --drain --workers 1 > "$scratch/serve.log" 2>&1
a=$("$DIGITLAB" export 1 --format csv | tail -n 1 | cut -d, -f3,7-14)
b=$("$DIGITLAB" export 2 --format csv | tail -n 1 | cut -d, -f3,7-14)
is "$a" "$b" "with room again, retry continues it to its uninterrupted twin's metrics"

done_testing
