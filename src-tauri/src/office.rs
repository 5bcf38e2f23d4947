//! Domain: the office that runs a library — its name, unit type, campaign and contact person
//! (the notice asks each office for one: 姓名、单位职务、联系电话) — and the rules for what
//! first-run setup and the settings page may save.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::campaign::Campaign;
use crate::validate::{self, FieldError};

/// Which side of the mail a library is on: a district office that sends its batches, or the
/// municipal office that receives everyone's (市级收件).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    #[default]
    District,
    City,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::District => "district",
            Role::City => "city",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "district" => Some(Role::District),
            "city" => Some(Role::City),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::District => "区县报送",
            Role::City => "市级收件",
        }
    }
}

/// The office as the catalog holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Office {
    pub name: String,
    /// 区县报送 or 市级收件.
    pub role: Role,
    pub unit_type: String,
    pub campaign_id: String,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_phone: String,
    pub created_at: String,
    pub updated_at: String,
}

/// What first-run setup and the settings page send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct OfficeInput {
    pub name: String,
    pub unit_type: String,
    pub campaign_id: String,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_phone: String,
}

/// The rules for an office: a name, a unit type the campaign lists, a usable contact.
pub fn validate(input: &OfficeInput, campaign: &Campaign) -> Result<(), Vec<FieldError>> {
    validate_as(input, campaign, Role::District)
}

/// [`validate`] for either side: the receiving office has no unit type of its own (the units
/// are those it receives from).
pub fn validate_as(
    input: &OfficeInput,
    campaign: &Campaign,
    role: Role,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    validate::required(&mut errors, "name", "单位名称", &input.name, 60);
    if role == Role::City {
        // Nothing to check: the city's unit type stays empty.
    } else if input.unit_type.trim().is_empty() {
        errors.push(FieldError::new("unit_type", "请选择单位类型"));
    } else if campaign.unit_type(input.unit_type.trim()).is_none() {
        let known: Vec<String> = campaign
            .unit_types
            .iter()
            .map(|u| format!("{}（{}）", u.id, u.name))
            .collect();
        errors.push(FieldError::new(
            "unit_type",
            format!(
                "单位类型“{}”不在本活动的名单中，可选：{}",
                input.unit_type.trim(),
                known.join("、")
            ),
        ));
    }
    // The contact person may be filled in later, but what is typed must be usable.
    validate::optional(
        &mut errors,
        "contact_name",
        "联系人姓名",
        &input.contact_name,
        20,
    );
    validate::optional(
        &mut errors,
        "contact_title",
        "单位职务",
        &input.contact_title,
        40,
    );
    validate::phone(&mut errors, "contact_phone", &input.contact_phone, false);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
