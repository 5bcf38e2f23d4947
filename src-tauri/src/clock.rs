//! Ground: the time. Nothing below `api` reads the clock: the present instant is a parameter
//! (so a test, a fuzz run or the CLI's `--now` can set it), read once here, by the faces, from
//! `BAOSONG_NOW` or the system. Instants are shown in the campaign's zone, never the machine's.

use chrono::{DateTime, Utc};

/// The present instant: `BAOSONG_NOW` (RFC 3339) when set — for tests and for a clerk
/// re-printing a past day's documents — else the system clock.
pub fn now_from_env() -> Result<DateTime<Utc>, String> {
    match std::env::var("BAOSONG_NOW") {
        Ok(s) if !s.trim().is_empty() => parse_now(&s),
        _ => Ok(Utc::now()),
    }
}

/// Parses an RFC 3339 instant (`2023-06-08T12:00:00+08:00`), with a Chinese message.
pub fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("时间“{s}”格式不对，应为 RFC 3339，例如 2023-06-08T12:00:00+08:00"))
}

/// An RFC 3339 instant as the office reads it: `2023-06-20 15:04` in the campaign's zone.
pub fn local_time(rfc3339: &str, zone: chrono_tz::Tz) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_and_local_time() {
        assert_eq!(
            parse_now("2023-06-08T12:00:00+08:00").map(|t| t.to_rfc3339()),
            Ok("2023-06-08T04:00:00+00:00".to_owned())
        );
        let err = parse_now("6月8日").expect_err("not RFC 3339");
        assert!(err.contains("RFC 3339"), "{err}");
        assert_eq!(
            local_time("2023-06-08T04:00:00Z", chrono_tz::Asia::Shanghai),
            "2023-06-08 12:00"
        );
        assert_eq!(local_time("昨天", chrono_tz::Asia::Shanghai), "昨天");
    }
}
