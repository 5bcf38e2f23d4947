//! Feeds arbitrary bytes to the 报名表 reader as a file of the clerk's: it must refuse or read,
//! never panic, and never allocate past the bounds of `registration/limits.rs`. A sheet it
//! reads is then matched to the default campaign and planned, as the import does.
//!
//!     scripts/fuzz.sh registration 600
//!
//! The content decides the reader (ZIP → xlsx/ods, OLE → xls, else delimited text); the name's
//! extension only matters for text, so it is picked from the input's length.
#![no_main]

use std::sync::OnceLock;

use baosong::campaign::{self, Campaign};
use baosong::registration;
use libfuzzer_sys::fuzz_target;

fn campaign() -> Option<&'static Campaign> {
    static CAMPAIGN: OnceLock<Option<Campaign>> = OnceLock::new();
    CAMPAIGN
        .get_or_init(|| campaign::embedded_by_id("shantou-2023").ok())
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let name = match data.len() % 5 {
        0 => "报名表.csv",
        1 => "报名表.xls",
        2 => "报名表.xlsx",
        3 => "系统导出.tsv",
        _ => "报名表.txt",
    };
    let Ok(sheet) = registration::read_bytes(data, name) else {
        return;
    };
    for column in &sheet.columns {
        let _ = sheet.find_column(&column.header);
        let _ = sheet.find_column(&column.letter);
    }
    if let Some(campaign) = campaign() {
        let plans = registration::plan(&sheet.rows, &sheet.mapping, campaign, None);
        assert!(plans.len() <= sheet.rows.len());
    }
});
