//! Feeds arbitrary bytes to the 报名表 reader as a file of the clerk's: it must refuse or read,
//! never panic, and never allocate past the bounds of `registration/limits.rs`. A sheet it
//! reads is then matched to the default campaign and planned, as the import does.
//!
//!     scripts/fuzz.sh registration 600
//!
//! The content decides the reader (ZIP → xlsx/ods, OLE → xls, else delimited text); the name's
//! extension only matters for text, so it is picked from the input's length.
//!
//! A panic inside calamine is not a crash here: the reader contains it (`catch_unwind`) and
//! says the file is damaged, as the app does — calamine indexes records by the lengths a file
//! states, and no bound check can foresee every one. Such an input must then be refused; a
//! panic anywhere else (our code, or one that escapes) still stops the fuzzer.
#![no_main]

use std::sync::{Once, OnceLock};

use baosong::campaign::{self, Campaign};
use baosong::registration;
use libfuzzer_sys::fuzz_target;

fn campaign() -> Option<&'static Campaign> {
    static CAMPAIGN: OnceLock<Option<Campaign>> = OnceLock::new();
    CAMPAIGN
        .get_or_init(|| campaign::embedded_by_id("shantou-2023").ok())
        .as_ref()
}

/// libFuzzer's hook aborts on every panic, even one caught further up; this one lets a
/// panic raised inside calamine unwind to the reader's `catch_unwind`.
fn contain_calamine_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|at| at.file().contains("/calamine-"));
            if !in_calamine {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    contain_calamine_panics();
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
