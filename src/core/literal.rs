//! SQL literals for date and time values, exact to the column's precision.
//!
//! ```sql
//! SELECT * FROM events WHERE "ts" >= TIMESTAMP_NS '2024-01-01 00:00:00.000000001'
//! ```
//!
//! Instants are nanoseconds since 1970-01-01 00:00:00 UTC; years before 1 are written with
//! DuckDB's ` (BC)` suffix, fractions with 6 digits (9 when nanoseconds are present).

use chrono::Datelike;

use crate::core::calendar::{date_of, SECONDS_PER_DAY};
use crate::core::types::TemporalType;

const NANOS_PER_SECOND: i128 = 1_000_000_000;
pub const NANOS_PER_DAY: i128 = SECONDS_PER_DAY as i128 * NANOS_PER_SECOND;

/// `YYYY-MM-DD[ (BC)]` for a day number.
pub fn date_text(day: i64) -> Option<String> {
    let date = date_of(day)?;
    let (year, bc) = if date.year() <= 0 { (1 - date.year(), " (BC)") } else { (date.year(), "") };
    Some(format!("{year:04}-{:02}-{:02}{bc}", date.month(), date.day()))
}

/// `HH:MM:SS[.ffffff[fff]]` for nanoseconds since midnight.
pub fn time_text(nanos_of_day: i128) -> String {
    let secs = nanos_of_day / NANOS_PER_SECOND;
    let frac = nanos_of_day % NANOS_PER_SECOND;
    let mut s = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if frac != 0 {
        if frac % 1000 == 0 {
            s.push_str(&format!(".{:06}", frac / 1000));
        } else {
            s.push_str(&format!(".{frac:09}"));
        }
    }
    s
}

/// A literal of the temporal type `t` for the instant `nanos` since the epoch. A DATE gets a
/// DATE literal at midnight and a TIMESTAMP literal otherwise.
pub fn temporal_literal(t: TemporalType, nanos: i128) -> Option<String> {
    let text = temporal_text(t, nanos)?;
    let midnight = nanos.rem_euclid(NANOS_PER_DAY) == 0;
    let keyword = if t == TemporalType::Date && !midnight { "TIMESTAMP" } else { t.literal_keyword() };
    Some(format!("{keyword} '{text}'"))
}

/// The text DuckDB casts to the instant `nanos` of type `t`: `YYYY-MM-DD` for a DATE at
/// midnight, else date and time, with `+00` for TIMESTAMPTZ (so no session time zone applies).
pub fn temporal_text(t: TemporalType, nanos: i128) -> Option<String> {
    let day = i64::try_from(nanos.div_euclid(NANOS_PER_DAY)).ok()?;
    let of_day = nanos.rem_euclid(NANOS_PER_DAY);
    let date = date_text(day)?;
    if t == TemporalType::Date && of_day == 0 {
        return Some(date);
    }
    let zone = if t == TemporalType::TimestampTz { "+00" } else { "" };
    Some(format!("{date} {}{zone}", time_text(of_day)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_exact() {
        assert_eq!(temporal_literal(TemporalType::Date, 0).unwrap(), "DATE '1970-01-01'");
        assert_eq!(temporal_literal(TemporalType::TimestampNs, 1).unwrap(), "TIMESTAMP_NS '1970-01-01 00:00:00.000000001'");
        assert_eq!(temporal_literal(TemporalType::Timestamp, -1000).unwrap(), "TIMESTAMP '1969-12-31 23:59:59.999999'");
        assert_eq!(temporal_literal(TemporalType::TimestampTz, 3_600 * NANOS_PER_SECOND).unwrap(), "TIMESTAMPTZ '1970-01-01 01:00:00+00'");
        assert_eq!(date_text(-719_163).unwrap(), "0001-12-31 (BC)");
        assert_eq!(time_text(((22 * 60 + 31) * 60 + 8) * NANOS_PER_SECOND + 5_000), "22:31:08.000005");
    }
}
