#!/usr/bin/env bash
# Installs the batchcall Debian package into a clean Debian 12 (bookworm)
# root and checks what an operator gets: the binary, the system user, the
# data directory, the unit, the configuration and the man page; starts
# `batchcall serve` from the installed files as the user batchcall, checks
# /healthz, the data files and a clean exit on SIGTERM; then purges it.
#
#   test/package/test_package.sh [path/to/batchcall_*.deb]
#   test/package/test_package.sh --prepare-root   # only make the cached root
#
# Without an argument it builds the package with scripts/package. Needs root
# (debootstrap, chroot, mount) and the network (the Debian mirror).
#
# The root comes from `debootstrap --variant=minbase bookworm`, using the
# Debian mirror this machine's apt uses (/etc/apt/sources.list and
# /etc/apt/sources.list.d/*.sources, read now; BATCHCALL_TEST_MIRROR
# overrides it). The finished root is cached as a tarball in
# /var/cache/batchcall-test/ (BATCHCALL_TEST_CACHE), one per day and mirror;
# every run unpacks a fresh copy, so the package always meets a clean root.
# BATCHCALL_TEST_KEEP_ROOT=1 keeps the unpacked root for inspection.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/debian_root.sh
. "$repo/test/lib/debian_root.sh"
debian_root_prelude "package test" "$@"
for tool in debootstrap chroot curl python3 flock; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-deps installs it)"
done
# --prepare-root makes (or finds) the cached root and stops: scripts/test runs
# it in the background during the build, as it is bound by the network.
if [ "${1:-}" = --prepare-root ]; then
  bookworm_root_tarball
  exit 0
fi

# --- the package
if [ $# -ge 1 ]; then
  deb="$(realpath "$1")"
else
  step "building the package (scripts/package)"
  t0=$SECONDS
  deb="$("$repo/scripts/package" | tail -n 1)"
  step "package built in $((SECONDS - t0)) s: $deb"
fi
[ -f "$deb" ] || fail "no package at $deb"
deb_name="$(basename "$deb")"

# --- the cached Debian 12 root (test/lib/debian_root.sh): sets $tarball
bookworm_root_tarball

# --- a fresh copy of the root, cleaned up on exit
work="$(mktemp -d /var/tmp/batchcall-package-test.XXXXXX)"
root="$work/root"
server_pid=""
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  # Stray processes of the root (none expected) hold it busy; end them.
  for p in /proc/[0-9]*; do
    if [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ]; then kill -KILL "${p#/proc/}" 2>/dev/null || true; fi
  done
  if mountpoint -q "$root/proc" 2>/dev/null; then umount -l "$root/proc" || true; fi
  if [ "${BATCHCALL_TEST_KEEP_ROOT:-0}" = 1 ]; then
    echo "kept the root in $root" >&2
  elif ! mountpoint -q "$root/proc" 2>/dev/null; then
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$root"
tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" "$@"; }

# --- install
step "installing $deb_name into the clean root"
cp "$deb" "$root/tmp/$deb_name"
t0=$SECONDS
if ! in_root sh -c "cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ./$deb_name" \
  >"$work/install.log" 2>&1; then
  tail -n 40 "$work/install.log" >&2
  fail "apt-get install ./$deb_name failed"
fi
step "installed in $((SECONDS - t0)) s"

# --- installed files, user, directories
[ -x "$root/usr/bin/batchcall" ] || fail "/usr/bin/batchcall missing"
passwd_line="$(in_root getent passwd batchcall)" || fail "no user batchcall"
IFS=: read -r _ _ uid _ _ home shell <<<"$passwd_line"
[ "$uid" -lt 1000 ] || fail "batchcall is not a system user (uid $uid)"
[ "$home" = /var/lib/batchcall ] || fail "batchcall's home is $home"
[ "$shell" = /usr/sbin/nologin ] || fail "batchcall's shell is $shell"
in_root getent group batchcall >/dev/null || fail "no group batchcall"
stat_in_root() { in_root stat -c '%U:%G %a' "$1"; }
[ "$(stat_in_root /var/lib/batchcall)" = "batchcall:batchcall 750" ] ||
  fail "/var/lib/batchcall is $(stat_in_root /var/lib/batchcall), want batchcall:batchcall 750"
[ "$(stat_in_root /etc/batchcall/batchcall.toml)" = "root:batchcall 640" ] ||
  fail "/etc/batchcall/batchcall.toml is $(stat_in_root /etc/batchcall/batchcall.toml), want root:batchcall 640"
# shellcheck disable=SC2016 # ${Conffiles} is dpkg-query's field, not a shell variable
in_root dpkg-query -W -f='${Conffiles}\n' batchcall | grep -q '^ /etc/batchcall/batchcall.toml ' ||
  fail "/etc/batchcall/batchcall.toml is not a conffile"
unit=/lib/systemd/system/batchcall.service
[ -f "$root$unit" ] || fail "$unit missing"
grep -q '^ExecStart=/usr/bin/batchcall serve --config /etc/batchcall/batchcall.toml$' "$root$unit" ||
  fail "$unit does not run the installed configuration"
# deb-systemd-helper enables the unit even without a running systemd.
[ -L "$root/etc/systemd/system/multi-user.target.wants/batchcall.service" ] ||
  fail "the unit was not enabled (multi-user.target.wants)"
for f in README.md copyright changelog.Debian.gz; do
  [ -f "$root/usr/share/doc/batchcall/$f" ] || fail "/usr/share/doc/batchcall/$f missing"
done
man_gz=/usr/share/man/man1/batchcall.1.gz
{ [ -f "$root$man_gz" ] && gzip -t "$root$man_gz"; } || fail "$man_gz missing or not gzip"
if in_root sh -c 'command -v man' >/dev/null; then
  [ "$(in_root man -w batchcall)" = "$man_gz" ] || fail "man -w batchcall does not find $man_gz"
fi
step "files, user, directories and modes as expected"

if command -v systemd-analyze >/dev/null; then
  # Verified on this machine (the minimal root has no systemd), with ExecStart
  # pointing at the root's binary; any message (an unknown key is only a
  # warning to systemd) fails the test.
  mkdir "$work/unit"
  sed "s#^ExecStart=/usr/bin/batchcall #ExecStart=$root/usr/bin/batchcall #" "$root$unit" >"$work/unit/batchcall.service"
  if ! systemd-analyze verify --man=no "$work/unit/batchcall.service" >"$work/verify.log" 2>&1 || [ -s "$work/verify.log" ]; then
    cat "$work/verify.log" >&2
    fail "systemd-analyze verify $unit"
  fi
  step "systemd-analyze verify: clean"
fi

# --- every subcommand the man page documents is in --help, and the reverse
help_subcommands() { # the "Subcommands:" block of a --help text
  awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^[^ ]/ {on = 0}'
}
man_text="$(zcat "$root$man_gz")"
top_from_man="$(sed -n 's/^\.SS batchcall \([a-z-]*\).*/\1/p' <<<"$man_text" | sort -u)"
top_from_help="$(in_root /usr/bin/batchcall --help | help_subcommands | sort -u)"
words() { tr '\n' ' ' <<<"$1"; }
for c in serve validate keys config; do
  grep -qx "$c" <<<"$top_from_help" || fail "batchcall --help does not list '$c'"
done
[ "$top_from_man" = "$top_from_help" ] ||
  fail "subcommands differ: man page [$(words "$top_from_man")] vs --help [$(words "$top_from_help")]"
while read -r parent child; do
  in_root /usr/bin/batchcall "$parent" --help | help_subcommands | grep -qx "$child" ||
    fail "batchcall $parent --help does not list '$child'"
done < <(sed -n 's/^\.SS batchcall \([a-z-]*\) \([a-z-]*\)$/\1 \2/p' <<<"$man_text")
step "--help lists every subcommand: $(words "$top_from_help")"

# The shipped configuration is valid, read as the service's user.
in_root runuser -u batchcall -- /usr/bin/batchcall config check /etc/batchcall/batchcall.toml >"$work/config.log" 2>&1 ||
  { cat "$work/config.log" >&2; fail "batchcall config check /etc/batchcall/batchcall.toml"; }

# --- run the installed binary as batchcall
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "starting batchcall serve as batchcall on 127.0.0.1:$port"
in_root runuser -u batchcall -- /usr/bin/batchcall serve --config /etc/batchcall/batchcall.toml \
  --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server_pid=$!
t0=$SECONDS
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" 2>/dev/null)" = 200 ]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/serve.log" >&2
    fail "batchcall serve exited before /healthz answered"
  fi
  if ((SECONDS - t0 >= 30)); then
    cat "$work/serve.log" >&2
    fail "/healthz did not answer 200 within 30 s"
  fi
  sleep 0.2
done
step "/healthz answered 200 after $((SECONDS - t0)) s"

[ "$(in_root stat -c '%U:%G' /var/lib/batchcall/batchcall.db)" = "batchcall:batchcall" ] ||
  fail "batchcall.db: $(stat_in_root /var/lib/batchcall/batchcall.db 2>&1), want owner batchcall:batchcall"
for f in secret.key first-api-key; do
  [ "$(stat_in_root "/var/lib/batchcall/$f")" = "batchcall:batchcall 600" ] ||
    fail "/var/lib/batchcall/$f is $(stat_in_root "/var/lib/batchcall/$f" 2>&1), want batchcall:batchcall 600"
done
api_key="$(head -n 1 "$root/var/lib/batchcall/first-api-key")"
[ -n "$api_key" ] || fail "first-api-key is empty"
if grep -qF "$api_key" "$work/serve.log"; then fail "the first API key is in the log"; fi
python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        json.loads(line)
    except ValueError:
        sys.exit("serve.log line %d is not JSON: %r" % (n, line))
' "$work/serve.log" || fail "log_format = \"json\" is not in effect"
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $api_key" "http://127.0.0.1:$port/agents")"
[ "$code" = 200 ] || fail "GET /agents with the key from first-api-key: $code"
# /metrics is an operator endpoint: without metrics_token configured it is off (403), even for a valid key.
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $api_key" "http://127.0.0.1:$port/metrics")"
[ "$code" = 403 ] || fail "GET /metrics with a tenant key and no metrics_token: $code, want 403"
step "database, secret.key and first-api-key created by batchcall; the key works; log lines are JSON"

# SIGTERM to batchcall itself (runuser's child), then runuser must end with its status.
children_of() { cat /proc/"$1"/task/*/children 2>/dev/null || true; }
serve_pid=""
for p in $server_pid $(children_of "$server_pid"); do
  for q in "$p" $(children_of "$p"); do
    if [ "$(readlink "/proc/$q/exe" 2>/dev/null)" = "$root/usr/bin/batchcall" ]; then serve_pid="$q" && break 2; fi
  done
done
[ -n "$serve_pid" ] || fail "could not find the batchcall process under pid $server_pid"
t0=$SECONDS
kill -TERM "$serve_pid"
for _ in $(seq 300); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$server_pid" 2>/dev/null; then
  cat "$work/serve.log" >&2
  fail "batchcall did not exit within 30 s of SIGTERM"
fi
rc=0
wait "$server_pid" || rc=$?
server_pid=""
[ "$rc" -eq 0 ] || { cat "$work/serve.log" >&2; fail "batchcall exited with status $rc after SIGTERM"; }
step "SIGTERM: clean exit (status 0) in $((SECONDS - t0)) s"

# --- lintian (when installed): errors fail the test, warnings are shown
if command -v lintian >/dev/null; then
  lintian_out="$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges" || true)"
  [ -z "$lintian_out" ] || printf '%s\n' "$lintian_out"
  if grep -q '^E:' <<<"$lintian_out"; then fail "lintian reports errors"; fi
  step "lintian: no errors"
fi

# --- reinstall over itself (the upgrade path: postinst configure <old version>)
in_root dpkg -i "/tmp/$deb_name" >"$work/reinstall.log" 2>&1 || { cat "$work/reinstall.log" >&2; fail "dpkg -i over the installed package"; }
[ -f "$root/var/lib/batchcall/batchcall.db" ] || fail "the database vanished on reinstall"
[ "$(stat_in_root /var/lib/batchcall)" = "batchcall:batchcall 750" ] || fail "reinstall changed /var/lib/batchcall"
[ "$(stat_in_root /etc/batchcall/batchcall.toml)" = "root:batchcall 640" ] || fail "reinstall changed the configuration's mode"
step "reinstall (upgrade path) keeps the data and modes"

# --- remove keeps the configuration and the data
in_root dpkg --remove batchcall >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg --remove batchcall"; }
[ ! -e "$root/usr/bin/batchcall" ] || fail "/usr/bin/batchcall is still there after remove"
for p in /etc/batchcall/batchcall.toml /var/lib/batchcall/batchcall.db /var/lib/batchcall/secret.key; do
  [ -e "$root$p" ] || fail "$p was deleted by remove (only purge may)"
done
step "dpkg --remove kept the configuration and the data"

# --- purge
in_root dpkg --purge batchcall >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge batchcall"; }
for p in /usr/bin/batchcall /etc/batchcall/batchcall.toml "$unit" /var/lib/batchcall \
  /etc/systemd/system/multi-user.target.wants/batchcall.service; do
  if [ -e "$root$p" ] || [ -L "$root$p" ]; then fail "$p is still there after purge"; fi
done
step "dpkg --purge removed the files and the data directory"

step "PASS ($((SECONDS - t_start)) s in all)"
