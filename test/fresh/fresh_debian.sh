#!/usr/bin/env bash
# The README's two commands as a new user runs them on a fresh Debian 12:
# in a throwaway `debootstrap --variant=minbase bookworm` root (Debian's own
# package sources only, no Node.js, no compilers), as root, a clone of this
# repository's HEAD commit, then
#
#   1. scripts/serve  - must install only what building and running the server
#      needs (no browser, database server, packaging tool, Node.js or npm),
#      build the Release binary and serve: /healthz answers, the first start
#      prints its three next-step lines, and the printed demo command runs the
#      demo batch to the end;
#   2. scripts/test   - must install everything the tests need and pass.
#
#   test/fresh/fresh_debian.sh [--serve-only]
#
# Needs root (debootstrap, chroot, mount) and the network (the Debian mirror
# and the npm registry). Takes about an hour on 2 cores (two builds from
# scratch and the whole suite); prints the packages each command installed
# and the minutes it took, and writes them to $BATCHCALL_FRESH_REPORT
# (default /var/tmp/batchcall-fresh-report.txt). The root is the package
# test's cached one (test/lib/debian_root.sh); BATCHCALL_TEST_KEEP_ROOT=1
# keeps the unpacked copy for inspection.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
serve_only=0
case "${1:-}" in
  "") ;;
  --serve-only) serve_only=1 ;;
  *) echo "usage: test/fresh/fresh_debian.sh [--serve-only]" >&2; exit 2 ;;
esac
report="${BATCHCALL_FRESH_REPORT:-/var/tmp/batchcall-fresh-report.txt}"
# shellcheck source=test/lib/debian_root.sh
. "$repo/test/lib/debian_root.sh"
debian_root_prelude "fresh debian" "$@"
for tool in debootstrap chroot curl python3 flock git; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps --test installs it)"
done

bookworm_root_tarball

# --- a fresh copy of the root with /proc, /sys and /dev as on a machine
work="$(mktemp -d /var/tmp/batchcall-fresh.XXXXXX)"
root="$work/root"
serve_pid=""
cleanup() {
  local rc=$?
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then kill -KILL "$serve_pid" 2>/dev/null || true; fi
  for p in /proc/[0-9]*; do
    if [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ]; then kill -KILL "${p#/proc/}" 2>/dev/null || true; fi
  done
  sleep 0.5
  for m in var/cache/batchcall-test dev sys proc; do
    if mountpoint -q "$root/$m" 2>/dev/null; then umount -R -l "$root/$m" || true; fi
  done
  if [ "${BATCHCALL_TEST_KEEP_ROOT:-0}" = 1 ]; then
    echo "kept the root in $root" >&2
  elif ! grep -q " $root/" /proc/mounts; then
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$root"
tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
# The package test inside (scripts/test) finds the same cached root here.
mkdir -p "$root/var/cache/batchcall-test"
mount --bind "$cache_dir" "$root/var/cache/batchcall-test"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# The network's own trust, as any machine on this network has it: local CA
# certificates (a TLS-inspecting egress proxy, say) join the root's bundle
# when scripts/serve installs ca-certificates, and Node.js is told to use
# that bundle when this machine tells it to.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi
root_env=(HOME=/root TERM=dumb LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
[ -z "${NODE_EXTRA_CA_CERTS:-}" ] || root_env+=("NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS")
in_root() { chroot "$root" env -i "${root_env[@]}" "$@"; }
# shellcheck disable=SC2016 # dpkg-query fields, not shell variables
packages() { in_root dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" {print $2}' | sort; }

# `git clone` of what is committed here (the user has git; the root gets it
# from scripts/serve like every other build dependency).
commit="$(git -C "$repo" rev-parse HEAD)"
git clone -q --no-hardlinks "$repo" "$root/root/batchcall"
git -C "$root/root/batchcall" checkout -q "$commit"
step "cloned $commit into a fresh root ($(packages | wc -l) packages installed)"
[ -z "$(in_root sh -c 'command -v node npm g++ cmake' || true)" ] || fail "the fresh root already has node, npm, g++ or cmake"
packages >"$work/packages.0"

# --- 1. scripts/serve
port=18080
step "1. scripts/serve --listen 127.0.0.1:$port"
t0=$SECONDS
in_root sh -c "cd /root/batchcall && exec scripts/serve --listen 127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
until grep -q '^Demo: ' "$work/serve.log"; do
  if ! kill -0 "$serve_pid" 2>/dev/null; then
    tail -n 40 "$work/serve.log" >&2
    fail "scripts/serve exited before it served"
  fi
  ((SECONDS - t0 < 3600)) || { tail -n 40 "$work/serve.log" >&2; fail "scripts/serve did not serve within an hour"; }
  sleep 1
done
serve_seconds=$((SECONDS - t0))
packages >"$work/packages.1"
comm -13 "$work/packages.0" "$work/packages.1" >"$work/serve-installed"
serve_count="$(wc -l <"$work/serve-installed")"
step "scripts/serve served after $serve_seconds s, having installed $serve_count packages"
health="$(curl -sf "http://127.0.0.1:$port/healthz")" || fail "/healthz did not answer"
step "/healthz: $health"
grep -q "\"commit\":\"${commit:0:12}\"" <<<"$health" || fail "/healthz does not name commit ${commit:0:12}"
version="$(in_root /root/batchcall/build/release/batchcall --version)"
[ "$version" = "batchcall $(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<<"$health") (commit ${commit:0:12})" ] ||
  fail "--version printed '$version'"
grep -E '^(Dashboard|API key|Demo): ' "$work/serve.log" | sed 's/bc_[0-9a-f]*/bc_…/g'
for unwanted in chromium postgresql lintian debootstrap nodejs npm libgtest-dev libbenchmark-dev; do
  if grep -qx "$unwanted" "$work/serve-installed"; then fail "scripts/serve installed $unwanted"; fi
done
if grep -q '^postgresql-[0-9]' "$work/serve-installed"; then fail "scripts/serve installed a PostgreSQL server"; fi

# The demo command exactly as printed, from the directory serve ran in.
demo="$(sed -n 's/^Demo: *//p' "$work/serve.log")"
step "running the printed demo command (real-time simulator, about a minute)"
t0=$SECONDS
in_root timeout 600 sh -c "cd /root/batchcall && $demo" >"$work/demo.log" 2>&1 ||
  { tail -n 30 "$work/demo.log" >&2; fail "the demo command failed"; }
demo_seconds=$((SECONDS - t0))
tail -n 3 "$work/demo.log"
step "the demo batch ran to the end in $demo_seconds s"
kill -TERM "$serve_pid"
wait "$serve_pid" || true
serve_pid=""

test_seconds=0 test_count=0
if ((!serve_only)); then
  # --- 2. scripts/test
  step "2. scripts/test"
  t0=$SECONDS
  rc=0
  in_root sh -c 'cd /root/batchcall && exec scripts/test' >"$work/test.log" 2>&1 || rc=$?
  test_seconds=$((SECONDS - t0))
  packages >"$work/packages.2"
  comm -13 "$work/packages.1" "$work/packages.2" >"$work/test-installed"
  test_count="$(wc -l <"$work/test-installed")"
  grep -E 'tests passed|tests failed|PASS \(' "$work/test.log" || true
  if [ "$rc" -ne 0 ]; then
    grep -E '\*\*\*Failed|\(Failed\)|Timeout' "$work/test.log" | head -n 30 >&2 || true
    tail -n 60 "$work/test.log" >&2
    fail "scripts/test failed (status $rc) after $test_seconds s"
  fi
  step "scripts/test passed in $test_seconds s, having installed $test_count more packages"
fi

{
  echo "fresh Debian 12 check of commit $commit ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo "root: debootstrap --variant=minbase bookworm, $(wc -l <"$work/packages.0") packages"
  echo "scripts/serve: $serve_count packages, $((serve_seconds / 60)) min $((serve_seconds % 60)) s to serving"
  echo "demo command: $demo_seconds s"
  if ((!serve_only)); then
    echo "scripts/test: $test_count more packages, $((test_seconds / 60)) min $((test_seconds % 60)) s, passed"
    echo "node: $(in_root node --version), npm: $(in_root npm --version)"
  fi
  echo "packages scripts/serve installed:"
  tr '\n' ' ' <"$work/serve-installed" | fold -s -w 100
  echo
} | tee "$report"
step "PASS (report in $report)"
