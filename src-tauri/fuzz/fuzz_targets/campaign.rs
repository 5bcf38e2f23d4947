//! Feeds arbitrary text to the campaign loader (TOML → validated `Campaign`): it must load
//! whole or say why, with a line and field, never panic.
//!
//!     scripts/fuzz.sh campaign 600
#![no_main]

use baosong::campaign::{FileKind, parse_campaign};
use baosong::registration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_campaign("活动.toml", &text) {
        Ok(campaign) => {
            let _ = campaign.zone();
            for kind in [
                FileKind::Video,
                FileKind::Audio,
                FileKind::Photo,
                FileKind::Document,
            ] {
                let _ = campaign.rules_for(kind).count();
            }
            for category in &campaign.categories {
                assert!(campaign.category(&category.id).is_some());
                let _ = registration::resolve_category(&campaign, &category.name);
            }
            for unit in &campaign.units {
                let _ = campaign.unit_type_of(&unit.name);
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            let _ = e.code();
        }
    }
});
