//! The office that runs this library: its name, unit type, campaign and contact person
//! (the notice asks each office for one: 姓名、单位职务、联系电话).

use rusqlite::{OptionalExtension, Transaction};

use super::{Actor, LibraryError, audit, now};
use crate::campaign::Campaign;
use crate::office::{Office, OfficeInput, Role};

pub fn load(conn: &rusqlite::Connection) -> Result<Option<Office>, LibraryError> {
    Ok(conn
        .query_row(
            "SELECT name, unit_type, campaign_id, contact_name, contact_title, contact_phone,
                    created_at, updated_at, role
             FROM office WHERE id = 1",
            [],
            |r| {
                Ok(Office {
                    role: Role::parse(&r.get::<_, String>(8)?).unwrap_or_default(),
                    name: r.get(0)?,
                    unit_type: r.get(1)?,
                    campaign_id: r.get(2)?,
                    contact_name: r.get(3)?,
                    contact_title: r.get(4)?,
                    contact_phone: r.get(5)?,
                    created_at: r.get(6)?,
                    updated_at: r.get(7)?,
                })
            },
        )
        .optional()?)
}

/// Sets the library's side, once, when it is made (the role never changes afterwards).
pub fn set_role(tx: &Transaction<'_>, role: Role) -> Result<(), LibraryError> {
    tx.execute("UPDATE office SET role = ?1 WHERE id = 1", [role.as_str()])?;
    Ok(())
}

/// Inserts or replaces the office row (validated by the caller) and audits it.
pub fn save(tx: &Transaction<'_>, input: &OfficeInput, actor: Actor) -> Result<(), LibraryError> {
    let at = now();
    tx.execute(
        "INSERT INTO office (id, name, unit_type, campaign_id, contact_name, contact_title,
                             contact_phone, created_at, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, unit_type = excluded.unit_type,
             campaign_id = excluded.campaign_id, contact_name = excluded.contact_name,
             contact_title = excluded.contact_title, contact_phone = excluded.contact_phone,
             updated_at = excluded.updated_at",
        rusqlite::params![
            input.name.trim(),
            input.unit_type.trim(),
            input.campaign_id.trim(),
            input.contact_name.trim(),
            input.contact_title.trim(),
            input.contact_phone.trim(),
            at
        ],
    )?;
    tx.execute(
        "INSERT INTO office_campaigns (campaign_id, unit_type, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (campaign_id) DO UPDATE SET
             unit_type = excluded.unit_type, updated_at = excluded.updated_at",
        rusqlite::params![input.campaign_id.trim(), input.unit_type.trim(), at],
    )?;
    audit(
        tx,
        actor,
        "office.save",
        None,
        &serde_json::to_value(input).unwrap_or_default(),
    )
}

/// The unit type the office last used in `campaign_id`, if it has worked on that campaign.
pub fn remembered_unit_type(
    conn: &rusqlite::Connection,
    campaign_id: &str,
) -> Result<Option<String>, LibraryError> {
    Ok(conn
        .query_row(
            "SELECT unit_type FROM office_campaigns WHERE campaign_id = ?1",
            [campaign_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The unit type to use when the office moves to `campaign`: the one it used there before,
/// else the one the campaign's own list of units gives the office's name, else the only one.
pub fn unit_type_for(
    conn: &rusqlite::Connection,
    office_name: &str,
    campaign: &Campaign,
) -> Result<Option<String>, LibraryError> {
    if let Some(known) = remembered_unit_type(conn, &campaign.id)?
        && campaign.unit_type(&known).is_some()
    {
        return Ok(Some(known));
    }
    if let Some(t) = campaign.unit_type_of(office_name.trim()) {
        return Ok(Some(t.id.clone()));
    }
    Ok(match campaign.unit_types.as_slice() {
        [only] => Some(only.id.clone()),
        _ => None,
    })
}
