//! `ApiError`: an error as both faces receive it — a stable code, a Chinese message for the
//! clerk, per-field messages for forms, and (for the CLI's exit code) whether her input is at
//! fault. Every error of the core becomes one through [`Coded`].

use serde::Serialize;
use ts_rs::TS;

use crate::coded::Coded;
use crate::validate::FieldError;

/// An error as the UI receives it: a stable code for code, a Chinese message for the clerk,
/// and per-field messages for forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldError>,
    /// The clerk's input is at fault, not the machine (the CLI exits 2 rather than 1). Not
    /// sent to the window, which words every error the same way.
    #[serde(skip)]
    #[ts(skip)]
    pub input: bool,
}

impl ApiError {
    /// A failure of the machine, the disk or the network.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.to_owned(),
            message: message.into(),
            fields: Vec::new(),
            input: false,
        }
    }

    /// A failure of the clerk's input: a form, a file she chose, a command's arguments.
    pub fn input(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            input: true,
            ..ApiError::new(code, message)
        }
    }

    pub(super) fn no_library() -> Self {
        ApiError::input(
            "library.none_open",
            "还没有打开资料库，请先新建或打开一个资料库。",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl<E: Coded> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError {
            code: e.code().to_owned(),
            message: e.to_string(),
            fields: e.fields(),
            input: e.is_input(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::LibraryError;

    #[test]
    fn an_error_keeps_its_code_fields_and_whose_fault_it_is() {
        let invalid = ApiError::from(LibraryError::Invalid(vec![FieldError::new(
            "title",
            "请填写作品名称",
        )]));
        assert_eq!(invalid.code, "input.invalid");
        assert!(invalid.input);
        assert_eq!(invalid.fields.len(), 1);
        let busy = ApiError::from(LibraryError::Busy);
        assert_eq!(busy.code, "library.busy");
        assert!(
            !busy.input,
            "a busy library is the machine's, not the clerk's"
        );
        assert!(busy.fields.is_empty());
        // A wrapper says what it wraps.
        let send = ApiError::from(crate::mail::send::SendError::Library(
            LibraryError::NoSuchBatch(3),
        ));
        assert_eq!((send.code.as_str(), send.input), ("batch.not_found", true));
    }

    #[test]
    fn the_window_never_sees_the_input_flag() {
        let json = serde_json::to_value(ApiError::input("x.y", "消息")).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"code": "x.y", "message": "消息", "fields": []})
        );
    }
}
