// Tells the core when the clerk first sees a screen (first-run setup, the open library's 概览
// with its numbers, or why it cannot start): once the view has what it shows, the next frame
// is painted, and the one after that has begun. The core records how long the launch took (scripts/bench-startup.sh).
import { api } from "./api";

let reported = false;

export function reportFirstScreen() {
  if (reported) return;
  reported = true;
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      // Only a measurement: the window works the same when it cannot be sent.
      api.uiReady().catch(() => undefined);
    }),
  );
}
