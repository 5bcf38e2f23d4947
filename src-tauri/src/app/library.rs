//! The library and its office: startup, opening, creating, closing, the campaign and the office
//! profile.

use std::path::PathBuf;

use baosong::api::Startup;
use baosong::campaign::{self, Campaign};
use baosong::library::LibraryInfo;
use baosong::library::recent::RecentLibrary;
use baosong::office::OfficeInput;
use tauri::State;

use super::SharedSession;
use super::shared::{Result, with_session};

#[tauri::command]
pub async fn startup(state: State<'_, SharedSession>) -> Result<Startup> {
    with_session(state, |s| Ok(s.startup())).await
}

#[tauri::command]
pub async fn pick_folder(window: tauri::Window, title: String) -> Result<Option<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_parent(&window)
        .pick_folder()
        .await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

#[tauri::command]
pub async fn create_library(
    state: State<'_, SharedSession>,
    path: String,
    office: OfficeInput,
) -> Result<LibraryInfo> {
    with_session(state, move |s| s.create(&PathBuf::from(path), &office)).await
}

#[tauri::command]
pub async fn open_library(state: State<'_, SharedSession>, path: String) -> Result<LibraryInfo> {
    with_session(state, move |s| s.open(&PathBuf::from(path))).await
}

#[tauri::command]
pub async fn close_library(state: State<'_, SharedSession>) -> Result<()> {
    with_session(state, |s| {
        s.close();
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn forget_recent(
    state: State<'_, SharedSession>,
    path: String,
) -> Result<Vec<RecentLibrary>> {
    with_session(state, move |s| Ok(s.forget_recent(&path))).await
}

#[tauri::command]
pub async fn campaign(state: State<'_, SharedSession>) -> Result<Campaign> {
    with_session(state, |s| s.campaign()).await
}

#[tauri::command]
pub fn campaign_by_id(id: String) -> Result<Campaign> {
    Ok(campaign::embedded_by_id(&id)?)
}

#[tauri::command]
pub async fn update_office(
    state: State<'_, SharedSession>,
    office: OfficeInput,
) -> Result<LibraryInfo> {
    with_session(state, move |s| s.update_office(&office)).await
}

#[tauri::command]
pub async fn switch_campaign(
    state: State<'_, SharedSession>,
    campaign_id: String,
    unit_type: Option<String>,
) -> Result<LibraryInfo> {
    with_session(state, move |s| {
        s.switch_campaign(&campaign_id, unit_type.as_deref())
    })
    .await
}
