#!/bin/sh
# The dashboard's layers, read from its source: drawing touches no store,
# file or clock; src/tui/ includes no engine, checkpoint or pool header; and
# no two files of a module call each other in a circle.
. "${top_srcdir:-.}/tests/tap.sh"

cd "$top_srcdir" || exit 1

bad=$(grep -n '#include "\(nn/[^"]*\|train/checkpoint\.h\|run/pool\.h\)"' src/tui/*.[ch])
is "$bad" "" "src/tui/ includes nothing of nn/, train/checkpoint.h or run/pool.h"

# The bodies of the functions that draw (a name with "draw", or a view's
# draw table entry): from the line that opens them to the closing brace.
draw_bodies() {
	awk '
		/^[a-z].*[a-z_]*draw[a-z_]*\(/ && !/;$/ { inside = 1; name = $0 }
		/^(static )?(const )?(void|int|double|char|struct [a-z_]+) \*?(run_tab_draw|chrome_[a-z_]+|row_[a-z_]+|modal_draw|draw_[a-z_]+|[a-z]+_draw)\(/ && !/;$/ { inside = 1 }
		inside { print FILENAME ":" FNR ": " $0 }
		inside && /^}/ { inside = 0 }
	' src/tui/*.c
}
# The store's functions that read or write it: those of store.h that take
# a struct store, open one or name its directory. Its pure helpers (names
# of statuses, parts of a metric summary, answers compared) may be drawn.
io=$(tr '\n\t' '  ' < src/store/store.h | grep -o 'store_[a-z_0-9]*([^)]*)' |
	grep -e 'struct store \*' -e 'const char \*dir' -e '^store_default_dir(' |
	sed 's/(.*//' | sort -u | tr '\n' '|')
ok "$([ -n "$io" ]; echo $?)" "store.h declares the functions that touch the store"
calls=$(draw_bodies | grep -E "(^|[^a-z_])(${io%|})\(")
is "$calls" "" "no function that draws calls into the store"
io=$(draw_bodies | grep -e 'fopen(' -e 'clock_seconds(' -e '[^_]time(' -e 'getenv(' -e 'opendir(')
is "$io" "" "nor opens a file, reads the clock or the environment"

# Circles of calls within each module, from the built objects: file a ->
# file b when a.o uses a symbol that b.o defines; tsort finds the loops.
for module in "$top_builddir"/src/*/; do
	name=${module#"$top_builddir"/}
	ls "$module"*.o >/dev/null 2>&1 || continue
	defs="$scratch/defs"
	for o in "$module"*.o; do
		nm -g --defined-only "$o" | awk -v f="$(basename "$o" .o)" 'NF == 3 { print $3, f }'
	done | sort > "$defs"
	edges=$(for o in "$module"*.o; do
		from=$(basename "$o" .o)
		nm -u "$o" | awk '{ print $NF }' | sort | join - "$defs" |
			awk -v f="$from" '$2 != f { print f, $2 }'
	done | sort -u)
	loops=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null | grep -v 'input contains a loop:$')
	is "$loops" "" "no two files of $name call each other in a circle"
done

done_testing
