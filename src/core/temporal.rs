//! Temporal partitioning: one partition per calendar period of a date/time column.
//!
//! ```sql
//! SELECT partition_id, label, row_count FROM partext.partition_temporal('events', 'ts', 'month');
//! ```
//!
//! Algorithm: the host runs one aggregate scan that groups rows by a *fine unit* of the key
//! (hours for `hour`, days otherwise) — an integer floor division, no calendar functions — and
//! returns one (unit, rows, bytes) triple per occupied unit. [`plan`] rolls the units up into
//! calendar periods with `core::calendar`, fills the empty periods between the first and the last
//! when asked, and writes each period's half-open predicate `[lower, upper)` as SQL literals of the
//! column's own type. Cost: one scan of the key column (plus the variable-width columns whose
//! sizes feed `estimated_bytes`), then O(units + periods) in Rust.

use std::collections::BTreeMap;

use crate::core::calendar::{date_of, Granularity, SECONDS_PER_DAY};
use crate::core::error::{Error, Result};
use crate::core::literal::temporal_literal;
use crate::core::manifest::{ManifestRow, PartitionCounts};
use crate::core::sql::quote_ident;
use crate::core::strategy::Strategy;
use crate::core::types::ColumnType;
use crate::core::types::TemporalType;
use chrono::Duration;

/// The most partitions one manifest may hold; a finer request is refused with advice.
pub const MAX_PARTITIONS: usize = 1_000_000;

/// A DuckDB INTERVAL: months, days and microseconds, applied in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

/// What the caller asked partition_temporal for.
#[derive(Debug, Clone)]
pub struct TemporalSpec {
    pub column: String,
    pub key_type: TemporalType,
    pub granularity: Granularity,
    pub include_empty: bool,
    pub overlap: Option<Interval>,
}

/// A calendar period (or a run of merged adjacent periods) `[start, end)`, in seconds.
#[derive(Debug, Clone, PartialEq)]
struct Period {
    start: i64,
    end: i64,
    label: String,
    rows: u64,
    bytes: u64,
}

/// Merges runs of adjacent periods while the run's size stays within `target_bytes`; a merged
/// run is labelled `first..last`.
fn merge_periods(periods: &[Period], target_bytes: f64) -> Vec<Period> {
    let mut out: Vec<(Period, String)> = Vec::new();
    for p in periods {
        match out.last_mut() {
            Some((run, last_label)) if run.end == p.start && (run.bytes + p.bytes) as f64 <= target_bytes => {
                run.end = p.end;
                run.rows += p.rows;
                run.bytes += p.bytes;
                *last_label = p.label.clone();
            }
            _ => out.push((p.clone(), p.label.clone())),
        }
    }
    out.into_iter()
        .map(|(mut run, last)| {
            if last != run.label {
                run.label = format!("{}..{last}", run.label);
            }
            run
        })
        .collect()
}

/// One manifest row of partition_temporal: the common columns plus its own.
#[derive(Debug, Clone, PartialEq)]
pub struct TemporalRow {
    pub common: ManifestRow,
    /// Period bounds in the column's storage unit (days, s, ms, µs or ns since the epoch);
    /// None for the NULL-key partition, or when a bound lies outside the type's range.
    pub lower: Option<i64>,
    pub upper: Option<i64>,
    pub overlap_predicate: Option<String>,
}

impl TemporalSpec {
    /// Checks the combination of key type and granularity.
    pub fn validate(&self) -> Result<()> {
        if self.key_type == TemporalType::Date && self.granularity == Granularity::Hour {
            return Err(Error::user(format!(
                "granularity 'hour' needs a timestamp column, but {} is DATE; use 'day', 'week', 'month', 'quarter' or 'year'",
                quote_ident(&self.column)
            )));
        }
        if let Some(o) = self.overlap {
            if o.months < 0 || o.days < 0 || o.micros < 0 {
                return Err(Error::user("overlap must be a positive INTERVAL such as INTERVAL 1 DAY"));
            }
        }
        Ok(())
    }

    /// Builds the manifest from the scan's counts per fine unit.
    pub fn plan(&self, counts: &PartitionCounts<i64>, source_sql: &str) -> Result<Vec<TemporalRow>> {
        self.validate()?;
        let periods = self.periods(self.granularity, counts, self.granularity.fine_unit_seconds())?;
        self.manifest(&periods, counts, source_sql)
    }

    /// `'auto'`: the coarsest granularity whose largest period fits `target_bytes`, with runs of
    /// adjacent periods merged while the merged size fits. `counts` are per fine unit of
    /// `fine_unit` seconds (hours, or days for DATE columns).
    pub fn plan_auto(
        &self,
        counts: &PartitionCounts<i64>,
        fine_unit: i64,
        target_bytes: f64,
        source_sql: &str,
    ) -> Result<(Granularity, Vec<TemporalRow>)> {
        let candidates: Vec<Granularity> = Granularity::ALL.iter().rev().copied().filter(|g| g.fine_unit_seconds() >= fine_unit).collect();
        let mut chosen = None;
        for &g in &candidates {
            let periods = self.periods(g, counts, fine_unit)?;
            if periods.iter().all(|p| p.bytes as f64 <= target_bytes) || Some(&g) == candidates.last() {
                chosen = Some((g, periods));
                break;
            }
        }
        let (g, periods) = chosen.ok_or_else(|| Error::internal("no granularity fits"))?;
        let spec = TemporalSpec { granularity: g, ..self.clone() };
        let merged = merge_periods(&periods, target_bytes);
        Ok((g, spec.manifest(&merged, counts, source_sql)?))
    }

    /// The calendar periods of granularity `g` holding the counted fine units (and, with
    /// include_empty, the empty periods between them).
    fn periods(&self, g: Granularity, counts: &PartitionCounts<i64>, fine_unit: i64) -> Result<Vec<Period>> {
        let mut by_start: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
        for &(fine, rows, bytes) in &counts.keys {
            let start = fine.checked_mul(fine_unit).and_then(|s| g.period_start(s)).ok_or_else(|| out_of_range(&self.column))?;
            let e = by_start.entry(start).or_insert((0, 0));
            e.0 += rows;
            e.1 += bytes;
        }
        let mut out: Vec<Period> = Vec::with_capacity(by_start.len());
        let push = |start: i64, rows: u64, bytes: u64, out: &mut Vec<Period>| -> Result<()> {
            if out.len() >= MAX_PARTITIONS {
                return Err(too_many(g));
            }
            let end = g.next_start(start).ok_or_else(|| out_of_range(&self.column))?;
            let label = g.label(start).ok_or_else(|| out_of_range(&self.column))?;
            out.push(Period { start, end, label, rows, bytes });
            Ok(())
        };
        if self.include_empty {
            if let (Some((&first, _)), Some((&last, _))) = (by_start.first_key_value(), by_start.last_key_value()) {
                let mut s = first;
                loop {
                    let (rows, bytes) = by_start.get(&s).copied().unwrap_or((0, 0));
                    push(s, rows, bytes, &mut out)?;
                    if s >= last {
                        break;
                    }
                    s = g.next_start(s).ok_or_else(|| out_of_range(&self.column))?;
                }
            }
        } else {
            for (&start, &(rows, bytes)) in &by_start {
                push(start, rows, bytes, &mut out)?;
            }
        }
        Ok(out)
    }

    /// Manifest rows for `periods`, then the NULL-key partition.
    fn manifest(&self, periods: &[Period], counts: &PartitionCounts<i64>, source_sql: &str) -> Result<Vec<TemporalRow>> {
        let col = quote_ident(&self.column);
        let mut rows = Vec::with_capacity(periods.len() + 1);
        for (id, p) in periods.iter().enumerate() {
            let (start, end) = (p.start, p.end);
            let lower_lit = self.literal(start, 0).ok_or_else(|| out_of_range(&self.column))?;
            let upper_lit = self.literal(end, 0);
            let lower_raw = self.raw(start);
            let upper_raw = self.raw(end);
            let predicate = match (&upper_lit, upper_raw) {
                (Some(u), Some(_)) => format!("{col} >= {lower_lit} AND {col} < {u}"),
                // The period ends beyond the type's range: every value from lower on is in it.
                _ => format!("{col} >= {lower_lit}"),
            };
            let overlap_predicate = match self.overlap {
                None => None,
                Some(o) => {
                    let (sec, micros) = subtract_interval(start, o).ok_or_else(|| out_of_range(&self.column))?;
                    let from = self.literal(sec, micros).ok_or_else(|| out_of_range(&self.column))?;
                    Some(match &upper_lit {
                        Some(u) if upper_raw.is_some() => format!("{col} >= {from} AND {col} < {u}"),
                        _ => format!("{col} >= {from}"),
                    })
                }
            };
            rows.push(TemporalRow {
                common: ManifestRow::new(id as i64, Some(p.label.clone()), predicate, source_sql, p.rows, p.bytes),
                lower: lower_raw,
                upper: upper_raw.filter(|_| upper_lit.is_some()),
                overlap_predicate,
            });
        }
        if counts.null_rows > 0 {
            let predicate = format!("{col} IS NULL");
            rows.push(TemporalRow {
                common: ManifestRow::new(rows.len() as i64, None, predicate.clone(), source_sql, counts.null_rows, counts.null_bytes),
                lower: None,
                upper: None,
                overlap_predicate: self.overlap.map(|_| predicate),
            });
        }
        Ok(rows)
    }

    /// The instant `second` (+ `micros`) in the column's storage unit, if the type can hold it.
    fn raw(&self, second: i64) -> Option<i64> {
        match self.key_type {
            TemporalType::Date => i32::try_from(second.div_euclid(SECONDS_PER_DAY)).ok().map(i64::from),
            TemporalType::TimestampNs => {
                // DuckDB's TIMESTAMP_NS holds 1677-09-21 .. 2262-04-11.
                second.checked_mul(1_000_000_000)
            }
            t => second.checked_mul(t.units_per_second()),
        }
    }

    /// A SQL literal of the key column's type for `second` + `micros` since the epoch. A DATE
    /// column gets a TIMESTAMP literal when the instant is not midnight (only overlaps do that).
    pub fn literal(&self, second: i64, micros: u32) -> Option<String> {
        self.raw(second)?;
        temporal_literal(self.key_type, i128::from(second) * 1_000_000_000 + i128::from(micros) * 1_000)
    }
}

/// A granularity argument: a calendar granularity, or `'auto'` (chosen after the scan, which
/// then counts hours, or days for a DATE column).
pub fn parse_granularity(text: &str, key_type: TemporalType) -> Result<(Granularity, bool)> {
    if text.trim().eq_ignore_ascii_case("auto") {
        let scan = if key_type == TemporalType::Date { Granularity::Day } else { Granularity::Hour };
        return Ok((scan, true));
    }
    Ok((Granularity::parse(text)?, false))
}

/// Whether a raw value of `key_type` (days for DATE, the type's unit for timestamps) is
/// DuckDB's +infinity or -infinity.
pub fn is_infinite(key_type: TemporalType, raw: i64) -> bool {
    match key_type {
        TemporalType::Date => raw.unsigned_abs() == i32::MAX as u64,
        _ => raw.unsigned_abs() == i64::MAX as u64,
    }
}

/// The fine unit (hours or days since the epoch, floored) holding a finite raw value of
/// `key_type`: what the scan of partition_temporal groups rows by.
pub fn fine_unit(key_type: TemporalType, raw: i64, unit_seconds: i64) -> i64 {
    raw.div_euclid(raw_per_unit(key_type, unit_seconds))
}

/// Raw values of `key_type` per fine unit of `unit_seconds` (DATE: days per unit, which is 1
/// for days; an hour of a DATE is handled by [`fine_units`]).
fn raw_per_unit(key_type: TemporalType, unit_seconds: i64) -> i64 {
    match key_type {
        TemporalType::Date => (unit_seconds / SECONDS_PER_DAY).max(1),
        t => t.units_per_second() * unit_seconds,
    }
}

/// Writes the fine unit of every raw value of `key_type` into `out` (rows where `valid` is
/// false are skipped); the index of the first infinite value is the error. The divisor is a
/// compile-time constant for every type and unit, so each row costs a multiplication, not a
/// division.
pub fn fine_units<F: Fn(usize) -> bool>(
    key_type: TemporalType,
    raw: &[i64],
    unit_seconds: i64,
    valid: F,
    out: &mut [i64],
) -> std::result::Result<(), usize> {
    fn fill<const D: i64, F: Fn(usize) -> bool>(
        key_type: TemporalType,
        raw: &[i64],
        valid: &F,
        out: &mut [i64],
    ) -> std::result::Result<(), usize> {
        for (i, (&r, o)) in raw.iter().zip(out.iter_mut()).enumerate() {
            if valid(i) {
                if is_infinite(key_type, r) {
                    return Err(i);
                }
                *o = r.div_euclid(D);
            }
        }
        Ok(())
    }
    const H: i64 = crate::core::calendar::SECONDS_PER_HOUR;
    const D: i64 = SECONDS_PER_DAY;
    let valid = &valid;
    if key_type == TemporalType::Date && unit_seconds < SECONDS_PER_DAY {
        // Hours of a DATE: 24 per day.
        let result = fill::<1, F>(key_type, raw, valid, out);
        out.iter_mut().for_each(|u| *u = u.saturating_mul(SECONDS_PER_DAY / unit_seconds));
        return result;
    }
    match raw_per_unit(key_type, unit_seconds) {
        1 => fill::<1, F>(key_type, raw, valid, out),
        3_600 => fill::<{ H }, F>(key_type, raw, valid, out),
        86_400 => fill::<{ D }, F>(key_type, raw, valid, out),
        3_600_000 => fill::<{ H * 1_000 }, F>(key_type, raw, valid, out),
        86_400_000 => fill::<{ D * 1_000 }, F>(key_type, raw, valid, out),
        3_600_000_000 => fill::<{ H * 1_000_000 }, F>(key_type, raw, valid, out),
        86_400_000_000 => fill::<{ D * 1_000_000 }, F>(key_type, raw, valid, out),
        3_600_000_000_000 => fill::<{ H * 1_000_000_000 }, F>(key_type, raw, valid, out),
        86_400_000_000_000 => fill::<{ D * 1_000_000_000 }, F>(key_type, raw, valid, out),
        divisor => {
            for (i, (&r, o)) in raw.iter().zip(out.iter_mut()).enumerate() {
                if valid(i) {
                    if is_infinite(key_type, r) {
                        return Err(i);
                    }
                    *o = r.div_euclid(divisor);
                }
            }
            Ok(())
        }
    }
}

/// The temporal type of key column `col`, of the DuckDB type spelled `type_text`; otherwise
/// the key check's error ([`Strategy::check_key`]), which names the types supported.
pub fn key_type(col: &str, type_text: &str) -> Result<TemporalType> {
    Strategy::Temporal.check_key(col, type_text)?;
    TemporalType::from_column_type(&ColumnType::parse(type_text))
        .ok_or_else(|| Error::internal(format!("type {type_text} passed the temporal key check but has no temporal type")))
}

/// The message for ±infinity in a key column.
pub fn infinite_error(column: &str) -> Error {
    Error::user(format!(
        "column {} holds infinite values (±infinity), which belong to no calendar period; \
         exclude them with a query source such as '(SELECT * FROM tbl WHERE isfinite({}))'",
        quote_ident(column),
        quote_ident(column)
    ))
}

impl TemporalSpec {
    /// The text DuckDB casts to a period bound given in the column's raw unit.
    pub fn bound_text(&self, raw: i64) -> Option<String> {
        let nanos = match self.key_type {
            TemporalType::Date => i128::from(raw) * crate::core::literal::NANOS_PER_DAY,
            t => i128::from(raw) * i128::from(1_000_000_000 / t.units_per_second()),
        };
        crate::core::literal::temporal_text(self.key_type, nanos)
    }
}

/// `start - interval` on the UTC calendar, as (whole seconds, microseconds within the second).
fn subtract_interval(start: i64, o: Interval) -> Option<(i64, u32)> {
    let day = start.div_euclid(SECONDS_PER_DAY);
    let date = date_of(day)?;
    let t = date.and_hms_opt(0, 0, 0)? + Duration::seconds(start.rem_euclid(SECONDS_PER_DAY));
    let t = t.checked_sub_months(chrono::Months::new(o.months as u32))?;
    let t = t.checked_sub_signed(Duration::days(i64::from(o.days)))?;
    let t = t.checked_sub_signed(Duration::microseconds(o.micros))?;
    let secs = t.and_utc().timestamp();
    Some((secs, t.and_utc().timestamp_subsec_micros()))
}

fn out_of_range(column: &str) -> Error {
    Error::user(format!(
        "column {} holds dates outside the supported calendar range (about ±262,000 years) or ±infinity; \
         filter them out with a query source such as '(SELECT * FROM tbl WHERE isfinite({}))'",
        quote_ident(column),
        quote_ident(column)
    ))
}

fn too_many(g: Granularity) -> Error {
    Error::user(format!(
        "granularity '{}' would produce more than {MAX_PARTITIONS} partitions; choose a coarser granularity \
         or set include_empty := false",
        g.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::calendar::days_of;
    use chrono::NaiveDate;

    fn spec(key_type: TemporalType, granularity: Granularity) -> TemporalSpec {
        TemporalSpec { column: "ts".into(), key_type, granularity, include_empty: true, overlap: None }
    }

    fn day(y: i32, m: u32, d: u32) -> i64 {
        days_of(NaiveDate::from_ymd_opt(y, m, d).unwrap()).unwrap()
    }

    #[test]
    fn months_roll_up_from_days_and_fill_gaps() {
        let counts = PartitionCounts {
            keys: vec![(day(2024, 1, 3), 2, 20), (day(2024, 1, 31), 1, 10), (day(2024, 3, 1), 4, 40)],
            null_rows: 1,
            null_bytes: 10,
        };
        let rows = spec(TemporalType::Timestamp, Granularity::Month).plan(&counts, "\"t\"").unwrap();
        let labels: Vec<_> = rows.iter().map(|r| r.common.label.clone()).collect();
        assert_eq!(labels, vec![Some("2024-01".into()), Some("2024-02".into()), Some("2024-03".into()), None]);
        let counts_out: Vec<_> = rows.iter().map(|r| r.common.row_count).collect();
        assert_eq!(counts_out, vec![3, 0, 4, 1]);
        assert_eq!(rows[0].common.predicate, "\"ts\" >= TIMESTAMP '2024-01-01 00:00:00' AND \"ts\" < TIMESTAMP '2024-02-01 00:00:00'");
        assert_eq!(rows[3].common.predicate, "\"ts\" IS NULL");
        assert_eq!(rows[3].common.partition_id, 3);
        assert_eq!(rows[0].lower, Some(day(2024, 1, 1) * 86_400_000_000));
        assert_eq!(
            rows[0].common.query,
            "SELECT * FROM \"t\" WHERE \"ts\" >= TIMESTAMP '2024-01-01 00:00:00' AND \"ts\" < TIMESTAMP '2024-02-01 00:00:00'"
        );
    }

    #[test]
    fn include_empty_false_keeps_only_occupied_periods() {
        let counts = PartitionCounts { keys: vec![(day(2024, 1, 3), 2, 0), (day(2024, 3, 1), 4, 0)], null_rows: 0, null_bytes: 0 };
        let mut s = spec(TemporalType::Date, Granularity::Month);
        s.include_empty = false;
        let rows = s.plan(&counts, "t").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].common.partition_id, 1);
        assert_eq!(rows[1].common.predicate, "\"ts\" >= DATE '2024-03-01' AND \"ts\" < DATE '2024-04-01'");
        assert_eq!(rows[1].lower, Some(day(2024, 3, 1)));
    }

    #[test]
    fn literals_keep_each_types_precision() {
        let s = spec(TemporalType::TimestampNs, Granularity::Day);
        assert_eq!(s.literal(0, 0).unwrap(), "TIMESTAMP_NS '1970-01-01 00:00:00'");
        let tz = spec(TemporalType::TimestampTz, Granularity::Day);
        assert_eq!(tz.literal(3600, 0).unwrap(), "TIMESTAMPTZ '1970-01-01 01:00:00+00'");
        let d = spec(TemporalType::Date, Granularity::Day);
        assert_eq!(d.literal(-SECONDS_PER_DAY * 719_162, 0).unwrap(), "DATE '0001-01-01'");
        assert_eq!(d.literal(-SECONDS_PER_DAY * 719_163, 0).unwrap(), "DATE '0001-12-31 (BC)'");
        assert_eq!(d.literal(90, 5).unwrap(), "TIMESTAMP '1970-01-01 00:01:30.000005'");
        // TIMESTAMP_NS cannot hold year 3000: no literal, no raw bound.
        assert_eq!(s.literal(day(3000, 1, 1) * SECONDS_PER_DAY, 0), None);
    }

    #[test]
    fn overlap_reaches_back_by_the_interval() {
        let counts = PartitionCounts { keys: vec![(day(2024, 3, 10), 1, 0)], null_rows: 0, null_bytes: 0 };
        let mut s = spec(TemporalType::Timestamp, Granularity::Month);
        s.overlap = Some(Interval { months: 0, days: 1, micros: 3_600_000_000 });
        let rows = s.plan(&counts, "t").unwrap();
        assert_eq!(
            rows[0].overlap_predicate.as_deref(),
            Some("\"ts\" >= TIMESTAMP '2024-02-28 23:00:00' AND \"ts\" < TIMESTAMP '2024-04-01 00:00:00'")
        );
        s.overlap = Some(Interval { months: -1, days: 0, micros: 0 });
        assert!(s.plan(&counts, "t").unwrap_err().to_string().contains("positive INTERVAL"));
    }

    #[test]
    fn hour_on_date_and_too_many_partitions_are_refused() {
        let counts = PartitionCounts { keys: vec![(0, 1, 0)], null_rows: 0, null_bytes: 0 };
        assert!(spec(TemporalType::Date, Granularity::Hour)
            .plan(&counts, "t")
            .unwrap_err()
            .to_string()
            .contains("'hour' needs a timestamp"));
        let wide = PartitionCounts { keys: vec![(0, 1, 0), (200 * 365 * 24, 1, 0)], null_rows: 0, null_bytes: 0 };
        assert!(spec(TemporalType::Timestamp, Granularity::Hour).plan(&wide, "t").unwrap_err().to_string().contains("coarser granularity"));
    }

    #[test]
    fn auto_picks_the_coarsest_fitting_granularity_and_merges_sparse_periods() {
        // Hourly counts: January dense (31 days x 24 h x 10 rows), February and March sparse.
        let mut keys = Vec::new();
        let jan = day(2024, 1, 1) * 24;
        for h in 0..31 * 24 {
            keys.push((jan + h, 10, 1000));
        }
        keys.push((day(2024, 2, 10) * 24, 1, 100));
        keys.push((day(2024, 3, 5) * 24 + 5, 1, 100));
        let counts = PartitionCounts { keys, null_rows: 0, null_bytes: 0 };
        let base = spec(TemporalType::Timestamp, Granularity::Day);
        // The whole year is 744,200 bytes: a 1 MB target takes one year.
        let (g, rows) = base.plan_auto(&counts, 3600, 1_000_000.0, "t").unwrap();
        assert_eq!(g, Granularity::Year);
        assert_eq!(rows[0].common.label.as_deref(), Some("2024"));
        // January alone is 744,000 bytes: months, with sparse February and March merged.
        let (g, rows) = base.plan_auto(&counts, 3600, 744_000.0, "t").unwrap();
        assert_eq!(g, Granularity::Month);
        let labels: Vec<_> = rows.iter().map(|r| r.common.label.clone().unwrap()).collect();
        assert_eq!(labels, vec!["2024-01", "2024-02..2024-03"]);
        assert_eq!(rows[1].common.predicate, "\"ts\" >= TIMESTAMP '2024-02-01 00:00:00' AND \"ts\" < TIMESTAMP '2024-04-01 00:00:00'");
        // 100 KB: a January week is 168,000 bytes, a day 24,000: days, with sparse days merged.
        let (g, rows) = base.plan_auto(&counts, 3600, 100_000.0, "t").unwrap();
        assert_eq!(g, Granularity::Day);
        assert!(rows.iter().all(|r| r.common.estimated_bytes <= 100_000));
        assert_eq!(rows.iter().map(|r| r.common.row_count).sum::<u64>(), 31 * 24 * 10 + 2);
        // Nothing fits: the finest granularity.
        let (g, _) = base.plan_auto(&counts, 3600, 10.0, "t").unwrap();
        assert_eq!(g, Granularity::Hour);
    }

    #[test]
    fn empty_input_gives_an_empty_manifest() {
        let rows = spec(TemporalType::Timestamp, Granularity::Day).plan(&PartitionCounts::default(), "t").unwrap();
        assert!(rows.is_empty());
    }

    #[test]
    fn fine_units_floor_and_infinity_is_seen() {
        use crate::core::calendar::SECONDS_PER_HOUR;
        assert_eq!(fine_unit(TemporalType::Timestamp, -1, SECONDS_PER_HOUR), -1);
        assert_eq!(fine_unit(TemporalType::Timestamp, 3_600_000_000, SECONDS_PER_HOUR), 1);
        assert_eq!(fine_unit(TemporalType::TimestampNs, 86_399_999_999_999, SECONDS_PER_DAY), 0);
        assert_eq!(fine_unit(TemporalType::TimestampS, -86_400, SECONDS_PER_DAY), -1);
        assert_eq!(fine_unit(TemporalType::Date, -3, SECONDS_PER_DAY), -3);
        let mut out = [0i64; 3];
        assert_eq!(fine_units(TemporalType::Date, &[1, -1, 0], SECONDS_PER_HOUR, |_| true, &mut out), Ok(()));
        assert_eq!(out, [24, -24, 0]);
        for t in [TemporalType::Timestamp, TemporalType::TimestampS, TemporalType::TimestampMs, TemporalType::TimestampNs] {
            for unit in [SECONDS_PER_HOUR, SECONDS_PER_DAY] {
                let raw = [-1, 0, 1, 7_777_777_777, -7_777_777_777, i64::MAX - 1];
                let mut out = [0i64; 6];
                fine_units(t, &raw, unit, |_| true, &mut out).unwrap();
                for (r, o) in raw.iter().zip(out) {
                    assert_eq!(o, fine_unit(t, *r, unit), "{t:?} {unit} {r}");
                }
            }
            let mut out = [0i64; 2];
            assert_eq!(fine_units(t, &[5, i64::MAX], SECONDS_PER_DAY, |_| true, &mut out), Err(1));
            assert_eq!(fine_units(t, &[5, i64::MAX], SECONDS_PER_DAY, |i| i == 0, &mut out), Ok(()));
        }
        assert!(is_infinite(TemporalType::Date, i32::MAX as i64) && is_infinite(TemporalType::Date, -(i32::MAX as i64)));
        assert!(is_infinite(TemporalType::TimestampNs, i64::MAX) && is_infinite(TemporalType::Timestamp, -i64::MAX));
        assert!(!is_infinite(TemporalType::Timestamp, 0));
        assert_eq!(parse_granularity("AUTO", TemporalType::Date).unwrap(), (Granularity::Day, true));
        assert_eq!(parse_granularity("month", TemporalType::Timestamp).unwrap(), (Granularity::Month, false));
        let s = spec(TemporalType::TimestampTz, Granularity::Day);
        assert_eq!(s.bound_text(86_400_000_000).unwrap(), "1970-01-02 00:00:00+00");
        assert_eq!(spec(TemporalType::Date, Granularity::Day).bound_text(1).unwrap(), "1970-01-02");
    }
}
