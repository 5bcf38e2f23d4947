#!/usr/bin/env bash
# Benchmark (not a test): how long a clerk waits for the first screen. Starts the release app
# RUNS times (after one discarded warm-up run, so the binary and WebKit are in the page cache)
# under one Xvfb, with a home of its own, in two cases:
#   first run      no library yet: the setup screen
#   open library   a library of WORKS works made with baosong-cli: the 概览 screen
# and prints for each the median and the maximum of
#   first screen   what the app measured: from the start of `main` to the window's report that
#                  its first screen is painted (the `ui_ready` command, written to
#                  BAOSONG_READY_FILE)
#   seen           the same moment measured by this script from the launch (process start-up
#                  and the polling included)
#   window mapped  from the launch until the X server shows the app's window
# Builds nothing: it runs target/release/baosong (or BAOSONG_BIN, e.g. /usr/bin/baosong) and the
# baosong-cli beside it (or BAOSONG_CLI). Build first with `npm --prefix ui run build` and
# `cargo build --release -p baosong --bins` (or scripts/package.sh).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages xvfb x11-utils ffmpeg python3

RUNS=${RUNS:-10}
WORKS=${WORKS:-30}
BIN=$(realpath "${BAOSONG_BIN:-target/release/baosong}")
CLI=$(realpath "${BAOSONG_CLI:-$(dirname "$BIN")/baosong-cli}")
for b in "$BIN" "$CLI"; do
  [ -x "$b" ] || { echo "no $b: build the release app first (see the top of this script)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/bench-startup.XXXXXX)
XVFB_PID=""
cleanup() {
  local status=$?
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null && wait "$XVFB_PID" 2>/dev/null
  # A failed run keeps the app's output (app.log) for whoever looks into it.
  if [ "$status" -eq 0 ]; then rm -rf "$WORK"; else echo "kept $WORK (app.log: the app's output)" >&2; fi
}
trap cleanup EXIT

# One X server for every run; the first free display from :90 on. `-noreset`: without it Xvfb
# resets whenever the last client leaves (between two runs), a launch during the reset cannot
# open the display (“Failed to initialize GTK”), and the window is mapped ~60 ms later.
display=90
while [ -e "/tmp/.X${display}-lock" ] || [ -e "/tmp/.X11-unix/X${display}" ]; do
  display=$((display + 1))
done
Xvfb ":$display" -screen 0 1400x900x24 -nolisten tcp -noreset >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do
  xwininfo -display ":$display" -root >/dev/null 2>&1 && break
  sleep 0.05
done

# Each case has a home of its own (config, data, WebKit's cache), kept across its runs.
home_for() {
  local h="$WORK/home-$1"
  mkdir -p "$h/.config" "$h/.local/share" "$h/.cache"
  echo "$h"
}

say "Making a library of $WORKS works with $(basename "$CLI")"
LIB="$WORK/library"
MEDIA="$WORK/media"
mkdir -p "$MEDIA"
"$CLI" --library "$LIB" init --office 金平区总工会 --unit-type district \
  --contact-name 林小红 --contact-title 宣教部干事 --contact-phone 13800000000 >/dev/null
for i in $(seq "$WORKS"); do
  if [ $((i % 3)) -eq 0 ]; then
    f="$MEDIA/微视频$i.mp4"
    ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=1920x1080:rate=25" \
      -f lavfi -i "sine=frequency=$((300 + i * 7))" -t 1 -c:v libx264 -preset ultrafast \
      -pix_fmt yuv420p -c:a aac -shortest "$f"
    category=micro-video
  else
    f="$MEDIA/诵读$i.m4a"
    ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=$((300 + i * 7))" -t 2 -c:a aac "$f"
    category=recitation
  fi
  "$CLI" --library "$LIB" entry add --category "$category" --title "作品$i" --author "作者$i" \
    --unit 金平区总工会 --phone 13800000000 "$f" >/dev/null
done

say "Timing $RUNS runs each (after one warm-up run), $(basename "$BIN") on :$display"
python3 - "$BIN" ":$display" "$RUNS" "$(home_for first-run)" "$(home_for library)" "$LIB" \
  "$WORK" <<'PY'
import os, statistics, subprocess, sys, time

bin_, display, runs, home_first, home_lib, library, work = sys.argv[1:8]
runs = int(runs)
ready = os.path.join(work, "ready")

def window_mapped():
    """Whether the app's window (by its title) is viewable on the screen."""
    tree = subprocess.run(["xwininfo", "-display", display, "-root", "-tree"],
                          capture_output=True, text=True).stdout
    for line in tree.splitlines():
        if "报送助手" in line:
            wid = line.split()[0]
            info = subprocess.run(["xwininfo", "-display", display, "-id", wid],
                                  capture_output=True, text=True).stdout
            if "IsViewable" in info:
                return True
    return False

def run_once(home, library_dir):
    env = dict(os.environ, DISPLAY=display, HOME=home,
               XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local/share"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"),
               BAOSONG_READY_FILE=ready)
    env.pop("BAOSONG_LIBRARY", None)
    env.pop("WAYLAND_DISPLAY", None)
    if library_dir:
        env["BAOSONG_LIBRARY"] = library_dir
    if os.path.exists(ready):
        os.remove(ready)
    log = open(os.path.join(work, "app.log"), "ab")
    t0 = time.monotonic()
    app = subprocess.Popen([bin_], env=env, stdout=log, stderr=log)
    mapped = None
    try:
        while True:
            now = time.monotonic()
            if now - t0 > 30:
                raise SystemExit(f"no first screen after 30 s; see {work}/app.log")
            if app.poll() is not None:
                raise SystemExit(f"the app exited ({app.returncode}); its output:\n"
                                 + open(os.path.join(work, "app.log")).read()[-3000:])
            if mapped is None and window_mapped():
                mapped = (time.monotonic() - t0) * 1000
            if os.path.exists(ready):
                seen = (time.monotonic() - t0) * 1000
                break
            time.sleep(0.002)
        with open(ready) as f:
            drawn = int(f.read().strip())
        if mapped is None:
            mapped = seen
    finally:
        app.terminate()
        try:
            app.wait(5)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
    return drawn, seen, mapped

cases = [("first run", home_first, None), ("open library", home_lib, library)]
print(f"{'':14}{'first screen (app)':>20}{'seen (script)':>20}{'window mapped':>20}")
print(f"{'ms':14}" + f"{'median':>12}{'max':>8}" * 3)
for name, home, lib in cases:
    run_once(home, lib)  # warm-up, discarded
    results = [run_once(home, lib) for _ in range(runs)]
    print(f"{name:14}" + "".join(f"{statistics.median(c):>12.0f}{max(c):>8.0f}"
                                 for c in zip(*results)))
print(f"({runs} runs each after a warm-up; {os.path.basename(bin_)} "
      f"{os.path.getsize(bin_) / 1e6:.1f} MB)")
PY
