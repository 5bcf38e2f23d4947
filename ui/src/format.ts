// How the window writes sizes, durations, times and checks a phone number while the clerk
// types: the same rules as the core, not look-alikes. `bindings/samples.ts` holds input →
// output pairs generated from the Rust functions named below, and `npm run test`
// (scripts/check-samples.mjs) checks every one against these. Pure: no Vue, no Tauri.

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** `n / unit` with `digits` decimals, exact halves to even — how Rust's `{:.1}` rounds
 * (0.25 MB → 0.2 MB, where toFixed would say 0.3). Integer arithmetic: sizes below 90 TB. */
function decimal(n: number, unit: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = Math.round(n) * scale;
  let q = Math.floor(scaled / unit);
  const twice = 2 * (scaled - q * unit);
  if (twice > unit || (twice === unit && q % 2 === 1)) q += 1;
  return `${Math.floor(q / scale)}.${String(q % scale).padStart(digits, "0")}`;
}

/** 36.8 MB, 1.50 GB — as the CLI, the cover letter and the 说明 print it (`library::human_size`). */
export function formatSize(bytes: number): string {
  if (bytes >= GIB) return `${decimal(bytes, GIB, 2)} GB`;
  return `${decimal(bytes, MIB, 1)} MB`;
}

/** 4分32秒, 58秒 — whole seconds, as the 汇总表 and the contact sheet print a duration
 * (`batch::summary::duration_text`). The checks' own messages keep fractions where a limit
 * is near; a card or a list does not. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "未知";
  const total = Math.round(seconds);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m > 0 ? `${m}分${String(s).padStart(2, "0")}秒` : `${s}秒`;
}

/** How far a job has got, 0–100, for a progress bar (never past 100, nothing done of nothing). */
export function percentOf(done: number, total: number): number {
  if (total === 0) return 0;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** The campaign's zone: deadlines, the 汇总表 and the sent log are all in Beijing time, and
 * so is the window, whatever the machine's own zone is. */
export const CAMPAIGN_ZONE = "Asia/Shanghai";

const minutes = new Intl.DateTimeFormat("en-US", {
  timeZone: CAMPAIGN_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** An RFC 3339 instant as `2026-06-08 11:59` in the campaign's zone (`batch::local_time`);
 * anything else as it came. */
export function formatTime(rfc3339: string): string {
  // RFC 3339 only, like the core: Date would take far more.
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(rfc3339)) return rfc3339;
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const part = Object.fromEntries(minutes.formatToParts(d).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

/** Same rule as the core's `validate::is_phone`, for instant feedback while typing. */
export function isPhone(raw: string): boolean {
  let s = raw.trim().replace(/ /g, "");
  if (s.startsWith("+86")) s = s.slice(3);
  const plain = s.replace(/-/g, "");
  if (/^1[3-9]\d{9}$/.test(plain)) return true;
  if (/^\d{11}$/.test(plain) && plain.startsWith("1")) return false;
  if (!s.includes("-")) return /^0\d{9,11}$/.test(s);
  return /^0\d{2,3}-\d{7,8}(-\d{1,6})?$/.test(s);
}

/** How the window shows a received file (icon, player) when it knows only the name the
 * district's package gave it — named by its probed kind there. Display only: the city's
 * verdict comes from the core's own probe of the bytes. */
export function kindByName(name: string): "video" | "audio" | "photo" | "other" {
  const ext = name.toLowerCase().split(".").pop() ?? "";
  if (["mp4", "mov", "m4v"].includes(ext)) return "video";
  if (["mp3", "wav", "m4a", "flac", "aac"].includes(ext)) return "audio";
  if (["jpg", "jpeg", "png"].includes(ext)) return "photo";
  return "other";
}
