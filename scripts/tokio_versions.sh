#!/usr/bin/env bash
# tokio versions as an axis: builds pollscope against each given tokio release
# in its own copy of this repository, runs the same matrix with each, records
# every run into one history database with the label `tokio-V`, and writes the
# history report. docs/tokio-versions.md has the details.
#
# usage: scripts/tokio_versions.sh [OPTIONS] VERSION... [-- RUN-ARGS...]
#
#   VERSION          a tokio 1.x release, e.g. 1.45.0 (1.45.0 is the oldest
#                    pollscope builds with; 1.19.0 with RUSTFLAGS="--cfg
#                    tokio_unstable" and a --cache of their own)
#   --build-only     build the binaries, run nothing (while the machine is busy)
#   --prune          keep one target dir (the newest build's) in the cache, not
#                    one per version (about 0.35 GB each); each version's
#                    binary is kept as CACHE/tokio-V/pollscope either way
#   --run-only       run with the binaries built before, build nothing
#                    (when the machine is quiet)
#   --cache DIR      copies and target dirs, one per version, kept between calls
#                    [default: $POLLSCOPE_TOKIO_CACHE, else
#                    ${XDG_CACHE_HOME:-~/.cache}/pollscope/tokio-versions]
#   --db FILE        the history database [default: OUT/history.sqlite]
#   --out OUT        result folders OUT/tokio-V and the report OUT/report
#                    [default: results/tokio-versions]
#   -h, --help       this text
#   RUN-ARGS         `pollscope run` arguments [default: the journey's five,
#                    fan_in and timers, --samples 100 --workers 1,2 --repeat 3]
#
# Exit status: 0 all done; 1 a version did not build or run (the others are
# done); 2 bad input (one line on stderr, nothing built or written).
set -uo pipefail

me="tokio_versions.sh"
marker=".pollscope-tokio-versions"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_run_args=(two_futures cpu_intensive spawn_task many_spawn_task many_spawn_blocking
    fan_in timers --samples 100 --workers 1,2 --repeat 3)

bad_input() {
    echo "$me: $*" >&2
    exit 2
}

usage() {
    sed -n '/^# usage:/,/^set /p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

# Parses the command line into the globals below; bad input exits 2.
parse_args() {
    build=1 run=1 prune=0 versions=() run_args=() cache="" db="" out=""
    while [ $# -gt 0 ]; do
        case "$1" in
        --build-only) run=0 ;;
        --run-only) build=0 ;;
        --prune) prune=1 ;;
        --cache | --db | --out)
            [ $# -ge 2 ] && [ -n "$2" ] && [ "${2#-}" = "$2" ] || bad_input "$1 needs a value"
            printf -v "${1#--}" '%s' "$2"
            shift
            ;;
        -h | --help) usage; exit 0 ;;
        --) shift; run_args=("$@"); break ;;
        -*) bad_input "unknown option \`$1\` (see --help)" ;;
        *)
            [[ "$1" =~ ^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] ||
                bad_input "\`$1\` is not a tokio 1.x release such as 1.54.1"
            versions+=("$1")
            ;;
        esac
        shift
    done
    [ "$build" = 1 ] || [ "$run" = 1 ] || bad_input "--build-only and --run-only exclude each other"
    [ ${#versions[@]} -gt 0 ] || bad_input "no tokio version given (e.g. 1.45.0 1.54.1; see --help)"
    for arg in "${run_args[@]}"; do
        case "$arg" in
        --out | -o | --out=* | --db | --db=* | --record | --label | --label=* | --shard | --shard=*)
            bad_input "\`$arg\` is the script's to set; use its --out/--db, not after --" ;;
        esac
    done
    [ ${#run_args[@]} -gt 0 ] || run_args=("${default_run_args[@]}")
    quiet=(--quiet)
    for arg in "${run_args[@]}"; do
        case "$arg" in -q | --quiet | -v | --verbose) quiet=() ;; esac
    done
    # Ascending, without repeats: history orders labels by when they were added.
    mapfile -t versions < <(printf '%s\n' "${versions[@]}" | sort -uV)
    cache="${cache:-${POLLSCOPE_TOKIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pollscope/tokio-versions}}"
    out="${out:-$repo/results/tokio-versions}"
    db="${db:-$out/history.sqlite}"
    # Absolute, since the runs happen in the repository's root.
    cache="$(realpath -m -- "$cache")" out="$(realpath -m -- "$out")" db="$(realpath -m -- "$db")"
}

# The repository's Cargo.toml without dev-dependencies (they may pin tokio
# higher; only the binary is built) and with tokio's requirement relaxed to 1.
relaxed_manifest() {
    awk '/^\[dev-dependencies\]/ { skip = 1; next } /^\[/ { skip = 0 } !skip' "$1" |
        sed -E 's/^(tokio = \{ ?version = )"[^"]*"/\1"1"/; s/^tokio = "[^"]*"/tokio = "1"/'
}

# Keeps a regenerated file's old modification time when its content is the
# same, so that cargo rebuilds nothing it need not.
keep_time_if_same() {
    if [ -f "$2" ] && cmp -s "$1" "$2"; then touch -r "$2" "$1"; fi
}

# The first error line of a cargo log (`--message-format short`).
first_error() {
    grep -m1 -E '(^|: )error(\[|:)' "$1" || tail -n1 "$1"
}

# Marks DIR as this script's, or says why it is not: only what the script
# created is ever removed.
claim_dir() {
    if [ ! -e "$1" ]; then
        mkdir -p "$1" && : >"$1/$marker" && return 0
        echo "cannot create $1"
        return 1
    fi
    [ -f "$1/$marker" ] && return 0
    echo "$1 exists and was not made by $me (no $marker in it)"
    return 1
}

# Copies the tracked files of the working tree into DIR/src (their times
# kept), pins tokio at V there. Fails with the first error line.
prepare_copy() {
    local v="$1" dir="$2" src="$2/src"
    claim_dir "$dir" || return 1
    for f in Cargo.toml Cargo.lock; do
        [ -f "$src/$f" ] && cp -p "$src/$f" "$dir/previous.$f"
    done
    rm -rf "$src" && mkdir "$src" || return 1
    (cd "$repo" && git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
        tar -xf - -C "$src" || { echo "copying the repository failed"; return 1; }
    relaxed_manifest "$repo/Cargo.toml" >"$src/Cargo.toml"
    (cd "$src" && CARGO_TARGET_DIR="$dir/target" cargo update -p tokio --precise "$v" \
        >"$dir/update.log" 2>&1) || {
        echo "\`cargo update -p tokio --precise $v\` failed (is $v a release?): $(first_error "$dir/update.log")"
        return 1
    }
    for f in Cargo.toml Cargo.lock; do keep_time_if_same "$src/$f" "$dir/previous.$f"; done
}

# The newest built target dir of the script's in the cache, if any.
newest_target() {
    local binary
    while IFS= read -r binary; do
        [ -f "${binary%/target/release/pollscope}/$marker" ] &&
            echo "${binary%/release/pollscope}" && return 0
    done < <(ls -1dt "$cache"/tokio-*/target/release/pollscope 2>/dev/null)
}

# A new version's target dir starts as a copy of the newest other one, so
# that only tokio and pollscope compile (cargo remaps the build scripts'
# paths). Prints the target dir it copied.
seed_target() {
    local dir="$1" other
    [ -d "$dir/target/release" ] && return 0
    other="$(newest_target)"
    [ -n "$other" ] || return 0
    cp -a --reflink=auto "$other" "$dir/target" 2>/dev/null || { rm -rf "$dir/target"; return 0; }
    echo "$other"
}

# Removes every version's target dir but the last one built (where none
# was, the newest).
prune_targets() {
    local keep="$last_target" target
    [ -n "$keep" ] || keep="$(newest_target)"
    for target in "$cache"/tokio-*/target; do
        [ -d "$target" ] && [ "$target" != "$keep" ] && [ -f "${target%/target}/$marker" ] &&
            rm -rf "$target"
    done
    return 0
}

# Builds pollscope against tokio V; prints a line and returns 1 on failure.
build_version() {
    local v="$1" dir="$cache/tokio-$1" why seed
    echo "tokio $v: building in $dir"
    if ! why="$(prepare_copy "$v" "$dir")"; then
        echo "tokio $v: skipped: $why" >&2
        return 1
    fi
    seed="$(seed_target "$dir")"
    [ -z "$seed" ] || echo "  its target dir starts as a copy of $seed"
    if ! (cd "$dir/src" && CARGO_TARGET_DIR="$dir/target" cargo build --release \
        --bin pollscope --message-format short >"$dir/build.log" 2>&1); then
        echo "tokio $v: skipped, does not build: $(first_error "$dir/build.log") (log: $dir/build.log)" >&2
        [ "$prune" = 0 ] || rm -rf "$dir/target"
        return 1
    fi
    cp -p "$dir/target/release/pollscope" "$dir/pollscope" || return 1
    echo "tokio $v: built $dir/pollscope"
    last_target="$dir/target"
    # With --prune, the target dir just copied from is no longer needed.
    if [ "$prune" = 1 ] && [ -n "$seed" ]; then rm -rf "$seed"; fi
}

# Warns when the machine is busy: the runs would be marked disturbed.
check_quiet() {
    local load cores
    load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)" || return 0
    cores="$(nproc 2>/dev/null || echo 1)"
    if awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c / 2) }'; then
        echo "$me: warning: load average $load on $cores cores; runs may be marked disturbed" >&2
    fi
}

# Runs the matrix with tokio V's binary, recording with label tokio-V.
# Returns pollscope's exit status.
run_version() {
    local v="$1" bin="$cache/tokio-$1/pollscope" status
    if [ ! -x "$bin" ]; then
        echo "tokio $v: skipped, not built (run without --run-only first)" >&2
        return 1
    fi
    mkdir -p "$out" || return 1
    echo "tokio $v: running ${run_args[*]}"
    (cd "$repo" && "$bin" run "${run_args[@]}" "${quiet[@]}" --record --label "tokio-$v" \
        --db "$db" --out "$out/tokio-$v")
    status=$?
    [ $status = 0 ] || echo "tokio $v: the run exited $status" >&2
    return $status
}

main() {
    parse_args "$@"
    local failed=0 v newest="" status
    local -A unbuilt=()
    last_target=""
    if [ "$build" = 1 ]; then
        for tool in git cargo tar; do
            command -v "$tool" >/dev/null || bad_input "$tool is not on PATH"
        done
        git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
            bad_input "$repo is not a git work tree (the copies are of its tracked files)"
        mkdir -p "$cache" || bad_input "cannot create the cache dir $cache"
        for v in "${versions[@]}"; do build_version "$v" || { failed=1 unbuilt[$v]=1; }; done
        [ "$prune" = 1 ] && prune_targets
    fi
    [ "$run" = 1 ] || return $failed
    check_quiet
    for v in "${versions[@]}"; do
        # A version that did not build now is not run with an older binary.
        [ -z "${unbuilt[$v]:-}" ] || continue
        run_version "$v"
        status=$?
        # Bad run arguments are the same for every version: stop at the first.
        [ $status = 2 ] && exit 2
        if [ $status = 0 ]; then newest="$v"; else failed=1; fi
    done
    [ -n "$newest" ] || { echo "$me: no version ran" >&2; return 1; }
    "$cache/tokio-$newest/pollscope" history report --db "$db" \
        --out "$out/report" || return 1
    echo "report: $out/report/index.html (database $db)"
    return $failed
}

main "$@"; exit $?
