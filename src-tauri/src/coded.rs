//! Ground: what every error the clerk may see carries besides its Chinese message — a stable
//! code (tests, the UI and the CLI's `--json` match on it) and whether her input, not the
//! machine, is at fault (the CLI exits 2 for the one, 1 for the other; the window words its
//! toast accordingly). Each error type of the core says both for each of its cases, next to
//! the case; `api::ApiError` is built from any of them.

use crate::validate::FieldError;

pub trait Coded: std::error::Error {
    /// A stable code: `library.not_a_library`, `sheet.too_large`, `mail.no_secret` …
    fn code(&self) -> &'static str;

    /// True when the clerk's input (a form, a file she chose, a command's arguments, a library
    /// brought from elsewhere) is at fault rather than the machine, the disk or the network.
    fn is_input(&self) -> bool;

    /// Per-field messages for a form, when the error is about fields.
    fn fields(&self) -> Vec<FieldError> {
        Vec::new()
    }
}
