// Generated from the #[tauri::command] functions of src-tauri/src/app/ and its events.rs
// by `cargo test -p baosong --lib bindings` (UPDATE_BINDINGS=1 rewrites it). Do not edit.
import type { Channel } from "@tauri-apps/api/core";
import type { About } from "./About";
import type { AccountInput } from "./AccountInput";
import type { AccountView } from "./AccountView";
import type { BackupInfo } from "./BackupInfo";
import type { Batch } from "./Batch";
import type { BatchCreated } from "./BatchCreated";
import type { BatchRequest } from "./BatchRequest";
import type { BatchSummary } from "./BatchSummary";
import type { BulkChange } from "./BulkChange";
import type { Campaign } from "./Campaign";
import type { CityExport } from "./CityExport";
import type { CityStatus } from "./CityStatus";
import type { Dashboard } from "./Dashboard";
import type { DiagnosticsReport } from "./DiagnosticsReport";
import type { DoctorReport } from "./DoctorReport";
import type { Draft } from "./Draft";
import type { Entry } from "./Entry";
import type { EntryFields } from "./EntryFields";
import type { EntryFilter } from "./EntryFilter";
import type { ExportReport } from "./ExportReport";
import type { FlushReport } from "./FlushReport";
import type { FolderReceived } from "./FolderReceived";
import type { ImportItem } from "./ImportItem";
import type { ImportOptions } from "./ImportOptions";
import type { ImportReport } from "./ImportReport";
import type { LibraryInfo } from "./LibraryInfo";
import type { MailPlanView } from "./MailPlanView";
import type { MailSummary } from "./MailSummary";
import type { OfficeInput } from "./OfficeInput";
import type { OutboxHold } from "./OutboxHold";
import type { OutboxMessage } from "./OutboxMessage";
import type { PathCheck } from "./PathCheck";
import type { PlanOptions } from "./PlanOptions";
import type { PrintPreview } from "./PrintPreview";
import type { PrintReport } from "./PrintReport";
import type { PrintRequest } from "./PrintRequest";
import type { Progress } from "./Progress";
import type { ReceivedWork } from "./ReceivedWork";
import type { RecentLibrary } from "./RecentLibrary";
import type { ReplyDraft } from "./ReplyDraft";
import type { ReplyKind } from "./ReplyKind";
import type { ReplyQueued } from "./ReplyQueued";
import type { Resolution } from "./Resolution";
import type { RestoreReport } from "./RestoreReport";
import type { Review } from "./Review";
import type { SendReport } from "./SendReport";
import type { SheetImport } from "./SheetImport";
import type { SheetImportOptions } from "./SheetImportOptions";
import type { Startup } from "./Startup";
import type { ThumbInfo } from "./ThumbInfo";
import type { UnlistedFile } from "./UnlistedFile";

/**
 * Every command the window may invoke: the arguments under the keys the webview sends,
 * and what the command resolves to. `null` args: the command takes none.
 */
export type Commands = {
  /**
   * 关于: the core's facts and the window's web engine.
   */
  about: { args: null, result: About },
  account_view: { args: null, result: AccountView },
  add_entry: { args: { input: EntryFields, files: Array<string> }, result: Entry },
  /**
   * 重新登记: one entry per unlisted file.
   */
  adopt_unlisted: { args: { paths: Array<string>, category: string }, result: Array<ImportItem> },
  attach_files: { args: { id: number, files: Array<string> }, result: Entry },
  /**
   * The backups of a folder whose catalog is missing (no library is open then).
   */
  backups_in: { args: { path: string }, result: Array<BackupInfo> },
  batch_draft: { args: { request: BatchRequest }, result: Draft },
  bulk_update: { args: { ids: Array<number>, change: BulkChange }, result: number },
  campaign: { args: null, result: Campaign },
  campaign_by_id: { args: { id: string }, result: Campaign },
  /**
   * Asks the job `job` (an import, an export) to stop at its next safe point.
   */
  cancel_job: { args: { job: number }, result: void },
  check_files: { args: { category: string | null, files: Array<string> }, result: Array<PathCheck> },
  /**
   * 发送回执 / 发送补正通知: queued in the outbox once per batch version and kind, to `to` or
   * else the batch's sender; the background sender sends it.
   */
  city_reply: { args: { batchId: number, kind: ReplyKind, to: string | null }, result: ReplyQueued },
  /**
   * 发送回执 / 发送补正通知's confirmation: the words of the answer to received batch
   * `batch_id` and where it goes (or the message already queued).
   */
  city_reply_draft: { args: { batchId: number, kind: ReplyKind }, result: ReplyDraft },
  city_status: { args: null, result: CityStatus },
  city_works: { args: { office: string | null, category: string | null }, result: Array<ReceivedWork> },
  close_library: { args: null, result: void },
  /**
   * 立即备份, optionally also to a second folder (a stick).
   */
  create_backup: { args: { copyTo: string | null }, result: BackupInfo },
  create_batch: { args: { request: BatchRequest }, result: BatchCreated },
  create_city_library: { args: { path: string, office: OfficeInput }, result: LibraryInfo },
  create_library: { args: { path: string, office: OfficeInput }, result: LibraryInfo },
  dashboard: { args: null, result: Dashboard },
  delete_batch: { args: { id: number }, result: void },
  delete_entry: { args: { id: number }, result: void },
  /**
   * Exports batch `id` into the folder `dest` as the job `job`, with progress on `on_progress`.
   */
  export_batch: { args: { job: number, id: number, dest: string, onProgress: Channel<Progress> }, result: ExportReport },
  /**
   * 导出全市汇总: the 全市汇总表 (xlsx and PDF) and a 全市作品小样 per category into the folder
   * `dest`, as the job `job` (the contact sheets may first have to make thumbnails), with
   * progress on `on_progress`; dated by the window's clock.
   */
  export_city: { args: { job: number, dest: string, onProgress: Channel<Progress> }, result: CityExport },
  /**
   * 导出诊断信息: the zip goes to the Documents folder (no dialog to get lost in); the window
   * shows where and offers to open the folder.
   */
  export_diagnostics: { args: null, result: DiagnosticsReport },
  /**
   * Asks where to save the catalog and writes it there as .xlsx; None when the clerk cancels.
   */
  export_xlsx: { args: { filter: EntryFilter }, result: number | null },
  /**
   * 立即重试: sends what is waiting now.
   */
  flush_outbox: { args: { job: number, onProgress: Channel<Progress> }, result: FlushReport },
  forget_recent: { args: { path: string }, result: Array<RecentLibrary> },
  get_batch: { args: { id: number }, result: Batch },
  get_entry: { args: { id: number }, result: Entry },
  /**
   * Imports files and folders, sending progress on `on_progress`. The import is a job with its
   * own connection to the library (so the session, and the window, stay free while it copies)
   * and its own cancel token, under the id `job` the window chose.
   */
  import_files: { args: { job: number, files: Array<string>, options: ImportOptions, onProgress: Channel<Progress> }, result: ImportReport },
  /**
   * Previews (`options.dry_run`) or imports a registration sheet, as a job on its own
   * connection: a preview hashes every matched file, which must not freeze the window.
   */
  import_sheet: { args: { path: string, options: SheetImportOptions }, result: SheetImport },
  list_backups: { args: null, result: Array<BackupInfo> },
  list_batches: { args: null, result: Array<BatchSummary> },
  list_entries: { args: { filter: EntryFilter }, result: Array<Entry> },
  list_outbox: { args: null, result: Array<OutboxMessage> },
  mark_deadline: { args: { deadlineId: string, doneOn: string | null }, result: Dashboard },
  /**
   * A stored work's bytes for the window's player (WebKitGTK cannot play from the asset
   * protocol; the window plays them from memory), up to `PLAY_IN_WINDOW_MAX`.
   */
  media_bytes: { args: { fileId: number }, result: ArrayBuffer },
  /**
   * 打开所在文件夹 after an export: the folder the zips go to.
   */
  open_diagnostics_folder: { args: null, result: void },
  /**
   * Opens a stored file in the system's own player or viewer — only a known media kind, under
   * its kind's extension; anything else is shown in its folder (see `library::Openable`).
   */
  open_file: { args: { fileId: number }, result: void },
  open_library: { args: { path: string }, result: LibraryInfo },
  /**
   * 打开日志文件夹.
   */
  open_log_folder: { args: null, result: void },
  /**
   * 打开附件文件夹: a message's attachments in the file manager, for sending it by hand
   * through webmail where the office network blocks SMTP.
   */
  open_message_folder: { args: { id: number }, result: void },
  /**
   * 打开: the document in the system's PDF viewer, which prints it.
   */
  open_print: { args: { name: string }, result: void },
  /**
   * Why the outbox does not send by itself (a library opened elsewhere, or paused), if so.
   */
  outbox_hold: { args: null, result: OutboxHold | null },
  pick_files: { args: null, result: Array<string> },
  pick_folder: { args: { title: string }, result: string | null },
  pick_sheet: { args: null, result: string | null },
  plan_batch: { args: { id: number, options: PlanOptions }, result: MailPlanView },
  /**
   * Makes a document into the library's `prints/` folder and renders its first page, as a job
   * (a contact sheet may first have to make thumbnails): the window shows the preview, then
   * offers 打开 and 另存为.
   */
  prepare_print: { args: { job: number, request: PrintRequest, name: string, width: number, onProgress: Channel<Progress> }, result: PrintPreview },
  /**
   * 从文件夹收入: one exported package folder (a stick).
   */
  receive_folder: { args: { path: string }, result: FolderReceived },
  /**
   * 收取邮件: the inbox and junk folder over IMAP, read-only, as a job on its own connection
   * (the window stays free), its progress message by message on `on_progress`.
   */
  receive_imap: { args: { job: number, onProgress: Channel<Progress> }, result: MailSummary },
  /**
   * A received file's verified bytes for the window's player.
   */
  received_media_bytes: { args: { fileId: number }, result: ArrayBuffer },
  /**
   * A received file's thumbnail (市级收件), made once like a district's.
   */
  received_thumbnail: { args: { fileId: number }, result: ThumbInfo },
  /**
   * 调小后重新计划: the batch's messages planned again, smaller (after a 552).
   */
  replan_batch: { args: { job: number, id: number, maxMessageBytes: number | null }, result: Array<OutboxMessage> },
  resolve_message: { args: { id: number, how: Resolution }, result: OutboxMessage },
  restore_backup: { args: { id: string }, result: RestoreReport },
  restore_entry: { args: { id: number }, result: Entry },
  /**
   * Puts a backup in place of a missing catalog, then opens the library.
   */
  restore_missing_catalog: { args: { path: string, id: string }, result: LibraryInfo },
  run_doctor: { args: { full: boolean, repair: boolean }, result: DoctorReport },
  /**
   * The entry drawer's save: data, new files and review judged together, one transaction.
   */
  save_entry: { args: { id: number, input: EntryFields, files: Array<string>, review: Review | null }, result: Entry },
  /**
   * 另存为: asks where, then copies the document there; None when the clerk cancels.
   */
  save_print: { args: { name: string }, result: PrintReport | null },
  /**
   * Queues batch `id` and sends it, reporting each message's bytes on `on_progress`.
   */
  send_batch: { args: { job: number, id: number, onProgress: Channel<Progress> }, result: SendReport },
  /**
   * Saves the sending account; `secret` (the 授权码) is write-only: no command returns it.
   */
  set_account: { args: { input: AccountInput, secret: string | null }, result: AccountView },
  /**
   * 继续发送 (`resume`) or 暂停自动发送.
   */
  set_outbox_paused: { args: { paused: boolean }, result: OutboxHold | null },
  set_review: { args: { id: number, review: Review }, result: Entry },
  startup: { args: null, result: Startup },
  switch_campaign: { args: { campaignId: string, unitType: string | null }, result: LibraryInfo },
  /**
   * 测试连接, on its own connection to the library (a slow server must not freeze the window).
   */
  test_account: { args: null, result: AccountView },
  /**
   * A stored file's thumbnail, made (once) outside the session so the list stays responsive.
   */
  thumbnail: { args: { fileId: number }, result: ThumbInfo },
  trash_unlisted: { args: { paths: Array<string> }, result: number },
  /**
   * The window has drawn its first screen (it calls this once, a frame after painting it).
   * Only the first call counts: a reloaded page does not make the launch slower.
   */
  ui_ready: { args: null, result: void },
  unlisted_files: { args: null, result: Array<UnlistedFile> },
  update_entry: { args: { id: number, input: EntryFields }, result: Entry },
  update_office: { args: { office: OfficeInput }, result: LibraryInfo },
};

export type Command = keyof Commands;

/** The events the window hears, by their Rust names. */
export const EVENTS = {
  OUTBOX_PROGRESS: "outbox-progress",
  OUTBOX_CHANGED: "outbox-changed",
} as const;

/** What each event carries. */
export type EventPayloads = {
  "outbox-progress": Progress,
  "outbox-changed": null,
};
