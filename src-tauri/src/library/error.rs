//! `LibraryError`: everything that can go wrong with a library, in Chinese, each with its code
//! and whether the clerk's input is at fault (see `coded::Coded`).

use std::path::PathBuf;

use super::entries;
use crate::campaign::CampaignError;
use crate::validate::{self, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error(
        "“{0}”不是报送助手资料库（文件夹中没有 catalog.sqlite）。请选择正确的文件夹，或在此新建资料库。"
    )]
    NotALibrary(PathBuf),
    #[error("“{0}”中已经有一个资料库，请直接打开它。")]
    AlreadyExists(PathBuf),
    #[error(
        "“{0}”中有作品文件或备份，但找不到目录文件 catalog.sqlite（可能被误删、被杀毒软件隔离或被同步软件改名）。为保护这些作品，不能在此新建资料库。请从备份找回目录（窗口中“备份与恢复”，或 baosong-cli backup list / backup restore），找回 catalog.sqlite 放回此文件夹，或选择另一个空文件夹新建。"
    )]
    StoreWithoutCatalog(PathBuf),
    #[error(
        "{row}中的{source}，未读写任何文件。资料库可能来自他人或已被改动，请运行“资料库体检”。"
    )]
    UnsafePath {
        row: String,
        #[source]
        source: crate::safe_path::UnsafePath,
    },
    #[error("“{0}”不是报送助手的资料库文件，未作任何改动。")]
    Foreign(PathBuf),
    #[error(
        "此资料库由更新版本的报送助手创建（格式第 {found} 版，本软件只支持到第 {supported} 版）。请先升级报送助手；资料库未作任何改动。"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("资料库正被另一个程序（例如命令行工具或另一个窗口）写入，请稍后再试。")]
    Busy,
    #[error("资料库还没有设置本单位信息，请先完成首次设置。")]
    NoOffice,
    #[error("{}", validate::summary(.0))]
    Invalid(Vec<FieldError>),
    #[error("找不到编号为 {0} 的作品，可能已被删除。")]
    NoSuchEntry(i64),
    #[error("找不到这个文件的记录，可能已被删除，请刷新列表。")]
    NoSuchFile(i64),
    #[error("这个文件还没有收到，或收到的内容与报送单位的校验值不符，不能预览。")]
    NotReceived(i64),
    #[error("无法读取文件“{path}”：{reason}")]
    ReadFile { path: PathBuf, reason: String },
    #[error("无法写入“{path}”：{reason}")]
    Write { path: PathBuf, reason: String },
    #[error(
        "资料库数据库出错：{0}。资料库未作改动，请重试；如反复出现，请备份资料库文件夹后联系技术人员。"
    )]
    Sqlite(#[source] rusqlite::Error),
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    #[error("已取消。")]
    Cancelled,
    #[error(transparent)]
    Sheet(#[from] crate::registration::SheetError),
    #[error(
        "磁盘空间不足：这批文件共需 {need}，资料库所在磁盘只剩 {have}。请清理磁盘或把资料库移到更大的磁盘；未复制任何文件。"
    )]
    DiskFull { need: String, have: String },
    #[error("找不到编号为 {0} 的报送批次，可能已被删除。")]
    NoSuchBatch(i64),
    #[error(
        "找不到编号为 {0} 的收件批次。收到的批次编号见“全市”中的作品（命令行：city works --json 的 batch_id）。"
    )]
    NoSuchReceivedBatch(i64),
    #[error("第{0}批已经发送，不能删除（发送记录是报送的凭证）。")]
    BatchSent(u32),
    #[error("报送批次 {0} 的记录已损坏，无法读取。请备份资料库文件夹后联系技术人员。")]
    DamagedBatch(i64),
    #[error(
        "作品 {id} 的{field}数据已损坏，无法读取。为免丢失，此作品暂不能修改（资料库未作改动）；请备份资料库文件夹后联系技术人员。"
    )]
    DamagedEntry { id: i64, field: &'static str },
    #[error(transparent)]
    Draft(#[from] crate::batch::DraftError),
    #[error("找不到编号为 {0} 的邮件，请刷新发件箱。")]
    NoSuchMessage(i64),
    #[error("第{position}封邮件的状态是“{state}”，只有“待确认”的邮件需要确认。")]
    NotUncertain { position: u32, state: &'static str },
    #[error(
        "本批次已有{count}封邮件发出（或可能已发出），不能整批重新计划，以免作品重复发送。未发出的邮件可在发件箱中重试。"
    )]
    AlreadyOut { count: u32 },
    #[error("第{position}封邮件的状态是“{state}”，不能再标记为手工发送。")]
    NotPending { position: u32, state: &'static str },
    #[error("找不到备份“{0}”。请用“备份列表”查看可用的备份。")]
    NoSuchBackup(String),
    #[error("备份“{id}”不能使用：{reason}。资料库未作改动，请选择另一个备份。")]
    BadBackup { id: String, reason: String },
    #[error("“{0}”不是未编目文件（它已登记在资料库中，或不在作品文件库里）。请刷新列表。")]
    NotUnlisted(String),
}

impl crate::coded::Coded for LibraryError {
    fn code(&self) -> &'static str {
        match self {
            LibraryError::NotALibrary(_) => "library.not_a_library",
            LibraryError::AlreadyExists(_) => "library.already_exists",
            LibraryError::StoreWithoutCatalog(_) => "library.store_without_catalog",
            LibraryError::UnsafePath { .. } => "library.unsafe_path",
            LibraryError::Foreign(_) => "library.foreign",
            LibraryError::TooNew { .. } => "library.too_new",
            LibraryError::Busy => "library.busy",
            LibraryError::NoOffice => "library.no_office",
            LibraryError::Invalid(_) => "input.invalid",
            LibraryError::NoSuchEntry(_) => "entry.not_found",
            LibraryError::NoSuchFile(_) => "file.not_found",
            LibraryError::NotReceived(_) => "city.file_not_received",
            LibraryError::ReadFile { .. } => "file.read",
            LibraryError::Write { .. } => "file.write",
            LibraryError::Sqlite(_) => "library.sqlite",
            LibraryError::Campaign(e) => e.code(),
            LibraryError::Cancelled => "cancelled",
            LibraryError::Sheet(e) => e.code(),
            LibraryError::DiskFull { .. } => "disk.full",
            LibraryError::NoSuchBatch(_) => "batch.not_found",
            LibraryError::NoSuchReceivedBatch(_) => "city.batch_not_found",
            LibraryError::BatchSent(_) => "batch.sent",
            LibraryError::DamagedBatch(_) => "batch.damaged",
            LibraryError::DamagedEntry { .. } => "entry.damaged",
            LibraryError::Draft(crate::batch::DraftError::UnknownCategory(_)) => {
                "batch.unknown_category"
            }
            LibraryError::Draft(crate::batch::DraftError::Empty(_)) => "batch.empty",
            LibraryError::NoSuchMessage(_) => "outbox.not_found",
            LibraryError::NotUncertain { .. } => "outbox.not_uncertain",
            LibraryError::AlreadyOut { .. } => "outbox.already_out",
            LibraryError::NotPending { .. } => "outbox.not_pending",
            LibraryError::NoSuchBackup(_) => "backup.not_found",
            LibraryError::BadBackup { .. } => "backup.bad",
            LibraryError::NotUnlisted(_) => "store.not_unlisted",
        }
    }

    fn is_input(&self) -> bool {
        matches!(
            self,
            LibraryError::Invalid(_)
                | LibraryError::NotALibrary(_)
                | LibraryError::AlreadyExists(_)
                | LibraryError::StoreWithoutCatalog(_)
                | LibraryError::UnsafePath { .. }
                | LibraryError::Foreign(_)
                | LibraryError::TooNew { .. }
                | LibraryError::NoSuchEntry(_)
                | LibraryError::NoSuchFile(_)
                | LibraryError::NotReceived(_)
                | LibraryError::ReadFile { .. }
                | LibraryError::Campaign(_)
                | LibraryError::Sheet(_)
                | LibraryError::NoSuchBatch(_)
                | LibraryError::NoSuchReceivedBatch(_)
                | LibraryError::BatchSent(_)
                | LibraryError::Draft(_)
                | LibraryError::NoSuchMessage(_)
                | LibraryError::NotUncertain { .. }
                | LibraryError::NoSuchBackup(_)
                | LibraryError::BadBackup { .. }
                | LibraryError::NotUnlisted(_)
        )
    }

    fn fields(&self) -> Vec<FieldError> {
        match self {
            LibraryError::Invalid(fields) => fields.clone(),
            _ => Vec::new(),
        }
    }
}

impl From<rusqlite::Error> for LibraryError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
        if let rusqlite::Error::FromSqlConversionFailure(_, _, inner) = &e
            && let Some(d) = inner.downcast_ref::<entries::DamagedList>()
        {
            return LibraryError::DamagedEntry {
                id: d.entry,
                field: d.field,
            };
        }
        match e.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => LibraryError::Busy,
            _ => LibraryError::Sqlite(e),
        }
    }
}
