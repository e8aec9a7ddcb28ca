#!/bin/sh
# The modules of src/ use each other in one direction only, as the folders
# table of the design says (and the dashboard's pad, which restores a model
# through train and saves a drawing through data): each module includes
# headers of the modules listed for it and of no other, so no two modules
# include each other. And one serve: the store's serve lock is taken and
# read by src/run/serve.c alone, for serve, the dashboard, serve --stop and
# store recover.
. "${top_srcdir:-.}/tests/tap.sh"

# uses MODULE ALLOWED...: every #include "DIR/..." of src/MODULE names
# MODULE itself or one of ALLOWED.
uses() {
	module=$1
	shift
	bad=$(cd "$top_srcdir/src" && grep -n '^#include "[a-z_]*/' "$module"/*.[ch] |
		while IFS= read -r line; do
			dir=${line#*#include \"}
			dir=${dir%%/*}
			case " $module $* " in
			*" $dir "*) ;;
			*) printf '%s\n' "$line" ;;
			esac
		done)
	is "$bad" "" "src/$module uses only${*:+ }$*"
}

uses util
uses nn util
uses data nn util
uses spec nn data util
uses train nn data spec util
uses store util
uses run nn data spec train store util
uses tui data spec train store run util
uses cli nn data spec train store run tui util

lockers=$(cd "$top_srcdir" && grep -l 'flock(' src/*/*.c)
is "$lockers" "src/run/serve.c" "only src/run/serve.c takes or reads the serve lock"

done_testing
