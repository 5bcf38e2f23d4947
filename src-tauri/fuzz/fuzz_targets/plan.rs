//! Derives the message planner's inputs from the fuzz bytes (file sizes and names, the
//! extras of message 1, the limit, packing and route, the clerk's 另行传送 choices) and checks
//! what `batch::plan::plan` promises:
//!
//! * no panic, and the same plan twice for the same input;
//! * every file exactly once: in one message (a file, a zip, or one complete volume set) or
//!   listed as sent another way (chosen by the clerk, or too large with the route 另行传送);
//! * no message over the limit (at most `MAX_LIMIT_BYTES`): the only over-sized files are
//!   the ones the plan states;
//! * each message's size is the sum of its parts, attachment names are distinct;
//! * an error only when the limit is truly too small.
//!
//!     scripts/fuzz.sh plan 600
#![no_main]

use std::collections::HashSet;

use baosong::batch::plan::{
    Content, MANIFEST_NAME, MAX_LIMIT_BYTES, MAX_VOLUMES, MESSAGE_OVERHEAD, MIN_VOLUME_BYTES,
    OversizeRoute, Packing, MailPlan, PlanError, PlanFile, PlanInput, SeparateReason,
    attachment_overhead, mime_base64_bytes, part_manifest_budget, plan, zip_size,
};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const MIB: u64 = 1024 * 1024;

/// Names as clerks' files have them: Chinese, spaces, several dots, none, case twins.
const NAMES: &[&str] = &[
    "作品.mp4",
    "作品.MP4",
    "劳动者之歌.mov",
    "a",
    ".hidden",
    "照片 (2).jpg",
    "报送汇总表.xlsx",
    "x.tar.gz",
    "金平区总工会-汕头好网民2023-第1包-共1包.zip",
    "manifest.json",
];

const EXTRAS: &[&str] = &["报送汇总表.xlsx", "报送汇总表.pdf", "作品.mp4", "说明.txt"];

fn size(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=9)? {
        0..=3 => u.int_in_range(0..=2 * MIB)?,
        4..=6 => u.int_in_range(0..=100 * MIB)?,
        7 | 8 => u.int_in_range(0..=8 * 1024 * MIB)?,
        // Whatever a file system can report.
        _ => u.int_in_range(0..=i64::MAX as u64)?,
    })
}

fn name(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(3u8, 4)? {
        Ok((*u.choose(NAMES)?).to_owned())
    } else {
        let s: String = u.arbitrary()?;
        Ok(s.chars().take(80).collect())
    }
}

struct Input {
    files: Vec<PlanFile>,
    extras: Vec<(String, u64)>,
    max: u64,
    packing: Packing,
    separate: Vec<String>,
    route: OversizeRoute,
    base: String,
}

fn input(u: &mut Unstructured<'_>) -> Result<Input> {
    let max = match u.int_in_range(0u8..=7)? {
        0 => u.arbitrary()?,
        1 => u.int_in_range(0..=MIB)?,
        _ => u.int_in_range(MIB..=100 * MIB)?,
    };
    let packing = if u.arbitrary()? {
        Packing::Zip
    } else {
        Packing::Attachments
    };
    let route = if u.arbitrary()? {
        OversizeRoute::Split
    } else {
        OversizeRoute::Separate
    };
    let base = if u.ratio(1u8, 4)? {
        name(u)?
    } else {
        "金平区总工会-汕头好网民2023".to_owned()
    };
    // Message 1's extras are the app's own documents: distinct names, never a zip or a
    // volume (one may share a work's name, which the work then yields).
    let mut extras = Vec::new();
    for extra in EXTRAS {
        if u.arbitrary()? {
            extras.push(((*extra).to_owned(), u.int_in_range(0..=200_000)?));
        }
    }
    let mut files = Vec::new();
    let mut separate = Vec::new();
    let n = u.int_in_range(0u8..=40)?;
    for i in 0..n {
        // Distinct package paths (the batch names them so); base names may repeat.
        let path = format!("{:02}-类别/{i:02}/{}", i % 3, name(u)?);
        if u.ratio(1u8, 8)? {
            separate.push(path.clone());
        }
        files.push(PlanFile {
            size: size(u)?,
            sha256: format!("{i:064x}"),
            path,
        });
    }
    if u.ratio(1u8, 16)? {
        separate.push("不在包里/作品.mp4".to_owned());
    }
    Ok(Input {
        files,
        extras,
        max,
        packing,
        separate,
        route,
        base,
    })
}

fn check(inp: &PlanInput<'_>, p: &MailPlan) {
    let max = inp.max_message_bytes.min(MAX_LIMIT_BYTES);
    assert_eq!(p.max_message_bytes, max);
    let size_of = |path: &str| {
        inp.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.size)
            .expect("a path of the package")
    };
    let mut mailed: Vec<&str> = Vec::new();
    let mut names = HashSet::new();
    // The open volume set: (source, next index, count, next offset, source size).
    let mut open: Option<(String, u32, u32, u64, u64)> = None;
    for (mi, m) in p.messages.iter().enumerate() {
        assert_eq!(m.index as usize, mi + 1);
        assert!(!m.attachments.is_empty(), "empty message {}", m.index);
        assert!(
            m.encoded_bytes <= max,
            "message {} is {} > {max}",
            m.index,
            m.encoded_bytes
        );
        let sum: u64 = m.attachments.iter().map(|a| a.encoded_bytes).sum();
        assert_eq!(m.encoded_bytes, MESSAGE_OVERHEAD + sum);
        for (ai, a) in m.attachments.iter().enumerate() {
            assert!(
                a.encoded_bytes >= mime_base64_bytes(a.raw_bytes) + attachment_overhead(&a.name)
            );
            if mi == 0 && ai < inp.first_extras.len() {
                assert_eq!(a.name, inp.first_extras[ai].0);
                assert_eq!(a.raw_bytes, inp.first_extras[ai].1);
                names.insert(a.name.to_lowercase());
                continue;
            }
            assert!(
                names.insert(a.name.to_lowercase()),
                "two attachments named {}",
                a.name
            );
            if let Some((_, next, count, _, _)) = &open {
                assert!(
                    matches!(a.content, Content::Volume { .. }),
                    "volume set interrupted at {next} of {count}"
                );
            }
            match &a.content {
                Content::File { path } => {
                    assert_eq!(inp.packing, Packing::Attachments);
                    assert_eq!(a.raw_bytes, size_of(path));
                    mailed.push(path);
                }
                Content::Zip { paths } => {
                    assert_eq!(inp.packing, Packing::Zip);
                    assert!(!paths.is_empty());
                    let mut entries: Vec<(&str, u64)> =
                        paths.iter().map(|p| (p.as_str(), size_of(p))).collect();
                    entries.push((MANIFEST_NAME, part_manifest_budget(paths.len())));
                    assert_eq!(a.raw_bytes, zip_size(&entries));
                    mailed.extend(paths.iter().map(String::as_str));
                }
                Content::Volume {
                    source_name,
                    paths,
                    index,
                    count,
                    offset,
                    len,
                } => {
                    assert_eq!(paths.len(), 1);
                    assert_eq!(a.raw_bytes, *len);
                    assert!(*len > 0);
                    if index < count {
                        assert_eq!(m.attachments.len(), 1, "a volume shares its message");
                    }
                    if *index == 1 {
                        assert!(open.is_none());
                        assert_eq!(ai, 0, "volume 1 opens a fresh message");
                        let source_size = match inp.packing {
                            Packing::Zip => zip_size(&[
                                (&paths[0], size_of(&paths[0])),
                                (MANIFEST_NAME, part_manifest_budget(1)),
                            ]),
                            Packing::Attachments => size_of(&paths[0]),
                        };
                        mailed.push(&paths[0]);
                        open = Some((source_name.clone(), 1, *count, 0, source_size));
                    }
                    let Some((source, next, cnt, off, total)) = open.take() else {
                        panic!("volume {index} without volume 1");
                    };
                    assert_eq!(&source, source_name);
                    assert_eq!((next, cnt), (*index, *count));
                    assert_eq!(off, *offset, "a gap or an overlap between volumes");
                    if index == count {
                        assert_eq!(offset + len, total, "the volumes do not cover the file");
                    } else {
                        open = Some((source, next + 1, cnt, off + len, total));
                    }
                }
            }
        }
    }
    assert!(open.is_none(), "an unfinished volume set");
    let chosen: HashSet<&str> = inp.separate.iter().map(String::as_str).collect();
    let aside: HashSet<&str> = p.separate.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(aside.len(), p.separate.len(), "a file set aside twice");
    for s in &p.separate {
        assert_eq!(s.size, size_of(&s.path));
        if chosen.contains(s.path.as_str()) {
            assert_eq!(s.reason, SeparateReason::Chosen);
        } else {
            assert_eq!(s.reason, SeparateReason::TooLarge);
            assert_eq!(inp.default_route, OversizeRoute::Separate);
        }
    }
    // Every file exactly once, in package order.
    let want_mailed: Vec<&str> = inp
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| !aside.contains(p))
        .collect();
    assert_eq!(mailed, want_mailed);
    for f in inp.files {
        if chosen.contains(f.path.as_str()) {
            assert!(aside.contains(f.path.as_str()));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(i) = input(&mut u) else {
        return;
    };
    let inp = PlanInput {
        files: &i.files,
        first_extras: &i.extras,
        max_message_bytes: i.max,
        packing: i.packing,
        separate: &i.separate,
        default_route: i.route,
        zip_base_name: &i.base,
    };
    let result = plan(&inp);
    assert_eq!(result, plan(&inp), "not deterministic");
    match result {
        Ok(p) => check(&inp, &p),
        Err(PlanError::ExtrasTooLarge { limit, needed }) => {
            assert_eq!(limit, i.max.min(MAX_LIMIT_BYTES));
            assert!(needed > limit);
        }
        Err(PlanError::VolumeTooSmall { limit, needed }) => {
            assert_eq!(limit, i.max.min(MAX_LIMIT_BYTES));
            assert!(needed > limit);
            assert_eq!(i.route, OversizeRoute::Split);
            assert!(needed >= MIN_VOLUME_BYTES);
        }
        Err(PlanError::TooManyVolumes {
            path,
            size,
            limit,
            volumes,
        }) => {
            assert_eq!(limit, i.max.min(MAX_LIMIT_BYTES));
            assert!(volumes > MAX_VOLUMES);
            assert_eq!(i.route, OversizeRoute::Split);
            assert!(i.files.iter().any(|f| f.path == path && f.size == size));
        }
    }
});
