//! Calendar math for temporal partitioning, on the proleptic Gregorian UTC calendar.
//!
//! ```sql
//! SELECT partition_key_temporal(TIMESTAMP '2024-01-15 13:45:00', 'week');   -- '2024-W03'
//! ```
//!
//! A period is identified by its start, in whole seconds since 1970-01-01 00:00:00 UTC. All
//! granularities of a day or coarser are computed on day numbers (days since the epoch) with
//! chrono, and `hour` on hour numbers. Truncation, the next period's start and the label are
//! O(1) per value; labels are written by hand so that the key function stays cheap per row.

use crate::core::error::{Error, Result};
use chrono::{Datelike, NaiveDate};

pub const SECONDS_PER_DAY: i64 = 86_400;
pub const SECONDS_PER_HOUR: i64 = 3_600;
/// `NaiveDate::num_days_from_ce()` of 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// A calendar granularity. Weeks are ISO weeks starting on Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Granularity {
    pub const ALL: [Granularity; 6] =
        [Granularity::Hour, Granularity::Day, Granularity::Week, Granularity::Month, Granularity::Quarter, Granularity::Year];

    /// Parses a granularity name, case-insensitively. The error names the accepted values.
    pub fn parse(text: &str) -> Result<Granularity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "hour" => Ok(Granularity::Hour),
            "day" => Ok(Granularity::Day),
            "week" => Ok(Granularity::Week),
            "month" => Ok(Granularity::Month),
            "quarter" => Ok(Granularity::Quarter),
            "year" => Ok(Granularity::Year),
            _ => Err(Error::user(format!(
                "unknown granularity '{text}'; use one of 'hour', 'day', 'week', 'month', 'quarter', 'year' or 'auto' (partition_temporal only)"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
            Granularity::Quarter => "quarter",
            Granularity::Year => "year",
        }
    }

    /// Length in seconds of the fine unit that one aggregate scan groups by: hours for `hour`,
    /// days for everything coarser.
    pub fn fine_unit_seconds(self) -> i64 {
        if self == Granularity::Hour {
            SECONDS_PER_HOUR
        } else {
            SECONDS_PER_DAY
        }
    }

    /// Start of the period containing `second` (seconds since the epoch), or None when the date
    /// is outside the calendar chrono supports (about ±262,000 years).
    pub fn period_start(self, second: i64) -> Option<i64> {
        if self == Granularity::Hour {
            return Some(second.div_euclid(SECONDS_PER_HOUR) * SECONDS_PER_HOUR);
        }
        let day = second.div_euclid(SECONDS_PER_DAY);
        Some(self.truncate_day(day)? * SECONDS_PER_DAY)
    }

    /// Start of the period that follows the one starting at `start`.
    pub fn next_start(self, start: i64) -> Option<i64> {
        let day = start.div_euclid(SECONDS_PER_DAY);
        let next_day = match self {
            Granularity::Hour => return start.checked_add(SECONDS_PER_HOUR),
            Granularity::Day => day + 1,
            Granularity::Week => day + 7,
            Granularity::Month | Granularity::Quarter | Granularity::Year => {
                let date = date_of(day)?;
                let months = match self {
                    Granularity::Month => 1,
                    Granularity::Quarter => 3,
                    _ => 12,
                };
                days_of(date.checked_add_months(chrono::Months::new(months))?)?
            }
        };
        next_day.checked_mul(SECONDS_PER_DAY)
    }

    fn truncate_day(self, day: i64) -> Option<i64> {
        match self {
            Granularity::Hour | Granularity::Day => Some(day),
            // 1970-01-01 was a Thursday: day 0 has weekday index 3 counting from Monday.
            Granularity::Week => Some(day - (day + 3).rem_euclid(7)),
            Granularity::Month => {
                let d = date_of(day)?;
                days_of(NaiveDate::from_ymd_opt(d.year(), d.month(), 1)?)
            }
            Granularity::Quarter => {
                let d = date_of(day)?;
                days_of(NaiveDate::from_ymd_opt(d.year(), (d.month0() / 3) * 3 + 1, 1)?)
            }
            Granularity::Year => days_of(NaiveDate::from_ymd_opt(date_of(day)?.year(), 1, 1)?),
        }
    }

    /// The label of the period starting at `start`: `2024-01-15T13`, `2024-01-15`, `2024-W03`,
    /// `2024-01`, `2024-Q1`, `2024`.
    pub fn label(self, start: i64) -> Option<String> {
        let mut out = String::with_capacity(16);
        self.write_label(start, &mut out)?;
        Some(out)
    }

    /// Appends the label of the period starting at `start` to `out`.
    pub fn write_label(self, start: i64, out: &mut String) -> Option<()> {
        let day = start.div_euclid(SECONDS_PER_DAY);
        let date = date_of(day)?;
        match self {
            Granularity::Hour => {
                write_ymd(out, date);
                out.push('T');
                push_2(out, (start.rem_euclid(SECONDS_PER_DAY) / SECONDS_PER_HOUR) as u32);
            }
            Granularity::Day => write_ymd(out, date),
            Granularity::Week => {
                let week = date.iso_week();
                write_year(out, week.year());
                out.push_str("-W");
                push_2(out, week.week());
            }
            Granularity::Month => {
                write_year(out, date.year());
                out.push('-');
                push_2(out, date.month());
            }
            Granularity::Quarter => {
                write_year(out, date.year());
                out.push_str("-Q");
                out.push(char::from(b'1' + (date.month0() / 3) as u8));
            }
            Granularity::Year => write_year(out, date.year()),
        }
        Some(())
    }
}

/// The date of a day number (days since 1970-01-01).
pub fn date_of(day: i64) -> Option<NaiveDate> {
    let ce = i32::try_from(day.checked_add(EPOCH_DAYS_FROM_CE)?).ok()?;
    NaiveDate::from_num_days_from_ce_opt(ce)
}

/// The day number (days since 1970-01-01) of a date.
pub fn days_of(date: NaiveDate) -> Option<i64> {
    Some(i64::from(date.num_days_from_ce()) - EPOCH_DAYS_FROM_CE)
}

fn push_2(out: &mut String, v: u32) {
    out.push(char::from(b'0' + (v / 10 % 10) as u8));
    out.push(char::from(b'0' + (v % 10) as u8));
}

/// Years as four digits at least; years before year 1 keep chrono's astronomical numbering
/// with a leading minus (year 0 is 1 BC).
fn write_year(out: &mut String, year: i32) {
    use std::fmt::Write;
    if (0..10_000).contains(&year) {
        let y = year as u32;
        push_2(out, y / 100);
        push_2(out, y % 100);
    } else if year >= 0 {
        let _ = write!(out, "{year}");
    } else {
        let _ = write!(out, "-{:04}", -(year as i64));
    }
}

fn write_ymd(out: &mut String, date: NaiveDate) {
    write_year(out, date.year());
    out.push('-');
    push_2(out, date.month());
    out.push('-');
    push_2(out, date.day());
}

/// Labels of the periods values fall in, each formatted once: the last period is reused while
/// values stay inside it (sorted or clustered data), the others are found by their start.
#[derive(Default)]
pub struct PeriodLabels {
    last: Option<(Granularity, i64, i64, std::rc::Rc<str>)>,
    seen: ahash::AHashMap<(Granularity, i64), (i64, std::rc::Rc<str>)>,
}

impl PeriodLabels {
    /// The label of the `granularity` period holding `second`; None outside the calendar.
    pub fn label(&mut self, granularity: Granularity, second: i64) -> Option<&str> {
        let hit = matches!(&self.last, Some((g, start, end, _)) if *g == granularity && *start <= second && second < *end);
        if !hit {
            let start = granularity.period_start(second)?;
            let (end, label) = match self.seen.get(&(granularity, start)) {
                Some(p) => p.clone(),
                None => {
                    let p = (granularity.next_start(start).unwrap_or(i64::MAX), std::rc::Rc::<str>::from(granularity.label(start)?));
                    self.seen.insert((granularity, start), p.clone());
                    p
                }
            };
            self.last = Some((granularity, start, end, label));
        }
        self.last.as_ref().map(|l| &*l.3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(y: i32, m: u32, d: u32, h: i64) -> i64 {
        days_of(NaiveDate::from_ymd_opt(y, m, d).unwrap()).unwrap() * SECONDS_PER_DAY + h * SECONDS_PER_HOUR
    }

    fn label_of(g: Granularity, s: i64) -> String {
        g.label(g.period_start(s).unwrap()).unwrap()
    }

    #[test]
    fn labels_follow_the_spec() {
        let t = sec(2024, 1, 15, 13) + 45 * 60;
        assert_eq!(label_of(Granularity::Hour, t), "2024-01-15T13");
        assert_eq!(label_of(Granularity::Day, t), "2024-01-15");
        assert_eq!(label_of(Granularity::Week, t), "2024-W03");
        assert_eq!(label_of(Granularity::Month, t), "2024-01");
        assert_eq!(label_of(Granularity::Quarter, t), "2024-Q1");
        assert_eq!(label_of(Granularity::Year, t), "2024");
    }

    #[test]
    fn iso_week_53_and_year_boundaries() {
        // 2020-12-31 (Thursday) and 2021-01-03 (Sunday) are both in ISO week 2020-W53.
        assert_eq!(label_of(Granularity::Week, sec(2020, 12, 31, 0)), "2020-W53");
        assert_eq!(label_of(Granularity::Week, sec(2021, 1, 3, 23)), "2020-W53");
        assert_eq!(label_of(Granularity::Week, sec(2021, 1, 4, 0)), "2021-W01");
        // 2024-12-30 (Monday) starts ISO week 2025-W01.
        assert_eq!(label_of(Granularity::Week, sec(2024, 12, 30, 0)), "2025-W01");
        assert_eq!(Granularity::Week.period_start(sec(2021, 1, 3, 5)), Some(sec(2020, 12, 28, 0)));
    }

    #[test]
    fn leap_days_and_month_ends() {
        let leap = sec(2024, 2, 29, 23);
        assert_eq!(label_of(Granularity::Day, leap), "2024-02-29");
        assert_eq!(Granularity::Month.next_start(sec(2024, 2, 1, 0)), Some(sec(2024, 3, 1, 0)));
        assert_eq!(Granularity::Month.next_start(sec(2023, 2, 1, 0)), Some(sec(2023, 3, 1, 0)));
        assert_eq!(Granularity::Quarter.period_start(sec(2024, 6, 30, 23)), Some(sec(2024, 4, 1, 0)));
        assert_eq!(Granularity::Quarter.next_start(sec(2024, 10, 1, 0)), Some(sec(2025, 1, 1, 0)));
        assert_eq!(Granularity::Year.next_start(sec(2024, 1, 1, 0)), Some(sec(2025, 1, 1, 0)));
        assert_eq!(Granularity::Day.next_start(sec(2024, 2, 28, 0)), Some(sec(2024, 2, 29, 0)));
    }

    #[test]
    fn times_before_the_epoch_floor_correctly() {
        // One second before 1970 is 1969-12-31T23.
        assert_eq!(label_of(Granularity::Hour, -1), "1969-12-31T23");
        assert_eq!(label_of(Granularity::Day, -1), "1969-12-31");
        assert_eq!(label_of(Granularity::Year, -1), "1969");
        assert_eq!(label_of(Granularity::Week, -1), "1970-W01");
        assert_eq!(label_of(Granularity::Year, sec(1, 1, 1, 0) - 1), "0000");
    }

    #[test]
    fn every_value_lies_in_its_period() {
        // A deterministic sweep over four centuries: start <= t < next_start, and labels of
        // neighbouring periods differ.
        let mut t = sec(1899, 12, 25, 0);
        let end = sec(2301, 1, 7, 0);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        while t < end {
            for g in Granularity::ALL {
                let s = g.period_start(t).unwrap();
                let n = g.next_start(s).unwrap();
                assert!(s <= t && t < n, "{g:?} {t}");
                assert_eq!(g.period_start(n - 1), Some(s));
                assert_ne!(g.label(s), g.label(n));
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t += (x % (5 * SECONDS_PER_DAY as u64)) as i64;
        }
    }

    #[test]
    fn granularity_names_parse_and_errors_list_choices() {
        for g in Granularity::ALL {
            assert_eq!(Granularity::parse(g.name()), Ok(g));
        }
        assert_eq!(Granularity::parse("MONTH"), Ok(Granularity::Month));
        let err = Granularity::parse("fortnight").unwrap_err().to_string();
        assert!(err.contains("'fortnight'") && err.contains("'quarter'"), "{err}");
    }

    #[test]
    fn far_dates_are_refused_not_wrapped() {
        assert_eq!(Granularity::Month.period_start(i64::MAX), None);
        assert_eq!(Granularity::Day.label(i64::MIN / 2), None);
    }

    #[test]
    fn period_labels_are_reused_and_exact() {
        let mut labels = PeriodLabels::default();
        let jan = days_of(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap()).unwrap() * SECONDS_PER_DAY;
        assert_eq!(labels.label(Granularity::Month, jan), Some("2024-01"));
        assert_eq!(labels.label(Granularity::Month, jan + SECONDS_PER_DAY), Some("2024-02"));
        assert_eq!(labels.label(Granularity::Month, jan + 3600), Some("2024-01"));
        assert_eq!(labels.label(Granularity::Year, jan), Some("2024"));
        assert_eq!(labels.label(Granularity::Month, i64::MAX), None);
    }
}
