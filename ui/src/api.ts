// Typed calls into the Rust core. The shapes come from `bindings/`, generated from the Rust
// types (ts-rs); a Rust test fails when they are stale, so these signatures cannot drift.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ApiError } from "./bindings/ApiError";
import type { Campaign } from "./bindings/Campaign";
import type { Entry } from "./bindings/Entry";
import type { EntryFilter } from "./bindings/EntryFilter";
import type { EntryInput } from "./bindings/EntryInput";
import type { LibraryInfo } from "./bindings/LibraryInfo";
import type { OfficeInput } from "./bindings/OfficeInput";
import type { PathCheck } from "./bindings/PathCheck";
import type { Verdict } from "./bindings/Verdict";
import type { RecentLibrary } from "./bindings/RecentLibrary";
import type { Review } from "./bindings/Review";
import type { ReviewStatus } from "./bindings/ReviewStatus";
import type { Startup } from "./bindings/Startup";
import type { Dashboard } from "./bindings/Dashboard";
import type { BulkChange } from "./bindings/BulkChange";
import type { ThumbInfo } from "./bindings/ThumbInfo";
import type { SheetImport } from "./bindings/SheetImport";
import type { SheetImportOptions } from "./bindings/SheetImportOptions";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ImportProgress } from "./bindings/ImportProgress";
import type { ImportReport } from "./bindings/ImportReport";
import type { Batch } from "./bindings/Batch";
import type { BatchCreated } from "./bindings/BatchCreated";
import type { BatchPlan } from "./bindings/BatchPlan";
import type { BatchRequest } from "./bindings/BatchRequest";
import type { BatchSummary } from "./bindings/BatchSummary";
import type { Draft } from "./bindings/Draft";
import type { ExportReport } from "./bindings/ExportReport";
import type { PlanOptions } from "./bindings/PlanOptions";
import type { Progress } from "./bindings/Progress";
import type { AccountInput } from "./bindings/AccountInput";
import type { AccountView } from "./bindings/AccountView";
import type { FlushReport } from "./bindings/FlushReport";
import type { OutboxMessage } from "./bindings/OutboxMessage";
import type { OutboxHold } from "./bindings/OutboxHold";
import type { BackupInfo } from "./bindings/BackupInfo";
import type { RestoreReport } from "./bindings/RestoreReport";
import type { UnlistedFile } from "./bindings/UnlistedFile";
import type { DoctorReport } from "./bindings/DoctorReport";
import type { ImportItem } from "./bindings/ImportItem";
import type { Resolution } from "./bindings/Resolution";
import type { SendProgress } from "./bindings/SendProgress";
import type { SendReport } from "./bindings/SendReport";
import type { PrintRequest } from "./bindings/PrintRequest";
import type { PrintReport } from "./bindings/PrintReport";
import type { PrintPreview } from "./bindings/PrintPreview";

export type { ImportOptions, ImportProgress, ImportReport, SheetImport, SheetImportOptions };
export type { BackupInfo, DoctorReport, RestoreReport, UnlistedFile };
export type { AccountInput, AccountView, FlushReport, OutboxHold, OutboxMessage, Resolution, SendProgress, SendReport };
export type { PrintPreview, PrintReport, PrintRequest };
export type { Batch, BatchCreated, BatchPlan, BatchRequest, BatchSummary, Draft, ExportReport, PlanOptions, Progress };

let lastJob = 0;
/** A fresh id for a long job, chosen before it starts so 取消 works from its first moment. */
export function newJobId(): number {
  lastJob = Math.max(lastJob + 1, Date.now());
  return lastJob;
}
export type { ApiError, Campaign, Dashboard, Entry, EntryFilter, EntryInput, LibraryInfo, OfficeInput, PathCheck, RecentLibrary, Review, ReviewStatus, Startup, Verdict };

/** Whatever a command rejects with, as an ApiError (the core always sends one). */
export function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const a = e as ApiError;
    return { code: a.code, message: a.message, fields: a.fields ?? [] };
  }
  return { code: "app.unknown", message: `操作未完成：${String(e)}`, fields: [] };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asApiError(e);
  }
}

export const api = {
  startup: () => call<Startup>("startup"),
  pickFolder: (title: string) => call<string | null>("pick_folder", { title }),
  pickFiles: () => call<string[]>("pick_files"),
  createLibrary: (path: string, office: OfficeInput) =>
    call<LibraryInfo>("create_library", { path, office }),
  openLibrary: (path: string) => call<LibraryInfo>("open_library", { path }),
  closeLibrary: () => call<void>("close_library"),
  forgetRecent: (path: string) => call<RecentLibrary[]>("forget_recent", { path }),
  campaign: () => call<Campaign>("campaign"),
  campaignById: (id: string) => call<Campaign>("campaign_by_id", { id }),
  updateOffice: (office: OfficeInput) => call<LibraryInfo>("update_office", { office }),
  listEntries: (filter: EntryFilter) => call<Entry[]>("list_entries", { filter }),
  getEntry: (id: number) => call<Entry>("get_entry", { id }),
  addEntry: (input: EntryInput, files: string[]) => call<Entry>("add_entry", { input, files }),
  updateEntry: (id: number, input: EntryInput) => call<Entry>("update_entry", { id, input }),
  attachFiles: (id: number, files: string[]) => call<Entry>("attach_files", { id, files }),
  /** The drawer's save: data, new files and (if changed) the review, in one transaction. */
  saveEntry: (id: number, input: EntryInput, files: string[], review: Review | null) =>
    call<Entry>("save_entry", { id, input, files, review }),
  deleteEntry: (id: number) => call<void>("delete_entry", { id }),
  restoreEntry: (id: number) => call<Entry>("restore_entry", { id }),
  setReview: (id: number, review: Review) => call<Entry>("set_review", { id, review }),
  checkFiles: (category: string | null, files: string[]) =>
    call<PathCheck[]>("check_files", { category, files }),
  dashboard: () => call<Dashboard>("dashboard"),
  /** Imports files and folders; `onProgress` hears how far it has got. */
  importFiles: (job: number, paths: string[], options: ImportOptions, onProgress: (p: ImportProgress) => void) => {
    const channel = new Channel<ImportProgress>();
    channel.onmessage = onProgress;
    return call<ImportReport>("import_files", { job, files: paths, options, onProgress: channel });
  },
  /** Asks a running (or about to start) import or export to stop. */
  cancelJob: (job: number) => call<void>("cancel_job", { job }),
  bulkUpdate: (ids: number[], change: BulkChange) => call<number>("bulk_update", { ids, change }),
  thumbnail: (fileId: number) => call<ThumbInfo>("thumbnail", { fileId }),
  mediaPath: (fileId: number) => call<string>("media_path", { fileId }),
  openFile: (fileId: number) => call<void>("open_file", { fileId }),
  exportXlsx: (filter: EntryFilter) => call<number | null>("export_xlsx", { filter }),
  pickSheet: () => call<string | null>("pick_sheet"),
  importSheet: (path: string, options: SheetImportOptions) => call<SheetImport>("import_sheet", { path, options }),
  switchCampaign: (campaignId: string, unitType: string | null) =>
    call<LibraryInfo>("switch_campaign", { campaignId, unitType }),
  /** Marks a deadline 已报送 on `doneOn` (YYYY-MM-DD), or clears the mark with null. */
  markDeadline: (deadlineId: string, doneOn: string | null) =>
    call<Dashboard>("mark_deadline", { deadlineId, doneOn }),
  batchDraft: (request: BatchRequest) => call<Draft>("batch_draft", { request }),
  createBatch: (request: BatchRequest) => call<BatchCreated>("create_batch", { request }),
  listBatches: () => call<BatchSummary[]>("list_batches"),
  getBatch: (id: number) => call<Batch>("get_batch", { id }),
  deleteBatch: (id: number) => call<void>("delete_batch", { id }),
  planBatch: (id: number, options: PlanOptions) => call<BatchPlan>("plan_batch", { id, options }),
  /** Exports a batch into the folder `dest` (a USB stick); `onProgress` hears how far it got. */
  exportBatch: (job: number, id: number, dest: string, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call<ExportReport>("export_batch", { job, id, dest, onProgress: channel });
  },
  accountView: () => call<AccountView>("account_view"),
  /** Saves the sending account; the 授权码 goes in and never comes back out. */
  setAccount: (input: AccountInput, secret: string | null) => call<AccountView>("set_account", { input, secret }),
  testAccount: () => call<AccountView>("test_account"),
  sendBatch: (job: number, id: number, onProgress: (p: SendProgress) => void) => {
    const channel = new Channel<SendProgress>();
    channel.onmessage = onProgress;
    return call<SendReport>("send_batch", { job, id, onProgress: channel });
  },
  listOutbox: () => call<OutboxMessage[]>("list_outbox"),
  listBackups: () => call<BackupInfo[]>("list_backups"),
  /** 立即备份, optionally also copied to a second folder (a stick). */
  createBackup: (copyTo: string | null) => call<BackupInfo>("create_backup", { copyTo }),
  restoreBackup: (id: string) => call<RestoreReport>("restore_backup", { id }),
  unlistedFiles: () => call<UnlistedFile[]>("unlisted_files"),
  adoptUnlisted: (paths: string[], category: string) => call<ImportItem[]>("adopt_unlisted", { paths, category }),
  trashUnlisted: (paths: string[]) => call<number>("trash_unlisted", { paths }),
  runDoctor: (full: boolean, repair: boolean) => call<DoctorReport>("run_doctor", { full, repair }),
  /** The backups of a folder whose catalog is missing (nothing is open then). */
  backupsIn: (path: string) => call<BackupInfo[]>("backups_in", { path }),
  restoreMissingCatalog: (path: string, id: string) => call<LibraryInfo>("restore_missing_catalog", { path, id }),
  /** Why the outbox does not send by itself (opened elsewhere, or paused); null when it does. */
  outboxHold: () => call<OutboxHold | null>("outbox_hold"),
  /** 继续发送 (false) or 暂停自动发送 (true). */
  setOutboxPaused: (paused: boolean) => call<OutboxHold | null>("set_outbox_paused", { paused }),
  flushOutbox: (job: number, onProgress: (p: SendProgress) => void) => {
    const channel = new Channel<SendProgress>();
    channel.onmessage = onProgress;
    return call<FlushReport>("flush_outbox", { job, onProgress: channel });
  },
  resolveMessage: (id: number, how: Resolution) => call<OutboxMessage>("resolve_message", { id, how }),
  openMessageFolder: (id: number) => call<void>("open_message_folder", { id }),
  /** 调小后重新计划: the batch's messages planned again under `maxMessageBytes`. */
  replanBatch: (job: number, id: number, maxMessageBytes: number | null) =>
    call<OutboxMessage[]>("replan_batch", { job, id, maxMessageBytes }),
  /** Makes the document into the library's prints/ folder and renders its first page, as a job. */
  preparePrint: (job: number, request: PrintRequest, name: string, width: number, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call<PrintPreview>("prepare_print", { job, request, name, width, onProgress: channel });
  },
  openPrint: (name: string) => call<void>("open_print", { name }),
  /** 另存为 with the system's save dialog; null when the clerk cancels. */
  savePrint: (name: string) => call<PrintReport | null>("save_print", { name }),
};

/** Puts text on the clipboard; false when the system refused. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Older WebKitGTK builds have no async clipboard; the selection-based copy still works.
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

export const reviewStatuses: { value: ReviewStatus; label: string }[] = [
  { value: "pending", label: "待审核" },
  { value: "approved", label: "已通过" },
  { value: "needs-fix", label: "需修改" },
  { value: "excluded", label: "不报送" },
];

export function reviewLabel(s: ReviewStatus): string {
  return reviewStatuses.find((x) => x.value === s)?.label ?? s;
}

export function verdictLabel(v: Verdict): string {
  return { pass: "合格", warn: "有提醒", fail: "不合格" }[v];
}

export function verdictTagType(v: Verdict): "success" | "warning" | "danger" {
  return ({ pass: "success", warn: "warning", fail: "danger" } as const)[v];
}

/** 5分01秒, 59.5秒 — the same wording as the core's checks::format_duration. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "未知";
  const whole = Math.floor(seconds);
  const frac = seconds - whole;
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  const sec = frac >= 0.0005 ? (s + frac).toFixed(3).replace(/\.?0+$/, "") : String(s).padStart(m === 0 ? 1 : 2, "0");
  return m === 0 ? `${sec}秒` : `${m}分${sec}秒`;
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

export function fieldErrors(e: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of e.fields) out[f.field] ??= f.message;
  return out;
}

/** Why a backup was made, as the 备份与恢复 list says it. */
export const backupKindLabels: Record<BackupInfo["kind"], string> = {
  daily: "每日自动",
  manual: "手动",
  "before-migration": "升级前",
  "before-restore": "恢复前",
};

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function formatTime(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}
