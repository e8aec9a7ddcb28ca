#!/bin/sh
# A damaged store says so: a page of runs.db overwritten, a zero-length
# file, a write-ahead log cut short, a read-only store. Every command says
# what is wrong and exits non-zero when its query fails; nothing is written
# into a damaged store; `store check`, `store backup` and `store recover`
# name the damage, copy it and rebuild the store.
. "${top_srcdir:-.}/tests/tap.sh"

command -v sqlite3 >/dev/null || skip_all "needs the sqlite3 shell (quickstart.sh check installs it)"
DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }
glyphs="$top_srcdir/tests/data/glyphs.yaml"
db="$DIGITLAB_HOME/runs.db"
sql() { sqlite3 "$db" "$@"; }

# a store of 400 runs: the runs table is a b-tree of several pages
new_store() {
	rm -rf "$DIGITLAB_HOME"
	dl queue add "$glyphs" --set name=first > /dev/null
	{
		echo "BEGIN;"
		for i in $(seq 2 400); do
			echo "INSERT INTO runs (name, created) VALUES ('r$i', 1);"
			echo "INSERT INTO specs VALUES (last_insert_rowid(), 'name: r$i');"
		done
		echo "UPDATE runs SET status = 'done', notes = 'kept' WHERE id % 50 = 0; COMMIT;"
	} | sql
}
# overwrite the first page of a table's b-tree with text
damage() {
	root=$(sql "SELECT rootpage FROM sqlite_master WHERE name = '$1'")
	yes | head -c 4096 | dd of="$db" bs=4096 seek=$((root - 1)) count=1 conv=notrunc 2>/dev/null
}

# ---- the runs table's root page ----
new_store
damage runs
# the dashboard: a banner that says so, not an empty list
if command -v tmux >/dev/null 2>&1; then
	T="tmux -S $scratch/tmux.sock"
	$T new-session -d -s dl -x 80 -y 24 \
		"LANG=C.UTF-8 DIGITLAB_HOME='$DIGITLAB_HOME' '$DIGITLAB' --workers 1; sleep 30"
	for i in $(seq 1 50); do
		$T capture-pane -p -t dl | grep -q "the store cannot be read" && break
		sleep 0.1
	done
	screen=$($T capture-pane -p -t dl)
	printf '%s\n' "$screen" | grep -q "^ the store cannot be read: " &&
		printf '%s\n' "$screen" | grep -q "The store cannot be read: the line below says why"
	ok $? "the dashboard keeps a banner saying the store cannot be read"
	printf '%s\n' "$screen" | grep -q "No runs yet"
	ok $((! $?)) "  and does not pretend the store is empty"
	$T send-keys -t dl q
	sleep 0.3
	$T kill-server 2>/dev/null
fi
sum=$(cksum < "$db")
out=$(dl ls 2>&1)
is "$?" 1 "ls on a store whose runs table is damaged exits 1"
case "$(printf '%s\n' "$out" | head -n 1)" in
"digitlab: warning: $db is damaged (Page $root: btreeInitPage() returns error code 11, and more): what can be read is shown, but nothing is written to it. 'digitlab store check' lists the damage; 'digitlab store backup FILE' keeps a copy; 'digitlab store recover' rebuilds the store from what can be read") ok 0 "  and first warns that the store is damaged";;
*) ok 1 "  and first warns that the store is damaged"; printf '# %s\n' "$out";;
esac
case "$out" in
*"cannot list the runs: database disk image is malformed; the store is damaged: 'digitlab store check' names the damage, 'digitlab store recover' rebuilds what can be read") ok 0 "  then says why the listing failed and what to do";;
*) ok 1 "  then says why the listing failed and what to do"; printf '# %s\n' "$out";;
esac
out=$(dl serve --drain 2>&1)
is "$?" 1 "serve --drain exits 1"
case "$out" in
*"the queue is empty"*|*"nothing more can start"*) ok 1 "  and never says the queue is drained";;
*"error: "*"the store is damaged"*|*"error: "*"$db is damaged"*) ok 0 "  but that the store is damaged";;
*) ok 1 "  but that the store is damaged"; printf '# %s\n' "$out";;
esac
out=$(dl queue add "$glyphs" 2>&1)
is "$?" 1 "queue add into a damaged store is refused"
case "$out" in
*"error: cannot start a transaction: $db is damaged"*"nothing is written to it"*) ok 0 "  saying why";;
*) ok 1 "  saying why"; printf '# %s\n' "$out";;
esac
is "$(cksum < "$db")" "$sum" "nothing was written into the damaged file"
out=$(dl store check)
is "$?" 1 "store check exits 1"
case "$out" in
"$db: damaged, "*" problems:
  Page $root: btreeInitPage() returns error code 11
"*) ok 0 "  and lists the damage";;
*) ok 1 "  and lists the damage"; printf '# %s\n' "$out";;
esac
dl store backup "$scratch/copy.db" > /dev/null
is "$?:$(cksum < "$scratch/copy.db" | cut -d' ' -f2)" "0:$(cksum < "$db" | cut -d' ' -f2)" \
	"store backup copies the damaged store as it is"
out=$(dl store backup "$scratch/copy.db" 2>&1)
is "$?:$(printf '%s\n' "$out" | tail -n 1)" "1:digitlab: error: $scratch/copy.db: already exists: a backup never replaces a file" \
	"a backup never replaces a file"
out=$(dl store recover)
is "$?" 0 "store recover rebuilds the store"
is "$(printf '%s\n' "$out" | head -n 1 | cut -d' ' -f1-3)" "recovered 400 runs" \
	"  every run: the leaves cut off by the damaged root were read too"
kept=$(printf '%s\n' "$out" | sed -n 's/^the damaged database is kept as //p')
is "$(cksum < "$kept" | cut -d' ' -f2)" "$(cksum < "$scratch/copy.db" | cut -d' ' -f2)" \
	"  and the damaged database is kept beside it"
is "$(dl store check)" "$db: ok (every page and index checked)" "the recovered store checks ok"
is "$(dl ls --status done | wc -l | tr -d ' ')" 9 "  with its statuses (8 done runs and the header)"
is "$(dl show 100 | grep '^note:')" "note: kept" "  and notes"
is "$(dl queue add "$glyphs")" "queued run 401 glyphs" "  and new runs take new ids"

# ---- the experiments (specs) table: the query fails, the command says so ----
new_store
damage specs
out=$(dl show 1 --yaml 2>&1)
is "$?" 1 "show --yaml on a damaged specs table exits 1, not the usage status"
case "$out" in
*"cannot read the run: database disk image is malformed; the store is damaged"*) ok 0 "  saying why";;
*) ok 1 "  saying why"; printf '# %s\n' "$out";;
esac
out=$(dl export 2>&1)
is "$?" 1 "export exits 1"
case "$out" in
*"digitlab: error: $db: cannot read the run: database disk image is malformed"*) ok 0 "  with a word, not only a header";;
*) ok 1 "  with a word, not only a header"; printf '# %s\n' "$out";;
esac
out=$(dl export --format json 2>&1)
is "$?" 1 "export --format json exits 1"
case "$out" in
*"cannot read the run"*) ok 0 "  with a word, not only []";;
*) ok 1 "  with a word, not only []"; printf '# %s\n' "$out";;
esac

# ---- the sweeps table: noticed at open, and serve writes nothing ----
new_store
printf 'sweep:\n  grid: {"train.epochs": [1, 2]}\n' | cat "$glyphs" - > "$scratch/sweep.yaml"
dl queue add "$scratch/sweep.yaml" > /dev/null
damage sweeps
sum=$(cksum < "$db")
out=$(dl serve --drain 2>&1)
is "$?" 1 "serve refuses a store whose sweeps table is damaged"
is "$(cksum < "$db")" "$sum" "  and writes nothing into it"
out=$(dl note 1 "x" 2>&1)
is "$?" 1 "a note is refused"

# ---- a large table the open check does not read: no write goes in ----
rm -rf "$DIGITLAB_HOME"
dl queue add "$glyphs" > /dev/null && dl serve --drain > /dev/null 2>&1
damage epochs
sum=$(cksum < "$db")
out=$(dl note 1 "x" 2>&1)
is "$?" 1 "a note into a store whose epochs table is damaged is refused"
case "$out" in
"digitlab: error: cannot write the note: $db is damaged ("*"): what can be read is shown, but nothing is written to it. 'digitlab store check' lists the damage;"*) ok 0 "  saying the store is damaged";;
*) ok 1 "  saying the store is damaged"; printf '# %s
' "$out";;
esac
dl tag 1 kept > /dev/null 2>&1
is "$?" 1 "so is a tag"
dl queue add "$glyphs" > /dev/null 2>&1
is "$?" 1 "and a queue add"
is "$(cksum < "$db")" "$sum" "  and nothing was written into it"

# ---- a zero-length runs.db is not silently a new, empty store ----
rm -rf "$DIGITLAB_HOME"
mkdir -p "$DIGITLAB_HOME"
: > "$db"
out=$(dl ls 2>&1)
is "$?:$out" "1:digitlab: error: $db is empty (0 bytes): the store it held is lost. Restore a backup (digitlab store backup makes one), or remove the file to start an empty store" \
	"a zero-length runs.db is refused"
is "$(wc -c < "$db" | tr -d ' ')" 0 "  and left as it was"

# ---- a write-ahead log cut short loses its last writes, and says so ----
rm -rf "$DIGITLAB_HOME"
dl queue add "$glyphs" > /dev/null
# a writer killed while it holds the store leaves its log behind
mkfifo "$scratch/fifo"
sqlite3 "$db" < "$scratch/fifo" &
shell=$!
exec 3> "$scratch/fifo"
# the shell gives up at once on a busy store unless told to wait, and the
# polling reader below may be recovering the log just then
echo ".timeout 10000" >&3
echo "UPDATE runs SET notes = 'lost' WHERE id = 1;" >&3
waited=0
while [ "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE notes = 'lost'")" != 1 ] && [ $waited -lt 100 ]; do
	sleep 0.1
	waited=$((waited + 1))
done
kill -9 $shell
wait $shell 2>/dev/null
exec 3>&-
size=$(wc -c < "$db-wal" | tr -d ' ')
ok "$([ "$size" -gt 100 ]; echo $?)" "the killed writer left its log ($size bytes)"
truncate -s $((size - 100)) "$db-wal"
out=$(dl show 1 2>&1)
case "$out" in
"digitlab: warning: $db-wal ended inside a frame (its last "*" bytes): a crash cut a write off, or the log was cut short. Any change committed after its last whole frame is lost; the store is as it was before it"*) ok 0 "the cut log is named when the store opens";;
*) ok 1 "the cut log is named when the store opens"; printf '# %s\n' "$out";;
esac
is "$(printf '%s\n' "$out" | grep -c '^note: lost')" 0 "  and the note in its cut frame is gone"
out=$(dl ls 2>&1 >/dev/null)
is "$out" "" "  said once: the log was checkpointed away"

# ---- a read-only store is read, and never made writable ----
rm -rf "$DIGITLAB_HOME"
dl queue add "$glyphs" > /dev/null
dl note 1 "read me" > /dev/null
chmod 0400 "$db"
dl ls > /dev/null 2>&1
is "$(stat -c %a "$db")" 400 "a runs.db made 0400 stays 0400"
# root may write anything: run the readers as nobody when we are root
as_reader() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || skip_all "needs setpriv to test as another user"
	chmod 0711 "$scratch"
	chown -R nobody "$DIGITLAB_HOME"
	as_reader() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
fi
chmod 0500 "$DIGITLAB_HOME"
out=$(as_reader "$DIGITLAB" ls 2>&1)
is "$?:$(printf '%s\n' "$out" | sed -n 2p | awk '{print $1, $2, $3}')" "0:1 glyphs queued" \
	"ls reads a store whose file and directory are read-only"
is "$(as_reader "$DIGITLAB" show 1 2>&1 | grep '^note:')" "note: read me" "show reads it"
out=$(as_reader "$DIGITLAB" note 1 "more" 2>&1)
is "$?:$out" "1:digitlab: error: cannot write the note: $db cannot be written (the file or its directory is read-only): it is read, but nothing is written to it" \
	"a write is refused, saying why"
is "$(stat -c %a "$db")/$(stat -c %a "$DIGITLAB_HOME")" "400/500" "permissions are as they were"
chmod 0700 "$DIGITLAB_HOME"
chown -R "$(id -u)" "$DIGITLAB_HOME"
chmod 0640 "$db"
dl ls > /dev/null 2>&1
is "$(stat -c %a "$db")" 600 "a runs.db others could read is made private, as before"

done_testing
