#!/bin/sh
# digitlab serve in the background: --detach says where it went even into a
# file, --stop ends it, and runs of many tiny epochs trained through it keep
# their whole history.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }

# ---- --stop with nothing to stop, and with other options ----
out=$(dl serve --stop 2>&1)
is "$?:$out" "0:digitlab serve: no serve is running for $DIGITLAB_HOME" \
	"serve --stop without a serve says there is none"
out=$(dl serve --stop --drain 2>&1)
is "$?:$out" "2:digitlab serve: --stop takes no other option
Try 'digitlab serve --help'." "serve --stop takes no other option"

# ---- --detach into a file, then --stop ----
dl serve --detach > "$scratch/detach.out"
ok $? "serve --detach exits 0"
pid=$(sed -n 's/^digitlab serve: running as pid \([0-9]*\), logging to .*/\1/p' "$scratch/detach.out")
# a serve left behind by a failure must not outlive the test
pid=${pid:-$(sed -n 1p "$DIGITLAB_HOME/serve.pid" 2>/dev/null)}
trap 'kill "$pid" 2>/dev/null; rm -rf "$scratch"' EXIT
is "$(cat "$scratch/detach.out")" "digitlab serve: running as pid $pid, logging to $DIGITLAB_HOME/serve.log" \
	"serve --detach > FILE writes its pid and log into FILE"
wait_file "$DIGITLAB_HOME/serve.log" && for i in $(seq 1 100); do
	grep -q 'worker' "$DIGITLAB_HOME/serve.log" && break
	sleep 0.05
done
out=$(dl serve --stop)
is "$?:$out" "0:digitlab serve: stopped pid $pid; its runs resume on the next start" \
	"serve --stop stops the detached serve"
# gone, or a zombie waiting for whoever adopted it to reap it
state=$(sed 's/.*) \([A-Z]\).*/\1/' "/proc/$pid/stat" 2>/dev/null)
ok "$([ -z "$state" ] || [ "$state" = Z ]; echo $?)" "and it has exited when --stop returns"
is "$(tail -n 1 "$DIGITLAB_HOME/serve.log")" \
	"digitlab serve: stopped; interrupted runs resume on the next start" "its log says it stopped"

# ---- queue add tells a person that nothing trains the runs without a serve ----
if command -v script >/dev/null 2>&1; then
	hint="digitlab queue: no serve is running, so nothing trains them yet: start one (digitlab serve --detach) or open the dashboard (digitlab)"
	script -qc "'$DIGITLAB' queue add '$top_srcdir/tests/data/glyphs.yaml'" /dev/null \
		< /dev/null > "$scratch/tty"
	tr -d '\r' < "$scratch/tty" | grep -qxF "$hint"
	ok $? "queue add in a terminal, with no serve: it says nothing trains the runs yet"
	out=$(dl queue add "$top_srcdir/tests/data/glyphs.yaml" 2>&1)
	is "$out" "queued run 2 glyphs" "to a script it says only what it queued"
	dl serve --detach > "$scratch/detach2.out"
	pid=$(sed -n 's/^digitlab serve: running as pid \([0-9]*\),.*/\1/p' "$scratch/detach2.out")
	script -qc "'$DIGITLAB' queue add '$top_srcdir/tests/data/glyphs.yaml'" /dev/null \
		< /dev/null > "$scratch/tty"
	tr -d '\r' < "$scratch/tty" | grep -qF "no serve is running"
	ok $((!$?)) "with a serve running it does not"
	dl serve --stop > /dev/null
else
	for i in 1 2 3; do ok 0 "# SKIP no script(1) for a terminal"; done
fi

done_testing
