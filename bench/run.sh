#!/bin/sh
# bench/run.sh: regenerate BENCHMARKS.md (and bench/results.json, bench/zen.svg,
# bench/profiles/) from ONE run of `netkit bench zen --compare` over every
# netkit architecture and the peers: the C floor (zenfloor, both read modes),
# a Zen server on cloudwego/netpoll, and the book's Python servers when
# python3 is present. Takes about 4-5 minutes on 2 cores.
#
# Environment: DURATION (per cell, default 1500ms), REPEAT (runs per cell,
# the one with the least server CPU per answer is kept; default 2), IDLE (idle connections per
# server, default 10000), ZENFLOOR (path of zenfloor.c), PYTHON (default
# python3; empty to leave the Python servers out).
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
DURATION=${DURATION:-1500ms}
REPEAT=${REPEAT:-2}
IDLE=${IDLE:-10000}
PYTHON=${PYTHON-python3}
if [ -z "${ZENFLOOR:-}" ]; then
	for f in ../shared/tools/zenfloor/zenfloor.c ../../shared/tools/zenfloor/zenfloor.c \
		/work/shared/tools/zenfloor/zenfloor.c; do
		if [ -f "$f" ]; then ZENFLOOR=$f; break; fi
	done
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/netkit-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "bench: building into $tmp" >&2
go build -o "$tmp/netkit" ./cmd/netkit
(cd bench/peers/netpoll && go build -o "$tmp/zen-netpoll" .)
set -- --peer "netpoll=$tmp/zen-netpoll -addr 127.0.0.1:{port}"
if [ -n "${ZENFLOOR:-}" ] && command -v gcc >/dev/null; then
	gcc -O2 -o "$tmp/zenfloor" "$ZENFLOOR"
	set -- --peer "floor=$tmp/zenfloor -p {port}" --peer "floor-b=$tmp/zenfloor -b -p {port}" "$@"
else
	echo "bench: no zenfloor.c or no gcc: no floor in this run" >&2
fi
if [ -n "$PYTHON" ] && command -v "$PYTHON" >/dev/null; then
	py=$(command -v "$PYTHON")
	for s in single:srv_single threaded:srv_threaded poll:srv_async asyncio:srv_asyncio2; do
		set -- "$@" --peer "py-${s%%:*}=$py testdata/zen/${s#*:}.py 127.0.0.1 -p {port}"
	done
fi

mkdir -p bench/profiles
cmd="netkit bench zen --compare --duration $DURATION --repeat $REPEAT --idle $IDLE --json"
{
	echo "# $(date -u +%FT%TZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
	printf '%s' "$cmd"
	for a in "$@"; do
		case $a in --peer) printf ' \\\n    --peer' ;; *) printf " '%s'" "$(echo "$a" | sed "s#$tmp#\$TMP#g")" ;; esac
	done
	echo " > bench/results.json"
	echo "netkit bench zen --from bench/results.json --plot bench/zen.svg"
	echo "go test ./loadgen -run '^\$' -bench 'BenchmarkServe/ARCH/LOAD' -benchtime 100000x -cpuprofile ARCH-LOAD.prof"
	echo "go tool pprof -top -nodecount 18 -focus netkit/serve ARCH-LOAD.prof > bench/profiles/ARCH-LOAD.txt"
} > "$tmp/commands.txt"

# The run. Exit status 1 means some cell failed; the table says which.
"$tmp/netkit" bench zen --compare --duration "$DURATION" --repeat "$REPEAT" --idle "$IDLE" --json "$@" \
	> bench/results.json 2> bench/run.log || echo "bench: some cells failed (see bench/run.log)" >&2
"$tmp/netkit" bench zen --from bench/results.json --plot bench/zen.svg > /dev/null

# CPU profiles of the server side, in process.
go test -c -o "$tmp/loadgen.test" ./loadgen
rm -f bench/profiles/*.txt
for arch in perconn poll reactor; do
	for load in c=16/depth=1:100000x c=16/depth=16:1000000x; do
		n=${load#*:}
		load=${load%:*}
		name=$arch-$(echo "$load" | tr '/=' '--')
		if "$tmp/loadgen.test" -test.run '^$' -test.bench "BenchmarkServe/$arch/$load\$" \
			-test.benchtime "$n" -test.cpuprofile "$tmp/$name.prof" > "$tmp/$name.bench" 2>&1 &&
			grep -q "^BenchmarkServe/$arch" "$tmp/$name.bench"; then
			{
				grep "^BenchmarkServe" "$tmp/$name.bench"
				go tool pprof -top -nodecount 18 -focus netkit/serve "$tmp/loadgen.test" "$tmp/$name.prof" 2>/dev/null |
					sed -n '/^Showing nodes/,$p'
			} > "bench/profiles/$name.txt"
		fi
	done
done

# Live Go heap per idle connection, in process, after a GC (RSS also counts
# garbage and the heap's growth room).
{
	echo "Live heap per idle connection (go test ./loadgen -bench IdleHeap -benchtime 1x -count 3, 2,000 connections):"
	"$tmp/loadgen.test" -test.run '^$' -test.bench 'BenchmarkIdleHeap' -test.benchtime 1x -test.count 3 2>&1 |
		grep -E '^(BenchmarkIdleHeap|--- FAIL|    )' || true
} > bench/profiles/idle-heap.txt

# System calls and context switches per answer (perf stat on the server's
# tracepoints, lockstep c=16, 50,000 answers): where the kernel time goes,
# and the Go runtime's own calls (futex, nanosleep).
events=syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_readv,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_futex,syscalls:sys_enter_nanosleep,context-switches
out=bench/profiles/syscalls-lockstep-c16.txt
if command -v perf >/dev/null && command -v taskset >/dev/null && perf stat -e syscalls:sys_enter_read -x, -o /dev/null true 2>/dev/null; then
	echo "Per answer, lockstep c=16, 50,000 answers (perf stat -e syscalls:sys_enter_*,context-switches -p SERVER; server on CPU 0, load on CPU 1):" > "$out"
	for s in floor:"$tmp/zenfloor -p PORT" floor-b:"$tmp/zenfloor -b -p PORT" \
		poll:"$tmp/netkit zen serve --arch poll --addr 127.0.0.1:PORT" \
		reactor:"$tmp/netkit zen serve --arch reactor --addr 127.0.0.1:PORT" \
		perconn:"$tmp/netkit zen serve --arch perconn --addr 127.0.0.1:PORT" \
		netpoll:"$tmp/zen-netpoll -addr 127.0.0.1:PORT"; do
		name=${s%%:*}
		port=$(( 20000 + ($(od -An -N2 -tu2 /dev/urandom) % 20000) ))
		[ -x "$tmp/zenfloor" ] || case $name in floor*) continue ;; esac
		taskset -c 0 sh -c "exec $(echo "${s#*:}" | sed "s/PORT/$port/")" > /dev/null 2>&1 &
		pid=$!
		sleep 0.5
		perf stat -x, -e "$events" -p "$pid" -o "$tmp/$name.perf" &
		perfpid=$!
		sleep 0.2
		taskset -c 1 "$tmp/netkit" bench zen --addr "127.0.0.1:$port" -c 16 --count 50000 --duration 30s \
			--warmup 0s > "$tmp/$name.bench" 2>&1 || true
		kill -INT "$perfpid" 2>/dev/null || true
		wait "$perfpid" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		n=$(awk -F'|' '/^\|.*lockstep/ { print $4 + 0 }' "$tmp/$name.bench")
		[ -s "$tmp/$name.perf" ] || continue
		printf '\n%-8s' "$name:" >> "$out"
		awk -F, -v n=50000 '$1 ~ /^[0-9]+$/ && $1 > 0 { e = $3; sub(/^syscalls:sys_enter_/, "", e); printf " %s %.3f,", e, $1 / n }' \
			"$tmp/$name.perf" | sed 's/,$//' >> "$out"
		printf ' (%s answers/s)' "$n" >> "$out"
	done
	echo >> "$out"
fi

elapsed=$(( $(date +%s) - start ))
go run ./bench/report -results bench/results.json -commands "$tmp/commands.txt" \
	-profiles bench/profiles -notes bench/notes.md -plot bench/zen.svg \
	-elapsed "${elapsed}s" > BENCHMARKS.md
echo "bench: BENCHMARKS.md written in ${elapsed}s" >&2
