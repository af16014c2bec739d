#!/usr/bin/env bash
# Instructions per unit of work on grove's hot paths, counted by callgrind
# (benches/instructions.rs says what each workload does).
#
#   bash benches/instructions.sh            # this checkout
#   bash benches/instructions.sh BASE_REV   # BASE_REV, then this checkout, side by side
#
# With a base, the probe of this checkout is copied into a worktree of
# BASE_REV (it uses only grove's public API), so both sides run the same
# workloads. Counts are repeatable for the same binary, whatever else the
# machine is doing. Needs valgrind (installed here with apt if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/target/instructions"

if ! command -v valgrind >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq valgrind >/dev/null
fi

# Builds the probe in checkout $1, in target directory $2, and prints the
# path of its binary. The two sides need target directories of their own:
# their binaries would otherwise get the same name.
build() {
    local bin
    bin=$( (cd "$1" && CARGO_TARGET_DIR=$2 cargo bench --bench instructions --no-run --message-format=json 2>"$2.log") |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
    if [ -z "$bin" ]; then
        echo "building the probe in $1 failed:" >&2
        tail -n 30 "$2.log" >&2
        exit 1
    fi
    echo "$bin"
}

# Prints "workload instructions-per-unit" for the probe binary $1.
count() {
    local bin=$1
    "$bin" | while read -r name units; do
        local total
        total=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
            "--toggle-collect=instructions::measure_$name" "$bin" "$name" 2>&1 >/dev/null |
            sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
        awk -v n="$name" -v t="$total" -v u="$units" 'BEGIN { printf "%s %.1f\n", n, t / u }'
    done
}

if [ $# -eq 0 ]; then
    here=$(build "$root" "$out/here") || exit 1
    echo "instructions per unit at $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
    count "$here" | column -t
    exit 0
fi

base=$1
tree="$out/base-$(git rev-parse --short "$base")"
[ -d "$tree" ] || git worktree add --detach "$tree" "$base" >/dev/null
trap 'git worktree remove --force "$tree"' EXIT
cp benches/instructions.rs "$tree/benches/instructions.rs"
grep -q 'name = "instructions"' "$tree/Cargo.toml" ||
    printf '\n[[bench]]\nname = "instructions"\nharness = false\n' >>"$tree/Cargo.toml"
there=$(build "$tree" "$out/base") || exit 1
here=$(build "$root" "$out/here") || exit 1

echo "instructions per unit: $(git rev-parse --short "$base") against $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')"
join <(count "$there") <(count "$here") |
    awk 'BEGIN { print "workload base now change" } { printf "%s %.1f %.1f %+.1f%%\n", $1, $2, $3, ($3 - $2) / $2 * 100 }' |
    column -t
