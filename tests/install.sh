#!/bin/sh
# A proper install: `make install DESTDIR=...` holds the binary, the man
# pages, the example experiments and the bash completion; experiments are
# found by name; the completion completes commands, options, runs and
# experiments. (That the installed binary finds the installed experiments
# from anywhere is checked by `make installcheck`, which distcheck runs.)
. "${top_srcdir:-.}/tests/tap.sh"

DIGITLAB_HOME="$scratch/store"
export DIGITLAB_HOME

out=$("$DIGITLAB" --version)
is "$out" "digitlab $(sed -n 's/^AC_INIT(\[digitlab\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")" \
	"--version says the version configure.ac gives"

# ---- make install ----
env -u MAKEFLAGS -u MFLAGS make -s -C "${top_builddir:-.}" install DESTDIR="$scratch/dest" \
	>"$scratch/install.log" 2>&1
ok $? "make install DESTDIR=... succeeds"
has() { # has DESCRIPTION PATH-PATTERN
	found=$(find "$scratch/dest" -path "$2" | head -n 1)
	ok "$([ -n "$found" ]; echo $?)" "$1${found:+ (${found#"$scratch/dest"})}"
}
has "the binary" "*/bin/digitlab"
has "man digitlab" "*/man1/digitlab.1"
has "man digitlab-experiment" "*/man5/digitlab-experiment.5"
has "man digitlab-model" "*/man5/digitlab-model.5"
has "the example experiments" "*/share/digitlab/experiments/nb004-cnn.yaml"
has "the bash completion, where bash-completion looks" \
	"*/share/bash-completion/completions/digitlab"
n=$(find "$scratch/dest" -path '*/share/digitlab/experiments/*.yaml' | wc -l | tr -d ' ')
is "$n" "$(ls "$top_srcdir"/experiments/*.yaml | wc -l | tr -d ' ')" "every experiment file (each must be listed in Makefile.am's dist_experiments_DATA)"

# ---- experiments by name ----
out=$(cd "$top_srcdir" && "$DIGITLAB" queue add nb004-cnn)
is "$out" "queued run 1 nb004-cnn" "queue add NAME takes experiments/NAME.yaml"
out=$(cd "$top_srcdir" && "$DIGITLAB" check quickstart)
ok $? "so does check (and run)"
out=$(cd "$scratch" && "$DIGITLAB" queue add no-such 2>&1)
case $out in
"digitlab: no-such: error: no such file, nor experiments/no-such.yaml here, nor an installed experiment /"*/share/digitlab/experiments/no-such.yaml)
	ok 0 "an unknown name says where it was looked for" ;;
*)	ok 1 "an unknown name says where it was looked for ($out)" ;;
esac
out=$(cd "$top_srcdir" && "$DIGITLAB" queue experiments | grep '^nb004-cnn ')
is "$out" "nb004-cnn                    experiments/nb004-cnn.yaml" \
	"queue experiments lists what is found by name"

# ---- bash completion ----
if command -v bash >/dev/null 2>&1; then
	complete_words() { # the completions of the words given, the last being completed
		PATH="$(dirname "$DIGITLAB"):$PATH" bash -c '
			complete() { :; }
			. "$1"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_digitlab; printf "%s\n" "${COMPREPLY[@]}" | sort' sh \
			"$top_srcdir/completion/digitlab" "$@"
	}
	is "$(complete_words digitlab expo | tr '\n' ' ')" "export export-model " "commands"
	is "$(complete_words digitlab show --va)" "--validation" "a command's options, from its --help"
	is "$(cd "$top_srcdir" && complete_words digitlab show 1)" "1" "run ids from the store"
	is "$(cd "$top_srcdir" && complete_words digitlab queue add nb004-cnn-t)" "nb004-cnn-target" \
		"experiment names"
	is "$(complete_words digitlab queue ex)" "experiments" "queue's subcommands"
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n - # SKIP bash is not installed"
fi

done_testing
