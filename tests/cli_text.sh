#!/bin/sh
# Text from users never reaches a terminal raw: names and tags with control
# or bidi characters are refused at the door; notes are kept as typed and
# shown escaped; names an older digitlab let in (written here with the
# sqlite3 shell) are escaped by every command that prints them; the CSV
# export neutralises spreadsheet formulas.
. "${top_srcdir:-.}/tests/tap.sh"

command -v sqlite3 >/dev/null || skip_all "needs the sqlite3 shell (quickstart.sh check installs it)"
DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }
glyphs="$top_srcdir/tests/data/glyphs.yaml"
db="$DIGITLAB_HOME/runs.db"

ESC=$(printf '\033')
BEL=$(printf '\007')
CSI1=$(printf '\302\233')       # U+009B, a one-byte CSI
RLO=$(printf '\342\200\256')    # U+202E, right-to-left override
# raw: whether the text on stdin holds any of them as they are
raw() { LC_ALL=C grep -q -e "$ESC" -e "$BEL" -e "$CSI1" -e "$RLO"; }
clean() { # clean OUTPUT DESCRIPTION: nothing raw in it, and something printed
	if [ -n "$1" ] && ! printf '%s' "$1" | raw; then ok 0 "$2"; else
		ok 1 "$2"; printf '%s\n' "$1" | od -c | head -n 20 | sed 's/^/# /'; fi
}

# ---- identifiers are refused at the door ----
printf 'name: "n\\e]0;pwned\\a"\n' > "$scratch/esc.yaml"
grep -v '^name' "$glyphs" >> "$scratch/esc.yaml"
out=$(dl check "$scratch/esc.yaml" 2>&1)
is "$?:$out" "2:digitlab: $scratch/esc.yaml:1:7: error: name: contains the control character U+001B at character 2" \
	"check refuses a name written with YAML escapes"
out=$(dl queue add "$glyphs" --set 'name="a\x9b"' 2>&1)
is "$?:$out" '2:digitlab: --set name="a\x9b": error: name: contains the control character U+009B at character 2' \
	"queue add refuses a name with a C1 character"
out=$(dl queue add "$glyphs" --set "name=abc${RLO}gnp.exe" 2>&1)
is "$?:$out" '2:digitlab: --set name=abc\u202egnp.exe: error: name: contains the bidirectional control U+202E at character 4' \
	"and one with a right-to-left override (the error shows it escaped)"
cp "$glyphs" "$scratch/x${ESC}[2Jy.yaml"
sed -i '/^name:/d' "$scratch/x${ESC}[2Jy.yaml"
out=$(dl check "$scratch/x${ESC}[2Jy.yaml" 2>&1)
is "$?:$out" "2:digitlab: $scratch/x\\x1b[2Jy.yaml:1:1: error: the experiment is named after its file, whose name contains the control character U+001B at character 2; give it a name: key" \
	"a name taken from a file name is checked too"
is "$(dl ls --json)" "[]" "nothing was queued"

out=$(dl queue add "$glyphs" --set name=plain --set train.epochs=2)
is "$out" "queued run 1 plain" "a plain name is queued"
out=$(dl tag 1 "t${ESC}[31m" 2>&1)
is "$?:$out" "1:digitlab: error: tag 't\\x1b[31m': the tag contains the control character U+001B at character 2" \
	"a tag with a control character is refused, and named escaped"
out=$(dl tag 1 "r${RLO}l" 2>&1)
is "$?" 1 "a tag with a bidi override is refused"
out=$(dl tag 1 "x$(printf '\377')" 2>&1)
is "$?:$out" "1:digitlab: error: tag 'x\\xff': the tag is not valid UTF-8 (byte 0xFF at byte 2)" \
	"a tag that is not UTF-8 is refused"
is "$(dl tag 1 ok-tag)" "run 1: tags ok-tag" "a plain tag is kept"

# ---- notes are kept as typed, shown escaped ----
note="x ${ESC}]0;pwned${BEL} ${ESC}[2J ${CSI1}2J ${RLO}evil"
dl note 1 "$note" > /dev/null
is "$(sqlite3 "$db" "SELECT notes = CAST(x'$(printf '%s' "$note" | od -An -tx1 | tr -d ' \n')' AS TEXT) FROM runs WHERE id = 1")" 1 \
	"the note is stored byte for byte as typed"
out=$(dl show 1)
clean "$out" "show prints no control or bidi character raw"
is "$(printf '%s\n' "$out" | grep '^note: ')" 'note: x \x1b]0;pwned\x07 \x1b[2J \u009b2J \u202eevil' \
	"show writes the note's controls visibly"
out=$(dl export --format json)
clean "$out" "export --format json escapes them too"
case "$out" in
*'"note":"x \u001b]0;pwned\u0007 \u001b[2J \u009b2J \u202eevil"'*) ok 0 "as JSON escapes";;
*) ok 1 "as JSON escapes"; printf '# %s\n' "$out";;
esac

# ---- names an older digitlab let in are escaped wherever they are printed ----
dl queue add "$glyphs" --set name=second --set train.epochs=2 > /dev/null
sqlite3 "$db" "UPDATE runs SET name = 'n' || char(27) || ']0;pwned' || char(7) || char(155) || 'x' || char(8238),
	sweep_point = 'p' || char(27) || '[2J' WHERE id = 2;
	INSERT INTO tags (run_id, tag) VALUES (2, 'old' || char(27) || '[5m');"
want_name='n\x1b]0;pwned\x07\u009bx\u202e'
out=$(dl ls)
clean "$out" "ls"
is "$(printf '%s\n' "$out" | awk 'NR == 3 {print $2}')" 'n\x1b]0;pwned\x07\u009bx\u202e' \
	"ls shows the name escaped (cut, with its sweep point, to their column)"
clean "$(dl ls --group)" "ls --group"
clean "$(dl queue ls)" "queue ls"
clean "$(dl show 2)" "show"
is "$(dl show 2 | head -n 1)" "run 2  $want_name p\\x1b[2J  queued" "show's first line"
clean "$(dl compare 1 2)" "compare"
clean "$(dl export)" "export (CSV)"
clean "$(dl ls --json)" "ls --json"
out=$(dl tag 2 new)
is "$out" 'run 2: tags new,old\x1b[5m' "tag's echo of the run's tags"
clean "$(dl show "$(printf 'n\033]0;pwned\007\302\233x\342\200\256')" 2>&1)" "show by a name with controls"
out=$(dl show "nope${ESC}[2J" 2>&1)
is "$out" "digitlab show: no run named 'nope\\x1b[2J' in $db" "an unknown name is echoed escaped"

# serve's log names each run it starts and ends
dl serve --drain --workers 1 > "$scratch/serve.out" 2>&1
ok $? "serve trains both runs"
clean "$(cat "$scratch/serve.out")" "serve's output"
is "$(grep -c -F "run 2 $want_name started" "$scratch/serve.out")" 1 "serve names the run escaped"

out=$(dl rm 2)
is "$out" "removed run 2 $want_name p\\x1b[2J" "rm's echo of the name and its sweep point"

# run's own output: file names in its errors
out=$(dl run "$scratch/no${ESC}]0;x${BEL}.yaml" 2>&1)
is "$?:$out" "2:digitlab: $scratch/no\\x1b]0;x\\x07.yaml: error: No such file or directory" \
	"run's errors show a file name escaped"
out=$(dl "fr${ESC}ob" 2>&1 | head -n 1)
case "$out" in
*"'fr\x1bob'"*) ok 0 "an unknown command is echoed escaped";;
*) ok 1 "an unknown command is echoed escaped"; printf '# %s\n' "$out";;
esac
out=$(dl ls --status "${ESC}[2J" 2>&1 | head -n 1)
is "$out" "digitlab ls: --status: unknown value '\\x1b[2J' (expected one of: queued, running, done, failed, diverged, cancelled, interrupted, paused, pruned)" \
	"usage errors echo arguments escaped"

# file names digitlab echoes on success: a model file resumed, an ONNX
# file written, the experiment files queue experiments lists
model="$scratch/m${ESC}[2J.model"
dl run "$glyphs" --set train.epochs=1 --checkpoint "$model" --quiet > /dev/null 2>&1
ok $? "a model file whose name holds an escape is written"
out=$(dl run --resume "$model" 2>&1)
clean "$out" "run --resume"
is "$(printf '%s\n' "$out" | head -n 1)" "resuming $scratch/m\\x1b[2J.model after epoch 1" \
	"run --resume names the model file escaped"
out=$(dl export-model "$model" -o "$scratch/o${ESC}]0;t${BEL}.onnx" 2>&1)
clean "$out" "export-model"
is "$(printf '%s\n' "$out" | cut -d, -f1)" "$scratch/o\\x1b]0;t\\x07.onnx: glyphs" \
	"export-model names the ONNX file escaped"
mkdir "$scratch/experiments"
cp "$glyphs" "$scratch/experiments/x${ESC}]0;t${BEL}${RLO}.yaml"
out=$(cd "$scratch" && dl queue experiments)
clean "$out" "queue experiments"
is "$(printf '%s\n' "$out" | grep '^x')" \
	"x\\x1b]0;t\\x07\\u202e          experiments/x\\x1b]0;t\\x07\\u202e.yaml" \
	"queue experiments lists an experiment's name and file escaped"

# ---- CSV: formulas are text, cells are quoted when they must be ----
for n in '=HYPERLINK("http://x","y")' '+1+1' '-2' '"@SUM(A1)"' 'a,b' '" pad"'; do
	dl queue add "$glyphs" --set "name=$n" > /dev/null
done
out=$(dl export | sed -n 's/,queued,.*//p')
is "$out" "3,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"
4,\"'+1+1\"
5,\"'-2\"
6,\"'@SUM(A1)\"
7,\"a,b\"
8,\" pad\"" "formula cells start with ' inside quotes; commas and leading spaces are quoted"

done_testing
