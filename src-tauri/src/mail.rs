//! Sending a batch by mail: the account and its presets, the secret store, the messages'
//! words and bytes, the SMTP transport, the sender that works the outbox, and when the
//! background sender works it; and reading a mailbox over IMAP (`imap`), read-only — for the
//! sent folder, `check_sent` settles 待确认 messages found there. A receiving library's
//! answers to the districts (回执, 补正通知) are queued into the same outbox by `reply`.
//!
//! The outbox itself (states, exactly-once gate) lives in the catalog: `library/outbox.rs`.

pub mod check_sent;
pub mod compose;
pub mod imap;
pub mod message;
pub mod queue;
pub mod reply;
pub mod secret;
pub mod send;
pub mod transport;
pub mod worker;
