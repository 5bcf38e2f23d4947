//! Benchmark (not a test): listing and filtering a catalog of 5,000 entries, each with a file,
//! in a real library on disk — what the window does on every keystroke in the search box.
//! Prints the median of 9 runs per filter in milliseconds. Run by `scripts/bench-filter.sh`.

use std::path::Path;
use std::time::Instant;

use baosong::checks::Verdict;
use baosong::entry::{EntryFields, EntryFilter, EntrySort, ReviewStatus};
use baosong::library::{Actor, Library};
use baosong::office::OfficeInput;

const ENTRIES: usize = 5_000;
const UNITS: [&str; 6] = [
    "金平区总工会",
    "龙湖区总工会",
    "濠江区总工会",
    "澄海区总工会",
    "潮阳区总工会",
    "潮南区总工会",
];
const WORDS: [&str; 8] = [
    "工匠", "劳模", "祖国", "春天", "海风", "青春", "奋斗", "初心",
];

fn build(dir: &Path) -> Library {
    let office = OfficeInput {
        name: "汕头市总工会".into(),
        unit_type: "municipal-direct".into(),
        campaign_id: "shantou-2023".into(),
        ..OfficeInput::default()
    };
    let mut lib = Library::create(dir, &office, Actor::Cli).expect("create");
    // A handful of distinct file contents shared by many works keeps the set-up short; every
    // entry still has its own file row, facts and verdict.
    let files: Vec<_> = (0..16)
        .map(|i| {
            let p = dir.join(format!("work{i}.mp3"));
            std::fs::write(&p, vec![i as u8; 4096]).expect("write");
            p
        })
        .collect();
    for i in 0..ENTRIES {
        let input = EntryFields {
            category: if i % 2 == 0 {
                "recitation"
            } else {
                "micro-video"
            }
            .into(),
            title: format!("{}之歌第{i}号", WORDS[i % WORDS.len()]),
            authors: vec![format!("作者{}", i % 300)],
            unit: UNITS[(i / 2) % UNITS.len()].into(),
            description: format!("{}主题作品，编号{i}", WORDS[(i / 7) % WORDS.len()]),
            ..EntryFields::default()
        };
        lib.add_entry(&input, std::slice::from_ref(&files[i % files.len()]))
            .expect("add");
    }
    lib
}

fn median_ms(lib: &Library, filter: &EntryFilter) -> (f64, usize) {
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..9 {
        let t = Instant::now();
        n = lib.entries(filter, EntrySort::Newest).expect("list").len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], n)
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("baosong-bench-filter"));
    let _ = std::fs::remove_dir_all(&dir);
    let t = Instant::now();
    let lib = build(&dir);
    println!(
        "catalog of {ENTRIES} entries built in {:.1} s at {}",
        t.elapsed().as_secs_f64(),
        dir.display()
    );
    let cases: [(&str, EntryFilter); 5] = [
        ("all entries", EntryFilter::default()),
        (
            "text 工匠 (Chinese substring)",
            EntryFilter {
                text: Some("工匠".into()),
                ..EntryFilter::default()
            },
        ),
        (
            "category + unit",
            EntryFilter {
                category: Some("recitation".into()),
                unit: Some("澄海区总工会".into()),
                ..EntryFilter::default()
            },
        ),
        (
            "verdict 不合格",
            EntryFilter {
                verdict: Some(Verdict::Fail),
                ..EntryFilter::default()
            },
        ),
        (
            "status 待审核 + text 第49",
            EntryFilter {
                status: Some(ReviewStatus::Pending),
                text: Some("第49".into()),
                ..EntryFilter::default()
            },
        ),
    ];
    for (name, filter) in &cases {
        let (ms, n) = median_ms(&lib, filter);
        let verdict = if ms < 100.0 { "ok" } else { "SLOW" };
        println!("  {name:<32} {n:>5} rows  {ms:>7.1} ms  (target < 100 ms: {verdict})");
    }
}
