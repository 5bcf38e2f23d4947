#!/usr/bin/env bash
# Installs the .deb as a clerk's computer would and checks it there: a bare Debian 12
# (debootstrap --variant=minbase, from this machine's own apt mirror; cached), the package
# installed with `apt-get install ./baosong_….deb` so that apt pulls every dependency, every
# library resolved (ldd), the menu entry valid (desktop-file-validate), the CLI run (`--version`,
# `init`, `entry add`, `status`), and the window started under Xvfb with a screenshot of its
# first-run screen kept in test-artifacts/install/first-run.png.
#
#   bash scripts/test-install.sh            # builds the package first (scripts/package.sh)
#   SKIP_BUILD=1 bash scripts/test-install.sh   # uses dist/ as it is
#
# Too slow for the README's test command (a release build and a few hundred MB of packages the
# first time); run it on purpose before handing a package over. Needs root (chroot, mounts).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
[ "$(id -u)" -eq 0 ] || { echo "test-install.sh: run as root (it builds a chroot)" >&2; exit 2; }
ensure_packages debootstrap xvfb ffmpeg desktop-file-utils ca-certificates

[ -n "${SKIP_BUILD:-}" ] || bash scripts/package.sh
deb=$(ls -t dist/baosong_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "test-install.sh: no dist/baosong_*_amd64.deb (run scripts/package.sh)" >&2; exit 1; }

# This machine's Debian mirror (deb822 sources or a classic sources.list).
mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

cache=${BAOSONG_INSTALL_CACHE:-/var/cache/baosong-test-install}
base="$cache/bookworm-minbase.tar"
mkdir -p "$cache"
if [ ! -s "$base" ]; then
  say "Making a bare Debian 12 (debootstrap minbase from $mirror; cached in $cache)"
  tmp=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$tmp" "$mirror"
  tar -C "$tmp" -cf "$base.part" . && mv "$base.part" "$base"
  rm -rf --one-file-system "$tmp"
fi

root=$(mktemp -d /tmp/baosong-install.XXXXXX)
xvfb_pid=""
cleanup() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  for m in tmp/.X11-unix dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
  # Never into a mount that is still there: the chroot's /dev and /sys are this machine's own.
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$base"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
security=${mirror%/debian}/debian-security
cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

say "Installing $(basename "$deb") with apt, as a clerk's computer would"
cp "$deb" "$root/tmp/"
# apt downloads as root inside the chroot (its _apt user cannot reach the mounted /tmp).
echo 'APT::Sandbox::User "root";' > "$root/etc/apt/apt.conf.d/99-no-sandbox"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/tmp/$(basename "$deb")" >/dev/null
in_root dpkg -s baosong | grep -E '^(Package|Version|Depends|Recommends):'
# What apt pulled for the clerk: a CJK font (or the menu and the window show boxes) and, as the
# package recommends, GStreamer's H.264 decoder (or 在窗口中查看 cannot play a film).
# The script stops here when either is not installed.
installed() {
  in_root dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' "$@" 2>/dev/null | grep '^ii' ||
    { echo "FAILED: none of $* is installed" >&2; exit 1; }
}
installed gstreamer1.0-libav
installed fonts-noto-cjk fonts-wqy-microhei fonts-wqy-zenhei

say "Every library resolves"
for bin in /usr/bin/baosong /usr/bin/baosong-cli; do
  if in_root ldd "$bin" | grep 'not found'; then
    echo "FAILED: $bin has unresolved libraries" >&2; exit 1
  fi
  echo "$bin: $(in_root ldd "$bin" | wc -l) libraries, all found"
done

say "The menu entry"
desktop="$root/usr/share/applications/baosong.desktop"
desktop-file-validate "$desktop"
grep -E '^(Name|Name\[zh_CN\]|Comment\[zh_CN\]|Categories|Exec|Icon)=' "$desktop"
ls "$root"/usr/share/icons/hicolor/*/apps/baosong.png

say "The CLI"
in_root baosong-cli --version
in_root baosong-cli --library /root/lib init --office 金平区总工会 --unit-type district \
  --contact-name 陈晓 --contact-title 宣教部干事 --contact-phone 0754-88123456
printf 'not really a song' > "$root/root/朗诵.mp3"
in_root baosong-cli --library /root/lib entry add /root/朗诵.mp3 --category recitation \
  --title 我的祖国 --author 张三 --json | grep -q '"title": "我的祖国"'
in_root baosong-cli --library /root/lib status | head -5

say "The window, on a bare system"
display=$(for n in $(seq 90 120); do [ -e "/tmp/.X11-unix/X$n" ] || { echo "$n"; break; }; done)
Xvfb ":$display" -screen 0 1366x768x24 -nolisten tcp -noreset &
xvfb_pid=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
mkdir -p "$root/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
in_root env DISPLAY=":$display" XDG_RUNTIME_DIR=/tmp baosong >"$root/tmp/window.log" 2>&1 &
app=$!
sleep "${WINDOW_WAIT_S:-12}"
mkdir -p test-artifacts/install
ffmpeg -loglevel error -y -f x11grab -video_size 1366x768 -i ":$display" -frames:v 1 \
  test-artifacts/install/first-run.png
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
if grep -qi 'panicked\|error' "$root/tmp/window.log"; then
  echo "The window said:" >&2; cat "$root/tmp/window.log" >&2
fi
say "Installed and started on a bare Debian 12: test-artifacts/install/first-run.png"
