#!/usr/bin/env bash
# A hostile user's round against the `pollscope` binary: hundreds of bad
# inputs, unfriendly folders, tight limits and signals, each under a
# timeout and in its own sandbox folder. Every case checks:
#   - no panic ("panicked", a backtrace) and no abort (exit 134/137/139);
#   - no hang (the case ends within its timeout);
#   - the exit status of its class: 2 for bad input, 1 for a machine
#     failure, 0 for a run that must work, 130 for an interrupt;
#   - bad input and failures are one line on stderr (warnings aside) and
#     leave nothing written: no result folder, no temporary sibling;
#   - nothing outside the result folder changes, and no foreign file
#     (one pollscope did not write) is lost or altered, anywhere.
#
# Usage: scripts/hostile.sh [--quick]   (POLLSCOPE_BIN=path to use a binary;
# otherwise `cargo build` and the debug binary). `--quick` (CI) runs every
# bad-input case of the command line, damaged CSV cases for three of the five
# files and fewer signals. Prints the count per
# class and exits 1 on any failed case.
set -uo pipefail
cd "$(dirname "$0")/.."

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ -z "${POLLSCOPE_BIN:-}" ]; then
    cargo build --quiet --bin pollscope || exit 1
    POLLSCOPE_BIN="${CARGO_TARGET_DIR:-target}/debug/pollscope"
fi
P="$(realpath "$POLLSCOPE_BIN")"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT

declare -A TOTAL FAILED
FAILURES=()
N=0
DESC=""

# The files of sandbox $1 with their kind, size, link target and digest;
# with $2 = "result", the regular files pollscope generates in out/ are left
# out (a run may replace them).
snapshot() {
    (cd "$1" && find . -mindepth 1 -printf '%p|%y|%l\n' | sort | while IFS='|' read -r path kind link; do
        if [ "$2" = "result" ] && [ "$kind" = "f" ] &&
            [[ "$path" =~ ^\./out/(runs|futures|samples|polls|threads|histograms|findings)\.csv$|^\./out/(findings\.md|trace\.json|trace\.pftrace|index\.html|\.pollscope-manifest)$|^\./out/plots/[^/]+\.svg$ ]]; then
            continue
        fi
        [ "$2" = "result" ] && [ "$path" = "./out" ] && continue
        [ "$2" = "result" ] && [ "$path" = "./out/plots" ] && [ "$kind" = "d" ] && continue
        sum=""
        [ "$kind" = "f" ] && sum="$(md5sum <"$path" | cut -c1-32)"
        echo "$path|$kind|$link|$sum"
    done)
}

# new_case: a fresh sandbox $C with a user's folder of precious files.
new_case() {
    N=$((N + 1))
    C="$W/c$N"
    mkdir -p "$C/user/sub"
    echo "precious $N" >"$C/user/precious.txt"
    echo "keep" >"$C/user/sub/keep.svg"
}

# check CLASS EXPECT TIMEOUT CMD...: runs CMD (in $C, with $P as the binary)
# and judges it. EXPECT: bad (2), fail (1), ok (0), int (130), quiet (0,
# nothing on stderr but warnings).
check() {
    local class="$1" expect="$2" limit="$3"
    shift 3
    local mode=all
    [ "$expect" = ok ] || [ "$expect" = quiet ] || [ "$expect" = failok ] && mode=result
    local before after rc err siblings
    before="$(snapshot "$C" "$mode")"
    siblings="$(cd "$C" && find . -name '.*.tmp-*' -o -name '.*.old-*' -o -name '.*.dead-*' | sort)"
    (cd "$C" && timeout -k 2 "$limit" "$@" >"$C.out" 2>"$C.err")
    rc=$?
    after="$(snapshot "$C" "$mode")"
    err="$(grep -v '^warning: ' "$C.err")"
    local why=""
    grep -qiE 'panicked|stack backtrace|RUST_BACKTRACE' "$C.err" && why="panic"
    case $rc in
        124 | 137) why="${why:+$why, }hang (timeout)" ;;
        134 | 139) why="${why:+$why, }abort ($rc)" ;;
    esac
    local want
    case $expect in bad) want=2 ;; fail) want=1 ;; ok | quiet) want=0 ;; int) want=130 ;;
        failok) # a machine failure where the machine fails (root may lift the limit)
            want=1
            [ "$rc" = 0 ] && want=0 expect=quiet
            [ "$rc" != 0 ] && [ -e "$C/out" ] && why="a result folder was written" ;;
    esac
    [ -z "$why" ] && [ "$rc" != "$want" ] && why="exit $rc, expected $want"
    if [ -z "$why" ]; then
        case $expect in
            bad | fail | failok)
                [ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] || why="stderr is not one line"
                [[ "$err" == error:* ]] || why="${why:+$why, }no error: line"
                [ "${#err}" -le 1100 ] || why="${why:+$why, }error line of ${#err} bytes" ;;
            int)
                [ "$err" = "interrupted: nothing was written (a previous result is intact)" ] ||
                    why="stderr after the interrupt: $(head -c 200 <<<"$err")" ;;
            quiet) [ -z "$err" ] || why="stderr: $(head -c 200 <<<"$err")" ;;
        esac
    fi
    if [ -z "$why" ] && [ "$before" != "$after" ]; then
        why="files changed outside the result: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -3 | tr '\n' ' ')"
    fi
    if [ -z "$why" ] && [ "$siblings" != "$(cd "$C" && find . -name '.*.tmp-*' -o -name '.*.old-*' -o -name '.*.dead-*' | sort)" ]; then
        why="a temporary sibling was left"
    fi
    TOTAL[$class]=$((${TOTAL[$class]:-0} + 1))
    if [ -n "$why" ]; then
        FAILED[$class]=$((${FAILED[$class]:-0} + 1))
        FAILURES+=("[$class] ${DESC:+($DESC) }$* => $why")
    fi
    DESC=""
    rm -rf "$C" "$C.out" "$C.err"
}

# bad CLASS ARGS...: pollscope ARGS in a fresh sandbox must be bad input.
bad() {
    local class="$1"
    shift
    new_case
    check "$class" bad 20 "$P" "$@"
}

BIG="$(head -c 100000 /dev/zero | tr '\0' 'x')"
NUMBERS=(0 -1 -3 abc 1.5 18446744073709551614 18446744073709551616 4294967296
    99999999999999999999999 "" " " "1,,x" $'1\nx' $'\e[31m2' 1e3 0x10 "$BIG")

# 1. Numeric options: malformed, zero, negative, overflowing.
for option in --workers --samples --tasks --repeat --max-blocking-threads \
    --global-queue-interval --event-interval; do
    for value in "${NUMBERS[@]}"; do
        bad numbers run two_futures -n 3 --no-plots -q -o out "$option" "$value"
    done
done

# 2. Durations.
DURATIONS=(-5us 5 5xs 1e400s 2000000s "" abc $'1\nms' 99999999999999999999999999999ns
    0.0000001ns NaNms infs "${BIG}us")
for option in --light-cost --heavy-cost --thread-keep-alive; do
    for value in "${DURATIONS[@]}"; do
        bad durations run two_futures -n 3 --no-plots -q -o out "$option" "$value"
    done
done
bad durations plot out --zoom "5ms..1ms"
bad durations plot out --zoom "$BIG"

# 3. Names and choices on the command line.
for value in nope "" "../x" $'two_futures\n' "$BIG" $'\e]0;x\a' "two_futures,x"; do
    bad names run "$value" -n 3 -o out
done
for args in "--flavor bogus" "--executor bogus" "--cost-kind bogus" "--flavor current_thread --workers 2" \
    "--executor smol --global-queue-interval 7" "--bogus" "-n" "--out" "--config" "--repeat"; do
    # shellcheck disable=SC2086
    bad names run two_futures -n 3 -o out $args
done
bad names run block_in_place --flavor current_thread -n 3 -o out
bad names run block_in_place --executor smol -n 3 -o out
bad names bogus-command
bad names compare
bad names compare only-one
bad names plot
bad names plot --run '(' out

# 4. TOML experiments.
toml_case() {
    local text="$1"
    new_case
    printf '%s' "$text" >"$C/e.toml"
    DESC="$(head -c 150 <<<"$text" | tr '\n' ' ')"
    check toml bad 20 "$P" run --config e.toml -n 3 --no-plots -q -o out
}
FUT=$'[[future]]\nname = "a"\nplacement = "inline"\ncost = "1us"\n'
for name in '""' '".x"' '"a/b"' "\"$(printf 'n%.0s' {1..65})\"" "\"$BIG\"" '"a\nb"' '"\u001b[31m"' '3' '[1]'; do
    toml_case "name = $name"$'\n'"$FUT"
done
for count in 0 -1 4294967295 4294967296 1.5 '"3"' 99999999999999999999; do
    toml_case $'name = "c"\n'"$FUT"$'count = '"$count"$'\n'
done
for samples in 0 -1 4294967296 '"x"'; do
    toml_case $'name = "s"\n[defaults]\nsamples = '"$samples"$'\n'"$FUT"
done
new_case
printf '%s' $'name = "s"\n[defaults]\nsamples = 4294967295\n'"$FUT"$'count = 1000\n' >"$C/e.toml"
check toml bad 20 "$P" run --config e.toml --no-plots -q -o out
for line in 'cost = "0us"' 'cost = "5"' 'cost = "-1ms"' "cost = \"${BIG}ms\"" 'placement = "nowhere"' \
    'speed = 3' 'cost_kind = "warp"' 'yields = 3'; do
    toml_case $'name = "f"\n[[future]]\nname = "a"\nplacement = "inline"\n'"$line"$'\n'"$( [[ $line == cost* ]] || echo 'cost = "1us"')"$'\n'
done
for runtime in 'workers = 0' 'workers = 4294967296' 'workers = 18446744073709551614' 'workers = -2' \
    'max_blocking_threads = 0' 'max_blocking_threads = 18446744073709551616' 'flavor = "warp"' \
    'executor = "warp"' $'executor = "smol"\nglobal_queue_interval = 7' $'flavor = "current_thread"\nworkers = 2' \
    'global_queue_interval = 0' 'event_interval = -1' 'thread_keep_alive = "-1s"' 'bogus = 1'; do
    toml_case $'name = "r"\n[runtime]\n'"$runtime"$'\n'"$FUT"
done
toml_case $'name = "d"\n'"$FUT$FUT"
toml_case $'name = "d"\n'"$FUT"$'[[future]]\nname = "t"\nplacement = "inline"\ncost = "1us"\ncount = 2\n[[future]]\nname = "t2"\nplacement = "inline"\ncost = "1us"\n'
toml_case $'name = "e"\n'
toml_case ''
toml_case $'\x00\x01\x02garbage'
toml_case $'name = "unterminated\n'"$FUT"
toml_case $'name = "p"\n[runtime]\nflavor = "current_thread"\n[[future]]\nname = "b"\nplacement = "block_in_place"\ncost = "1us"\n'
new_case
mkdir "$C/e.toml"
check toml bad 20 "$P" run --config e.toml -o out
new_case
check toml bad 20 "$P" run --config missing.toml -o out
new_case
check toml bad 20 "$P" run --config /dev/zero -o out
new_case
truncate -s 70M "$C/e.toml"
check toml bad 20 "$P" run --config e.toml -o out
new_case
mkfifo "$C/e.toml"
check toml bad 20 "$P" run --config e.toml -o out

# 5. Result folders that are not pollscope's (bad input, nothing touched).
folder_bad() {
    local setup="$1"
    shift
    new_case
    (cd "$C" && eval "$setup")
    check folders bad 20 "$P" "$@"
}
RUN=(run two_futures -n 3 --no-plots -q -o out)
folder_bad 'mkdir out; echo mine >out/notes.txt' "${RUN[@]}"
folder_bad 'mkdir -p out/plots/archive.svg; echo mine >out/plots/archive.svg/notes.txt; echo "run_id,scenario," >out/runs.csv' "${RUN[@]}"
folder_bad 'mkdir -p out/trace.json; echo mine >out/trace.json/precious.txt; echo "run_id,scenario," >out/runs.csv' "${RUN[@]}"
folder_bad 'mkdir out; echo "run_id,scenario," >out/runs.csv; ln -s ../user out/plots' "${RUN[@]}"
folder_bad 'mkdir out; echo "run_id,scenario," >out/runs.csv; ln -s ../user/precious.txt out/index.html' "${RUN[@]}"
folder_bad 'mkdir out; ln -s ../user/precious.txt out/runs.csv' "${RUN[@]}"
folder_bad 'echo mine >out' "${RUN[@]}"
folder_bad 'echo mine >file' run two_futures -n 3 -q -o file/out
folder_bad 'ln -s user out' "${RUN[@]}"
folder_bad 'ln -s nowhere out' "${RUN[@]}"
folder_bad 'mkdir out; mkfifo out/runs.csv' "${RUN[@]}"
folder_bad 'mkdir -p out/.git' "${RUN[@]}"
folder_bad '' plot out
folder_bad 'echo x >out' plot out
folder_bad 'mkdir out; echo mine >out/notes.txt' plot out
folder_bad 'mkdir out; echo "run_id,scenario," >out/runs.csv; mkdir out/plots; mkdir out/plots/x.svg' plot out
folder_bad 'ln -s user out' plot out

# Stale siblings that are links into the user's files: never followed.
for setup in 'ln -s user .out.tmp-4294967295' 'ln -s user .out.old-4294967295' \
    'mkdir .out.tmp-4294967295; echo mine >.out.tmp-4294967295/notes.txt'; do
    new_case
    (cd "$C" && eval "$setup")
    DESC="$setup"
    check folders ok 30 "$P" "${RUN[@]}"
done

# 6. Result folders pollscope wrote, made hostile afterwards. One good
# result is made once and copied.
GOOD="$W/good"
"$P" run two_futures -n 3 -q -o "$GOOD" >/dev/null 2>&1 || { echo "cannot make a result folder"; exit 1; }
result_case() {
    local class="$1" expect="$2" setup="$3"
    shift 3
    new_case
    cp -a "$GOOD" "$C/out"
    (cd "$C" && eval "$setup")
    DESC="$(head -c 150 <<<"$setup")"
    check "$class" "$expect" 60 "$P" "$@"
}
SVG="$(cd "$GOOD/plots" && ls | head -1)"
result_case folders bad 'rm -r out/plots; ln -s ../user out/plots' plot out
result_case folders bad 'rm -r out/plots; ln -s ../user/sub out/plots' plot out
result_case folders bad "rm out/plots/$SVG; ln -s ../../user/precious.txt out/plots/$SVG" plot out
result_case folders bad 'rm out/index.html; ln -s ../user/precious.txt out/index.html' plot out
result_case folders bad 'rm out/trace.json; mkdir out/trace.json; echo mine >out/trace.json/precious.txt' plot out
result_case folders bad 'rm out/index.html; mkfifo out/index.html' plot out
result_case folders bad 'echo mine >out/notes.txt' "${RUN[@]}"
result_case folders bad "rm out/plots/$SVG; mkdir out/plots/$SVG; echo mine >out/plots/$SVG/notes.txt" "${RUN[@]}"
result_case folders bad 'rm -r out/plots; ln -s ../user out/plots' "${RUN[@]}"
result_case folders ok 'echo mine >out/notes.txt' plot out -q
result_case folders ok 'mkdir out/mine; echo mine >out/mine/notes.txt' plot out -q
result_case folders ok '' "${RUN[@]}"
result_case folders ok 'echo mine >user/x.svg' plot out -q --run two_futures

# 7. Damaged CSV files (plot: bad input naming file:line, one line).
csv_case() {
    result_case csv bad "$1" plot out -q
}
edit() { # edit FILE PYTHON-EXPRESSION-OF-rows (a list of lists of cells)
    python3 - "$1" "$2" <<'EOF'
import csv, sys
path, expression = sys.argv[1], sys.argv[2]
rows = list(csv.reader(open(path, newline="")))
rows = eval(expression)
with open(path, "w", newline="") as f:
    csv.writer(f).writerows(rows)
EOF
}
CSV_FILES=(runs futures samples polls threads)
[ $QUICK = 1 ] && CSV_FILES=(runs samples polls)
for file in "${CSV_FILES[@]}"; do
    csv_case ": >out/$file.csv"
    csv_case "head -1 out/$file.csv >out/x && mv out/x out/$file.csv && printf '\"a\\nb\",1\\n' >>out/$file.csv"
    csv_case "edit out/$file.csv 'rows[:1] + [[\"two\\nlines\"] + r[1:] for r in rows[1:]]'"
    csv_case "edit out/$file.csv 'rows[:1] + [[\"../x\"] + r[1:] for r in rows[1:]]'"
    csv_case "edit out/$file.csv 'rows[:1] + [[\"$BIG\"] + r[1:] for r in rows[1:]]'"
    csv_case "edit out/$file.csv 'rows[:1] + [r[:-1] for r in rows[1:]]'"
    csv_case "edit out/$file.csv 'rows[:1] + [r + [\"extra\"] for r in rows[1:]]'"
    csv_case "edit out/$file.csv '[rows[0][1:]] + rows[1:]'"
    csv_case "printf '\\x00\\xff\\xfe garbage' >out/$file.csv"
    csv_case "rm out/$file.csv"
done
for value in NaN inf -inf 1e999 '1\n2' "$BIG"; do
    csv_case "edit out/samples.csv 'rows[:1] + [r[:3] + [\"$value\"] + r[4:] for r in rows[1:]]'"
done
for value in -1 18446744073709551616 abc 1.5; do
    csv_case "edit out/polls.csv 'rows[:1] + [r[:3] + [\"$value\"] + r[4:] for r in rows[1:]]'"
done
csv_case "edit out/runs.csv 'rows + rows[1:]'"

# 8. Resources: refused from counts before anything is allocated.
limited() { # limited CLASS EXPECT ULIMIT-ARGS CMD...
    local class="$1" expect="$2" limit="$3"
    shift 3
    new_case
    check "$class" "$expect" 60 bash -c "ulimit $limit && exec \"\$@\"" -- "$@"
}
for args in "--tasks 100000000" "--repeat 10000000" "--repeat 4294967295" "-n 4294967295" \
    "--tasks 4294967295 -n 4294967295" "--workers 1,2,3,4,5,6,7,8 --repeat 100000000" \
    "--heavy-cost 1us,2us,3us,4us --tasks 50000000"; do
    # shellcheck disable=SC2086
    limited resources bad "-v 4000000" "$P" run two_futures many_spawn_task --no-plots -q -o out $args
done
new_case
printf '%s' $'name = "c"\n'"$FUT"$'count = 4294967295\n' >"$C/e.toml"
check resources bad 20 bash -c 'ulimit -v 4000000 && exec "$@"' -- "$P" run --config e.toml -o out
limited resources bad "-n 64" "$P" run tcp_echo -n 5 --tasks 100000 -q -o out
limited resources ok "-n 64" "$P" run tcp_echo -n 5 --tasks 1 --no-plots -q -o out
limited resources ok "-n 16" "$P" run two_futures -n 5 --no-plots -q -o out
limited resources ok "-n 16" "$P" run tcp_echo -n 5 --tasks 1 --no-plots -q -o out
limited resources failok "-u 100" "$P" run two_futures -n 5 --workers 5000 --no-plots -q -o out
limited resources bad "-v 1000000" "$P" run two_futures -n 5 --workers 5000 --no-plots -q -o out
bad resources run two_futures -n 5 --workers 100000000 -o out
bad resources run two_futures --light-cost 100000s -o out
if [ "$(id -u)" = 0 ] && mkdir -p "$W/small" && mount -t tmpfs -o size=200k tmpfs "$W/small" 2>/dev/null; then
    new_case
    check resources fail 60 "$P" run two_futures -n 2000 -q -o "$W/small/out"
    [ -e "$W/small/out" ] || ls -A "$W/small" | grep -q . && FAILURES+=("[resources] full disk left files: $(ls -A "$W/small")")
    umount "$W/small"
fi

# 9. Signals: Ctrl-C and SIGTERM during a run; exit 130, one line, nothing
# half-written, the previous result intact.
signals=12
[ $QUICK = 1 ] && signals=3
for i in $(seq 1 $signals); do
    new_case
    cp -a "$GOOD" "$C/out"
    sig=INT
    [ $((i % 2)) = 0 ] && sig=TERM
    delay="0.$((RANDOM % 9 + 1))"
    # Every third case is light on CPU and heavy on writing (200,000 samples
    # at 1us): the signal lands while the folder is written.
    work=(two_futures many_spawn_task -n 3000)
    [ $((i % 3)) = 0 ] && work=(two_futures -n 100000 --light-cost 1us)
    check signals int 60 bash -c "\"\$@\" & pid=\$!; sleep $delay; kill -$sig \$pid; wait \$pid" -- \
        "$P" run "${work[@]}" -q -o out
done

# 10. A closed stdout ends quietly, with the status of the work.
new_case
check pipes quiet 30 bash -c '"$@" | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}' -- "$P" list
new_case
check pipes quiet 60 bash -c '"$@" | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}' -- "$P" run two_futures -n 3 --no-plots -o out
new_case
cp -a "$GOOD" "$C/out"
check pipes quiet 60 bash -c '"$@" | head -c 1 >/dev/null; exit ${PIPESTATUS[0]}' -- "$P" plot out
new_case
check pipes quiet 30 bash -c '"$@" | true; exit ${PIPESTATUS[0]}' -- "$P" --help

# The round.
total=0
failed=0
printf '%-10s %6s %6s\n' class cases failed
for class in "${!TOTAL[@]}"; do
    printf '%-10s %6d %6d\n' "$class" "${TOTAL[$class]}" "${FAILED[$class]:-0}"
    total=$((total + TOTAL[$class]))
    failed=$((failed + ${FAILED[$class]:-0}))
done | sort
for class in "${!TOTAL[@]}"; do
    total=$((total + TOTAL[$class]))
    failed=$((failed + ${FAILED[$class]:-0}))
done
for f in "${FAILURES[@]}"; do
    echo "FAILED: ${f:0:600}"
done
echo "hostile: $total cases, $((total - failed)) passed, $failed failed"
[ "$failed" = 0 ] && [ ${#FAILURES[@]} = 0 ]
