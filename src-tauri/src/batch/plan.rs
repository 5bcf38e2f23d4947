//! Cutting a package into mail messages.
//!
//! QQ's SMTP server refuses a message over 70 MiB *as transmitted*, i.e. after base64,
//! line breaks and MIME headers. A refusal comes after minutes of uploading a 300 MB video,
//! so the planner sizes every message exactly (or from above) before anything is sent,
//! and cuts files too big for one message into volumes the recipient can join with the
//! archivers Chinese offices use (7-Zip, 360压缩, Bandizip, WinRAR) or `copy /b`.
//!
//! # Zip layout assumed by [`zip_size`]
//! Archives are written by the `zip` crate (v2+, "zip2") to a seekable file with
//! `CompressionMethod::Stored`, default options otherwise: no encryption, no comments, no
//! extra fields of our own (no extended timestamp), alignment 1, UTF-8 names (flag bit 11,
//! no Info-ZIP Unicode-path extra field), no directory entries, and — because the file is
//! seekable — no data descriptors. `large_file(true)` is set exactly for entries of
//! `size >= 0xFFFF_FFFF`. Per entry:
//! * local header: 30 + name bytes, + 20 (ZIP64 extra: 4 header + 8 + 8 sizes) if large;
//! * data: `size` bytes (stored);
//! * central directory header: 46 + name bytes, + ZIP64 extra of 4 + 8 per field that
//!   overflows: both sizes if large, the local-header offset if `>= 0xFFFF_FFFF`.
//!
//! Then the end-of-central-directory record (22), preceded by the ZIP64 end record (56)
//! and its locator (20) when there are `>= 0xFFFF` entries, the central directory's size
//! or offset is `>= 0xFFFF_FFFF`, or any entry is large. The ZIP64 cases err towards a
//! larger size; the writer must check that the file it wrote has exactly the planned size,
//! because volume offsets are cut from that number. Each zip also holds `manifest.json`,
//! padded with JSON whitespace to exactly [`part_manifest_budget`] bytes so the size is
//! known before the manifest's content is.

use std::collections::HashSet;
use std::fmt;

use crate::naming;

mod planner;
use planner::{MessageDraft, Planner, digits, zip_name};

/// Headers and the text/HTML body of one message (subject, addresses, boundaries, the
/// clerk's cover letter); generous, since a cover letter is short.
pub const MESSAGE_OVERHEAD: u64 = 16 * 1024;

/// Fixed part of one attachment's MIME headers (Content-Type, -Disposition,
/// -Transfer-Encoding, boundary line), without the file name.
pub const ATTACHMENT_HEADER_BASE: u64 = 512;

/// Slack reserved per zip in case the writer differs from [`zip_size`] by a few bytes;
/// it is reserved in the encoded estimate only, never added to a zip's planned size.
pub const ZIP_MARGIN: u64 = 256;

/// Name of the manifest entry inside every zip.
pub const MANIFEST_NAME: &str = "manifest.json";

/// A volume smaller than this means the limit is far too small for mail to make sense.
pub const MIN_VOLUME_BYTES: u64 = 64 * 1024;

/// The largest limit planned with: no mail server takes a message of 4 GiB, and under it no
/// sum of a message's sizes can overflow. A larger limit (the CLI takes any number) is planned
/// as this one, and the plan says so in its `max_message_bytes`.
pub const MAX_LIMIT_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// More volumes than this for one file (one message each) is no way to send it: the clerk
/// raises the limit or sends the file another way. Volumes are then always named `.001`–`.999`.
pub const MAX_VOLUMES: u64 = 999;

/// Bytes reserved for `manifest.json` in a zip of `n_files` works: the batch's header (up
/// to ten categories with Chinese names) and per file its work's title, authors, unit, the
/// special reason and warnings, and the file's path, name, size, facts and SHA-256 — all in
/// UTF-8, three bytes a Chinese character. The part manifest leaves out descriptions and
/// findings (the full `manifest.json` has them), which keeps the worst case inside this.
pub const fn part_manifest_budget(n_files: usize) -> u64 {
    8192 + 4096 * n_files as u64
}

/// Length of the base64 text for `n` bytes.
pub const fn base64_len(n: u64) -> u64 {
    4 * n.div_ceil(3)
}

/// Bytes of a base64 MIME body for `n` raw bytes: lines of 76 characters, each line
/// (the last one too) followed by CRLF.
pub const fn mime_base64_bytes(n: u64) -> u64 {
    let e = base64_len(n);
    e + 2 * e.div_ceil(76)
}

const fn overhead_for_len(name_bytes: u64) -> u64 {
    ATTACHMENT_HEADER_BASE + 3 * name_bytes + 2 * base64_len(name_bytes)
}

/// MIME header bytes of one attachment named `name`:
/// `512 + 3 * L + 2 * 4 * ceil(L / 3)` with `L` = UTF-8 bytes of the name. The name is
/// written three times: once RFC 2231 percent-encoded (`filename*=UTF-8''%E6%...`, at most
/// 3 bytes per byte) and twice RFC 2047 base64 (`name=` and `filename=`, for clients that
/// ignore RFC 2231, such as older Outlook and some QQ web views).
pub const fn attachment_overhead(name: &str) -> u64 {
    overhead_for_len(name.len() as u64)
}

fn encoded_attachment(name_bytes: u64, raw: u64) -> u64 {
    mime_base64_bytes(raw) + overhead_for_len(name_bytes)
}

const ZIP64_LIMIT: u64 = 0xFFFF_FFFF;

/// Exact size of a stored zip with these `(name, size)` entries, in this order, as laid
/// out in the module documentation.
pub fn zip_size(entries: &[(&str, u64)]) -> u64 {
    let mut offset: u64 = 0;
    let mut central: u64 = 0;
    let mut any_large = false;
    for (name, size) in entries {
        let name_len = name.len() as u64;
        let large = *size >= ZIP64_LIMIT;
        any_large |= large;
        let local_extra = if large { 20 } else { 0 };
        let mut central_fields = if large { 2 } else { 0 };
        if offset >= ZIP64_LIMIT {
            central_fields += 1;
        }
        let central_extra = if central_fields > 0 {
            4 + 8 * central_fields
        } else {
            0
        };
        offset += 30 + name_len + local_extra + size;
        central += 46 + name_len + central_extra;
    }
    let zip64 =
        entries.len() >= 0xFFFF || central >= ZIP64_LIMIT || offset >= ZIP64_LIMIT || any_large;
    offset + central + 22 + if zip64 { 56 + 20 } else { 0 }
}

/// One work file of the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFile {
    /// Package path, e.g. "02-微视频/01-金平区-张三-劳动者.mp4".
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// How works travel inside a message.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
pub enum Packing {
    /// Works go into stored zips: one attachment per message, folders kept, checksums
    /// in the manifest. The default, because the municipal office files packages by zip.
    #[default]
    Zip,
    /// Works are plain attachments, for recipients who preview files in the mail client.
    Attachments,
}

/// What to do with a file too big for one message that the clerk did not route.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
pub enum OversizeRoute {
    /// Cut it into volumes spread over consecutive messages: the default, since it needs
    /// nothing but mail.
    #[default]
    Split,
    /// List it for 另行传送 (QQ 超大附件, 网盘, U盘).
    Separate,
}

/// Everything the planner needs; it never touches the disk.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    /// Works in package order; the plan keeps this order.
    pub files: &'a [PlanFile],
    /// Plain attachments of message 1, `(name, size)`, e.g. ("报送汇总表.xlsx", 9000).
    pub first_extras: &'a [(String, u64)],
    /// Limit for one whole encoded message (at most [`MAX_LIMIT_BYTES`] is used).
    pub max_message_bytes: u64,
    pub packing: Packing,
    /// Package paths the clerk routed 另行传送.
    pub separate: &'a [String],
    pub default_route: OversizeRoute,
    /// Zips are named "{base}-第k包-共N包.zip".
    pub zip_base_name: &'a str,
}

/// A batch's mail plan: the messages to send, in order, and the files that travel another way.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct MailPlan {
    pub messages: Vec<Message>,
    pub separate: Vec<SeparateFile>,
    #[ts(type = "number")]
    pub max_message_bytes: u64,
}

/// A file that is not mailed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct SeparateFile {
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: String,
    pub reason: SeparateReason,
}

/// Why a file is not mailed, so the cover letter can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum SeparateReason {
    /// The clerk chose 另行传送 for it.
    Chosen,
    /// Too big for one message and the route for such files is [`OversizeRoute::Separate`].
    TooLarge,
}

/// One mail message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Message {
    /// 1-based.
    pub index: u32,
    pub attachments: Vec<Attachment>,
    /// [`MESSAGE_OVERHEAD`] plus every attachment's `encoded_bytes`; `<= max_message_bytes`.
    #[ts(type = "number")]
    pub encoded_bytes: u64,
}

/// One attachment of a message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Attachment {
    pub name: String,
    /// Bytes of the attachment itself (a zip's exact planned size).
    #[ts(type = "number")]
    pub raw_bytes: u64,
    /// Its share of the message: base64 body, line breaks, headers; for a zip also
    /// [`ZIP_MARGIN`].
    #[ts(type = "number")]
    pub encoded_bytes: u64,
    pub content: Content,
}

/// What an attachment holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Content {
    /// A plain file (extras, or a work in Attachments mode).
    File { path: String },
    /// A self-contained stored (not deflated) zip of these package paths plus its own
    /// "manifest.json".
    Zip { paths: Vec<String> },
    /// Bytes `[offset, offset + len)` of the volume source: a one-file zip (Zip mode:
    /// `source_name` is "{base}-第k包-共N包.zip", holding the one big file and its
    /// manifest) or the raw file (Attachments mode). Named "<source_name>.001", ".002", …
    /// (at least 3 digits, 1-based), which 7-Zip/360压缩/Bandizip/WinRAR open and
    /// `copy /b a.001+a.002 a.zip` joins.
    Volume {
        source_name: String,
        paths: Vec<String>,
        index: u32,
        count: u32,
        #[ts(type = "number")]
        offset: u64,
        #[ts(type = "number")]
        len: u64,
    },
}

/// Why no plan could be made; the message is for the clerk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// Message 1's extras (with the message overhead) alone exceed the limit.
    ExtrasTooLarge { limit: u64, needed: u64 },
    /// A file must be split but the limit leaves less than [`MIN_VOLUME_BYTES`] per volume.
    VolumeTooSmall { limit: u64, needed: u64 },
    /// A file would need more than [`MAX_VOLUMES`] volumes under this limit.
    TooManyVolumes {
        path: String,
        size: u64,
        limit: u64,
        volumes: u64,
    },
}

fn human(bytes: u64) -> String {
    format!(
        "{:.2} MiB（{bytes} 字节）",
        bytes as f64 / (1024.0 * 1024.0)
    )
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::ExtrasTooLarge { limit, needed } => write!(
                f,
                "邮件大小上限 {} 太小：第 1 封邮件仅汇总表等附件编码后就需要 {}，请调高上限。",
                human(*limit),
                human(*needed)
            ),
            PlanError::VolumeTooSmall { limit, needed } => write!(
                f,
                "邮件大小上限 {} 太小：连一个最小分卷（{}）都放不下，上限至少需要 {}。",
                human(*limit),
                human(MIN_VOLUME_BYTES),
                human(*needed)
            ),
            PlanError::TooManyVolumes {
                path,
                size,
                limit,
                volumes,
            } => write!(
                f,
                "作品文件“{path}”有 {}，在邮件大小上限 {} 下要分成 {volumes} 卷、发 {volumes} 封邮件（最多 {MAX_VOLUMES} 卷）：请调高上限，或把这个文件改为另行传送。",
                human(*size),
                human(*limit)
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// Plans the messages for a package: deterministic and greedy in package order.
///
/// Message 1 starts with `first_extras`; works join the current message's zip (or become
/// plain attachments) while the message stays within the limit, else a new message starts.
/// A work that does not fit even an empty message is, unless routed 另行传送, cut into
/// volumes that fill one fresh message each; the last volume's message takes further works.
/// Zips and volume sets are numbered k of N in order.
pub fn plan(input: &PlanInput<'_>) -> Result<MailPlan, PlanError> {
    let input = &PlanInput {
        max_message_bytes: input.max_message_bytes.min(MAX_LIMIT_BYTES),
        ..input.clone()
    };
    let base = naming::safe_component(input.zip_base_name, 120);
    // N is unknown until the end but its digits change names, and names change sizes:
    // plan assuming `width` digits and replan wider in the rare case N outgrows it.
    let mut width = 1usize;
    loop {
        let nines = "9".repeat(width);
        let mut planner = Planner {
            input,
            zip_name_len: zip_name(&base, &nines, &nines).len() as u64,
            messages: Vec::new(),
            current: MessageDraft::default(),
            separate: Vec::new(),
            packages: 0,
            used_names: HashSet::new(),
        };
        planner.run()?;
        let needed = digits(u64::from(planner.packages));
        if needed <= width {
            return Ok(planner.finish(&base));
        }
        width = needed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// A straightforward RFC 4648 encoder, independent of the arithmetic under test.
    fn b64(data: &[u8]) -> String {
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((v >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// MIME body: 76-character lines, each ended by CRLF.
    fn mime_body(data: &[u8]) -> String {
        let text = b64(data);
        let mut out = String::new();
        for line in text.as_bytes().chunks(76) {
            out.push_str(std::str::from_utf8(line).expect("test value"));
            out.push_str("\r\n");
        }
        out
    }

    #[test]
    fn base64_arithmetic_matches_a_real_encoder() {
        let data: Vec<u8> = (0..2_000_003u32).map(|i| (i * 7 + 3) as u8).collect();
        let sizes = (0..=200).chain([56, 57, 58, 1000, 57 * 1000, 57 * 1000 + 1, 2_000_003]);
        for n in sizes {
            let body = mime_body(&data[..n]);
            assert_eq!(b64(&data[..n]).len() as u64, base64_len(n as u64), "n={n}");
            assert_eq!(body.len() as u64, mime_base64_bytes(n as u64), "n={n}");
        }
        assert_eq!(mime_base64_bytes(0), 0);
        assert_eq!(mime_base64_bytes(57), 78);
        assert_eq!(mime_base64_bytes(58), 76 + 2 + 4 + 2);
        // 300 MB video: 400 MB of base64 plus 10,526,316 line breaks.
        assert_eq!(mime_base64_bytes(300_000_000), 400_000_000 + 2 * 5_263_158);
    }

    #[test]
    fn attachment_overhead_formula() {
        let name = "报送汇总表.xlsx";
        assert_eq!(name.len(), 20);
        assert_eq!(attachment_overhead(name), 512 + 60 + 2 * 28);
        // The two encodings it stands for, written out.
        let pct: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
        assert!(pct.len() as u64 <= 3 * name.len() as u64);
        assert_eq!(b64(name.as_bytes()).len(), 28);
        assert_eq!(attachment_overhead(""), 512);
    }

    #[test]
    fn zip_size_known_layouts() {
        // zip2's own tests: an empty archive with comment "ZIP" is 25 bytes = 22 + 3.
        assert_eq!(zip_size(&[]), 22);
        // zip2 `write_symlink_simple`: entry "name" with 6 data bytes is 112 bytes.
        assert_eq!(zip_size(&[("name", 6)]), 30 + 4 + 6 + 46 + 4 + 22);
        assert_eq!(zip_size(&[("name", 6)]), 112);
        // zip2 `write_mimetype_zip`: "mimetype" + 39 bytes stored = 153 bytes.
        assert_eq!(zip_size(&[("mimetype", 39)]), 153);
        // Chinese names count in UTF-8 bytes: "劳动者.mp4" is 13.
        assert_eq!(
            zip_size(&[("劳动者.mp4", 1000), (MANIFEST_NAME, 1724)]),
            (30 + 13 + 1000) + (30 + 13 + 1724) + (46 + 13) + (46 + 13) + 22
        );
        // A large entry: ZIP64 local extra 20, central extra 4 + 16, ZIP64 EOCD 56 + 20.
        let big = 0xFFFF_FFFFu64;
        assert_eq!(
            zip_size(&[("a", big)]),
            (30 + 1 + 20 + big) + (46 + 1 + 20) + 22 + 76
        );
        assert_eq!(
            zip_size(&[("a", big - 1)]),
            (30 + 1 + big - 1) + (46 + 1) + 22 + 76
        );
        // After a 5 GB entry the next local header's offset needs ZIP64 too (4 + 8).
        let five = 5_000_000_000u64;
        assert_eq!(
            zip_size(&[("a", five), ("b", 10)]),
            (30 + 1 + 20 + five) + (30 + 1 + 10) + (46 + 1 + 20) + (46 + 1 + 12) + 22 + 76
        );
    }

    fn file(path: &str, size: u64) -> PlanFile {
        PlanFile {
            path: path.into(),
            size,
            sha256: format!("sha-{path}"),
        }
    }

    fn input<'a>(
        files: &'a [PlanFile],
        extras: &'a [(String, u64)],
        max: u64,
        packing: Packing,
    ) -> PlanInput<'a> {
        PlanInput {
            files,
            first_extras: extras,
            max_message_bytes: max,
            packing,
            separate: &[],
            default_route: OversizeRoute::Split,
            zip_base_name: "金平区总工会-汕头好网民2023",
        }
    }

    const MIB: u64 = 1024 * 1024;

    fn extras() -> Vec<(String, u64)> {
        vec![("报送汇总表.xlsx".into(), 9000), ("说明.txt".into(), 2000)]
    }

    #[test]
    fn small_package_is_one_message_with_one_zip() {
        let files = [
            file("01-诵读/01-甲.mp3", 5 * MIB),
            file("03-摄影/01-乙.jpg", MIB),
        ];
        let ex = extras();
        let p = plan(&input(&files, &ex, 70 * MIB, Packing::Zip)).expect("test value");
        assert_eq!(p.messages.len(), 1);
        let names: Vec<&str> = p.messages[0]
            .attachments
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "报送汇总表.xlsx",
                "说明.txt",
                "金平区总工会-汕头好网民2023-第1包-共1包.zip"
            ]
        );
        let zip = &p.messages[0].attachments[2];
        let entries = [
            ("01-诵读/01-甲.mp3", 5 * MIB),
            ("03-摄影/01-乙.jpg", MIB),
            (MANIFEST_NAME, part_manifest_budget(2)),
        ];
        assert_eq!(zip.raw_bytes, zip_size(&entries));
        assert_eq!(
            zip.encoded_bytes,
            mime_base64_bytes(zip.raw_bytes + ZIP_MARGIN) + attachment_overhead(&zip.name)
        );
    }

    #[test]
    fn video_of_300_mb_is_split_into_full_volumes() {
        let files = [
            file("01-诵读/01-甲.mp3", 5 * MIB),
            file("02-微视频/01-劳动者.mp4", 300_000_000),
            file("03-摄影/01-乙.jpg", MIB),
        ];
        let ex = extras();
        let max = 70 * MIB;
        let p = plan(&input(&files, &ex, max, Packing::Zip)).expect("test value");
        // A 70 MiB message carries ~53.6 MB raw: message 1 holds extras + zip 1,
        // messages 2..7 the six volumes of zip 2, the last also zip 3.
        assert_eq!(p.messages.len(), 7);
        let v1 = &p.messages[1].attachments[0];
        assert_eq!(v1.name, "金平区总工会-汕头好网民2023-第2包-共3包.zip.001");
        assert!(
            p.messages[1].encoded_bytes > max - 100,
            "volume fills the message"
        );
        let last = &p.messages[6];
        assert_eq!(last.attachments.len(), 2);
        assert_eq!(
            last.attachments[1].name,
            "金平区总工会-汕头好网民2023-第3包-共3包.zip"
        );
        let Content::Volume {
            count,
            index,
            offset,
            len,
            ..
        } = &last.attachments[0].content
        else {
            panic!("expected a volume");
        };
        assert_eq!((*index, *count), (6, 6));
        let source = zip_size(&[
            ("02-微视频/01-劳动者.mp4", 300_000_000),
            (MANIFEST_NAME, part_manifest_budget(1)),
        ]);
        assert_eq!(offset + len, source);
        for m in &p.messages {
            assert!(m.encoded_bytes <= max);
        }
    }

    #[test]
    fn attachments_mode_dedupes_names_and_splits_raw_files() {
        let files = [
            file("01-诵读/01-作品.mp4", MIB),
            file("02-微视频/01-作品.mp4", MIB),
            file("02-微视频/02-大.mp4", 100 * MIB),
        ];
        let p = plan(&input(&files, &[], 30 * MIB, Packing::Attachments)).expect("test value");
        let names: Vec<&str> = p
            .messages
            .iter()
            .flat_map(|m| m.attachments.iter().map(|a| a.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                "01-作品.mp4",
                "01-作品 (2).mp4",
                "02-大.mp4.001",
                "02-大.mp4.002",
                "02-大.mp4.003",
                "02-大.mp4.004",
                "02-大.mp4.005"
            ]
        );
    }

    #[test]
    fn separate_routes() {
        let files = [
            file("a/1.mp4", 10 * MIB),
            file("a/2.mp4", 500 * MIB),
            file("a/3.mp4", MIB),
        ];
        let chosen = vec!["a/1.mp4".to_string()];
        let mut inp = input(&files, &[], 70 * MIB, Packing::Zip);
        inp.separate = &chosen;
        inp.default_route = OversizeRoute::Separate;
        let p = plan(&inp).expect("test value");
        let sep: Vec<(&str, SeparateReason)> = p
            .separate
            .iter()
            .map(|s| (s.path.as_str(), s.reason))
            .collect();
        assert_eq!(
            sep,
            [
                ("a/1.mp4", SeparateReason::Chosen),
                ("a/2.mp4", SeparateReason::TooLarge)
            ]
        );
        assert_eq!(p.messages.len(), 1);
        assert_eq!(
            p.messages[0].attachments[0].name,
            "金平区总工会-汕头好网民2023-第1包-共1包.zip"
        );
    }

    #[test]
    fn limits_too_small_are_explained() {
        let ex = extras();
        let err = plan(&input(&[], &ex, 20_000, Packing::Zip)).expect_err("test value");
        assert!(matches!(
            err,
            PlanError::ExtrasTooLarge { limit: 20_000, .. }
        ));
        assert!(err.to_string().contains("邮件大小上限"));
        let files = [file("a/big.mp4", 10 * MIB)];
        let err = plan(&input(&files, &[], 60_000, Packing::Zip)).expect_err("test value");
        let PlanError::VolumeTooSmall { needed, .. } = err else {
            panic!("{err}")
        };
        assert!(needed > MESSAGE_OVERHEAD + MIN_VOLUME_BYTES);
        assert!(err.to_string().contains("最小分卷"));
        // Exactly `needed` is enough.
        assert!(plan(&input(&files, &[], needed, Packing::Zip)).is_ok());
        assert!(
            plan(&input(&[], &[], MESSAGE_OVERHEAD, Packing::Zip))
                .is_ok_and(|p| p.messages.is_empty())
        );
    }

    #[test]
    fn wide_package_numbers_replan() {
        // 150 one-message files: k and N need three digits.
        let files: Vec<PlanFile> = (0..150)
            .map(|i| file(&format!("a/{i}.mp4"), 700_000))
            .collect();
        let p = plan(&input(&files, &[], MIB, Packing::Zip)).expect("test value");
        assert_eq!(p.messages.len(), 150);
        assert_eq!(
            p.messages[149].attachments[0].name,
            "金平区总工会-汕头好网民2023-第150包-共150包.zip"
        );
        assert!(p.messages.iter().all(|m| m.encoded_bytes <= MIB));
    }

    /// Found by `scripts/fuzz.sh plan` (oom-98ec88f4…): a file of terabytes under a limit of
    /// a few MiB asked for billions of volumes, one message each, and the planner ran out of
    /// memory building them. More than [`MAX_VOLUMES`] is now refused with the way out.
    #[test]
    fn a_file_needing_more_than_999_volumes_is_refused_not_planned() {
        let huge = [file("02-微视频/01-劳动者.mp4", i64::MAX as u64)];
        for packing in [Packing::Zip, Packing::Attachments] {
            let e = plan(&input(&huge, &[], 3 * MIB, packing)).expect_err("too many volumes");
            let PlanError::TooManyVolumes { volumes, .. } = &e else {
                panic!("expected TooManyVolumes, got {e:?}");
            };
            assert!(*volumes > MAX_VOLUMES);
            let text = e.to_string();
            assert!(
                text.contains("另行传送") && text.contains("最多 999 卷"),
                "{text}"
            );
        }
        // Routed 另行传送 it is simply set aside.
        let mut inp = input(&huge, &[], 3 * MIB, Packing::Zip);
        inp.default_route = OversizeRoute::Separate;
        let p = plan(&inp).expect("set aside");
        assert!(p.messages.is_empty());
        assert_eq!(p.separate.len(), 1);
        // 999 volumes still plan.
        let cap = 3 * MIB / 2;
        let p = plan(&input(
            &[file("a/b.mp4", 900 * cap)],
            &[],
            3 * MIB,
            Packing::Attachments,
        ))
        .expect("under 999 volumes");
        assert!(p.messages.len() <= 999);
    }

    /// Found by `scripts/fuzz.sh plan` (crash-b038d051…): a work named `作品.mp4.002` and
    /// another `作品.mp4` cut into volumes were both mailed as `作品.mp4.002`, and the
    /// recipient's folder would keep only one of them. Volume names are taken like any
    /// other, whichever file comes first.
    #[test]
    fn a_volume_never_takes_the_name_of_a_work() {
        let all_names = |p: &MailPlan| -> Vec<String> {
            p.messages
                .iter()
                .flat_map(|m| m.attachments.iter().map(|a| a.name.clone()))
                .collect()
        };
        let orders = [
            [file("a/作品.mp4.002", MIB), file("b/作品.mp4", 5 * MIB)],
            [file("b/作品.mp4", 5 * MIB), file("a/作品.mp4.002", MIB)],
        ];
        for files in &orders {
            let p = plan(&input(files, &[], 2 * MIB, Packing::Attachments)).expect("plans");
            let names = all_names(&p);
            let distinct: std::collections::HashSet<String> =
                names.iter().map(|n| n.to_lowercase()).collect();
            assert_eq!(distinct.len(), names.len(), "{names:?}");
            // The work keeps its own name whenever it is free; the volumes make room.
            assert!(
                names.iter().any(|n| n.as_str() == "作品.mp4.002"),
                "{names:?}"
            );
            assert!(names.len() > 3, "the 5 MiB work is cut: {names:?}");
        }
    }

    /// Found by `scripts/fuzz.sh plan` (crash-45c28600…): under a limit near `u64::MAX` two
    /// huge files fitted "within" it and the message's size overflowed. Limits are planned
    /// with at most [`MAX_LIMIT_BYTES`].
    #[test]
    fn a_limit_beyond_4_gib_is_planned_as_4_gib_without_overflow() {
        let files = [
            file("a/1.mp4", i64::MAX as u64),
            file("b/2.mp4", i64::MAX as u64),
            file("c/3.mp4", 3 * MIB),
        ];
        for packing in [Packing::Zip, Packing::Attachments] {
            let mut inp = input(&files, &[], u64::MAX, packing);
            inp.default_route = OversizeRoute::Separate;
            let p = plan(&inp).expect("plans");
            assert_eq!(p.max_message_bytes, MAX_LIMIT_BYTES);
            assert_eq!(p.separate.len(), 2);
            assert_eq!(p.messages.len(), 1);
            assert!(p.messages[0].encoded_bytes <= MAX_LIMIT_BYTES);
            inp.default_route = OversizeRoute::Split;
            assert!(matches!(plan(&inp), Err(PlanError::TooManyVolumes { .. })));
        }
    }

    /// Checks every promise of `plan` for one input.
    fn verify(inp: &PlanInput<'_>, p: &MailPlan) -> Result<(), TestCaseError> {
        let max = inp.max_message_bytes;
        prop_assert_eq!(p.max_message_bytes, max);
        let base = naming::safe_component(inp.zip_base_name, 120);
        let mut mailed: Vec<&str> = Vec::new();
        let mut names = HashSet::new();
        // (source, next index, count, message index, next offset, source size)
        let mut vol: Option<(String, u32, u32, u32, u64, u64)> = None;
        let mut packages: Vec<String> = Vec::new();
        let size_of = |path: &str| inp.files.iter().find(|f| f.path == path).map(|f| f.size);
        for (mi, m) in p.messages.iter().enumerate() {
            prop_assert_eq!(m.index as usize, mi + 1);
            prop_assert!(!m.attachments.is_empty());
            prop_assert!(
                m.encoded_bytes <= max,
                "message {} is {} > {}",
                m.index,
                m.encoded_bytes,
                max
            );
            let sum: u64 = m.attachments.iter().map(|a| a.encoded_bytes).sum();
            prop_assert_eq!(m.encoded_bytes, MESSAGE_OVERHEAD + sum);
            for (ai, a) in m.attachments.iter().enumerate() {
                prop_assert!(
                    names.insert(a.name.to_lowercase()),
                    "duplicate name {}",
                    a.name
                );
                let margin = if matches!(a.content, Content::Zip { .. }) {
                    ZIP_MARGIN
                } else {
                    0
                };
                prop_assert_eq!(
                    a.encoded_bytes,
                    mime_base64_bytes(a.raw_bytes + margin) + attachment_overhead(&a.name)
                );
                if mi == 0 && ai < inp.first_extras.len() {
                    prop_assert_eq!(&a.name, &inp.first_extras[ai].0);
                    prop_assert_eq!(a.raw_bytes, inp.first_extras[ai].1);
                    continue;
                }
                if let Some((_, next, count, _, _, _)) = &vol {
                    prop_assert!(
                        matches!(a.content, Content::Volume { .. }),
                        "volume set {next}/{count} interrupted"
                    );
                }
                match &a.content {
                    Content::File { path } => {
                        prop_assert_eq!(inp.packing, Packing::Attachments);
                        prop_assert_eq!(Some(a.raw_bytes), size_of(path));
                        mailed.push(path);
                    }
                    Content::Zip { paths } => {
                        prop_assert_eq!(inp.packing, Packing::Zip);
                        prop_assert!(!paths.is_empty());
                        let mut entries: Vec<(&str, u64)> = Vec::new();
                        for path in paths {
                            entries.push((path, size_of(path).unwrap_or(u64::MAX)));
                            mailed.push(path);
                        }
                        entries.push((MANIFEST_NAME, part_manifest_budget(paths.len())));
                        prop_assert_eq!(a.raw_bytes, zip_size(&entries));
                        packages.push(a.name.clone());
                    }
                    Content::Volume {
                        source_name,
                        paths,
                        index,
                        count,
                        offset,
                        len,
                    } => {
                        prop_assert_eq!(paths.len(), 1);
                        prop_assert_eq!(a.raw_bytes, *len);
                        prop_assert!(*len > 0);
                        let width = count.to_string().len().max(3);
                        prop_assert_eq!(&a.name, &format!("{source_name}.{index:0width$}"));
                        if *index < *count {
                            prop_assert_eq!(
                                m.attachments.len(),
                                1,
                                "non-last volume shares a message"
                            );
                        }
                        if *index == 1 {
                            prop_assert!(vol.is_none());
                            prop_assert_eq!(ai, 0, "volume 1 must open a fresh message");
                            let fsize = size_of(&paths[0]).unwrap_or(0);
                            let source_size = match inp.packing {
                                Packing::Zip => {
                                    packages.push(source_name.clone());
                                    zip_size(&[
                                        (&paths[0], fsize),
                                        (MANIFEST_NAME, part_manifest_budget(1)),
                                    ])
                                }
                                Packing::Attachments => fsize,
                            };
                            mailed.push(&paths[0]);
                            vol = Some((source_name.clone(), 1, *count, m.index, 0, source_size));
                        } else {
                            prop_assert!(vol.is_some(), "volume {} without volume 1", index);
                        }
                        let Some((src, next, cnt, msg, off, total)) = vol.clone() else {
                            return Err(TestCaseError::fail("no volume set"));
                        };
                        prop_assert_eq!(&src, source_name);
                        prop_assert_eq!(next, *index);
                        prop_assert_eq!(cnt, *count);
                        prop_assert_eq!(msg, m.index);
                        prop_assert_eq!(off, *offset, "gap or overlap");
                        if index == count {
                            prop_assert_eq!(offset + len, total, "volumes do not cover the source");
                            vol = None;
                        } else {
                            vol = Some((src, next + 1, cnt, msg + 1, off + len, total));
                        }
                    }
                }
            }
        }
        prop_assert!(vol.is_none(), "unfinished volume set");
        // Packages are numbered k of N in order.
        let n = packages.len();
        for (k, name) in packages.iter().enumerate() {
            prop_assert_eq!(name, &format!("{base}-第{}包-共{n}包.zip", k + 1));
        }
        // Every file exactly once, in package order.
        let chosen: HashSet<&str> = inp.separate.iter().map(String::as_str).collect();
        let sep: Vec<&str> = p.separate.iter().map(|s| s.path.as_str()).collect();
        let sep_set: HashSet<&str> = sep.iter().copied().collect();
        let expect_sep: Vec<&str> = inp
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| sep_set.contains(p))
            .collect();
        prop_assert_eq!(&sep, &expect_sep);
        let expect_mail: Vec<&str> = inp
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| !sep_set.contains(p))
            .collect();
        prop_assert_eq!(&mailed, &expect_mail);
        for s in &p.separate {
            let want = if chosen.contains(s.path.as_str()) {
                SeparateReason::Chosen
            } else {
                SeparateReason::TooLarge
            };
            prop_assert_eq!(s.reason, want);
            if s.reason == SeparateReason::TooLarge {
                prop_assert_eq!(inp.default_route, OversizeRoute::Separate);
            }
        }
        for c in &chosen {
            prop_assert!(sep_set.contains(c));
        }
        Ok(())
    }

    fn arb_size() -> impl Strategy<Value = u64> {
        prop_oneof![
            4 => 0u64..2_000_000,
            3 => 0u64..30_000_000,
            2 => 0u64..400_000_000,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn prop_plan_keeps_every_promise(
            sizes in prop::collection::vec((arb_size(), any::<bool>()), 0..=60),
            extras in prop::collection::vec(0u64..150_000, 0..3),
            max in 1_000_000u64..100_000_000,
            zip in any::<bool>(),
            split in any::<bool>(),
        ) {
            let files: Vec<PlanFile> = sizes
                .iter()
                .enumerate()
                .map(|(i, (size, _))| file(&format!("{:02}-类别/{:02}-作品.mp4", i % 3, i / 3), *size))
                .collect();
            let separate: Vec<String> = files
                .iter()
                .zip(&sizes)
                .filter(|(_, (_, sep))| *sep)
                .map(|(f, _)| f.path.clone())
                .collect();
            let extras: Vec<(String, u64)> =
                extras.iter().enumerate().map(|(i, s)| (format!("附件{i}.xlsx"), *s)).collect();
            let inp = PlanInput {
                files: &files,
                first_extras: &extras,
                max_message_bytes: max,
                packing: if zip { Packing::Zip } else { Packing::Attachments },
                separate: &separate,
                default_route: if split { OversizeRoute::Split } else { OversizeRoute::Separate },
                zip_base_name: "金平区总工会-汕头好网民2023",
            };
            let p = plan(&inp);
            prop_assert!(p.is_ok(), "{:?}", p.err());
            let p = p.expect("test value");
            verify(&inp, &p)?;
            prop_assert_eq!(&plan(&inp).expect("test value"), &p, "not deterministic");
        }
    }
}
