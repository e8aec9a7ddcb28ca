# tmux.sh - driving the dashboard in tmux, for the tests that read its
# screen. Source it right after tap.sh: a test skips when tmux is not
# installed, and every tmux server it starts on a socket of its scratch
# folder ($scratch/tmux*.sock) is killed when it exits. T is the tmux
# command the functions use, on $scratch/tmux.sock unless the test sets
# another socket; they act on the session named by $session (dl unless
# the test says otherwise).
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
trap 'for sock in "$scratch"/tmux*.sock; do
	[ -S "$sock" ] && tmux -S "$sock" kill-server 2>/dev/null
done; rm -rf "$scratch"' EXIT
T="tmux -S $scratch/tmux.sock"
session=${session:-dl}

# the screen as text
screen() { $T capture-pane -p -t "$session" 2>/dev/null; }

# wait_for TEXT [SECONDS]: until the screen shows TEXT (a fixed string);
# 1 when it has not after SECONDS (20)
wait_for() {
	i=0
	while [ $i -lt $(( ${2:-20} * 10 )) ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

keys() { $T send-keys -t "$session" "$@"; }

# click X Y: the left button pressed and, a tenth of a second later as by a
# hand, released at column X, row Y (from 0), in the xterm encoding ncurses
# reads under tmux
click() {
	at="$(printf "\\$(printf %o $((33 + $1)))\\$(printf %o $((33 + $2)))")"
	$T send-keys -t "$session" -l "$(printf '\033[M ')$at"
	sleep 0.1
	$T send-keys -t "$session" -l "$(printf '\033[M#')$at"
}

# mouse B X Y [m]: an SGR mouse report (xterm mode 1006) for button code B
# at column X, row Y (from 0): 0 the left button pressed, 32 moved while
# held; m: released
mouse() {
	$T send-keys -t "$session" -l "$(printf '\033[<%d;%d;%d%s' "$1" $(($2 + 1)) $(($3 + 1)) "${4:-M}")"
}
