//! An entry's data as it is typed — by the entry form, the CLI or a 报名表 row — before the
//! catalog checks it (`library` does, when it saves). It lives outside `library` so the
//! 报名表 reader can plan entries without depending on the catalog.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the entry form (or the CLI) sends to add or change an entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct EntryInput {
    pub category: String,
    pub title: String,
    pub authors: Vec<String>,
    pub unit: String,
    pub phone: String,
    pub description: String,
    pub tags: Vec<String>,
    pub declarations: Vec<String>,
    pub notes: String,
}
