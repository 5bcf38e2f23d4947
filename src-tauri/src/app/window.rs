//! The one window: brought forward when the app is launched again, its size, place and
//! maximised state kept between runs, and never larger than the screen it opens on (a
//! 1366×768 laptop is common in these offices).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::{AppHandle, LogicalPosition, LogicalSize, Manager, Runtime, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

const MAIN: &str = "main";

/// Room left for the panel or task bar and the window's frame.
const SCREEN_MARGIN: (f64, f64) = (24.0, 72.0);

/// The running window, shown, restored and focused (a second launch calls this and exits).
pub fn bring_forward<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN) {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// What is kept of the window: its size, position and maximised state (not whether it is
/// shown: the app always opens visible).
fn kept() -> StateFlags {
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// Keeps the window's place between runs (written on a clean exit, and see
/// [`save_when_settled`]).
pub fn remembered<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_window_state::Builder::default()
        .with_state_flags(kept())
        .build()
}

/// Writes the window's place a second after it last moved or changed size, not only on a
/// clean exit: a run that ends otherwise (the PC switched off at the wall, the app killed)
/// still opens where the clerk left it.
pub fn save_when_settled<R: Runtime>(app: &AppHandle<R>) {
    let Some(w) = app.get_webview_window(MAIN) else {
        return;
    };
    let changes = Arc::new(AtomicU64::new(0));
    let app = app.clone();
    w.on_window_event(move |e| {
        if !matches!(e, WindowEvent::Resized(_) | WindowEvent::Moved(_)) {
            return;
        }
        let seen = changes.fetch_add(1, Ordering::SeqCst) + 1;
        let (changes, app) = (changes.clone(), app.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if changes.load(Ordering::SeqCst) == seen
                && let Err(e) = app.save_window_state(kept())
            {
                tracing::warn!("window place not saved: {e}");
            }
        });
    });
}

/// Shrinks the window to the screen it is on when its size (the default, or one kept from a
/// larger screen) would run off it, and centres it then.
pub fn fit_to_screen<R: Runtime>(app: &AppHandle<R>) {
    let Some(w) = app.get_webview_window(MAIN) else {
        return;
    };
    // Before the window is mapped it may not know its monitor yet (the primary one then),
    // nor its size (the configured one then).
    let monitor = w
        .current_monitor()
        .ok()
        .flatten()
        .or_else(|| w.primary_monitor().ok().flatten());
    let Some(monitor) = monitor else {
        return;
    };
    let scale = monitor.scale_factor();
    let screen = monitor.size().to_logical::<f64>(scale);
    let window = match w.outer_size() {
        Ok(size) if size.width > 0 && size.height > 0 => {
            let size = size.to_logical::<f64>(scale);
            (size.width, size.height)
        }
        _ => match app.config().app.windows.iter().find(|c| c.label == MAIN) {
            Some(c) => (c.width, c.height),
            None => return,
        },
    };
    let (fits, target) = fitted(window, (screen.width, screen.height));
    if !fits {
        // Centred by hand: before the window is mapped, `center()` takes its size as 0×0.
        let origin = monitor.position().to_logical::<f64>(scale);
        let _ = w.set_size(LogicalSize::new(target.0, target.1));
        let _ = w.set_position(LogicalPosition::new(
            origin.x + (screen.width - target.0) / 2.0,
            origin.y + (screen.height - target.1) / 2.0,
        ));
    }
}

/// Whether a window of `window` size fits on a `screen`, and the size it gets if not
/// (logical pixels).
fn fitted(window: (f64, f64), screen: (f64, f64)) -> (bool, (f64, f64)) {
    let room = (screen.0 - SCREEN_MARGIN.0, screen.1 - SCREEN_MARGIN.1);
    let fits = window.0 <= room.0 && window.1 <= room.1;
    (fits, (window.0.min(room.0), window.1.min(room.1)))
}

#[cfg(test)]
mod tests {
    use super::fitted;

    #[test]
    fn the_default_window_is_shrunk_on_a_1366_by_768_laptop_only() {
        assert_eq!(
            fitted((1280.0, 820.0), (1366.0, 768.0)),
            (false, (1280.0, 696.0))
        );
        assert_eq!(
            fitted((1280.0, 820.0), (1920.0, 1080.0)),
            (true, (1280.0, 820.0))
        );
        assert_eq!(fitted((1900.0, 1000.0), (1366.0, 768.0)).1, (1342.0, 696.0));
    }
}
