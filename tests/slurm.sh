#!/bin/sh
# serve --executor slurm on a real one-node Slurm cluster (brought up by
# tests/slurm_cluster.sh): a 12-point sweep as one job array with the
# metrics of the local executor; cancel of a pending and of a running job;
# a worker killed with SIGKILL and a job requeued with scontrol, both
# resuming from their checkpoints to the metrics of an uninterrupted run;
# a torn last line in a spool log; the time-limit warning (SIGUSR1) ending
# a job after its epoch, requeued; a serve killed with SIGKILL (once while
# jobs run, once between sbatch and recording the job) and started again,
# with every run done once and no job submitted twice; and the dashboard
# showing a Slurm run's job, node and live epoch.
#
# Nothing here waits on time: the tests wait for states (a record in a spool
# log, a status in ls, a job in squeue), and a worker to be killed stops
# itself with SIGSTOP at a known point (tests/fault/freeze.c, preloaded into
# the jobs: after its first checkpoint past a given epoch), so a fast
# machine cannot finish a run before its kill.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/slurm_cluster.sh"

trap 'slurm_cluster_stop; tmux -S "$scratch/tmux.sock" kill-server 2>/dev/null;
      [ -n "$serve_pid" ] && kill -9 $serve_pid 2>/dev/null; rm -rf "$scratch"' EXIT

if ! slurm_cluster_start "$scratch/cluster"; then
	ok 1 "a one-node Slurm cluster starts (see the reason above)"
	done_testing
	exit 1
fi
ok 0 "a one-node Slurm cluster starts"

dl() { "$DIGITLAB" "$@"; }
serve_pid=""

# the freezing shim, in the jobs only; under the sanitizers it may come
# before their runtime, as it replaces nothing they replace
freeze_shim="${top_builddir:-.}/tests/fault/freeze.so"
case "$freeze_shim" in /*) ;; *) freeze_shim="$PWD/$freeze_shim" ;; esac
mkdir -p "$scratch/freeze"
sanitizer_env=""
[ -n "${DIGITLAB_SANITIZERS:-}" ] &&
	sanitizer_env="ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# sbatch through a wrapper that counts the calls, that preloads the
# freezing shim into the jobs, and that can kill the serve that called it
# right after the job is submitted
mkdir -p "$scratch/bin"
real_sbatch=$(command -v sbatch)
cat > "$scratch/bin/sbatch" <<EOF
#!/bin/sh
echo "\$*" >> "$scratch/sbatch.calls"
out=\$(env $sanitizer_env DIGITLAB_FAULT_FREEZE="$scratch/freeze" LD_PRELOAD="$freeze_shim" \
	"$real_sbatch" "\$@") || exit \$?
if [ -f "$scratch/kill-serve-after-sbatch" ]; then
	rm -f "$scratch/kill-serve-after-sbatch"
	kill -9 \$PPID
	exit 0
fi
echo "\$out"
EOF
chmod +x "$scratch/bin/sbatch"
PATH="$scratch/bin:$PATH"
export PATH
: > "$scratch/sbatch.calls"
sbatch_calls() { wc -l < "$scratch/sbatch.calls" | tr -d ' '; }

# wait_for_cmd SECONDS COMMAND...: until COMMAND succeeds
wait_for_cmd() {
	limit=$(( $1 * 10 ))
	shift
	i=0
	while [ $i -lt $limit ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# status RUN: the run's status word
status() { dl ls --json | tr '{' '\n' | grep "\"id\":$1," | sed 's/.*"status":"\([a-z]*\)".*/\1/'; }
is_status() { [ "$(status "$1")" = "$2" ]; }
# metrics: id, name, status, sweep, repeat, params, epochs and every metric
# of every run, as export writes them (no times, no worker)
metrics() { dl export | cut -d, -f1-14; }
spool() { echo "$DIGITLAB_HOME/spool/$1/events.log"; }
starts() { grep -c '^start ' "$(spool "$1")"; }
epochs_logged() { cat "$(spool "$1")" 2>/dev/null | grep -c '^epoch '; }
worker_pid() { grep '^start ' "$(spool "$1")" | tail -n 1 | cut -d' ' -f4; }
has_start() { [ -f "$(spool "$1")" ] && grep -q '^start ' "$(spool "$1")"; }
# freeze_at RUN EPOCHS: the run's worker is to stop itself at its first
# checkpoint with EPOCHS epochs in its log
freeze_at() { echo "$2" > "$scratch/freeze/$1"; }
is_stopped() { # is_stopped PID: the process is stopped (state T)
	[ "$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" = T ]
}
# frozen RUN EPOCHS: the run's worker has stopped itself, with EPOCHS or
# more epochs in its log, a checkpoint written and no end
frozen() {
	has_start "$1" && is_stopped "$(worker_pid "$1")" &&
		[ "$(epochs_logged "$1")" -ge "$2" ] &&
		[ -s "$DIGITLAB_HOME/spool/$1/checkpoint.model" ] &&
		! grep -q '^end ' "$(spool "$1")"
}
start_serve() { # start_serve LOG [OPTIONS]: a Slurm serve in the background
	"$DIGITLAB" serve --executor slurm $2 > "$1" 2>&1 &
	serve_pid=$!
}
stop_serve() {
	kill $serve_pid 2>/dev/null
	wait $serve_pid 2>/dev/null
	serve_pid=""
}

glyphs="$top_srcdir/tests/data/glyphs.yaml"
{ cat "$glyphs"; cat <<'YAML'; } > "$scratch/sweep.yaml"
sweep:
  grid: {"model.layers[0].dense.units": [5, 10, 15], "train.optimizer.lr": [1, 0.1]}
  repeats: 2
YAML
sed 's/epochs: 20/epochs: 1000/' "$glyphs" > "$scratch/long.yaml"
sed 's/epochs: 20/epochs: 1000000/' "$glyphs" > "$scratch/endless.yaml"
{ sed 's/^name: glyphs/name: adopted/; s/epochs: 20/epochs: 1000/' "$glyphs"; cat <<'YAML'; } > "$scratch/adopted.yaml"
sweep:
  grid: {"train.optimizer.lr": [0.1, 0.05, 0.2, 0.3]}
YAML

# ---- the reference: the same files through the local executor ----
DIGITLAB_HOME="$scratch/local"
export DIGITLAB_HOME
dl queue add "$scratch/sweep.yaml" > /dev/null
dl queue add "$scratch/long.yaml" --set name=killed > /dev/null
dl queue add "$scratch/long.yaml" --set name=requeued > /dev/null
dl queue add "$scratch/adopted.yaml" > /dev/null
dl queue add "$glyphs" --set name=half-submitted > /dev/null
dl serve --drain > /dev/null 2>&1
dl ls --json | tr '{' '\n' | grep -o '"name":"[a-z-]*","status":"[a-z]*"' | sort | uniq -c |
	sed 's/^ *//' > "$scratch/local.status"
dl export | cut -d, -f1-14 | grep ',glyphs,' > "$scratch/local.sweep"
ref() { DIGITLAB_HOME="$scratch/local" "$DIGITLAB" export | cut -d, -f2,3,7-14 | grep "^$1,"; }
mine() { dl export | cut -d, -f2,3,7-14 | grep "^$1,"; }

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME

# ---- a 12-point sweep: one job array, the local executor's metrics ----
dl queue add "$scratch/sweep.yaml" > /dev/null
dl serve --executor slurm --drain > "$scratch/serve1.log" 2>&1
is "$?" 0 "serve --executor slurm --drain ends when the sweep is done"
is "$(sbatch_calls)" 1 "the 12 runs went to Slurm in one sbatch call"
grep -q -- '--array=0-11 ' "$scratch/sbatch.calls"
ok $? "as a job array of 12 tasks"
is "$(dl ls --status done --json | grep -o '"id":' | wc -l | tr -d ' ')" 12 "12 runs are done"
is "$(metrics | grep ',glyphs,')" "$(cat "$scratch/local.sweep")" \
	"their exported metrics equal those of the local executor, bit for bit"
n=0
for id in 1 2 3 4 5 6 7 8 9 10 11 12; do
	[ "$(starts $id)" = 1 ] && n=$((n + 1))
done
is "$n" 12 "each run was trained by one job, once"
grep -q '^end done .* [1-9][0-9]* \*[0-9a-f]*$' "$(spool 1)"
ok $? "the job's end record carries its peak memory"
dl show 1 | grep -q '  peak memory [0-9.]* MiB$'
ok $? "which show prints for the run"
out=$(dl queue ls --all 2>/dev/null | sed -n 2p)
case "$out" in *"slurm "*"1_0"*" $(hostname -s)"*) r=0 ;; *) r=1 ;; esac
ok $r "queue ls shows the executor, job id with array task, and node"
[ $r -eq 0 ] || echo "# $out"

# ---- cancel: a pending job, then a running one ----
dl queue add "$scratch/endless.yaml" --set name=endless-a > /dev/null   # run 13
dl queue add "$scratch/endless.yaml" --set name=endless-b > /dev/null   # run 14
calls=$(sbatch_calls)
# the second waits behind the first: it asks for every core of the node
start_serve "$scratch/serve2.log" --sbatch-arg=--exclusive
wait_for_cmd 120 has_start 13 || wait_for_cmd 1 has_start 14
ok $? "a job starts"
if has_start 13; then running=13 pending=14; else running=14 pending=13; fi
wait_for_cmd 60 sh -c "[ \$(cat '$(spool $running)' | grep -c '^epoch ') -ge 1 ]"
ok $? "the running job trains (an epoch in its spool log)"
job_pending=$(squeue -h -t PENDING -o '%i' | head -n 1)
[ -n "$job_pending" ]
ok $? "the other job is pending in Slurm ($job_pending)"
dl cancel $pending > /dev/null
wait_for_cmd 60 is_status $pending cancelled
ok $? "cancel of the pending run ends it cancelled"
dl cancel $running > /dev/null
wait_for_cmd 60 is_status $running cancelled
ok $? "cancel of the running run ends it cancelled"
wait_for_cmd 60 sh -c '[ -z "$(squeue -h -t PENDING,RUNNING,COMPLETING -o %i)" ]'
ok $? "squeue no longer lists either job"
is "$(has_start $pending && echo started || echo never)" never "the pending job never ran"
stop_serve

# ---- a worker killed with SIGKILL, a job requeued: both resume ----
dl queue add "$scratch/long.yaml" --set name=killed > /dev/null     # run 15
dl queue add "$scratch/long.yaml" --set name=requeued > /dev/null   # run 16
freeze_at 15 3
freeze_at 16 3
start_serve "$scratch/serve3.log" "--checkpoint-every 0"
wait_for_cmd 120 has_start 15 && wait_for_cmd 120 has_start 16
ok $? "both jobs start"
wait_for_cmd 120 frozen 15 3
ok $? "the first worker is frozen after 3 or more of its 1000 epochs, checkpoint written"
wait_for_cmd 120 frozen 16 3
ok $? "the second worker is frozen after 3 or more of its 1000 epochs, checkpoint written"
[ -s "$DIGITLAB_HOME/spool/15/checkpoint.model" ] && [ -s "$DIGITLAB_HOME/spool/16/checkpoint.model" ]
ok $? "both have written their checkpoints"
# a dying node: the worker killed while it writes a record, leaving a torn line
printf 'epoch 9 0x1.8p+1 0x1.2' >> "$(spool 15)"
kill -9 "$(worker_pid 15)"
job16=$(grep '^start ' "$(spool 16)" | tail -n 1 | cut -d' ' -f2)
# Slurm holds a requeued job two minutes before it may start again: it
# may start at once here
scontrol requeue "$job16" && scontrol update JobId="$job16" StartTime=now
ok $? "scontrol requeue $job16"
# Slurm ends the frozen worker itself (SIGCONT, SIGTERM, then SIGKILL)
wait_for_cmd 120 sh -c "! kill -0 $(worker_pid 16)"
ok $? "the requeued job's worker is ended by Slurm"
wait_for_cmd 300 is_status 15 done
ok $? "the killed run is sent again and ends done"
wait_for_cmd 300 is_status 16 done
ok $? "the requeued run ends done"
is "$(mine killed)" "$(ref killed)" "the killed run ends with the metrics of an uninterrupted run"
is "$(mine requeued)" "$(ref requeued)" "the requeued run ends with the metrics of an uninterrupted run"
is "$(starts 15):$(starts 16)" "2:2" "each was started twice, the second time from its checkpoint"
grep -q "^run 15: Slurm job [0-9]* ended FAILED on $(hostname -s); sent again to resume from its checkpoint (retry 1 of 3)" "$scratch/serve3.log"
ok $? "the serve says the killed job failed and was sent again"
grep -q "^run 15: 1 damaged line(s) of its spool log skipped" "$scratch/serve3.log"
ok $? "the torn last line of the killed worker's log is skipped, and the import goes on"
is "$(grep -c '^start ' "$(spool 16)" | tr -d ' '):$(grep '^start ' "$(spool 16)" | cut -d' ' -f2 | sort -u | wc -l | tr -d ' ')" \
	"2:1" "the requeued run ran twice as the same Slurm job"
stop_serve

# ---- the serve killed while its jobs run, then started again ----
dl queue add "$scratch/adopted.yaml" > /dev/null
first=$(dl ls --json | grep -o '"id":[0-9]*' | cut -d: -f2 | sort -n | tail -n 4 | head -n 1)
calls=$(sbatch_calls)
freeze_at "$first" 1
start_serve "$scratch/serve4.log" "--checkpoint-every 0"
wait_for_cmd 120 has_start "$first"
ok $? "the sweep's first job runs"
wait_for_cmd 120 frozen "$first" 1
ok $? "and is held in its first epochs while the serve is killed"
kill -9 $serve_pid
wait $serve_pid 2>/dev/null
serve_pid=""
kill -CONT "$(worker_pid "$first")"
dl serve --executor slurm --drain > "$scratch/serve5.log" 2>&1
is "$?" 0 "a serve started again drains the sweep"
grep -q "^following [0-9]* run(s) already in Slurm" "$scratch/serve5.log"
ok $? "it adopts the jobs already in Slurm"
is "$(( $(sbatch_calls) - calls ))" 1 "no job was submitted twice"
is "$(dl ls --status done --json | tr '{' '\n' | grep -c '"name":"adopted"')" 4 \
	"every run of the sweep is done"
n=0
for id in $first $((first + 1)) $((first + 2)) $((first + 3)); do
	[ "$(starts $id)" = 1 ] && n=$((n + 1))
done
is "$n" 4 "each trained once"
is "$(mine adopted | sort)" "$(ref adopted | sort)" "with the local executor's metrics"

# ---- killed between sbatch and recording the job: found by name ----
dl queue add "$glyphs" --set name=half-submitted > /dev/null
id=$(dl ls --json | grep -o '"id":[0-9]*' | tail -n 1 | cut -d: -f2)
calls=$(sbatch_calls)
: > "$scratch/kill-serve-after-sbatch"
dl serve --executor slurm --drain > "$scratch/serve6.log" 2>&1
is "$?" 137 "the serve is killed right after its sbatch call"
dl serve --executor slurm --drain > "$scratch/serve7.log" 2>&1
grep -q "^run $id: found its Slurm job [0-9]*, submitted before the last serve stopped" "$scratch/serve7.log"
ok $? "the next serve finds the job by its name"
is "$(( $(sbatch_calls) - calls ))" 1 "and does not submit it again"
is "$(status "$id"):$(starts "$id")" "done:1" "the run is done, trained once"
is "$(mine half-submitted)" "$(ref half-submitted)" "with the local executor's metrics"

# ---- the time-limit warning: the job ends after its epoch and is requeued ----
dl queue add "$scratch/long.yaml" --set name=warned > /dev/null
id=$(dl ls --json | grep -o '"id":[0-9]*' | tail -n 1 | cut -d: -f2)
freeze_at "$id" 3
start_serve "$scratch/serve9.log" "--checkpoint-every 0"
wait_for_cmd 120 has_start "$id"
ok $? "the warned run's job starts"
wait_for_cmd 120 frozen "$id" 3
ok $? "and is held after its first epochs"
job=$(grep '^start ' "$(spool "$id")" | tail -n 1 | cut -d' ' -f2)
# what Slurm sends --signal=B:USR1@120 before the time limit
scancel --batch --signal=USR1 "$job" && kill -CONT "$(worker_pid "$id")"
ok $? "SIGUSR1 reaches the job's worker"
wait_for_cmd 120 sh -c "grep -q '^end interrupted' '$(spool "$id")'"
ok $? "the worker ends after its epoch, checkpoint written"
wait_for_cmd 120 sh -c "[ \"\$(squeue -h -j $job -o %T)\" = PENDING ]"
ok $? "and Slurm requeues its job"
scontrol update JobId="$job" StartTime=now
wait_for_cmd 300 is_status "$id" done
ok $? "the job starts again and the run ends done"
is "$(mine warned | cut -d, -f2-)" "$(ref killed | cut -d, -f2-)" "with the metrics of an uninterrupted run"
is "$(grep -c '^start ' "$(spool "$id")" | tr -d ' ')" 2 "started twice, by the same job"
stop_serve

# ---- the dashboard: a Slurm run's job, node and live epoch ----
dl queue add "$scratch/endless.yaml" --set name=watched > /dev/null
id=$(dl ls --json | grep -o '"id":[0-9]*' | tail -n 1 | cut -d: -f2)
start_serve "$scratch/serve8.log"
wait_for_cmd 120 has_start "$id"
ok $? "the watched run's job starts"
job=$(grep '^start ' "$(spool "$id")" | tail -n 1 | cut -d' ' -f2)
T="tmux -S $scratch/tmux.sock"
$T new-session -d -s dl -x 130 -y 30 \
	"LANG=C.UTF-8 DIGITLAB_HOME='$DIGITLAB_HOME' '$DIGITLAB'; sleep 30"
screen() { $T capture-pane -p -t dl 2>/dev/null; }
row() { screen | grep " watched " | head -n 1; }
# the epoch column of the watched run's row: ID NAME STATUS BAR EPOCH ...
epoch_cell() { row | awk '{print $5}'; }
wait_for_cmd 60 sh -c "$T capture-pane -p -t dl | head -n 1 | grep -q 'slurm 0 pending 1 running'"
ok $? "the header counts the Slurm job running"
wait_for_cmd 60 sh -c "$T capture-pane -p -t dl | grep ' watched ' | grep -q 'slurm $job $(hostname -s)'"
ok $? "the run's row shows its executor, Slurm job $job and node"
[ $? -eq 0 ] || screen | sed 's/^/# /'
first=$(epoch_cell)
[ "$first" -ge 0 ] 2>/dev/null
ok $? "and its epoch ($first)"
wait_for_cmd 60 sh -c "[ \"\$($T capture-pane -p -t dl | grep ' watched ' | awk '{print \$5}')\" != '$first' ]"
ok $? "which moves while the job trains (now $(epoch_cell))"
$T send-keys -t dl q
dl cancel "$id" > /dev/null
wait_for_cmd 60 is_status "$id" cancelled
ok $? "the watched run is cancelled"
stop_serve

done_testing
