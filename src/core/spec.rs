//! Partition specs in Iceberg's transform language: several fields, one partition per
//! combination of their values.
//!
//! ```sql
//! FROM partext.partition_by('events', 'month(ts), bucket(16, user_id)');
//! SELECT *, partition_key(ts, 'month') AS ts_month, partition_key(user_id, 'bucket(16)') AS user_id_bucket FROM events;
//! ```
//!
//! [`PartitionSpec::parse`] reads the spec: comma-separated fields, each a bare column
//! (identity) or a transform of one — `year`, `month`, `day`, `hour` (and their plurals, as
//! Spark and Trino spell them), `bucket(N, c)`, `truncate(W, c)` — plus partext's `week(c)`
//! (ISO weeks) and `range(N, c)` (partition_range's N ranges of about equal rows, whose bounds
//! a seeded sample of the column gives before the scan that groups the rows). Fields are named
//! as Iceberg names them (`ts_month`, `user_id_bucket`, `name_trunc`, `amount_range`; an
//! identity field by its column).
//!
//! Each row's value of a field is its *human string*, the text Iceberg writes in a partition's
//! path ([`Transform::human`]): `2024-01` for a month, `2024-01-15-10` for an hour, `3` for a
//! bucket, the truncated value for `truncate`, base64 for binary values. The key function
//! `partition_key` returns it, so a user's `COPY ... PARTITION_BY` writes Iceberg's layout, and
//! partition_by's one scan groups by it. [`Transform::partition`] turns a group's human string
//! back into Iceberg's partition value and an exact predicate, and [`hive_path`] escapes the
//! path as Iceberg does. Per row the cost is one transform (a floor division, a murmur3 hash or
//! a prefix) and the string it writes; per partition, one parse of that string.

use chrono::{Datelike, NaiveDate};

use crate::core::calendar::{date_of, days_of, Granularity, SECONDS_PER_DAY};
use crate::core::error::{Error, Result};
use crate::core::literal::temporal_literal;
use crate::core::sql::{quote_ident, quote_literal};
use crate::core::strategy::{check_count, MAX_COUNT};
use crate::core::types::{ColumnType, TemporalType};

/// The most fields a spec may have, and the longest spec text partext reads.
pub const MAX_FIELDS: usize = 16;
pub const MAX_SPEC_LEN: usize = 4096;
/// The most partitions (combinations of field values) one manifest may list.
pub const MAX_PARTITIONS: usize = 1_000_000;

/// The spec's syntax, for messages.
const SYNTAX: &str = "a column (identity), year(c), month(c), day(c), hour(c), week(c), bucket(N, c), truncate(W, c) or range(N, c)";

/// One field's transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Identity,
    Year,
    Month,
    Day,
    Hour,
    /// partext's own: ISO weeks, Monday to Sunday.
    Week,
    Bucket(u32),
    Truncate(u32),
    /// partext's own: N ranges of about equal rows, their bounds picked from a sample of the
    /// column as partition_range picks them (`core::range`).
    Range(u32),
}

/// One field of a spec: a transform of a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecField {
    pub column: String,
    pub transform: Transform,
    /// The field as the user wrote it, for messages.
    pub text: String,
}

/// A parsed spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSpec {
    pub fields: Vec<SpecField>,
}

/// A value of a key column, as the key function reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Key<'a> {
    Int(i128),
    UInt(u128),
    /// Unscaled value and scale.
    Decimal(i128, u8),
    Float(f64),
    Bool(bool),
    /// Days since the epoch.
    Date(i64),
    /// Microseconds since midnight.
    Time(i64),
    /// Nanoseconds since the epoch.
    Timestamp(i128),
    /// Nanoseconds since the epoch, UTC.
    TimestampTz(i128),
    Text(&'a [u8]),
    Binary(&'a [u8]),
    Uuid(u128),
}

/// One partition's value of a field: Iceberg's partition value as text DuckDB casts to the
/// field's type (None for NULL), and the predicate that selects its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPartition {
    pub value: Option<String>,
    pub predicate: String,
}

/// An interval of a column: inclusive lower and exclusive upper bound as SQL literals (None:
/// unbounded), and the field's value of it.
type Interval = (Option<String>, Option<String>, String);

/// The condition selecting column `col`'s values in an interval ([`Interval`]'s bounds).
fn interval_predicate(col: &str, lower: Option<&str>, upper: Option<&str>) -> String {
    let terms: Vec<String> = lower.map(|l| format!("{col} >= {l}")).into_iter().chain(upper.map(|u| format!("{col} < {u}"))).collect();
    if terms.is_empty() {
        format!("{col} IS NOT NULL")
    } else {
        terms.join(" AND ")
    }
}

/// SQL conditions on a row comparing its value of one field with a partition's (see
/// [`Transform::bounds`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldBounds {
    /// The row's value is the partition's.
    eq: String,
    /// The row's value comes after the partition's (NULL comes after every value).
    gt: String,
    /// The row's value comes before the partition's.
    lt: String,
    /// Implied by a non-NULL value at or after the partition's: a bound DuckDB can skip row
    /// groups by (None when the partition's value is NULL).
    at_least: Option<String>,
    /// Implied by a non-NULL value at or before the partition's.
    at_most: Option<String>,
}

impl Transform {
    /// Reads one transform as the key function takes it: `month`, `bucket(16)`, `bucket[16]`,
    /// `truncate(4)`, `identity`.
    pub fn parse(text: &str) -> Result<Transform> {
        let t = text.trim();
        let (name, arg) = match t.find(['(', '[']) {
            Some(open) => {
                let close = if t.as_bytes()[open] == b'(' { ')' } else { ']' };
                let inner = t[open + 1..]
                    .strip_suffix(close)
                    .ok_or_else(|| Error::user(format!("transform '{text}' is malformed; write it as month, bucket(16) or truncate(4)")))?;
                (t[..open].trim(), Some(inner.trim()))
            }
            None => (t, None),
        };
        let transform = transform_named(name, text)?;
        match (transform, arg) {
            (Some(t), None) => Ok(t),
            (Some(_), Some(_)) => Err(Error::user(format!("transform '{text}' takes no argument; write it as {name}"))),
            (None, Some(n)) => with_number(name, parse_number(n, name, text)?, text),
            (None, None) => Err(Error::user(format!("transform '{text}' needs its width; write it as {name}(16)"))),
        }
    }

    /// The suffix Iceberg gives the field's name (an identity field is named by its column).
    fn suffix(self) -> &'static str {
        match self {
            Transform::Identity => "",
            Transform::Year => "_year",
            Transform::Month => "_month",
            Transform::Day => "_day",
            Transform::Hour => "_hour",
            Transform::Week => "_week",
            Transform::Range(_) => "_range",
            Transform::Bucket(_) => "_bucket",
            Transform::Truncate(_) => "_trunc",
        }
    }

    /// The transform as the key function takes it.
    pub fn key_text(self) -> String {
        match self {
            Transform::Identity => "identity".into(),
            Transform::Year => "year".into(),
            Transform::Month => "month".into(),
            Transform::Day => "day".into(),
            Transform::Hour => "hour".into(),
            Transform::Week => "week".into(),
            Transform::Bucket(n) => format!("bucket({n})"),
            Transform::Truncate(w) => format!("truncate({w})"),
            Transform::Range(n) => format!("range({n})"),
        }
    }

    /// The calendar granularity of a time transform.
    fn granularity(self) -> Option<Granularity> {
        Some(match self {
            Transform::Year => Granularity::Year,
            Transform::Month => Granularity::Month,
            Transform::Day => Granularity::Day,
            Transform::Hour => Granularity::Hour,
            Transform::Week => Granularity::Week,
            _ => return None,
        })
    }

    /// Whether Iceberg (or partext, for `week`) allows this transform on a column of type `t`;
    /// the error names the field and what to do instead.
    /// `field` is the spec's text of the field, None when the key function was called alone.
    pub fn check_type(self, field: Option<&str>, t: &ColumnType) -> Result<()> {
        use ColumnType::*;
        let temporal = TemporalType::from_column_type(t).is_some();
        let integer = matches!(t, TinyInt | SmallInt | Integer | BigInt | HugeInt | UTinyInt | USmallInt | UInteger | UBigInt | UHugeInt);
        let ok = match self {
            Transform::Identity => {
                integer || temporal || matches!(t, Boolean | Float | Double | Decimal { .. } | Time | Varchar | Blob | Uuid)
            }
            Transform::Year | Transform::Month | Transform::Day | Transform::Week => temporal,
            Transform::Hour => temporal && *t != Date,
            Transform::Bucket(_) => crate::core::hash::is_bucketable(t),
            Transform::Truncate(_) => integer || matches!(t, Decimal { .. } | Varchar | Blob),
            Transform::Range(_) => crate::core::range::RangeType::from_column_type(t).is_some(),
        };
        if ok {
            return Ok(());
        }
        let allowed = match self {
            Transform::Identity => {
                "a column of a primitive type (not LIST, STRUCT, MAP, ENUM or INTERVAL); cast it in a '(SELECT ...)' source"
            }
            Transform::Year | Transform::Month | Transform::Day | Transform::Week => "a DATE or TIMESTAMP column",
            Transform::Hour => "a TIMESTAMP column (a DATE has no hours; use day)",
            Transform::Bucket(_) => {
                "an integer, DECIMAL, DATE, TIME, TIMESTAMP, VARCHAR, BLOB or UUID column (Iceberg buckets no FLOAT, DOUBLE or BOOLEAN)"
            }
            Transform::Truncate(_) => "an integer, DECIMAL, VARCHAR or BLOB column (for dates and times use year, month, day or hour)",
            Transform::Range(_) => "a column of an ordered type (numbers, dates and times, VARCHAR)",
        };
        let prefix = field.map_or_else(String::new, |f| format!("field '{f}': "));
        Err(Error::user(format!("{prefix}{} cannot be applied to a column of type {t}; it takes {allowed}", self.key_text())))
    }

    /// Appends the human string of `key`'s value under this transform to `out` — the text of
    /// Iceberg's partition path. The caller has checked the column's type.
    pub fn human(self, key: Key, out: &mut String) -> Result<()> {
        if let Some(g) = self.granularity() {
            let second = match key {
                Key::Date(day) => day.checked_mul(SECONDS_PER_DAY),
                Key::Timestamp(nanos) | Key::TimestampTz(nanos) => i64::try_from(nanos.div_euclid(1_000_000_000)).ok(),
                _ => return Err(Error::internal(format!("{} of a value that is not a date or time", self.key_text()))),
            };
            let start = second.and_then(|s| g.period_start(s));
            return match start.and_then(|s| write_period(self, s, out)) {
                Some(()) => Ok(()),
                None => Err(Error::user(format!(
                    "a value is outside the calendar (an infinite or far-out date) and has no {}; filter it out in a '(SELECT ...)' source",
                    self.key_text()
                ))),
            };
        }
        match (self, key) {
            (Transform::Truncate(w), Key::Int(v)) => push_display(out, v - v.rem_euclid(i128::from(w))),
            (Transform::Truncate(w), Key::UInt(v)) => push_display(out, v - v % u128::from(w)),
            (Transform::Truncate(w), Key::Decimal(v, scale)) => push_decimal(out, v - v.rem_euclid(i128::from(w)), scale),
            (Transform::Truncate(w), Key::Text(b)) => {
                let s = text_of(b)?;
                let end = s.char_indices().nth(w as usize).map_or(s.len(), |(i, _)| i);
                out.push_str(&s[..end]);
            }
            (Transform::Truncate(w), Key::Binary(b)) => push_base64(out, &b[..b.len().min(w as usize)]),
            (Transform::Identity, key) => push_identity(out, key)?,
            (Transform::Range(_), _) => return Err(range_needs_bounds(self)),
            (t, _) => return Err(Error::internal(format!("{} of a value of another type", t.key_text()))),
        }
        Ok(())
    }

    /// A partition's value of this field and its predicate, from the human string the key
    /// function gave its rows (None for NULL). `column` is the key column, `t` its type;
    /// `ranges` the bounds of a `range` field (as text of the column's type), else empty.
    pub fn partition(self, column: &str, t: &ColumnType, human: Option<&str>, ranges: &[String]) -> Result<FieldPartition> {
        let col = quote_ident(column);
        let Some(h) = human else {
            return Ok(FieldPartition { value: None, predicate: format!("{col} IS NULL") });
        };
        let bad = || Error::internal(format!("the key '{h}' is not a {} value", self.key_text()));
        if let Some((lower, upper, value)) = self.interval(t, h, ranges)? {
            return Ok(FieldPartition { value: Some(value), predicate: interval_predicate(&col, lower.as_deref(), upper.as_deref()) });
        }
        let key_equals = || format!("partition_key({col}, {}) = {}", quote_literal(&self.key_text()), quote_literal(h));
        Ok(match self {
            Transform::Bucket(n) => {
                let b: u32 = h.parse().map_err(|_| bad())?;
                FieldPartition { value: Some(b.to_string()), predicate: format!("partition_key_hash({col}, {n}) = {b}") }
            }
            Transform::Truncate(w) => {
                if let (Some(min), Ok(v)) = (integer_min(t), h.parse::<i128>()) {
                    if v < min {
                        return Err(Error::user(format!(
                            "truncate({w}) of {column} gives {v}, below the smallest {t} ({min}); filter out values below {} in a '(SELECT ...)' source, or use bucket",
                            min + i128::from(w)
                        )));
                    }
                }
                FieldPartition { value: Some(castable(t, h)?), predicate: key_equals() }
            }
            _ => {
                let value = castable(t, h)?;
                // Values whose text casts back exactly are compared directly (so DuckDB can skip
                // row groups); the others through the key function itself.
                let predicate =
                    if identity_casts_back(t) { format!("{col} = CAST({} AS {t})", quote_literal(&value)) } else { key_equals() };
                FieldPartition { value: Some(value), predicate }
            }
        })
    }

    /// For a transform whose values are intervals of the column (time periods, ranges), the
    /// interval of human string `h` as literals of the column's type `t`: its inclusive lower
    /// and exclusive upper bound (None: unbounded; the calendar's last period has no end DuckDB
    /// can write) and the field's value. None for other transforms.
    fn interval(self, t: &ColumnType, h: &str, ranges: &[String]) -> Result<Option<Interval>> {
        let bad = || Error::internal(format!("the key '{h}' is not a {} value", self.key_text()));
        if let Transform::Range(_) = self {
            // Range i holds the values from bound i - 1 (inclusive) to bound i (exclusive).
            let i: usize = h.parse().map_err(|_| bad())?;
            if i > ranges.len() {
                return Err(bad());
            }
            let literal = |b: &String| format!("CAST({} AS {t})", quote_literal(b));
            return Ok(Some((i.checked_sub(1).map(|j| literal(&ranges[j])), ranges.get(i).map(literal), i.to_string())));
        }
        let Some(g) = self.granularity() else { return Ok(None) };
        let tt = TemporalType::from_column_type(t).ok_or_else(bad)?;
        let (start, value) = parse_period(self, h).ok_or_else(bad)?;
        let bound = |second: i64| temporal_literal(tt, i128::from(second) * 1_000_000_000);
        Ok(Some((Some(bound(start).ok_or_else(bad)?), g.next_start(start).and_then(bound), value)))
    }

    /// How a row's value of this field compares with the value of human string `h` (None:
    /// NULL), in the order of the manifest's partition ids: by the field's typed value, NULL
    /// last. Time fields and identity fields whose values cast back compare the column itself
    /// (so DuckDB can skip row groups), the others the key function's value as its type.
    fn bounds(self, column: &str, t: &ColumnType, h: Option<&str>, ranges: &[String]) -> Result<FieldBounds> {
        let col = quote_ident(column);
        let Some(h) = h else {
            let eq = format!("{col} IS NULL");
            return Ok(FieldBounds { eq, gt: "FALSE".into(), lt: format!("{col} IS NOT NULL"), at_least: None, at_most: None });
        };
        let gt_null = |gt: String| format!("({col} IS NULL OR {gt})");
        if let Some((lower, upper, _)) = self.interval(t, h, ranges)? {
            let after = upper.as_ref().map(|u| format!("{col} >= {u}"));
            let not_null = || format!("{col} IS NOT NULL");
            return Ok(FieldBounds {
                eq: interval_predicate(&col, lower.as_deref(), upper.as_deref()),
                gt: after.map_or_else(|| format!("{col} IS NULL"), gt_null),
                lt: lower.as_ref().map_or_else(|| "FALSE".to_string(), |l| format!("{col} < {l}")),
                at_least: Some(lower.map_or_else(not_null, |l| format!("{col} >= {l}"))),
                at_most: Some(upper.map_or_else(not_null, |u| format!("{col} < {u}"))),
            });
        }
        let eq = self.partition(column, t, Some(h), ranges)?.predicate;
        let (value, literal) = match self {
            Transform::Bucket(n) => {
                (format!("partition_key_hash({col}, {n})"), h.parse::<u32>().map_err(|_| Error::internal("a bucket key"))?.to_string())
            }
            Transform::Identity if identity_casts_back(t) => (col.clone(), format!("CAST({} AS {t})", quote_literal(h))),
            _ => {
                let key = format!("partition_key({col}, {})", quote_literal(&self.key_text()));
                let typed = if *t == ColumnType::Blob { format!("from_base64({key})") } else { format!("CAST({key} AS {t})") };
                (typed, format!("CAST({} AS {t})", quote_literal(&castable(t, h)?)))
            }
        };
        Ok(FieldBounds {
            eq,
            gt: gt_null(format!("{value} > {literal}")),
            lt: format!("{value} < {literal}"),
            at_least: Some(format!("{value} >= {literal}")),
            at_most: Some(format!("{value} <= {literal}")),
        })
    }

    /// The DuckDB type of the field's value in a manifest: None when it is the column's own.
    pub fn value_type(self) -> Option<&'static str> {
        match self {
            Transform::Year | Transform::Month | Transform::Hour | Transform::Bucket(_) | Transform::Range(_) => Some("INTEGER"),
            Transform::Day | Transform::Week => Some("DATE"),
            Transform::Identity | Transform::Truncate(_) => None,
        }
    }
}

/// Writes human strings row after row, remembering the last calendar period: sorted or
/// clustered times cost a comparison and a copy per row, not a calendar computation.
#[derive(Debug, Default)]
pub struct Humans {
    /// (transform, start, end) in seconds of the last period, and its human string.
    period: Option<(Transform, i64, i64, String)>,
}

impl Humans {
    pub fn write(&mut self, t: Transform, key: Key, out: &mut String) -> Result<()> {
        let Some(g) = t.granularity() else { return t.human(key, out) };
        let second = match key {
            Key::Date(day) => day.checked_mul(SECONDS_PER_DAY),
            Key::Timestamp(nanos) | Key::TimestampTz(nanos) => i64::try_from(nanos.div_euclid(1_000_000_000)).ok(),
            _ => None,
        };
        if let (Some(s), Some((pt, start, end, text))) = (second, &self.period) {
            if *pt == t && (*start..*end).contains(&s) {
                out.push_str(text);
                return Ok(());
            }
        }
        let mark = out.len();
        t.human(key, out)?;
        if let Some(start) = second.and_then(|s| g.period_start(s)) {
            if let Some(end) = g.next_start(start) {
                self.period = Some((t, start, end, out[mark..].to_string()));
            }
        }
        Ok(())
    }
}

impl SpecField {
    /// The field's name, as Iceberg names it: `ts_month`, `user_id_bucket`, `name_trunc`.
    pub fn name(&self) -> String {
        format!("{}{}", self.column, self.transform.suffix())
    }
}

impl PartitionSpec {
    /// Parses a spec such as `month(ts), bucket(16, user_id)`. Column names are bare
    /// identifiers or double-quoted (`"order date"`, with `""` for a quote).
    pub fn parse(text: &str) -> Result<PartitionSpec> {
        if text.len() > MAX_SPEC_LEN {
            return Err(Error::user(format!("the spec is {} bytes long; a spec has at most {MAX_SPEC_LEN}", text.len())));
        }
        let mut p = Parser { s: text, i: 0 };
        let mut fields: Vec<SpecField> = Vec::new();
        loop {
            p.skip_ws();
            if p.at_end() && fields.is_empty() {
                return Err(Error::user(format!(
                    "the spec is empty; list its fields, each {SYNTAX}, e.g. 'month(ts), bucket(16, user_id)'"
                )));
            }
            let start = p.i;
            let field = p.field()?;
            if fields.len() == MAX_FIELDS {
                return Err(Error::user(format!("the spec has more than {MAX_FIELDS} fields; partition by fewer")));
            }
            if let Some(other) = fields.iter().find(|f| f.name().eq_ignore_ascii_case(&field.name())) {
                return Err(Error::user(format!(
                    "fields '{}' and '{}' are both named '{}'; a spec holds each field once (one transform of each kind per column)",
                    other.text,
                    field.text,
                    field.name()
                )));
            }
            debug_assert!(p.i > start);
            fields.push(field);
            p.skip_ws();
            if p.at_end() {
                return Ok(PartitionSpec { fields });
            }
            if !p.eat(',') {
                return Err(p.unexpected("',' between fields"));
            }
        }
    }
}

/// The transform of a name, or None for one that takes a number (`bucket`, `truncate`).
fn transform_named(name: &str, field: &str) -> Result<Option<Transform>> {
    Ok(Some(match name.to_ascii_lowercase().as_str() {
        "identity" => Transform::Identity,
        "year" | "years" => Transform::Year,
        "month" | "months" => Transform::Month,
        "day" | "days" | "date" => Transform::Day,
        "hour" | "hours" | "date_hour" => Transform::Hour,
        "week" | "weeks" => Transform::Week,
        "bucket" | "truncate" | "range" => return Ok(None),
        _ => {
            return Err(Error::user(format!("unknown transform '{name}' in '{field}'; each field is {SYNTAX}")));
        }
    }))
}

/// The error of a `range` transform asked for a row's value alone: its bounds come from the
/// data, which partition_by and partition_keys sample first.
pub fn range_needs_bounds(t: Transform) -> Error {
    Error::user(format!(
        "{} has no value for a row alone: its bounds come from a sample of the data; use partext.partition_keys(tbl, spec), \
         or partition_key_range(value, bounds) with the bounds of partext.partition_range",
        t.key_text()
    ))
}

/// `bucket`, `truncate` or `range` with its number checked.
fn with_number(name: &str, n: i64, field: &str) -> Result<Transform> {
    if name.eq_ignore_ascii_case("bucket") {
        check_count("the bucket count", n).map(Transform::Bucket).map_err(|e| Error::user(format!("'{field}': {}", e.message())))
    } else if name.eq_ignore_ascii_case("range") {
        check_count("the range count", n).map(Transform::Range).map_err(|e| Error::user(format!("'{field}': {}", e.message())))
    } else if (1..=i64::from(i32::MAX)).contains(&n) {
        Ok(Transform::Truncate(n as u32))
    } else {
        Err(Error::user(format!("'{field}': the truncate width must be between 1 and {}, got {n}", i32::MAX)))
    }
}

fn parse_number(text: &str, name: &str, field: &str) -> Result<i64> {
    text.parse::<i64>().map_err(|_| {
        let what = if name.eq_ignore_ascii_case("bucket") || name.eq_ignore_ascii_case("range") {
            format!("a count between 1 and {MAX_COUNT}")
        } else {
            "a width".into()
        };
        Error::user(format!("'{field}': '{text}' is not {what}; write e.g. {name}(16, col)"))
    })
}

/// A spec's text, read left to right.
struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += self.peek().map_or(1, char::len_utf8);
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.i += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn unexpected(&self, wanted: &str) -> Error {
        let rest: String = self.s[self.i..].chars().take(24).collect();
        let found = if rest.is_empty() { "the end of the spec".to_string() } else { format!("'{rest}'") };
        Error::user(format!("the spec '{}' is malformed: expected {wanted} at {found}; each field is {SYNTAX}", shorten(self.s)))
    }

    /// An identifier: bare (`user_id`) or double-quoted (`"order ""date"""`).
    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        if self.peek() == Some('"') {
            let mut out = String::new();
            let mut j = self.i + 1;
            loop {
                let c = self.s[j..].chars().next()?;
                j += c.len_utf8();
                if c == '"' {
                    if self.s[j..].starts_with('"') {
                        out.push('"');
                        j += 1;
                    } else {
                        self.i = j;
                        return (!out.is_empty()).then_some(out);
                    }
                } else {
                    out.push(c);
                }
            }
        }
        let start = self.i;
        let mut j = self.i;
        for c in self.s[self.i..].chars() {
            if c.is_alphanumeric() || c == '_' || c == '$' {
                j += c.len_utf8();
            } else {
                break;
            }
        }
        let word = &self.s[start..j];
        if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        self.i = j;
        Some(word.to_string())
    }

    /// An integer literal.
    fn number(&mut self) -> Option<&str> {
        self.skip_ws();
        let start = self.i;
        let mut j = start;
        if self.s[j..].starts_with('-') {
            j += 1;
        }
        let digits = self.s[j..].bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        self.i = j + digits;
        Some(&self.s[start..self.i])
    }

    /// One field: `col`, `t(col)`, `bucket(N, col)` (or Trino's `bucket(col, N)`).
    fn field(&mut self) -> Result<SpecField> {
        self.skip_ws();
        let start = self.i;
        let quoted = self.peek() == Some('"');
        let word = self.ident().ok_or_else(|| self.unexpected("a column or a transform"))?;
        self.skip_ws();
        if quoted || self.peek() != Some('(') {
            let text = self.s[start..self.i].trim().to_string();
            return Ok(SpecField { column: word, transform: Transform::Identity, text });
        }
        self.i += 1;
        let mut args: Vec<std::result::Result<String, String>> = Vec::new();
        loop {
            if let Some(n) = self.number() {
                args.push(Err(n.to_string()));
            } else if let Some(c) = self.ident() {
                args.push(Ok(c));
            } else {
                return Err(self.unexpected("a column or a number"));
            }
            if self.eat(')') {
                break;
            }
            if !self.eat(',') || args.len() == 2 {
                return Err(self.unexpected("')'"));
            }
        }
        let text = self.s[start..self.i].trim().to_string();
        let plain = transform_named(&word, &text)?;
        let transform_arity = || {
            let example = if plain.is_some() {
                format!("{}(ts)", word.to_ascii_lowercase())
            } else {
                format!("{}(16, col)", word.to_ascii_lowercase())
            };
            Error::user(format!("'{text}' has the wrong arguments; write it as {example}"))
        };
        let (transform, column) = match (plain, args.as_slice()) {
            (Some(t), [Ok(c)]) => (t, c.clone()),
            (None, [Err(n), Ok(c)] | [Ok(c), Err(n)]) => (with_number(&word, parse_number(n, &word, &text)?, &text)?, c.clone()),
            _ => return Err(transform_arity()),
        };
        Ok(SpecField { column, transform, text })
    }
}

/// The first 60 characters of a long spec, for messages.
fn shorten(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(60).collect::<String>())
    }
}

fn text_of(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|_| Error::internal("a VARCHAR value is not UTF-8"))
}

fn push_display(out: &mut String, v: impl std::fmt::Display) {
    use std::fmt::Write;
    let _ = write!(out, "{v}");
}

/// A decimal's text with all `scale` digits, as Python's `str(Decimal)` gives it: `-1.50`.
fn push_decimal(out: &mut String, unscaled: i128, scale: u8) {
    if scale == 0 {
        return push_display(out, unscaled);
    }
    let digits = unscaled.unsigned_abs().to_string();
    let scale = usize::from(scale);
    let padded = if digits.len() <= scale { format!("{}{digits}", "0".repeat(scale + 1 - digits.len())) } else { digits };
    if unscaled < 0 {
        out.push('-');
    }
    let point = padded.len() - scale;
    out.push_str(&padded[..point]);
    out.push('.');
    out.push_str(&padded[point..]);
}

/// A float as Python's `repr` writes it: the shortest digits that read back, in positional
/// notation for exponents -5 ..= 15 and scientific (`1e+16`) otherwise; `0.0` for both zeros
/// (so that -0.0 and 0.0, equal in SQL, are one partition).
fn push_float(out: &mut String, v: f64) {
    if v.is_nan() {
        return out.push_str("nan");
    }
    if v.is_infinite() {
        return out.push_str(if v > 0.0 { "inf" } else { "-inf" });
    }
    if v == 0.0 {
        return out.push_str("0.0");
    }
    // `{:e}` gives the shortest round-trip digits: `-1.2345e-7`.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    out.push_str(sign);
    if (-5..16).contains(&exp) {
        let point = exp + 1;
        if point <= 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-point) as usize));
            out.push_str(&digits);
        } else if point as usize >= digits.len() {
            out.push_str(&digits);
            out.push_str(&"0".repeat(point as usize - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point as usize]);
            out.push('.');
            out.push_str(&digits[point as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        push_display(out, format_args!("e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs()));
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, as Iceberg writes binary values in paths.
fn push_base64(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(BASE64[(n >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

fn from_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() != 4 {
            return None;
        }
        let mut n = 0u32;
        let mut pad = 0;
        for &c in chunk {
            let v = match c {
                b'=' => {
                    pad += 1;
                    0
                }
                _ => BASE64.iter().position(|&x| x == c)? as u32,
            };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad.min(2)]);
    }
    Some(out)
}

/// `HH:MM:SS[.ffffff]`, as Python's `isoformat` writes a time.
fn push_time_of_day(out: &mut String, micros: i64) {
    let secs = micros.div_euclid(1_000_000);
    push_display(out, format_args!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60));
    let frac = micros.rem_euclid(1_000_000);
    if frac != 0 {
        push_display(out, format_args!(".{frac:06}"));
    }
}

/// `YYYY-MM-DD` of a date.
fn push_date(out: &mut String, d: NaiveDate) {
    push_display(out, format_args!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()));
}

/// The human string of an identity value, as Iceberg writes it: ISO dates and times (`T`
/// between date and time, `+00:00` for TIMESTAMPTZ), base64 binary, `true`/`false`.
fn push_identity(out: &mut String, key: Key) -> Result<()> {
    let far = || Error::user("a value is outside the calendar (an infinite or far-out date); filter it out in a '(SELECT ...)' source");
    match key {
        Key::Int(v) => push_display(out, v),
        Key::UInt(v) => push_display(out, v),
        Key::Decimal(v, s) => push_decimal(out, v, s),
        Key::Float(v) => push_float(out, v),
        Key::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        Key::Date(d) => push_date(out, date_of(d).ok_or_else(far)?),
        Key::Time(us) => push_time_of_day(out, us),
        Key::Timestamp(nanos) | Key::TimestampTz(nanos) => {
            let micros = i64::try_from(nanos.div_euclid(1_000)).map_err(|_| far())?;
            push_date(out, date_of(micros.div_euclid(86_400_000_000)).ok_or_else(far)?);
            out.push('T');
            push_time_of_day(out, micros.rem_euclid(86_400_000_000));
            if matches!(key, Key::TimestampTz(_)) {
                out.push_str("+00:00");
            }
        }
        Key::Text(b) => out.push_str(text_of(b)?),
        Key::Binary(b) => push_base64(out, b),
        Key::Uuid(u) => {
            let hex = format!("{u:032x}");
            push_display(out, format_args!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]));
        }
    }
    Ok(())
}

/// Writes the human string of the period of `t` that starts at `start` (seconds).
fn write_period(t: Transform, start: i64, out: &mut String) -> Option<()> {
    let date = date_of(start.div_euclid(SECONDS_PER_DAY))?;
    match t {
        Transform::Year => push_display(out, format_args!("{:04}", date.year())),
        Transform::Month => push_display(out, format_args!("{:04}-{:02}", date.year(), date.month())),
        Transform::Day => push_date(out, date),
        Transform::Hour => {
            push_date(out, date);
            push_display(out, format_args!("-{:02}", start.rem_euclid(SECONDS_PER_DAY) / 3600));
        }
        Transform::Week => Granularity::Week.write_label(start, out)?,
        _ => return None,
    }
    Some(())
}

/// The start (seconds) of the period a human string names, and Iceberg's value of it: years,
/// months or hours since 1970 for year, month and hour, the date for day (and for week, its
/// Monday).
fn parse_period(t: Transform, h: &str) -> Option<(i64, String)> {
    let num = |s: &str| s.parse::<i32>().ok();
    let day_start = |d: NaiveDate| days_of(d).map(|day| day * SECONDS_PER_DAY);
    match t {
        Transform::Year => {
            let y = num(h)?;
            Some((day_start(NaiveDate::from_ymd_opt(y, 1, 1)?)?, (y - 1970).to_string()))
        }
        Transform::Month => {
            let (y, m) = h.rsplit_once('-')?;
            let (y, m) = (num(y)?, num(m)?);
            Some((day_start(NaiveDate::from_ymd_opt(y, m as u32, 1)?)?, ((y - 1970) * 12 + m - 1).to_string()))
        }
        Transform::Day => {
            let d = NaiveDate::parse_from_str(h, "%Y-%m-%d").ok()?;
            Some((day_start(d)?, h.to_string()))
        }
        Transform::Hour => {
            let (day, hour) = h.rsplit_once('-')?;
            let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
            let start = day_start(d)? + i64::from(num(hour)?) * 3600;
            Some((start, start.div_euclid(3600).to_string()))
        }
        Transform::Week => {
            let (y, w) = h.split_once("-W")?;
            let monday = NaiveDate::from_isoywd_opt(num(y)?, num(w)? as u32, chrono::Weekday::Mon)?;
            let mut value = String::new();
            push_date(&mut value, monday);
            Some((day_start(monday)?, value))
        }
        _ => None,
    }
}

/// The smallest value of a signed integer type.
fn integer_min(t: &ColumnType) -> Option<i128> {
    Some(match t {
        ColumnType::TinyInt => i128::from(i8::MIN),
        ColumnType::SmallInt => i128::from(i16::MIN),
        ColumnType::Integer => i128::from(i32::MIN),
        ColumnType::BigInt => i128::from(i64::MIN),
        _ => return None,
    })
}

/// Whether `CAST('<identity value text>' AS t)` gives back exactly the value, so an identity
/// predicate can compare the column with it.
fn identity_casts_back(t: &ColumnType) -> bool {
    use ColumnType::*;
    matches!(
        t,
        Boolean
            | TinyInt
            | SmallInt
            | Integer
            | BigInt
            | HugeInt
            | UTinyInt
            | USmallInt
            | UInteger
            | UBigInt
            | UHugeInt
            | Decimal { .. }
            | Date
            | Time
            | Timestamp
            | TimestampS
            | TimestampMs
            | TimestampTz
            | Varchar
            | Uuid
    )
}

/// The text DuckDB casts to the value a human string names, for a column of type `t`:
/// the string itself, except BLOB (base64 in the path, `\xHH` escapes for DuckDB).
fn castable(t: &ColumnType, h: &str) -> Result<String> {
    if *t != ColumnType::Blob {
        return Ok(h.to_string());
    }
    let bytes = from_base64(h).ok_or_else(|| Error::internal(format!("the key '{h}' is not base64")))?;
    let mut out = String::with_capacity(bytes.len() * 4);
    for b in bytes {
        if b.is_ascii_graphic() && b != b'\\' && b != b'\'' || b == b' ' {
            out.push(char::from(b));
        } else {
            push_display(&mut out, format_args!("\\x{b:02X}"));
        }
    }
    Ok(out)
}

/// Who names a partition's directories: Iceberg (pyiceberg's and Java's paths) or DuckDB's
/// partitioned COPY. Both keep letters, digits and `_.-~` and write every other byte of the
/// UTF-8 text as `%XX`, except that Iceberg writes a space `+` (Python's `quote_plus`) and a
/// NULL `null`, DuckDB `%20` and `__HIVE_DEFAULT_PARTITION__`, which Hive readers (DuckDB's
/// `hive_partitioning` among them) read back as NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStyle {
    Iceberg,
    DuckDb,
}

/// Appends `s` escaped as `style` escapes a path's names and values.
pub fn escape_path_part(s: &str, style: PathStyle, out: &mut String) {
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(char::from(b)),
            b' ' if style == PathStyle::Iceberg => out.push('+'),
            _ => push_display(out, format_args!("%{b:02X}")),
        }
    }
}

/// The Hive path of a partition, `ts_month=2024-01/user_id_bucket=3`, each name and value
/// escaped as `style` escapes them.
pub fn hive_path(names: &[String], humans: &[Option<&str>], style: PathStyle) -> String {
    let null = match style {
        PathStyle::Iceberg => "null",
        PathStyle::DuckDb => "__HIVE_DEFAULT_PARTITION__",
    };
    let mut out = String::new();
    for (i, (name, value)) in names.iter().zip(humans).enumerate() {
        if i > 0 {
            out.push('/');
        }
        escape_path_part(name, style, &mut out);
        out.push('=');
        match value {
            Some(v) => escape_path_part(v, style, &mut out),
            None => out.push_str(null),
        }
    }
    out
}

/// A partition's human strings as one text (for write_plan, which passes them through SQL as
/// text): `,`-separated, each `n` for NULL or `v` and the value escaped ([`escape_path_part`],
/// whose output holds no `,`).
pub fn encode_keys(humans: &[Option<String>]) -> String {
    let mut out = String::new();
    for (i, h) in humans.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match h {
            None => out.push('n'),
            Some(v) => {
                out.push('v');
                escape_path_part(v, PathStyle::DuckDb, &mut out);
            }
        }
    }
    out
}

/// The human strings [`encode_keys`] wrote.
pub fn decode_keys(text: &str) -> Result<Vec<Option<String>>> {
    let bad = || Error::internal(format!("'{text}' is not a partition's keys"));
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|part| match part.as_bytes().first() {
            Some(b'n') if part.len() == 1 => Ok(None),
            Some(b'v') => {
                let raw = &part.as_bytes()[1..];
                let mut bytes = Vec::with_capacity(raw.len());
                let mut i = 0;
                while i < raw.len() {
                    if raw[i] == b'%' {
                        let hex = raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).ok_or_else(bad)?;
                        bytes.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                        i += 3;
                    } else {
                        bytes.push(raw[i]);
                        i += 1;
                    }
                }
                String::from_utf8(bytes).map(Some).map_err(|_| bad())
            }
            _ => Err(bad()),
        })
        .collect()
}

/// `strict_1 OR (eq_1 AND (strict_2 OR (eq_2 AND ... (strict_n OR eq_n))))`: the rows whose
/// values come strictly after (or before, by `strict`) the partition's in the first field
/// that differs, or equal it in every field.
fn lexicographic(fields: &[FieldBounds], strict: impl Fn(&FieldBounds) -> &str) -> String {
    let mut acc: Option<String> = None;
    for f in fields.iter().rev() {
        let tail = match &acc {
            None => format!("({})", f.eq),
            Some(rest) => format!("({}) AND ({rest})", f.eq),
        };
        let s = strict(f);
        acc = Some(if s == "FALSE" { tail } else { format!("({s}) OR ({tail})") });
    }
    acc.unwrap_or_else(|| "TRUE".into())
}

/// What [`PartitionSpec::manifest_sql`]'s query returns: partition_by's manifest, or the
/// partitions write_plan plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestOutput {
    Manifest,
    WritePlan,
}

/// The manifest columns after the fields; a field may not take one of these names.
pub const MANIFEST_COLUMNS: [&str; 6] = ["partition_id", "predicate", "query", "row_count", "estimated_bytes", "path"];

impl PartitionSpec {
    /// Checks that no field is named like a manifest column.
    pub fn check_names(&self) -> Result<()> {
        for f in &self.fields {
            let name = f.name();
            if MANIFEST_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                return Err(Error::user(format!(
                    "field '{}' would be named '{name}', a column every manifest has; rename the column in a '(SELECT ..., {name} AS other_name FROM ...)' source",
                    f.text
                )));
            }
        }
        Ok(())
    }

    fn field_bounds(&self, types: &[ColumnType], ranges: &[Vec<String>], humans: &[Option<String>]) -> Result<Vec<FieldBounds>> {
        if types.len() != self.fields.len() || humans.len() != self.fields.len() {
            return Err(Error::internal("a partition's keys do not match the spec's fields"));
        }
        (0..self.fields.len())
            .map(|i| self.fields[i].transform.bounds(&self.fields[i].column, &types[i], humans[i].as_deref(), field_ranges(ranges, i)))
            .collect()
    }

    /// The bounds of each `range` field (as text of its column's type) in one list, as
    /// partext_spec_manifest takes them: per range field, in spec order, their count and then
    /// the bounds.
    pub fn flatten_ranges(&self, ranges: &[Vec<String>]) -> Vec<Option<String>> {
        let mut flat = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            if let Transform::Range(_) = f.transform {
                let bounds = field_ranges(ranges, i);
                flat.push(Some(bounds.len().to_string()));
                flat.extend(bounds.iter().cloned().map(Some));
            }
        }
        flat
    }

    /// The per-field bounds [`PartitionSpec::flatten_ranges`] flattened (empty for fields
    /// that are not ranges).
    pub fn split_ranges(&self, flat: &[Option<String>]) -> Result<Vec<Vec<String>>> {
        let bad = || Error::internal("the range bounds do not match the spec's range fields");
        let mut at = 0;
        let mut out = Vec::with_capacity(self.fields.len());
        for f in &self.fields {
            if let Transform::Range(_) = f.transform {
                let n: usize = flat.get(at).cloned().flatten().and_then(|c| c.parse().ok()).ok_or_else(bad)?;
                let end = n.checked_add(at + 1).ok_or_else(bad)?;
                let bounds = flat.get(at + 1..end).ok_or_else(bad)?;
                out.push(bounds.iter().map(|b| b.clone().ok_or_else(bad)).collect::<Result<Vec<_>>>()?);
                at = end;
            } else {
                out.push(Vec::new());
            }
        }
        if at != flat.len() {
            return Err(bad());
        }
        Ok(out)
    }

    /// The condition selecting the rows of every partition from `first` to `last` in the order
    /// of the manifest's partition ids (each given by its human strings, `types` the key
    /// columns' types): with consecutive partitions of a manifest, exactly their rows. The
    /// fields both share are compared for equality; the first that differs bounds the run
    /// (as `col >= lower AND col < upper` where it can, which DuckDB skips row groups by), and
    /// the rest compare in order.
    pub fn run_predicate(
        &self,
        types: &[ColumnType],
        ranges: &[Vec<String>],
        first: &[Option<String>],
        last: &[Option<String>],
    ) -> Result<String> {
        let a = self.field_bounds(types, ranges, first)?;
        let b = self.field_bounds(types, ranges, last)?;
        let shared = first.iter().zip(last).take_while(|(x, y)| x == y).count();
        let mut terms: Vec<String> = a[..shared].iter().map(|f| format!("({})", f.eq)).collect();
        if shared < a.len() {
            // The run's values of this field lie from first's to last's; NULL only if last's is.
            if last[shared].is_some() {
                terms.extend(a[shared].at_least.iter().chain(&b[shared].at_most).cloned());
            }
            terms.push(format!("({})", lexicographic(&a[shared..], |f| &f.gt)));
            terms.push(format!("({})", lexicographic(&b[shared..], |f| &f.lt)));
        }
        Ok(terms.join(" AND "))
    }

    /// The condition selecting rows whose partition comes at or before `last`'s.
    pub fn at_most_predicate(&self, types: &[ColumnType], ranges: &[Vec<String>], last: &[Option<String>]) -> Result<String> {
        Ok(lexicographic(&self.field_bounds(types, ranges, last)?, |f| &f.lt))
    }

    /// The select list of write_plan's COPY statements: the source's columns, each identity
    /// field's column replaced by its human string (DuckDB names the directory by it and
    /// leaves the column out of the files, as Hive writers do), and one column per other field
    /// named as the field; then the fields' names in spec order, for `PARTITION_BY`. The
    /// columns are quoted identifiers: the manifest that listed the partitions checked them.
    /// A range field's key is `partition_key_range` with its bounds as literals of the key
    /// column's type (`types`).
    pub fn copy_columns(&self, types: &[ColumnType], ranges: &[Vec<String>]) -> (String, String) {
        let key = |i: usize, f: &SpecField| {
            let col = quote_ident(&f.column);
            match (f.transform, types.get(i)) {
                (Transform::Range(_), Some(t)) => {
                    let bounds: Vec<String> =
                        field_ranges(ranges, i).iter().map(|b| format!("CAST({} AS {t})", quote_literal(b))).collect();
                    format!("partition_key_range({col}, CAST([{}] AS {t}[]))", bounds.join(", "))
                }
                _ => format!("partition_key({col}, {})", quote_literal(&f.transform.key_text())),
            }
        };
        let replaced: Vec<String> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.transform == Transform::Identity)
            .map(|(i, f)| format!("{} AS {}", key(i, f), quote_ident(&f.column)))
            .collect();
        let mut select = if replaced.is_empty() { "*".to_string() } else { format!("* REPLACE ({})", replaced.join(", ")) };
        for (i, f) in self.fields.iter().enumerate().filter(|(_, f)| f.transform != Transform::Identity) {
            select.push_str(&format!(", {} AS {}", key(i, f), quote_ident(&f.name())));
        }
        let names: Vec<String> = self.fields.iter().map(|f| quote_ident(&f.name())).collect();
        (select, names.join(", "))
    }

    /// The names of the fields, in order.
    pub fn names(&self) -> Vec<String> {
        self.fields.iter().map(SpecField::name).collect()
    }

    /// `partition_key(col, 'transform', 'field')` for each field, as `AS "name"` columns; a
    /// range field's index among the bounds of its CTE ([`PartitionSpec::range_ctes`]) as text.
    fn key_columns(&self, function: &str) -> Vec<String> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let col = column_ref(&f.column, function);
                let key = match f.transform {
                    Transform::Range(_) => format!("CAST(partition_key_range({col}, (SELECT b FROM {})) AS VARCHAR)", range_cte(i)),
                    _ => format!("partition_key({col}, {}, {})", quote_literal(&f.transform.key_text()), quote_literal(&f.text)),
                };
                format!("{key} AS {}", quote_ident(&f.name()))
            })
            .collect()
    }

    /// The CTEs that pick each range field's bounds, `range_<i> AS (... AS b)`, each followed
    /// by `,\n`: a seeded reservoir sample of the column and partition_range's equi-depth
    /// bounds of it (`core::range`), in the column's type.
    fn range_ctes(&self, source: &str, function: &str) -> String {
        let mut out = String::new();
        for (i, f) in self.fields.iter().enumerate() {
            let Transform::Range(n) = f.transform else { continue };
            let name = range_cte(i);
            let sample = crate::core::range::SamplePolicy::Reservoir.sample_sql(source, &column_ref(&f.column, function), n as usize);
            // partext_key_check (constant: DuckDB runs it once, while binding) refuses a column
            // type range cannot split, in the field's words, before any row is read.
            let sample = format!(
                "SELECT CASE WHEN partext_key_check(typeof(k), [{}], {}) THEN k END AS k FROM ({sample})",
                quote_literal(&f.text),
                quote_literal(function)
            );
            out.push_str(&format!(
                "{name}_sample AS ({sample}),\n\
                 {name} AS MATERIALIZED (SELECT list_transform(partext_range_bounds(s, [{n}], false), lambda p: s[p]) AS b \
                 FROM (SELECT coalesce(list(k) FILTER (k IS NOT NULL), [(SELECT k FROM {name}_sample LIMIT 0)][1:0]) AS s FROM {name}_sample)),\n"
            ));
        }
        out
    }

    /// SQL of the range fields' bounds as partext_spec_manifest takes them
    /// ([`PartitionSpec::flatten_ranges`]): per range field its count, then its bounds as text.
    fn ranges_sql(&self) -> String {
        let lists: Vec<String> = self
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.transform, Transform::Range(_)))
            .map(|(i, _)| {
                let b = format!("(SELECT b FROM {})", range_cte(i));
                format!("[CAST(len({b}) AS VARCHAR)] || CAST({b} AS VARCHAR[])")
            })
            .collect();
        if lists.is_empty() {
            "CAST([] AS VARCHAR[])".into()
        } else {
            format!("flatten([{}])", lists.join(", "))
        }
    }

    /// The query partition_by runs in the caller's query (through `query(...)`): one scan
    /// groups the source's rows by the fields' human strings (`partition_key`, one call a
    /// field a row) and counts them; `partext_spec_manifest` turns the groups into rows with
    /// values, predicates and paths; the fields' values get their types and partition ids
    /// follow their order. `spec`, `tbl` are the user's text, `source` the text after FROM,
    /// `row_bytes` SQL for the source's bytes per row.
    pub fn manifest_sql(&self, spec: &str, tbl: &str, source: &str, row_bytes: &str, output: ManifestOutput) -> String {
        let keys = self.key_columns("partition_by").join(", ");
        let names: Vec<String> = self.fields.iter().map(|f| quote_ident(&f.name())).collect();
        let types: Vec<String> =
            self.fields.iter().map(|f| format!("typeof((SELECT {} FROM src LIMIT 0))", column_ref(&f.column, "partition_by"))).collect();
        let values: Vec<String> = self
            .fields
            .iter()
            .zip(&names)
            .enumerate()
            .map(|(i, (f, name))| match f.transform.value_type() {
                Some(t) => format!("CAST(r.value_{} AS {t}) AS {name}", i + 1),
                None => format!(
                    "cast_to_type(r.value_{}, (SELECT {} FROM src LIMIT 0)) AS {name}",
                    i + 1,
                    column_ref(&f.column, "partition_by")
                ),
            })
            .collect();
        let order: Vec<String> = names.iter().map(|n| format!("{n} NULLS LAST")).collect();
        format!(
            "WITH src AS NOT MATERIALIZED (SELECT * FROM {source}),\n{ranges}\
             groups AS (SELECT {keys}, count(*) AS n FROM src GROUP BY ALL),\n\
             m AS (SELECT partext_spec_manifest({spec_lit}, {tbl_lit}, [{types}], \
             coalesce(flatten(list([{group}, CAST(n AS VARCHAR)])), []), {row_bytes}, {bounds}) AS rows FROM groups)\n\
             SELECT CAST(row_number() OVER (ORDER BY {order}) - 1 AS BIGINT) AS partition_id, {columns}\n\
             FROM (SELECT {values}, r.predicate, r.query, r.row_count, r.estimated_bytes, r.path, r.keys, r.ranges \
             FROM (SELECT unnest(rows) AS r FROM m))\n\
             ORDER BY partition_id",
            ranges = self.range_ctes(source, "partition_by"),
            bounds = self.ranges_sql(),
            columns = match output {
                ManifestOutput::Manifest => format!("{}, predicate, query, row_count, estimated_bytes, path", names.join(", ")),
                // write_plan's partitions (core::write_plan::manifest_sql's columns): the
                // path as label, the human strings, the range fields' bounds and the key
                // columns' types as text.
                ManifestOutput::WritePlan => format!(
                    "path AS label, row_count, estimated_bytes, keys AS lower_text, ranges AS upper_text, \
                     array_to_string([{}], chr(10)) AS key_type",
                    types.join(", ")
                ),
            },
            spec_lit = quote_literal(spec),
            tbl_lit = quote_literal(tbl),
            types = types.join(", "),
            group = names.join(", "),
            order = order.join(", "),
            values = values.join(", "),
        )
    }

    /// The source's rows with one column per field (its human string), for a user's own
    /// `COPY ... PARTITION_BY` or `GROUP BY`.
    pub fn keys_sql(&self, source: &str) -> String {
        let ranges = self.range_ctes(source, "partition_keys");
        let with = if ranges.is_empty() { String::new() } else { format!("WITH {}\n", ranges.trim_end().trim_end_matches(',')) };
        format!("{with}SELECT *, {} FROM {source}", self.key_columns("partition_keys").join(", "))
    }
}

/// The name of the CTE holding the bounds of range field `i`.
fn range_cte(i: usize) -> String {
    format!("partext_range_{}", i + 1)
}

/// The bounds of field `i` in per-field `ranges` (none where it has none).
fn field_ranges(ranges: &[Vec<String>], i: usize) -> &[String] {
    ranges.get(i).map_or(&[], Vec::as_slice)
}

/// The source's column `col`, picked by `partext_column` while DuckDB binds the query: a
/// name the source lacks gets partext's message, which lists the source's columns.
fn column_ref(col: &str, function: &str) -> String {
    format!("COLUMNS(lambda c: partext_column(c, [{}], {}))", quote_literal(col), quote_literal(function))
}

/// One partition of a spec's manifest: each field's value (castable text) and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecPartition {
    pub values: Vec<Option<String>>,
    pub predicate: String,
    pub query: String,
    pub row_count: u64,
    pub estimated_bytes: u64,
    pub path: String,
    /// The partition's human strings, [`encode_keys`]'d.
    pub keys: String,
}

impl PartitionSpec {
    /// The partitions of the groups a scan found: `cells` holds each group's human strings,
    /// one a field, followed by its row count; `types` the key columns' types.
    /// `ranges`: the range fields' bounds ([`PartitionSpec::split_ranges`]).
    pub fn partitions(
        &self,
        types: &[ColumnType],
        ranges: &[Vec<String>],
        cells: &[Option<String>],
        source: &str,
        row_bytes: f64,
    ) -> Result<Vec<SpecPartition>> {
        let n = self.fields.len();
        for (f, t) in self.fields.iter().zip(types) {
            f.transform.check_type(Some(&f.text), t)?;
        }
        let groups = cells.len() / (n + 1);
        if groups > MAX_PARTITIONS {
            return Err(Error::user(format!(
                "the spec gives {groups} partitions, more than {MAX_PARTITIONS}; use coarser transforms (month for day, fewer buckets, a shorter truncate) or fewer fields"
            )));
        }
        let names: Vec<String> = self.fields.iter().map(SpecField::name).collect();
        cells
            .chunks_exact(n + 1)
            .map(|group| {
                let rows: u64 =
                    group[n].as_deref().and_then(|c| c.parse().ok()).ok_or_else(|| Error::internal("a group has no row count"))?;
                let mut values = Vec::with_capacity(n);
                let mut predicates = Vec::with_capacity(n);
                for (i, ((f, t), human)) in self.fields.iter().zip(types).zip(group).enumerate() {
                    let p = f.transform.partition(&f.column, t, human.as_deref(), field_ranges(ranges, i))?;
                    values.push(p.value);
                    predicates.push(format!("({})", p.predicate));
                }
                let predicate = predicates.join(" AND ");
                let humans: Vec<Option<&str>> = group[..n].iter().map(Option::as_deref).collect();
                Ok(SpecPartition {
                    values,
                    query: format!("SELECT * FROM {source} WHERE {predicate}"),
                    predicate,
                    row_count: rows,
                    estimated_bytes: crate::core::size::estimate(rows, row_bytes),
                    path: hive_path(&names, &humans, PathStyle::Iceberg),
                    keys: encode_keys(&group[..n]),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn human(t: Transform, key: Key) -> String {
        let mut s = String::new();
        t.human(key, &mut s).unwrap();
        s
    }

    fn err(spec: &str) -> String {
        PartitionSpec::parse(spec).unwrap_err().message().to_string()
    }

    #[test]
    fn specs_parse_into_iceberg_fields() {
        let spec = PartitionSpec::parse(" month(ts), bucket(16, user_id) ,truncate(4,name), region, HOURS(\"event time\"), bucket(id, 8)")
            .unwrap();
        let names: Vec<String> = spec.fields.iter().map(SpecField::name).collect();
        assert_eq!(names, ["ts_month", "user_id_bucket", "name_trunc", "region", "event time_hour", "id_bucket"]);
        assert_eq!(spec.fields[1].transform, Transform::Bucket(16));
        assert_eq!(spec.fields[2].transform, Transform::Truncate(4));
        assert_eq!(spec.fields[5].transform, Transform::Bucket(8));
        assert_eq!(spec.fields[4].column, "event time");
        assert_eq!(PartitionSpec::parse("\"a\"\"b\"").unwrap().fields[0].column, "a\"b");
        assert_eq!(PartitionSpec::parse("\"month\"").unwrap().fields[0].transform, Transform::Identity);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        assert!(err("").contains("the spec is empty"));
        assert!(err("quarter(ts)").contains("unknown transform 'quarter'"));
        assert!(err("month(ts, 3)").contains("wrong arguments; write it as month(ts)"));
        assert!(err("bucket(ts)").contains("wrong arguments; write it as bucket(16, col)"));
        assert!(err("bucket(0, id)").contains("between 1 and 65536"));
        assert!(err("truncate(-1, id)").contains("width must be between 1"));
        assert!(err("month(ts), months(ts)").contains("both named 'ts_month'"));
        assert!(err("bucket(8, id), bucket(16, id)").contains("both named 'id_bucket'"));
        assert!(err("month(ts) day(ts)").contains("expected ',' between fields"));
        assert!(err("month(ts),").contains("expected a column or a transform at the end of the spec"));
        assert!(err("month(").contains("expected a column or a number"));
        assert!(err("a.b").contains("expected ','"));
        assert!(err(&"x".repeat(5000)).contains("at most 4096"));
        let many: Vec<String> = (0..17).map(|i| format!("c{i}")).collect();
        assert!(err(&many.join(",")).contains("more than 16 fields"));
    }

    #[test]
    fn single_transforms_parse() {
        assert_eq!(Transform::parse("bucket[16]").unwrap(), Transform::Bucket(16));
        assert_eq!(Transform::parse(" Truncate(4) ").unwrap(), Transform::Truncate(4));
        assert_eq!(Transform::parse("months").unwrap(), Transform::Month);
        assert!(Transform::parse("bucket").unwrap_err().message().contains("needs its width"));
        assert!(Transform::parse("month(3)").unwrap_err().message().contains("takes no argument"));
        assert!(Transform::parse("bucket(16").unwrap_err().message().contains("malformed"));
    }

    #[test]
    fn types_are_checked_as_iceberg_does() {
        let t = |s: &str| ColumnType::parse(s);
        assert!(Transform::Bucket(4)
            .check_type(Some("bucket(4, price)"), &t("FLOAT"))
            .unwrap_err()
            .message()
            .contains("field 'bucket(4, price)'"));
        assert!(Transform::Month.check_type(Some("n_month"), &t("INTEGER")).is_err());
        assert!(Transform::Hour.check_type(Some("d_hour"), &t("DATE")).is_err());
        assert!(Transform::Truncate(2).check_type(Some("d_trunc"), &t("DATE")).is_err());
        assert!(Transform::Identity.check_type(Some("l"), &t("INTEGER[]")).is_err());
        for ok in ["DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS"] {
            Transform::Day.check_type(Some("x"), &t(ok)).unwrap();
        }
        Transform::Truncate(3).check_type(Some("x"), &t("DECIMAL(10,2)")).unwrap();
        Transform::Identity.check_type(Some("x"), &t("DOUBLE")).unwrap();
    }

    #[test]
    fn human_strings_match_iceberg() {
        let ts = |s: &str| {
            let d = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
            Key::Timestamp(i128::from(d.and_utc().timestamp_micros()) * 1000)
        };
        assert_eq!(human(Transform::Month, ts("2024-01-05 00:00:00")), "2024-01");
        assert_eq!(human(Transform::Month, ts("1969-12-31 23:59:59.999")), "1969-12");
        assert_eq!(human(Transform::Year, Key::Date(-1)), "1969");
        assert_eq!(human(Transform::Day, Key::Date(19_737)), "2024-01-15");
        assert_eq!(human(Transform::Hour, ts("2024-01-15 10:59:00")), "2024-01-15-10");
        assert_eq!(human(Transform::Week, Key::Date(19_737)), "2024-W03");
        assert_eq!(human(Transform::Truncate(10), Key::Int(-1)), "-10");
        assert_eq!(human(Transform::Truncate(10), Key::Int(15)), "10");
        assert_eq!(human(Transform::Truncate(50), Key::Decimal(1065, 2)), "10.50");
        assert_eq!(human(Transform::Truncate(2), Key::Text("éa/b".as_bytes())), "éa");
        assert_eq!(human(Transform::Truncate(2), Key::Binary(&[0, 1, 2])), "AAE=");
        assert_eq!(human(Transform::Identity, Key::Decimal(-5, 2)), "-0.05");
        assert_eq!(human(Transform::Identity, Key::Bool(true)), "true");
        assert_eq!(human(Transform::Identity, ts("2024-01-15 10:00:00")), "2024-01-15T10:00:00");
        assert_eq!(human(Transform::Identity, ts("2024-01-15 10:00:00.25")), "2024-01-15T10:00:00.250000");
        assert_eq!(human(Transform::Identity, Key::TimestampTz(0)), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            human(Transform::Identity, Key::Uuid(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)),
            "01234567-89ab-cdef-0123-456789abcdef"
        );
        for (v, py) in [
            (1.5, "1.5"),
            (100.0, "100.0"),
            (1e16, "1e+16"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (-0.0, "0.0"),
            (123456.789, "123456.789"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(human(Transform::Identity, Key::Float(v)), py);
        }
        assert_eq!(human(Transform::Identity, Key::Float(f64::from(0.1f32))), "0.10000000149011612");
        let mut s = String::new();
        assert!(Transform::Month.human(Key::Timestamp(i128::from(i64::MAX) * 1000), &mut s).is_err());
    }

    #[test]
    fn partitions_give_iceberg_values_and_exact_predicates() {
        let t = |s: &str| ColumnType::parse(s);
        let p = Transform::Month.partition("ts", &t("TIMESTAMP"), Some("2024-01"), &[]).unwrap();
        assert_eq!(p.value.as_deref(), Some("648"));
        assert_eq!(p.predicate, "\"ts\" >= TIMESTAMP '2024-01-01 00:00:00' AND \"ts\" < TIMESTAMP '2024-02-01 00:00:00'");
        assert_eq!(Transform::Year.partition("d", &t("DATE"), Some("1969"), &[]).unwrap().value.as_deref(), Some("-1"));
        let h = Transform::Hour.partition("ts", &t("TIMESTAMP WITH TIME ZONE"), Some("2024-01-15-10"), &[]).unwrap();
        assert_eq!(h.value.as_deref(), Some("473698"));
        assert!(h.predicate.contains("TIMESTAMPTZ '2024-01-15 10:00:00+00'"));
        assert_eq!(Transform::Week.partition("d", &t("DATE"), Some("2024-W03"), &[]).unwrap().value.as_deref(), Some("2024-01-15"));
        let b = Transform::Bucket(16).partition("user id", &t("BIGINT"), Some("3"), &[]).unwrap();
        assert_eq!(b.predicate, "partition_key_hash(\"user id\", 16) = 3");
        let s = Transform::Identity.partition("r", &t("VARCHAR"), Some("it's"), &[]).unwrap();
        assert_eq!(s.predicate, "\"r\" = CAST('it''s' AS VARCHAR)");
        assert_eq!(Transform::Identity.partition("r", &t("VARCHAR"), None, &[]).unwrap().predicate, "\"r\" IS NULL");
        let f = Transform::Identity.partition("x", &t("DOUBLE"), Some("1.5"), &[]).unwrap();
        assert_eq!(f.predicate, "partition_key(\"x\", 'identity') = '1.5'");
        let low = Transform::Truncate(1000).partition("n", &t("BIGINT"), Some("-9223372036854776000"), &[]).unwrap_err();
        assert!(low.message().contains("below the smallest BIGINT"), "{low:?}");
        let blob = Transform::Truncate(2).partition("b", &t("BLOB"), Some("AAE="), &[]).unwrap();
        assert_eq!(blob.value.as_deref(), Some("\\x00\\x01"));
    }

    #[test]
    fn paths_escape_as_iceberg_and_duckdb_do() {
        let names = vec!["ts_month".to_string(), "name_trunc".to_string(), "b".to_string()];
        let humans = [Some("2024-01"), Some("é=x/ y"), None];
        assert_eq!(hive_path(&names, &humans, PathStyle::Iceberg), "ts_month=2024-01/name_trunc=%C3%A9%3Dx%2F+y/b=null");
        assert_eq!(
            hive_path(&names, &humans, PathStyle::DuckDb),
            "ts_month=2024-01/name_trunc=%C3%A9%3Dx%2F%20y/b=__HIVE_DEFAULT_PARTITION__"
        );
    }

    #[test]
    fn keys_round_trip_through_text() {
        let keys = vec![None, Some(String::new()), Some("a,b%c n".into()), Some("é😀".into()), Some("n".into()), Some("v".into())];
        let text = encode_keys(&keys);
        assert_eq!(decode_keys(&text).unwrap(), keys);
        assert_eq!(decode_keys("n").unwrap(), vec![None]);
        assert_eq!(decode_keys(&encode_keys(&[])).unwrap(), Vec::<Option<String>>::new());
        for bad in ["x1", "v%4", "v%zz", "nn", "v%FF", ","] {
            assert!(decode_keys(bad).is_err(), "{bad}");
        }
    }

    fn keys(values: &[Option<&str>]) -> Vec<Option<String>> {
        values.iter().map(|v| v.map(String::from)).collect()
    }

    #[test]
    fn runs_of_partitions_are_bounded_by_their_first_and_last() {
        let spec = PartitionSpec::parse("month(ts), bucket(4, u), region").unwrap();
        let types = [ColumnType::Timestamp, ColumnType::BigInt, ColumnType::Varchar];
        let none: [Vec<String>; 0] = [];
        // One partition: its own predicate.
        let one = keys(&[Some("2024-01"), Some("3"), None]);
        assert_eq!(
            spec.run_predicate(&types, &none, &one, &one).unwrap(),
            "(\"ts\" >= TIMESTAMP '2024-01-01 00:00:00' AND \"ts\" < TIMESTAMP '2024-02-01 00:00:00') AND \
             (partition_key_hash(\"u\", 4) = 3) AND (\"region\" IS NULL)"
        );
        // Within one month: bounded by the buckets, then the regions compare in order.
        let run = spec.run_predicate(&types, &none, &keys(&[Some("2024-01"), Some("1"), Some("EU")]), &one).unwrap();
        assert!(run.starts_with("(\"ts\" >= TIMESTAMP '2024-01-01 00:00:00' AND \"ts\" < TIMESTAMP '2024-02-01 00:00:00') AND partition_key_hash(\"u\", 4) >= 1 AND partition_key_hash(\"u\", 4) <= 3 AND"), "{run}");
        assert!(run.contains("(\"region\" IS NULL OR \"region\" > CAST('EU' AS VARCHAR))"), "{run}");
        // Across months: the months bound the run for DuckDB's row group skipping.
        let run = spec
            .run_predicate(&types, &none, &keys(&[Some("2024-01"), Some("2"), Some("EU")]), &keys(&[Some("2024-03"), Some("0"), None]))
            .unwrap();
        assert!(run.starts_with("\"ts\" >= TIMESTAMP '2024-01-01 00:00:00' AND \"ts\" < TIMESTAMP '2024-04-01 00:00:00' AND"), "{run}");
        // A run that ends in NULL months has no upper bound on the column.
        let run = spec.run_predicate(&types, &none, &keys(&[Some("2024-01"), Some("2"), Some("EU")]), &keys(&[None, None, None])).unwrap();
        assert!(run.starts_with("(((\"ts\" IS NULL OR \"ts\" >= TIMESTAMP '2024-02-01 00:00:00')) OR ("), "{run}");
        assert!(run.contains(") AND ((\"ts\" IS NOT NULL) OR ((\"ts\" IS NULL) AND "), "{run}");
        let at_most = spec.at_most_predicate(&types, &none, &one).unwrap();
        assert!(at_most.starts_with("(\"ts\" < TIMESTAMP '2024-01-01 00:00:00') OR ("), "{at_most}");
    }

    #[test]
    fn range_fields_are_intervals_between_their_bounds() {
        let spec = PartitionSpec::parse("range(3, amount), month(ts)").unwrap();
        assert_eq!(spec.fields[0].transform, Transform::Range(3));
        assert_eq!(spec.fields[0].name(), "amount_range");
        assert_eq!(PartitionSpec::parse("range(amount, 3)").unwrap().fields[0].transform, Transform::Range(3));
        assert!(err("range(0, a)").contains("the range count must be between 1 and 65536, got 0"));
        assert!(err("range(a)").contains("write it as range(16, col)"));
        let t = ColumnType::parse("DOUBLE");
        let bounds = vec!["1.5".to_string(), "10".to_string()];
        let p = |h| Transform::Range(3).partition("amount", &t, Some(h), &bounds).unwrap();
        assert_eq!(p("0").predicate, "\"amount\" < CAST('1.5' AS DOUBLE)");
        assert_eq!(p("1").predicate, "\"amount\" >= CAST('1.5' AS DOUBLE) AND \"amount\" < CAST('10' AS DOUBLE)");
        assert_eq!(p("2").predicate, "\"amount\" >= CAST('10' AS DOUBLE)");
        assert_eq!(p("2").value.as_deref(), Some("2"));
        assert!(Transform::Range(3).partition("amount", &t, Some("3"), &bounds).is_err());
        assert_eq!(Transform::Range(1).partition("amount", &t, Some("0"), &[]).unwrap().predicate, "\"amount\" IS NOT NULL");
        assert!(Transform::Range(2).check_type(None, &ColumnType::parse("BOOLEAN")).is_err());
        assert!(Transform::Range(2).check_type(None, &ColumnType::parse("VARCHAR")).is_ok());
        let message = Transform::parse("range(4)").map(range_needs_bounds).unwrap().to_string();
        assert!(message.contains("partext.partition_keys(tbl, spec)"), "{message}");
        // Bounds travel through SQL as one flat list, per range field its count first.
        let ranges = vec![bounds.clone(), Vec::new()];
        let flat = spec.flatten_ranges(&ranges);
        assert_eq!(flat, vec![Some("2".into()), Some("1.5".into()), Some("10".into())]);
        assert_eq!(spec.split_ranges(&flat).unwrap(), ranges);
        assert!(spec.split_ranges(&flat[..2]).is_err());
        assert!(spec.split_ranges(&[]).is_err());
        // Runs of range partitions are bounded by the column.
        let types = [t, ColumnType::Timestamp];
        let run = spec.run_predicate(&types, &ranges, &keys(&[Some("0"), Some("2024-01")]), &keys(&[Some("1"), None])).unwrap();
        assert!(run.starts_with("\"amount\" IS NOT NULL AND \"amount\" < CAST('10' AS DOUBLE) AND"), "{run}");
        let (select, _) = spec.copy_columns(&types, &ranges);
        assert!(
            select.starts_with(
                "*, partition_key_range(\"amount\", CAST([CAST('1.5' AS DOUBLE), CAST('10' AS DOUBLE)] AS DOUBLE[])) AS \"amount_range\""
            ),
            "{select}"
        );
    }

    #[test]
    fn writes_select_identity_fields_as_text_and_name_the_others() {
        let spec = PartitionSpec::parse("month(ts), \"my region\", truncate(2, name)").unwrap();
        let types = [ColumnType::Timestamp, ColumnType::Varchar, ColumnType::Varchar];
        let (select, partition_by) = spec.copy_columns(&types, &[]);
        assert_eq!(
            select,
            "* REPLACE (partition_key(\"my region\", 'identity') AS \"my region\"), partition_key(\"ts\", 'month') AS \"ts_month\", \
             partition_key(\"name\", 'truncate(2)') AS \"name_trunc\""
        );
        assert_eq!(partition_by, "\"ts_month\", \"my region\", \"name_trunc\"");
    }

    #[test]
    fn base64_round_trips() {
        for bytes in [&b""[..], b"a", b"ab", b"abc", b"\x00\xff\x10\x20"] {
            let mut s = String::new();
            push_base64(&mut s, bytes);
            assert_eq!(from_base64(&s).unwrap(), bytes);
        }
    }

    /// Random and hostile spec text never panics and never loops: it parses or says why not.
    #[test]
    fn any_spec_text_parses_or_errors() {
        let pieces = [
            "month",
            "(",
            ")",
            ",",
            "\"",
            "\"\"",
            " ",
            "bucket",
            "16",
            "-3",
            "ts",
            "é",
            "[",
            "truncate",
            "99999999999999999999",
            "'",
            ";",
            "\0",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut s = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for k in 0..(state % 12) {
                s.push_str(pieces[((state >> (k * 5)) % pieces.len() as u64) as usize]);
            }
            match PartitionSpec::parse(&s) {
                Ok(spec) => assert!(!spec.fields.is_empty() && spec.fields.len() <= MAX_FIELDS),
                Err(e) => assert!(!e.is_internal() && !e.message().is_empty(), "{s}: {e:?}"),
            }
            let _ = Transform::parse(&s);
        }
    }
}
