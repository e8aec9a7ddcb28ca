# slurm_cluster.sh - a real one-node Slurm cluster for the Slurm tests.
# Source it, then `slurm_cluster_start DIR` (DIR: an empty scratch folder)
# and `slurm_cluster_stop` when done (from an EXIT trap). It needs root and
# Debian's munge, slurmctld, slurmd and slurm-client (quickstart.sh check
# installs them).
#
# The cluster is this host with all its cores (select/cons_tres, CR_Core),
# its own munge daemon, key and socket, and its own ports, so that it
# touches nothing of the machine's and two test scripts may each run one.
# SLURM_CONF is exported for sbatch, squeue, scontrol and scancel.
#
# slurm_cluster_start returns non-zero after printing, as TAP comments,
# why the cluster did not come up and the daemons' logs.

slurm_cluster_pids=""

slurm_cluster_why() { # slurm_cluster_why MESSAGE: say why, with the logs
	echo "# the test Slurm cluster cannot start: $1"
	for f in "$slurm_dir"/munged.log "$slurm_dir"/slurmctld.log "$slurm_dir"/slurmd.log; do
		[ -s "$f" ] || continue
		echo "# --- $f (last lines)"
		tail -n 15 "$f" | sed 's/^/#   /'
	done
	return 1
}

slurm_cluster_start() { # slurm_cluster_start DIR
	slurm_dir="$1"
	if [ "$(id -u)" -ne 0 ]; then
		slurm_cluster_why "munged, slurmctld and slurmd must be started as root (the tests run as uid $(id -u))"
		return 1
	fi
	for p in munged slurmctld slurmd sbatch squeue scontrol scancel; do
		command -v "$p" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
		command -v "$p" >/dev/null 2>&1 ||
			{ slurm_cluster_why "$p is not installed (apt-get install slurmctld slurmd slurm-client munge; ./quickstart.sh check does)"; return 1; }
	done
	mkdir -p "$slurm_dir/munge" "$slurm_dir/state" "$slurm_dir/spool" || return 1
	chmod 700 "$slurm_dir/munge"
	# the ports from the scratch path, so that two scripts differ
	slurm_port=$(( 20000 + $(printf '%s' "$slurm_dir" | cksum | cut -d' ' -f1) % 20000 ))
	host=$(hostname -s)
	cpus=$(nproc)
	dd if=/dev/urandom of="$slurm_dir/munge/munge.key" bs=1024 count=1 2>/dev/null
	chmod 400 "$slurm_dir/munge/munge.key"
	if ! munged --force --key-file="$slurm_dir/munge/munge.key" \
		--socket="$slurm_dir/munge/munge.socket" --pid-file="$slurm_dir/munge/munged.pid" \
		--log-file="$slurm_dir/munged.log" --seed-file="$slurm_dir/munge/munge.seed" \
		>>"$slurm_dir/munged.log" 2>&1; then
		slurm_cluster_why "munged did not start"
		return 1
	fi
	slurm_cluster_pids="$(cat "$slurm_dir/munge/munged.pid")"
	cat >"$slurm_dir/slurm.conf" <<EOF
ClusterName=dltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$slurm_port
SlurmdPort=$((slurm_port + 1))
AuthType=auth/munge
AuthInfo=socket=$slurm_dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$slurm_dir/state
SlurmdSpoolDir=$slurm_dir/spool
SlurmctldPidFile=$slurm_dir/slurmctld.pid
SlurmdPidFile=$slurm_dir/slurmd.pid
SlurmctldLogFile=$slurm_dir/slurmctld.log
SlurmdLogFile=$slurm_dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
JobRequeue=1
MinJobAge=600
ReturnToService=2
MpiDefault=none
KillWait=5
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
	SLURM_CONF="$slurm_dir/slurm.conf"
	export SLURM_CONF
	slurmctld -i -f "$SLURM_CONF" >>"$slurm_dir/slurmctld.log" 2>&1 ||
		{ slurm_cluster_why "slurmctld did not start"; return 1; }
	slurmd -f "$SLURM_CONF" -N "$host" >>"$slurm_dir/slurmd.log" 2>&1 ||
		{ slurm_cluster_why "slurmd did not start"; return 1; }
	# the node is up once it takes jobs: ask until it does (a minute at most)
	i=0
	until sinfo -h -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; do
		i=$((i + 1))
		if [ $i -ge 600 ]; then
			slurm_cluster_why "the node $host never became idle (sinfo: $(sinfo -h -o '%T %E' 2>&1))"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

slurm_cluster_stop() {
	[ -n "$slurm_dir" ] || return 0
	if [ -n "${SLURM_CONF:-}" ]; then
		# the jobs first: their processes outlive slurmd
		scancel --quiet --user="$(id -un)" 2>/dev/null
		i=0
		while [ -n "$(squeue -h -t PENDING,RUNNING,COMPLETING,SUSPENDED -o %i 2>/dev/null)" ] &&
		      [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	for f in "$slurm_dir/slurmd.pid" "$slurm_dir/slurmctld.pid" "$slurm_dir/munge/munged.pid"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	# wait for them to go, so that the scratch folder can be removed
	for f in "$slurm_dir/slurmd.pid" "$slurm_dir/slurmctld.pid" "$slurm_dir/munge/munged.pid"; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$pid" 2>/dev/null
	done
	slurm_dir=""
}
