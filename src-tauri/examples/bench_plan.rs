//! Benchmark (not a test): planning the mail messages of a 500-file batch, in process.
//! `cargo run --release -p baosong --no-default-features --example bench_plan`; target < 50 ms.

use std::time::Instant;

use baosong::batch::plan::{OversizeRoute, Packing, PlanFile, PlanInput, plan};

fn main() {
    // 500 works: mostly photos and recitations (1–8 MB), every tenth a 1080p video (~300 MB).
    let files: Vec<PlanFile> = (0..500u64)
        .map(|i| PlanFile {
            path: format!(
                "{:02}-类别/{:03}-某某单位-作者{i}-作品名称第{i}号.mp4",
                i % 4 + 1,
                i + 1
            ),
            size: if i % 10 == 0 {
                300_000_000 + i * 7919
            } else {
                1_000_000 + (i * 104_729) % 7_000_000
            },
            sha256: format!("{i:064x}"),
        })
        .collect();
    let extras = vec![
        ("报送汇总表.xlsx".to_owned(), 60_000),
        ("说明.txt".to_owned(), 3_000),
        ("manifest.json".to_owned(), 400_000),
    ];
    for packing in [Packing::Zip, Packing::Attachments] {
        let mut best = f64::MAX;
        let mut messages = 0;
        for _ in 0..20 {
            let t = Instant::now();
            let p = plan(&PlanInput {
                files: &files,
                first_extras: &extras,
                max_message_bytes: 73_400_320,
                packing,
                separate: &[],
                default_route: OversizeRoute::Split,
                zip_base_name: "金平区总工会-汕头好网民2023",
            })
            .expect("plan");
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
            messages = p.messages.len();
        }
        let verdict = if best < 50.0 {
            "ok"
        } else {
            "SLOWER than target"
        };
        println!(
            "plan 500 files ({packing:?}): {messages} messages, best of 20 {best:.2} ms (target < 50 ms: {verdict})"
        );
    }
}
