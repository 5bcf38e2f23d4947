//! Checks on what the clerk types. The window runs the same checks (mirrored in the UI for
//! instant feedback), but these are the authority: nothing invalid reaches the catalog.

use serde::Serialize;
use ts_rs::TS;

/// One problem with one form field, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldError {
    /// The field's name as the UI and the CLI know it (`title`, `contact_phone`, …).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// All field errors as one sentence.
pub fn summary(errors: &[FieldError]) -> String {
    let parts: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    format!("请修改后再保存：{}", parts.join("；"))
}

/// Whether `phone` is a number the municipal office can call: a mainland mobile number
/// (11 digits starting 1[3-9]) or a landline with its area code (0754-88274135, 075488274135,
/// optionally an extension after a dash). Spaces and dashes a clerk types are tolerated.
pub fn is_phone(phone: &str) -> bool {
    let s: String = phone.trim().chars().filter(|c| *c != ' ').collect();
    let s = s.strip_prefix("+86").unwrap_or(&s);
    let digits_only = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    // Mobile: 1[3-9]xxxxxxxxx, possibly written 138-0000-0000.
    let plain: String = s.chars().filter(|c| *c != '-').collect();
    if plain.len() == 11 && digits_only(&plain) && plain.starts_with('1') {
        return matches!(plain.as_bytes()[1], b'3'..=b'9');
    }
    // Landline: 0 + 2–3 digit area code, 7–8 digit number, optional extension.
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or("");
    let (area, number, ext) = match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) => {
            // Without a dash: 0 + area + number, 10–12 digits.
            return digits_only(first)
                && first.starts_with('0')
                && (10..=12).contains(&first.len());
        }
        (Some(num), ext, None) => (first, num, ext),
        _ => return false,
    };
    digits_only(area)
        && area.starts_with('0')
        && (3..=4).contains(&area.len())
        && digits_only(number)
        && (7..=8).contains(&number.len())
        && ext.is_none_or(|e| digits_only(e) && e.len() <= 6)
}

/// Trims `value`; records an error when it is empty or longer than `max` characters.
pub fn required(
    errors: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim().to_owned();
    if v.is_empty() {
        errors.push(FieldError::new(field, format!("请填写{label}")));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("{label}不能超过{max}个字（现有{}个字）", v.chars().count()),
        ));
    }
    v
}

/// Trims an optional field; records an error when it is longer than `max` characters.
pub fn optional(
    errors: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim().to_owned();
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("{label}不能超过{max}个字（现有{}个字）", v.chars().count()),
        ));
    }
    v
}

/// Checks a phone field; `required` decides whether empty is allowed.
pub fn phone(errors: &mut Vec<FieldError>, field: &str, value: &str, required: bool) -> String {
    let v = value.trim().to_owned();
    if v.is_empty() {
        if required {
            errors.push(FieldError::new(field, "请填写联系电话"));
        }
    } else if !is_phone(&v) {
        errors.push(FieldError::new(
            field,
            format!("“{v}”不是有效的电话号码：手机号为11位数字，座机请带区号，如 0754-88274135"),
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::is_phone;

    #[test]
    fn phone_numbers_clerks_type_are_accepted() {
        for ok in [
            "13800138000",
            "138-0013-8000",
            "138 0013 8000",
            "+8613800138000",
            "0754-88274135",
            "075488274135",
            "020-86153203",
            "010-68591637-123",
            "0754-8827413",
        ] {
            assert!(is_phone(ok), "{ok} should be accepted");
        }
    }

    #[test]
    fn things_that_are_not_phone_numbers_are_refused() {
        for bad in [
            "",
            "12345",
            "1380013800",
            "12800138000",
            "138001380001",
            "88274135",
            "0754-123",
            "abc",
            "0754-88274135-",
            "电话",
            "0754--88274135",
        ] {
            assert!(!is_phone(bad), "{bad} should be refused");
        }
    }
}
