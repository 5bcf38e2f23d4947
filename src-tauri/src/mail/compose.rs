//! The words of each message: its subject, its cover letter and its Message-ID. Pure: the
//! same batch and plan give the same text (the Message-ID aside, which is made once and kept).

use sha2::{Digest, Sha256};

use crate::batch::Batch;
use crate::batch::plan::{Content, MailPlan, Message};
use crate::fsx::human_size;

/// `金平区总工会-汕头好网民2023-作品报送（第1封/共3封）` for the first batch; a later one
/// names itself, so the municipal office can tell the batches apart in its inbox:
/// `金平区总工会-汕头好网民2023-作品报送-第2批（补报）（第1封/共1封）`.
pub fn subject(batch: &Batch, index: u32, count: u32) -> String {
    let which = if batch.number > 1 || batch.supplement {
        format!("-{}", batch.label())
    } else {
        String::new()
    };
    format!(
        "{}-{}-作品报送{which}（第{index}封/共{count}封）",
        batch.header.office_name, batch.header.campaign_short_name
    )
}

/// A Message-ID unique to this batch, message and moment, in the sender's domain.
pub fn message_id(batch: &Batch, index: u32, sender: &str) -> String {
    let domain = sender.rsplit_once('@').map_or("baosong.local", |(_, d)| d);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = format!(
        "{}|{}|{}|{index}|{nanos}|{}",
        batch.header.office_name,
        batch.id,
        batch.created_at,
        std::process::id()
    );
    let hash: String = Sha256::digest(seed.as_bytes())
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("<baosong.{}.{index}.{hash}@{domain}>", batch.number)
}

/// The cover letter (plain text): who sends what, what this message holds, how to verify,
/// and whom to call.
pub fn body(batch: &Batch, plan: &MailPlan, message: &Message) -> String {
    let h = &batch.header;
    let count = plan.messages.len();
    let mut out = Vec::new();
    out.push(format!("{}：", h.recipient));
    out.push(String::new());
    out.push(format!(
        "{}报送{}作品{}，共{}件作品、{}个文件（{}），分{}封邮件发送，这是第{}封。",
        h.office_name,
        h.campaign_short_name,
        batch.label(),
        batch.entries.len(),
        batch.files().count(),
        human_size(batch.total_bytes()),
        count,
        message.index
    ));
    out.push(String::new());
    out.push("各类别：".into());
    for c in &h.categories {
        out.push(format!("  {}：{}件", c.name, c.count));
    }
    out.push(String::new());
    out.push("本封附件：".into());
    for a in &message.attachments {
        let what = match &a.content {
            Content::File { .. } => String::new(),
            Content::Zip { paths } => format!("（压缩包，含{}个作品文件）", paths.len()),
            Content::Volume { index, count, .. } => {
                format!("（分卷 {index}/{count}，收齐各卷后用 7-Zip、360压缩 等打开 .001）")
            }
        };
        out.push(format!("  {}  {}{what}", a.name, human_size(a.raw_bytes)));
    }
    if !plan.separate.is_empty() {
        out.push(String::new());
        out.push("以下文件另行传送（QQ 超大附件、网盘或U盘），请按校验值核对：".into());
        for s in &plan.separate {
            out.push(format!(
                "  {}  {}  SHA-256 {}",
                s.path,
                human_size(s.size),
                s.sha256
            ));
        }
    }
    out.push(String::new());
    if message.index == 1 {
        out.push(
            "第1封附有报送汇总表.xlsx（作品名称、作者以此为准）、说明.txt 与 manifest.json。"
                .into(),
        );
    } else {
        out.push("报送汇总表与说明见第1封。".into());
    }
    out.push(
        "每个压缩包内的 manifest.json 列出其中文件的 SHA-256；在 Windows 中可用 certutil -hashfile 文件名 SHA256 核对。"
            .into(),
    );
    out.push(String::new());
    out.push(format!(
        "联系人：{} {} {}",
        h.contact_name, h.contact_title, h.contact_phone
    ));
    out.push(format!("{}（由报送助手生成）", h.office_name));
    let mut text = out.join("\r\n");
    text.push_str("\r\n");
    text
}
