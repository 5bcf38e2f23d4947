#!/usr/bin/env bash
# Builds the release app and writes its installers into dist/: a .deb and an .rpm, made by the
# Tauri CLI's own Debian and RPM bundlers (offline; never AppImage, which downloads tools).
#
#   bash scripts/package.sh
#
# The package is `baosong` (the menu shows 作品报送助手), version from Cargo.toml, with both
# `baosong` and `baosong-cli` in /usr/bin. `scripts/test-install.sh` installs it on a bare
# Debian 12 and starts it there.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages "${BUILD_PACKAGES[@]}"
ensure_ui_deps

# The CLI first: the bundlers carry every binary of the package that is built.
say "Building the release CLI"
cargo build --release --locked -p baosong --bin baosong-cli

say "Building the release app and its packages (deb, rpm)"
(cd src-tauri && ../ui/node_modules/.bin/tauri build --bundles deb,rpm -- --locked)

version=$(cargo metadata --no-deps --format-version 1 --manifest-path src-tauri/Cargo.toml |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="baosong"))')
mkdir -p dist
rm -f dist/baosong_*.deb dist/baosong-*.rpm
cp target/release/bundle/deb/baosong_"$version"_*.deb dist/
cp target/release/bundle/rpm/baosong-"$version"-*.rpm dist/

say "Installers"
ls -l dist/
for f in target/release/baosong target/release/baosong-cli; do
  printf '%-28s %s\n' "$f" "$(du -h "$f" | cut -f1)"
done
dpkg-deb --info dist/baosong_"$version"_*.deb | sed -n '/Package:/,$p'
