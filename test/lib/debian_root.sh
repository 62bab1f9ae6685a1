# shellcheck shell=bash
# Sourced by the tests that need a clean Debian 12 (bookworm) root:
# test/package/test_package.sh and test/fresh/fresh_debian.sh.
#
# bookworm_root_tarball sets $tarball to a tar of a fresh
# `debootstrap --variant=minbase bookworm` root with apt's package lists
# already fetched, using the Debian mirror this machine's apt uses
# (/etc/apt/sources.list and /etc/apt/sources.list.d/*.sources, read now;
# BATCHCALL_TEST_MIRROR overrides it). The root is made once per day and
# mirror and cached in $cache_dir (default /var/cache/batchcall-test,
# BATCHCALL_TEST_CACHE); callers unpack a fresh copy each time.
#
# Needs root, debootstrap, python3 and flock. A caller starts with
#   debian_root_prelude "LABEL" "$@"
# which defines step MESSAGE (progress, "[LABEL  12s] ...") and fail MESSAGE
# (exits 1), and runs the script again under sudo when it is not root.
cache_dir="${BATCHCALL_TEST_CACHE:-/var/cache/batchcall-test}"

debian_root_prelude() {
  debian_root_label="$1"
  shift
  t_start=$SECONDS
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then exec sudo -E "$0" "$@"; fi
    fail "needs root (debootstrap, chroot, mount)"
  fi
}
step() { printf '[%s %4ds] %s\n' "$debian_root_label" "$((SECONDS - t_start))" "$*"; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# --- the mirror: "URI SUITE COMPONENTS" lines for this machine's bookworm
# entries (bookworm, bookworm-updates, bookworm-security, ...).
host_sources() {
  python3 - <<'PY'
import glob, re
entries = []
def add(types, uris, suites, comps):
    if "deb" not in types:
        return
    for uri in uris:
        for suite in suites:
            if suite == "bookworm" or suite.startswith("bookworm-") or suite.startswith("bookworm/"):
                entries.append((uri.rstrip("/"), suite, comps or ["main"]))
try:
    for line in open("/etc/apt/sources.list"):
        line = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
        if len(line) >= 3:
            add([line[0]], [line[1]], [line[2]], line[3:])
except FileNotFoundError:
    pass
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for para in re.split(r"\n\s*\n", open(path).read()):
        fields, key = {}, None
        for line in para.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        add(fields.get("types", "").split(), fields.get("uris", "").split(),
            fields.get("suites", "").split(), fields.get("components", "").split())
for uri, suite, comps in entries:
    print(uri, suite, " ".join(comps))
PY
}

bookworm_root_tarball() {
  mapfile -t sources < <(host_sources)
  if [ -n "${BATCHCALL_TEST_MIRROR:-}" ]; then
    mirror="$BATCHCALL_TEST_MIRROR"
    sources=("$mirror bookworm main")
  else
    mirror=""
    for s in "${sources[@]}"; do
      read -r uri suite _ <<<"$s"
      if [ "$suite" = "bookworm" ]; then mirror="$uri" && break; fi
    done
    [ -n "$mirror" ] || fail "no 'bookworm' entry in this machine's apt sources; set BATCHCALL_TEST_MIRROR"
  fi
  step "mirror: $mirror"

  mkdir -p "$cache_dir"
  key="$(date -u +%Y%m%d)-$(printf '%s\n' "${sources[@]}" | sha256sum | cut -c1-12)"
  tarball="$cache_dir/bookworm-minbase-$key.tar"
  exec 9>"$cache_dir/lock"
  flock 9
  if [ -f "$tarball" ]; then
    step "using the cached root $tarball"
  else
    step "creating the Debian 12 root (debootstrap --variant=minbase bookworm $mirror)"
    build_root="$(mktemp -d "$cache_dir/build.XXXXXX")"
    t0=$SECONDS
    if ! debootstrap --variant=minbase bookworm "$build_root/root" "$mirror" >"$build_root/debootstrap.log" 2>&1; then
      tail -n 30 "$build_root/debootstrap.log" >&2
      rm -rf "$build_root"
      fail "debootstrap failed"
    fi
    step "debootstrap took $((SECONDS - t0)) s"
    : >"$build_root/root/etc/apt/sources.list"
    for s in "${sources[@]}"; do
      echo "deb $s" >>"$build_root/root/etc/apt/sources.list"
    done
    cp -L /etc/resolv.conf "$build_root/root/etc/resolv.conf"
    chroot "$build_root/root" apt-get update -q >"$build_root/apt-update.log" 2>&1 ||
      { tail -n 20 "$build_root/apt-update.log" >&2; rm -rf "$build_root"; fail "apt-get update in the root failed"; }
    chroot "$build_root/root" apt-get clean
    tar -C "$build_root/root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$build_root"
    # Older days' roots are stale (package lists); keep only this one.
    find "$cache_dir" -maxdepth 1 -name 'bookworm-minbase-*.tar' ! -name "$(basename "$tarball")" -delete
    step "root cached in $((SECONDS - t0)) s"
  fi
  flock -u 9
}
