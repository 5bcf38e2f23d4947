// Typed calls into the Rust core. The shapes come from `bindings/`, generated from the Rust
// types (ts-rs), and so do the command names, their argument keys and the event names
// (`bindings/commands.ts`, read from src-tauri/src/app/); a Rust test fails when they are
// stale, so neither these signatures nor a command's name can drift.
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Command, Commands, EventPayloads } from "./bindings/commands";
import { reviewStatusLabels, verdictLabels } from "./bindings/labels";
import type { ApiError } from "./bindings/ApiError";
import type { Campaign } from "./bindings/Campaign";
import type { Entry } from "./bindings/Entry";
import type { EntryFilter } from "./bindings/EntryFilter";
import type { EntryFields } from "./bindings/EntryFields";
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
import type { SheetImport } from "./bindings/SheetImport";
import type { SheetImportOptions } from "./bindings/SheetImportOptions";
import type { ImportOptions } from "./bindings/ImportOptions";
import type { ImportReport } from "./bindings/ImportReport";
import type { Batch } from "./bindings/Batch";
import type { BatchCreated } from "./bindings/BatchCreated";
import type { MailPlanView } from "./bindings/MailPlanView";
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
import type { Resolution } from "./bindings/Resolution";
import type { SendReport } from "./bindings/SendReport";
import type { PrintRequest } from "./bindings/PrintRequest";
import type { PrintReport } from "./bindings/PrintReport";
import type { PrintPreview } from "./bindings/PrintPreview";
import type { ReplyKind } from "./bindings/ReplyKind";

export type { ImportOptions, ImportReport, SheetImport, SheetImportOptions };
export type { BackupInfo, DoctorReport, RestoreReport, UnlistedFile };
export type { AccountInput, AccountView, FlushReport, OutboxHold, OutboxMessage, Resolution, SendReport };
export type { PrintPreview, PrintReport, PrintRequest };
export { formatDuration, formatSize, formatTime, isPhone, kindByName, percentOf } from "./format";
export { backupKindLabels, fileKindLabels, messageStateLabels } from "./bindings/labels";
export { EVENTS } from "./bindings/commands";
export type { Batch, BatchCreated, MailPlanView, BatchRequest, BatchSummary, Draft, ExportReport, PlanOptions, Progress };

let lastJob = 0;
/** A fresh id for a long job, chosen before it starts so 取消 works from its first moment. */
export function newJobId(): number {
  lastJob = Math.max(lastJob + 1, Date.now());
  return lastJob;
}
export type { ApiError, Campaign, Dashboard, Entry, EntryFilter, EntryFields, LibraryInfo, OfficeInput, PathCheck, RecentLibrary, Review, ReviewStatus, Startup, Verdict };

/** Whatever a command rejects with, as an ApiError (the core always sends one). */
export function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const a = e as ApiError;
    return { code: a.code, message: a.message, fields: a.fields ?? [] };
  }
  return { code: "app.unknown", message: `操作未完成：${String(e)}`, fields: [] };
}

/** What command `C` takes: nothing, or its arguments under the keys the webview sends. */
type ArgsOf<C extends Command> = Commands[C]["args"] extends null ? [] : [Commands[C]["args"]];

/** Invokes a command by its name in the generated map: a misspelt name, a wrong argument key
 * or type, or a wrong result type fails the type check, not the clerk's click. */
async function call<C extends Command>(cmd: C, ...args: ArgsOf<C>): Promise<Commands[C]["result"]> {
  try {
    return await invoke<Commands[C]["result"]>(cmd, args[0] ?? undefined);
  } catch (e) {
    throw asApiError(e);
  }
}

/** Listens for one of the core's events (`EVENTS`), with its payload typed by the map. */
export function onEvent<E extends keyof EventPayloads>(event: E, handler: (payload: EventPayloads[E]) => void): Promise<UnlistenFn> {
  return listen<EventPayloads[E]>(event, (e) => handler(e.payload));
}

/** The channel a job's progress arrives on (every job reports the one `Progress`). */
function progressChannel(onProgress: (p: Progress) => void): Channel<Progress> {
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  return channel;
}

export const api = {
  startup: () => call("startup"),
  /** The first screen is drawn (see ready.ts). */
  uiReady: () => call("ui_ready"),
  pickFolder: (title: string) => call("pick_folder", { title }),
  pickFiles: () => call("pick_files"),
  createLibrary: (path: string, office: OfficeInput) =>
    call("create_library", { path, office }),
  openLibrary: (path: string) => call("open_library", { path }),
  closeLibrary: () => call("close_library"),
  forgetRecent: (path: string) => call("forget_recent", { path }),
  campaign: () => call("campaign"),
  campaignById: (id: string) => call("campaign_by_id", { id }),
  updateOffice: (office: OfficeInput) => call("update_office", { office }),
  listEntries: (filter: EntryFilter) => call("list_entries", { filter }),
  getEntry: (id: number) => call("get_entry", { id }),
  addEntry: (input: EntryFields, files: string[]) => call("add_entry", { input, files }),
  updateEntry: (id: number, input: EntryFields) => call("update_entry", { id, input }),
  attachFiles: (id: number, files: string[]) => call("attach_files", { id, files }),
  /** The drawer's save: data, new files and (if changed) the review, in one transaction. */
  saveEntry: (id: number, input: EntryFields, files: string[], review: Review | null) =>
    call("save_entry", { id, input, files, review }),
  deleteEntry: (id: number) => call("delete_entry", { id }),
  restoreEntry: (id: number) => call("restore_entry", { id }),
  setReview: (id: number, review: Review) => call("set_review", { id, review }),
  checkFiles: (category: string | null, files: string[]) =>
    call("check_files", { category, files }),
  dashboard: () => call("dashboard"),
  /** Imports files and folders; `onProgress` hears how far it has got. */
  importFiles: (job: number, paths: string[], options: ImportOptions, onProgress: (p: Progress) => void) =>
    call("import_files", { job, files: paths, options, onProgress: progressChannel(onProgress) }),
  /** Asks a running (or about to start) import or export to stop. */
  cancelJob: (job: number) => call("cancel_job", { job }),
  bulkUpdate: (ids: number[], change: BulkChange) => call("bulk_update", { ids, change }),
  thumbnail: (fileId: number) => call("thumbnail", { fileId }),
  mediaBytes: (fileId: number) => call("media_bytes", { fileId }),
  receivedThumbnail: (fileId: number) => call("received_thumbnail", { fileId }),
  receivedMediaBytes: (fileId: number) => call("received_media_bytes", { fileId }),
  openFile: (fileId: number) => call("open_file", { fileId }),
  exportXlsx: (filter: EntryFilter) => call("export_xlsx", { filter }),
  pickSheet: () => call("pick_sheet"),
  importSheet: (path: string, options: SheetImportOptions) => call("import_sheet", { path, options }),
  switchCampaign: (campaignId: string, unitType: string | null) =>
    call("switch_campaign", { campaignId, unitType }),
  /** Marks a deadline 已报送 on `doneOn` (YYYY-MM-DD), or clears the mark with null. */
  markDeadline: (deadlineId: string, doneOn: string | null) =>
    call("mark_deadline", { deadlineId, doneOn }),
  batchDraft: (request: BatchRequest) => call("batch_draft", { request }),
  createBatch: (request: BatchRequest) => call("create_batch", { request }),
  listBatches: () => call("list_batches"),
  getBatch: (id: number) => call("get_batch", { id }),
  deleteBatch: (id: number) => call("delete_batch", { id }),
  planBatch: (id: number, options: PlanOptions) => call("plan_batch", { id, options }),
  /** Exports a batch into the folder `dest` (a USB stick); `onProgress` hears how far it got. */
  exportBatch: (job: number, id: number, dest: string, onProgress: (p: Progress) => void) =>
    call("export_batch", { job, id, dest, onProgress: progressChannel(onProgress) }),
  accountView: () => call("account_view"),
  /** Saves the sending account; the 授权码 goes in and never comes back out. */
  setAccount: (input: AccountInput, secret: string | null) => call("set_account", { input, secret }),
  testAccount: () => call("test_account"),
  sendBatch: (job: number, id: number, onProgress: (p: Progress) => void) =>
    call("send_batch", { job, id, onProgress: progressChannel(onProgress) }),
  listOutbox: () => call("list_outbox"),
  listBackups: () => call("list_backups"),
  /** 立即备份, optionally also copied to a second folder (a stick). */
  createBackup: (copyTo: string | null) => call("create_backup", { copyTo }),
  restoreBackup: (id: string) => call("restore_backup", { id }),
  unlistedFiles: () => call("unlisted_files"),
  adoptUnlisted: (paths: string[], category: string) => call("adopt_unlisted", { paths, category }),
  trashUnlisted: (paths: string[]) => call("trash_unlisted", { paths }),
  runDoctor: (full: boolean, repair: boolean) => call("run_doctor", { full, repair }),
  /** The backups of a folder whose catalog is missing (nothing is open then). */
  backupsIn: (path: string) => call("backups_in", { path }),
  restoreMissingCatalog: (path: string, id: string) => call("restore_missing_catalog", { path, id }),
  /** Why the outbox does not send by itself (opened elsewhere, or paused); null when it does. */
  outboxHold: () => call("outbox_hold"),
  /** 继续发送 (false) or 暂停自动发送 (true). */
  setOutboxPaused: (paused: boolean) => call("set_outbox_paused", { paused }),
  flushOutbox: (job: number, onProgress: (p: Progress) => void) =>
    call("flush_outbox", { job, onProgress: progressChannel(onProgress) }),
  resolveMessage: (id: number, how: Resolution) => call("resolve_message", { id, how }),
  openMessageFolder: (id: number) => call("open_message_folder", { id }),
  /** 调小后重新计划: the batch's messages planned again under `maxMessageBytes`. */
  replanBatch: (job: number, id: number, maxMessageBytes: number | null) =>
    call("replan_batch", { job, id, maxMessageBytes }),
  /** Makes the document into the library's prints/ folder and renders its first page, as a job. */
  preparePrint: (job: number, request: PrintRequest, name: string, width: number, onProgress: (p: Progress) => void) =>
    call("prepare_print", { job, request, name, width, onProgress: progressChannel(onProgress) }),
  openPrint: (name: string) => call("open_print", { name }),
  /** 另存为 with the system's save dialog; null when the clerk cancels. */
  savePrint: (name: string) => call("save_print", { name }),
  /** 关于: version, build, system, campaign rules, folders. */
  about: () => call("about"),
  /** 导出诊断信息 into the Documents folder (no secret in it); says where. */
  exportDiagnostics: () => call("export_diagnostics"),
  openLogFolder: () => call("open_log_folder"),
  openDiagnosticsFolder: () => call("open_diagnostics_folder"),
  /** 市级收件: a receiving library, the whole city, its works, batches taken in. */
  createCityLibrary: (path: string, office: OfficeInput) => call("create_city_library", { path, office }),
  cityStatus: () => call("city_status"),
  cityWorks: (office: string | null, category: string | null) => call("city_works", { office, category }),
  receiveFolder: (path: string) => call("receive_folder", { path }),
  receiveImap: (job: number, onProgress: (p: Progress) => void) =>
    call("receive_imap", { job, onProgress: progressChannel(onProgress) }),
  /** 导出全市汇总 into a folder, as a job with progress. */
  exportCity: (job: number, dest: string, onProgress: (p: Progress) => void) =>
    call("export_city", { job, dest, onProgress: progressChannel(onProgress) }),
  /** 发送回执 / 发送补正通知: the words and the address first (the confirmation), then queued in
   * the outbox once per received batch version and kind (again: the message already there). */
  cityReplyDraft: (batchId: number, kind: ReplyKind) => call("city_reply_draft", { batchId, kind }),
  cityReply: (batchId: number, kind: ReplyKind, to: string | null) => call("city_reply", { batchId, kind, to }),
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

/** 审核状态 in the order the window offers them, labelled as the core labels them. */
export const reviewStatuses: { value: ReviewStatus; label: string }[] = (
  Object.entries(reviewStatusLabels) as [ReviewStatus, string][]
).map(([value, label]) => ({ value, label }));

export function reviewLabel(s: ReviewStatus): string {
  return reviewStatusLabels[s] ?? s;
}

export function verdictLabel(v: Verdict): string {
  return verdictLabels[v];
}

export function verdictTagType(v: Verdict): "success" | "warning" | "danger" {
  return ({ pass: "success", warn: "warning", fail: "danger" } as const)[v];
}

export function fieldErrors(e: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of e.fields) out[f.field] ??= f.message;
  return out;
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}
