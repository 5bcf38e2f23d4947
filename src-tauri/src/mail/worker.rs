//! The background sender's policy: how often it looks at the outbox, and when a look becomes
//! a send. The window's thread (`app/outbox.rs`) only sleeps, opens a job and relays progress;
//! every decision is here, where it is tested without a window.
//!
//! A look sends only when all three hold: a message is due (queued, or failed and retryable
//! with its retry time passed), the server has not refused the account's 授权码 (535 — sending
//! again would only be refused again, and some providers lock an account that keeps trying),
//! and the outbox is not held (opened elsewhere than where it was queued, or paused by the
//! clerk: nothing is mailed without her).

use std::time::Duration;

use crate::library::{Library, LibraryError};
use crate::mail::secret::SecretStore;
use crate::mail::send::{self, FlushReport, SendError};
use crate::progress::CancelToken;
use crate::progress::Progress;

/// How long the background sender waits between looks when nothing says otherwise.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(60);

/// The wait between looks: `BAOSONG_OUTBOX_EVERY_S` (whole seconds, above zero; the window's
/// tests shorten it) or [`DEFAULT_EVERY`]. Anything else in the variable is ignored rather
/// than refused: the window must start whatever the environment says.
pub fn every(env_value: Option<&str>) -> Duration {
    env_value
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_EVERY)
}

/// What one look at the outbox found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// A message is due now.
    pub due: bool,
    /// The server refused the account's 授权码, and the clerk has not changed it since.
    pub auth_failed: bool,
    /// The outbox is held: opened elsewhere, or paused.
    pub held: bool,
}

/// Why a look does not send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    NothingDue,
    AuthFailed,
    Held,
}

/// Send now, or wait for the next look (and why).
pub fn decide(look: Look) -> Result<(), Wait> {
    if look.held {
        Err(Wait::Held)
    } else if look.auth_failed {
        Err(Wait::AuthFailed)
    } else if !look.due {
        Err(Wait::NothingDue)
    } else {
        Ok(())
    }
}

/// Looks at the outbox of `lib` at the instant `now` (RFC 3339, UTC).
pub fn look(lib: &Library, now: &str) -> Result<Look, LibraryError> {
    Ok(Look {
        due: lib.next_due(now)?.is_some(),
        auth_failed: lib.auth_failed()?.is_some(),
        held: lib.outbox_hold()?.is_some(),
    })
}

/// One round of the background sender: looks, and works the outbox when [`decide`] says so.
/// `None` when it did not send (a library it cannot read counts as nothing due: the window
/// shows that error where the clerk works). A failed send is recorded in the outbox itself,
/// where the window shows it; the result is for whoever wants the details.
pub fn round(
    lib: &mut Library,
    now: &str,
    secrets: &SecretStore,
    progress: &mut dyn FnMut(&Progress),
    cancel: &CancelToken,
) -> Option<Result<FlushReport, SendError>> {
    let look = look(lib, now).ok()?;
    decide(look).ok()?;
    Some(send::flush(lib, secrets, progress, cancel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::Actor;
    use crate::office::OfficeInput;

    #[test]
    fn the_wait_is_a_minute_unless_a_positive_number_of_seconds_is_given() {
        assert_eq!(every(None), Duration::from_secs(60));
        assert_eq!(every(Some("2")), Duration::from_secs(2));
        for ignored in ["0", "-5", "", "abc", "1.5"] {
            assert_eq!(every(Some(ignored)), DEFAULT_EVERY, "{ignored:?}");
        }
    }

    #[test]
    fn only_a_due_message_of_a_free_outbox_with_an_accepted_account_is_sent() {
        let check = |due, auth_failed, held, expect: Result<(), Wait>| {
            let look = Look {
                due,
                auth_failed,
                held,
            };
            assert_eq!(decide(look), expect, "{look:?}");
        };
        check(true, false, false, Ok(()));
        check(false, false, false, Err(Wait::NothingDue));
        check(true, true, false, Err(Wait::AuthFailed));
        check(true, false, true, Err(Wait::Held));
        // A held outbox says so first: resuming is what the clerk must do before anything.
        check(true, true, true, Err(Wait::Held));
        check(false, true, true, Err(Wait::Held));
    }

    fn office() -> OfficeInput {
        OfficeInput {
            name: "金平区总工会".into(),
            unit_type: "district".into(),
            campaign_id: "shantou-2023".into(),
            contact_name: "陈晓".into(),
            contact_title: "宣教部干事".into(),
            contact_phone: "0754-88123456".into(),
        }
    }

    #[test]
    fn an_empty_or_paused_outbox_is_not_worked() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut lib =
            Library::create(&tmp.path().join("资料库"), &office(), Actor::App).expect("create");
        let now = "2026-06-01T02:00:00.000Z";
        let found = look(&lib, now).expect("look");
        assert_eq!(decide(found), Err(Wait::NothingDue));
        lib.pause_outbox().expect("pause");
        let found = look(&lib, now).expect("look");
        assert!(found.held);
        assert_eq!(decide(found), Err(Wait::Held));
        let secrets = SecretStore::new(tmp.path());
        let sent = round(&mut lib, now, &secrets, &mut |_| {}, &CancelToken::new());
        assert!(sent.is_none());
    }
}
