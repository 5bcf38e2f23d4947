//! Makes one thumbnail and prints how long it took, for `scripts/bench-thumbs.sh`.
//!
//!     cargo run -p baosong --no-default-features --example thumb -- PATH OUT.jpg [MAX_SIDE]
//!
//! Prints `<milliseconds> <width>x<height>` (or the error's code and message on stderr, exit 1).

use baosong::coded::Coded;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), Some(out)) = (args.next().map(PathBuf::from), args.next()) else {
        eprintln!("usage: thumb PATH OUT.jpg [MAX_SIDE]");
        return ExitCode::from(2);
    };
    let max_side = args
        .next()
        .and_then(|s| s.to_str().and_then(|s| s.parse().ok()))
        .unwrap_or(320);
    let start = Instant::now();
    let result = baosong::thumbs::thumbnail(&path, max_side);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(t) => {
            if let Err(e) = std::fs::write(&out, &t.jpeg) {
                eprintln!("cannot write {}: {e}", PathBuf::from(&out).display());
                return ExitCode::FAILURE;
            }
            let note = if t.complete { "" } else { " incomplete" };
            println!("{ms:.1} {}x{}{note}", t.width, t.height);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{} {e}", e.code());
            ExitCode::FAILURE
        }
    }
}
