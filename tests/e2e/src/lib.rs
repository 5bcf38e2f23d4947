//! Intentionally empty: this crate only carries the end-to-end tests in `window.rs`.
