#!/usr/bin/env bash
# Prepare real-world Rust programs (Debian source packages) so that they build
# OFFLINE with cargo against Debian's crate "directory registry"
# (/usr/share/cargo/registry, filled by the librust-*-dev packages).
#
# Usage: bench/prepare-rust-programs.sh [WORK_DIR]
#   WORK_DIR  where the sources are extracted (default: <repo>/.bench-work)
#
# Environment:
#   PREPARE_FD=0       only prepare rust-ripgrep (default: also rust-fd-find)
#   VERIFY_BUILD=0     skip the proving `cargo build --release` for the host
#   CARGO, RUSTC       toolchain for the proving build
#                      (default: Debian's /usr/bin/cargo and /usr/bin/rustc)
#
# Needs root (or sudo) for apt. Idempotent: every step checks whether it is
# already done. Quiet unless something fails (then the log is printed); the
# last lines of output are `ripgrep=<dir>` and `fd=<dir>`.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work_dir=${1:-"$script_dir/../.bench-work"}
mkdir -p "$work_dir"
work_dir=$(cd "$work_dir" && pwd)

registry=/usr/share/cargo/registry
cargo_bin=${CARGO:-/usr/bin/cargo}
rustc_bin=${RUSTC:-/usr/bin/rustc}
log="$work_dir/prepare.log"
: >"$log"

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

die() {
    echo "prepare-rust-programs: $*" >&2
    if [ -s "$log" ]; then
        echo "---- last lines of $log ----" >&2
        tail -n 60 "$log" >&2
    fi
    exit 1
}

# Run a command with its output going to the log; on failure show the log.
run() {
    echo "+ $*" >>"$log"
    "$@" >>"$log" 2>&1 || die "command failed: $*"
}

apt_get() {
    run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q "$@"
}

# ---------------------------------------------------------------------------
# 1. deb-src entries. Debian 12 images ship only `Types: deb` stanzas in
#    /etc/apt/sources.list.d/debian.sources (deb822). If no deb-src entry
#    exists anywhere, add a separate file whose stanzas are copies of the
#    debian.sources ones with `Types: deb-src` (same mirrors, suites,
#    keyring); the original file is left untouched.
# ---------------------------------------------------------------------------
src_list=/etc/apt/sources.list.d/cargo-static-deb-src.sources
have_deb_src() {
    grep -Eqs '^[[:space:]]*Types:.*\bdeb-src\b' /etc/apt/sources.list.d/*.sources ||
        grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list
}
need_update=0
if ! have_deb_src; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$work_dir/deb-src.sources"
    else
        # shellcheck disable=SC1091
        codename=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
        cat >"$work_dir/deb-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    run "${sudo[@]}" install -m 0644 "$work_dir/deb-src.sources" "$src_list"
    rm -f "$work_dir/deb-src.sources"
    need_update=1
fi

# `apt-get update` only when the source index (or a package list) is missing.
if [ "$need_update" = 0 ] && [ -z "$(apt-cache showsrc --only-source rust-ripgrep 2>/dev/null)" ]; then
    need_update=1
fi
if [ "$need_update" = 0 ] && ! apt-cache show librust-grep-dev >/dev/null 2>&1; then
    need_update=1
fi
if [ "$need_update" = 1 ]; then
    apt_get update
fi

# ---------------------------------------------------------------------------
# 2. Build dependencies. `apt-get build-dep` installs the librust-*-dev
#    packages, i.e. the crates, into $registry. On this machine the
#    `rustc:native`/`cargo:native`/`libstd-rust-dev` build-deps are satisfied
#    by Debian's rustc-web/cargo-web (which Provide them); --no-remove makes
#    apt abort instead of ever replacing that toolchain.
#    Fix-up: cargo resolves dev-dependencies even for `cargo build`, but
#    Debian disables the tests so their crates are not build-deps; they are
#    installed explicitly (rg: serde, serde_derive, walkdir -- already pulled
#    in transitively; fd: diff, filetime, tempfile, test-case).
# ---------------------------------------------------------------------------
packages=(rust-ripgrep)
dev_crates=(librust-serde-dev librust-serde-derive-dev librust-walkdir-dev)
if [ "${PREPARE_FD:-1}" != 0 ]; then
    packages+=(rust-fd-find)
    dev_crates+=(librust-diff-dev librust-filetime-dev librust-tempfile-dev librust-test-case-dev)
fi
for pkg in "${packages[@]}"; do
    if apt-get -s build-dep "$pkg" 2>>"$log" | grep -q '^Inst '; then
        apt_get build-dep -y --no-remove "$pkg"
    fi
done
missing=()
for p in "${dev_crates[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    apt_get install -y --no-remove "${missing[@]}"
fi
for crate in grep ignore; do
    compgen -G "$registry/$crate-[0-9]*" >/dev/null || die "crate $crate missing from $registry"
done

# ---------------------------------------------------------------------------
# 3. Sources. `apt-get source` downloads the .dsc/.orig/.debian tarballs and
#    runs `dpkg-source -x`, which applies debian/patches for the
#    "3.0 (quilt)" format (recorded in .pc/applied-patches). The patches
#    matter: both packages remove the jemallocator dependency (rg: upstream
#    uses it on 64-bit musl; fd: default feature use-jemalloc) and relax
#    version requirements to the crates Debian ships.
#    Skipped when the tree is already extracted.
# ---------------------------------------------------------------------------
src_tree() { # prints the extracted tree of source package $1
    local d
    for d in "$work_dir/$1"-[0-9]*/; do
        [ -f "$d/debian/changelog" ] && { echo "${d%/}"; return 0; }
    done
    return 1
}
for pkg in "${packages[@]}"; do
    if ! src_tree "$pkg" >/dev/null; then
        (cd "$work_dir" && run apt-get -q source "$pkg")
    fi
    dir=$(src_tree "$pkg") || die "no extracted source tree for $pkg in $work_dir"
    if [ -f "$dir/debian/patches/series" ]; then
        while read -r patch _; do
            case "$patch" in '' | '#'*) continue ;; esac
            grep -qxF "$patch" "$dir/.pc/applied-patches" 2>/dev/null ||
                die "$pkg: Debian patch $patch is not applied in $dir"
        done <"$dir/debian/patches/series"
    fi
done

# ---------------------------------------------------------------------------
# 4. Fix-ups for building outside dh-cargo.
# ---------------------------------------------------------------------------
marker="# cargo-static: offline build against Debian's crate registry"
fixup_tree() {
    local dir=$1
    # (a) .cargo/config.toml: replace crates.io by the directory registry and
    #     forbid network access. dh-cargo writes an equivalent file into
    #     debian/cargo_home at build time; we write it into the tree so a plain
    #     `cargo build` works. An upstream config (ripgrep ships one with
    #     Windows-only rustflags) is kept; our block is appended once.
    mkdir -p "$dir/.cargo"
    if ! grep -qxF "$marker" "$dir/.cargo/config.toml" 2>/dev/null; then
        if grep -Eqs '^\[(source|net)' "$dir/.cargo/config.toml"; then
            die "$dir/.cargo/config.toml already has [source]/[net] sections"
        fi
        cat >>"$dir/.cargo/config.toml" <<EOF

$marker
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$registry"

[net]
offline = true
EOF
    fi
    # (b) Cargo.lock: the upstream lock file pins crates.io versions (and
    #     checksums) that Debian's registry does not have, so it is moved
    #     aside once (Cargo.lock.upstream) and regenerated offline against
    #     the registry; dh-cargo also drops it. It is regenerated again
    #     whenever it no longer matches (e.g. after librust-* upgrades).
    if [ -f "$dir/Cargo.lock" ] && [ ! -f "$dir/Cargo.lock.upstream" ]; then
        mv "$dir/Cargo.lock" "$dir/Cargo.lock.upstream"
    fi
}

fixup_tree "$(src_tree rust-ripgrep)"
# (c) ripgrep only: its `simd-accel` feature forwards to grep/simd-accel,
#     which Debian's grep crate removed (it needs the unpackaged
#     packed_simd); current cargo refuses to resolve such a manifest, so the
#     (non-default) feature is commented out.
rg_dir=$(src_tree rust-ripgrep)
if grep -q '^simd-accel = \["grep/simd-accel"\]' "$rg_dir/Cargo.toml"; then
    sed -i 's|^simd-accel = \["grep/simd-accel"\]|# cargo-static: Debian'"'"'s grep crate has no simd-accel feature\n# &|' "$rg_dir/Cargo.toml"
fi
# (d) ripgrep only: on 64-bit musl its main.rs makes jemallocator the global
#     allocator; Debian's disable-jemallocator.diff removed the dependency but
#     not that musl-only item (Debian never builds for musl), so the musl build
#     fails with "cannot find crate jemallocator". The item is commented out:
#     ripgrep then uses the allocator it uses on every other target.
if grep -q '^static ALLOC: jemallocator::Jemalloc' "$rg_dir/crates/core/main.rs"; then
    sed -i -e 's|^#\[cfg(all(target_env = "musl", target_pointer_width = "64"))\]$|// cargo-static: jemallocator is not packaged in Debian\n// &|' \
        -e 's|^#\[global_allocator\]$|// &|' -e 's|^static ALLOC: jemallocator::Jemalloc = jemallocator::Jemalloc;$|// &|' \
        "$rg_dir/crates/core/main.rs"
fi
dirs=("$rg_dir")
if [ "${PREPARE_FD:-1}" != 0 ]; then
    fixup_tree "$(src_tree rust-fd-find)"
    dirs+=("$(src_tree rust-fd-find)")
fi

for dir in "${dirs[@]}"; do
    if ! (cd "$dir" && RUSTC="$rustc_bin" "$cargo_bin" metadata --locked --offline \
        --format-version 1 >/dev/null 2>&1); then
        (cd "$dir" && rm -f Cargo.lock && run env RUSTC="$rustc_bin" "$cargo_bin" generate-lockfile --offline)
    fi
done

# ---------------------------------------------------------------------------
# 5. Prove it: release build for the host (gnu) target, then run the binary.
#    Cargo's own up-to-date check makes this a no-op on re-runs.
# ---------------------------------------------------------------------------
if [ "${VERIFY_BUILD:-1}" != 0 ]; then
    for dir in "${dirs[@]}"; do
        (cd "$dir" && run env RUSTC="$rustc_bin" "$cargo_bin" build --release --offline -j2)
    done
    run "$rg_dir/target/release/rg" --version
    if [ "${PREPARE_FD:-1}" != 0 ]; then
        run "${dirs[1]}/target/release/fd" --version
    fi
fi

echo "ripgrep=$rg_dir"
if [ "${PREPARE_FD:-1}" != 0 ]; then
    echo "fd=${dirs[1]}"
fi
