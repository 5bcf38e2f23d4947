//! The events the window hears without asking: each name with the type of what it carries, so
//! the Rust side cannot emit the wrong payload and the UI's `bindings/commands.ts` (generated
//! from this file) cannot listen for a misspelt name.

use std::marker::PhantomData;

use baosong::progress::Progress;
use serde::Serialize;
use tauri::Emitter as _;

/// An event's name on the wire and, in its type, its payload.
pub struct Event<T> {
    pub name: &'static str,
    payload: PhantomData<fn(&T)>,
}

impl<T: Serialize + Clone> Event<T> {
    const fn new(name: &'static str) -> Self {
        Event {
            name,
            payload: PhantomData,
        }
    }

    /// Sends it to every window; a window that is gone cannot hear it, which is no error.
    pub fn emit(&self, app: &tauri::AppHandle, payload: &T) {
        let _ = app.emit(self.name, payload);
    }
}

/// The background sender's progress while it sends (at most five a second).
pub const OUTBOX_PROGRESS: Event<Progress> = Event::new("outbox-progress");

/// The background sender has finished a round: the 发件箱 looks again.
pub const OUTBOX_CHANGED: Event<()> = Event::new("outbox-changed");
