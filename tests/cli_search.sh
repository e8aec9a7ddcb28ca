#!/bin/sh
# Sweeps that search and prune, through serve, on a scratch store with the
# generated 5x7 glyphs: ASHA and the median rule end weak runs pruned with
# their history; a TPE sweep grows to its planned runs as workers free up,
# and cancel --sweep stops one from growing. One worker where the order
# of the runs decides what is pruned, so that the outcome is the same on
# every machine.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }
count() { dl ls --json "$@" | grep -o '"id":' | wc -l | tr -d ' '; }

cat > "$scratch/base.yaml" <<'YAML'
seed: 1
data: {source: font5x7, variants: 2, validation: 0.25}
model:
  layers:
    - dense: {units: 16, activation: relu}
    - dense: {units: 10, activation: softmax}
train: {epochs: 8, batch_size: 8, optimizer: {type: sgd, lr: 0.1}}
YAML

# ---- ASHA: rungs at epochs 1, 2 and 4 of 8, the best half goes on ----
{ echo "name: asha"; cat "$scratch/base.yaml"; cat <<'YAML'; } > "$scratch/asha.yaml"
sweep:
  grid: {"train.optimizer.lr": [0.3, 0.000001, 0.1, 0.00001, 0.03, 0.0001]}
  prune: {asha: {min_epochs: 1, reduction_factor: 2}}
YAML
is "$(dl queue add "$scratch/asha.yaml")" "queued sweep 1 asha: runs 1-6 (6)" "an ASHA sweep is queued"
dl serve --drain --workers 1 > "$scratch/asha.log" 2>&1
ok $? "serve trains it"
pruned=$(count --status pruned)
is "$(( $(count --status done) + pruned ))" 6 "every run ends done or pruned"
ok "$([ "$pruned" -ge 2 ] && echo 0 || echo 1)" "weak runs are pruned ($pruned of 6)"
is "$(dl ls --json --status pruned | tr '{' '\n' | grep -c '"epochs":[124],')" "$pruned" \
	"each pruned at a rung: after epoch 1, 2 or 4"
is "$(dl ls --json --status done | tr '{' '\n' | grep -c '"epochs":8,')" "$((6 - pruned))" \
	"the others train all 8 epochs"
first=$(dl ls --json --status pruned | tr '{' '\n' | sed -n 's/^"id":\([0-9]*\),.*/\1/p' | head -n 1)
is "$(dl show "$first" | head -n 1 | grep -o ' pruned$')" " pruned" "show says pruned"
ok "$(dl show "$first" | grep -q 'pruned after epoch [124]: val_accuracy [0-9.]* is not among the best 1/2 of the [0-9]* runs at this rung'; echo $?)" \
	"and why"
ok "$(grep -q "run $first asha lr=.* pruned: pruned after epoch" "$scratch/asha.log"; echo $?)" \
	"serve's log says it"
epochs=$(dl ls --json --status pruned | tr '{' '\n' | sed -n "s/^\"id\":$first,.*\"epochs\":\([0-9]*\),.*/\1/p")
is "$(dl show "$first" | grep -c '^ *[0-9]\+  *[0-9.]\+  *[0-9.]\+  *[0-9.]\+  *[0-9.]\+ ')" "$epochs" \
	"a pruned run keeps its history: a line for each of its $epochs epochs"
is "$(dl ls --status pruned | sed -n 2p | grep -c ' pruned ')" 1 "ls --status pruned lists them"

# ---- median: once two runs are done, a run below their median stops ----
{ echo "name: median"; cat "$scratch/base.yaml"; cat <<'YAML'; } > "$scratch/median.yaml"
sweep:
  grid: {"train.optimizer.lr": [0.3, 0.1, 0.000001, 0.00001]}
  prune: {median: {warmup_epochs: 2, min_runs: 2}}
YAML
dl queue add "$scratch/median.yaml" > /dev/null
dl serve --drain --workers 1 > "$scratch/median.log" 2>&1
is "$(dl ls --json --name median | tr '{' '\n' | grep -o '"status":"[a-z]*","[a-z]*":[^,]*,"[a-z]*":[^,]*' | head -0; \
	dl ls --json --name median | grep -o '"status":"[a-z]*"' | tr '\n' ' ')" \
	'"status":"done" "status":"done" "status":"pruned" "status":"pruned" ' \
	"median: the first two train, the two weak ones after them are pruned"
ok "$(grep -q 'pruned after epoch 3: its best val_accuracy [0-9.]* is worse than the median of 2 finished runs' "$scratch/median.log"; echo $?)" \
	"after the warm-up, against the median of the finished runs"

# ---- TPE: the sweep grows to its planned runs as workers free up ----
{ echo "name: tpe"; cat "$scratch/base.yaml"; cat <<'YAML'; } > "$scratch/tpe.yaml"
sweep:
  search: tpe
  n: 12
  space:
    "train.optimizer.lr": {loguniform: [0.001, 1]}
    "model.layers[0].dense.units": {int: [4, 32]}
YAML
is "$(dl check "$scratch/tpe.yaml")" "$scratch/tpe.yaml: ok (a tpe sweep of 12 runs, proposed as it trains; the first checked)" \
	"check counts the runs a tpe sweep will have"
is "$(dl queue add "$scratch/tpe.yaml")" \
	"queued sweep 3 tpe: run 11, and 11 more proposed as workers free up (tpe)" \
	"a tpe sweep is queued with its first point"
is "$(dl queue ls | tail -n 1)" \
	"sweep 3 tpe (tpe): 1 of 12 runs made; the next are proposed as workers free up (digitlab cancel --sweep 3 stops it)" \
	"queue ls says the sweep will grow"
dl serve --drain --workers 2 > "$scratch/tpe.log" 2>&1
ok $? "serve trains it"
is "$(count --name tpe)" 12 "the sweep grew to its 12 runs, and no more"
is "$(count --name tpe --status done)" 12 "all of them trained"
is "$(dl ls --json --name tpe | grep -o '"sweep_id":3' | wc -l | tr -d ' ')" 12 "all in the sweep"
is "$(dl ls --name tpe | sed -n '2,$p' | sed 's/.*\(lr=[0-9.e-]* units=[0-9]*\).*/\1/' | sort -u | wc -l | tr -d ' ')" 12 \
	"each run at its own point"
is "$(dl queue ls | grep -c '^sweep 3')" 0 "queue ls no longer lists it"

# ---- cancel --sweep: a growing sweep grows no more ----
sed 's/^name: tpe$/name: stopped/' "$scratch/tpe.yaml" > "$scratch/stopped.yaml"
dl queue add "$scratch/stopped.yaml" > /dev/null
is "$(dl cancel --sweep 4)" "sweep 4: stopped; 1 run cancelled" "cancel --sweep cancels its queued run"
is "$(dl queue ls | grep -c '^sweep 4')" 0 "and queue ls no longer shows it growing"
dl serve --drain --workers 2 > /dev/null 2>&1
is "$(count --name stopped)" 1 "serve adds no run to a cancelled sweep"
is "$(dl cancel --sweep 99 2>&1)" "digitlab: error: no sweep 99" "cancel --sweep of no sweep"
is "$(dl cancel --sweep x 2>&1 | head -n 1)" "digitlab cancel: --sweep: expected a sweep number, found 'x'" \
	"cancel --sweep wants a number"

done_testing
