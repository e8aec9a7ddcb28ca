#!/bin/sh
# Metric columns: `ls --columns` and `export --columns` give each run's
# last value of a metric, its best (the least loss, the most accuracy) and
# the epoch of the best (the first to reach it), as the run's history says:
# the expected values are worked out here from `export --history`.
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME
dl() { "$DIGITLAB" "$@"; }

glyphs="$top_srcdir/tests/data/glyphs-val.yaml"
dl queue add "$glyphs" >/dev/null && dl queue add "$glyphs" >/dev/null &&
	dl serve --drain >/dev/null 2>&1
ok $? "two runs train"

# summary FIELD MIN|MAX RUN: last, best and best epoch of a field (column
# of export --history, from 3) of a run, as export writes numbers
summary() {
	dl export "$3" --history | awk -F, -v f="$1" -v dir="$2" 'NR > 1 && $f != "" {
		last = $f + 0
		if (best == "" || (dir == "MAX" ? $f + 0 > best : $f + 0 < best)) { best = $f + 0; at = $2 }
	} END { printf "%.9g,%.9g,%d\n", last, best, at }'
}
vl=$(summary 5 MIN 1); va=$(summary 6 MAX 1); acc=$(summary 4 MAX 2)

out=$(dl export 1 2 --columns val_loss,val_accuracy,accuracy:best_epoch)
ok $? "export --columns"
is "$(printf '%s\n' "$out" | head -n 1)" \
	"id,name,status,sweep_id,sweep_point,repeat,params,epochs,loss,accuracy,val_loss,val_accuracy,test_loss,test_accuracy,seconds,peak_rss,tags,val_loss:last,val_loss:best,val_loss:best_epoch,val_accuracy:last,val_accuracy:best,val_accuracy:best_epoch,accuracy:best_epoch" \
	"each metric is three columns, or the one named"
is "$(printf '%s\n' "$out" | sed -n 2p | cut -d, -f18-23)" "$vl,$va" \
	"run 1: val_loss ($vl) and val_accuracy ($va): last, best (min, max) and its epoch"
is "$(printf '%s\n' "$out" | sed -n 3p | cut -d, -f24)" "${acc##*,}" \
	"run 2: the first epoch of the most accuracy (${acc##*,})"

# ls: the same values in 4 decimals, each column as wide as its name
four() { printf '%s\n' "$1" | awk -F, '{ printf "%.4f %.4f %d", $1, $2, $3 }'; }
out=$(dl ls --columns val_loss --name glyphs --limit 1)
is "$(printf '%s\n' "$out" | head -n 1 | sed 's/.*TIME//')" \
	" val_loss:last val_loss:best val_loss:best_epoch" "ls --columns: the columns' names"
is "$(printf '%s\n' "$out" | sed -n 2p | awk '{ print $(NF - 2), $(NF - 1), $NF }')" "$(four "$vl")" \
	"and run 1's values"
out=$(dl ls --columns val_loss:best_epoch --json)
printf '%s\n' "$out" | grep -q "\"val_loss:best_epoch\":${vl##*,}}"; ok $? "ls --json names them too"

# a run with no epochs yet has none of them
printf 'name: later\ndata: {source: font5x7}\nmodel: {layers: [{dense: {units: 10, activation: softmax}}]}\n' \
	> "$scratch/later.yaml"
dl queue add "$scratch/later.yaml" >/dev/null
is "$(dl ls --columns loss --name later | sed -n 2p | awk '{ print $(NF - 2), $(NF - 1), $NF }')" "- - -" \
	"a queued run: - in each"
is "$(dl export 3 --columns loss:best | sed -n 2p | sed 's/.*,//')" "" "and an empty CSV field"

# mistakes
is "$(dl ls --columns val_los 2>&1)" "digitlab ls: --columns: unknown value 'val_los' (did you mean 'val_loss'? expected one of: loss, accuracy, val_loss, val_accuracy)
Try 'digitlab ls --help'." "an unknown metric, with the closest"
is "$(dl export --columns loss:worst 2>&1)" "digitlab export: --columns: unknown value 'worst' (expected one of: last, best, best_epoch)
Try 'digitlab export --help'." "an unknown part"
is "$(dl ls --columns loss, 2>&1 | head -n 1)" \
	"digitlab ls: --columns: expected METRIC or METRIC:PART, comma-separated, found 'loss,'" \
	"an empty item"
is "$(dl export --history --columns loss 2>&1 | head -n 1)" \
	"digitlab export: --columns adds to the line of each run, and --history writes a line per epoch: one or the other" \
	"export --history takes no columns"
is "$(dl ls --group --columns loss 2>&1 | head -n 1)" \
	"digitlab ls: --columns shows runs, --group sweep points: one or the other" "nor ls --group"

done_testing
