//! The Airbyte protocol: records, catalogs and Airbyte's type system, mapped to DuckDB types.
//!
//! ```sql
//! CREATE TABLE users AS FROM read_airbyte('/dev/stdin', stream := 'users', catalog := 'catalog.json');
//! ```
//!
//! Input is newline-delimited Airbyte messages. Only `RECORD` messages of the chosen stream
//! become rows; STATE, LOG, TRACE, CATALOG, SPEC, CONNECTION_STATUS and CONTROL are skipped.
//! Column types come from the stream's JSON schema (a catalog) following Airbyte's data types,
//! or are inferred from a sample of records. Each line is parsed once; memory holds one line.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde_json::{Map, Value};

use crate::core::calendar::days_of;
use crate::core::json::{unescape, Scanner};

/// The DuckDB type of an Airbyte field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AirbyteType {
    Varchar,
    Date,
    Timestamp,
    TimestampTz,
    Time,
    BigInt,
    Double,
    Boolean,
    Json,
}

impl AirbyteType {
    pub fn sql_name(self) -> &'static str {
        match self {
            AirbyteType::Varchar => "VARCHAR",
            AirbyteType::Date => "DATE",
            AirbyteType::Timestamp => "TIMESTAMP",
            AirbyteType::TimestampTz => "TIMESTAMP WITH TIME ZONE",
            AirbyteType::Time => "TIME",
            AirbyteType::BigInt => "BIGINT",
            AirbyteType::Double => "DOUBLE",
            AirbyteType::Boolean => "BOOLEAN",
            AirbyteType::Json => "JSON",
        }
    }

    /// Maps a property's JSON schema: nullable `["null", T]` is T; formats date, date-time
    /// (with airbyte_type timestamp_without_timezone: TIMESTAMP, else TIMESTAMPTZ) and time;
    /// integer (or number with airbyte_type integer) is BIGINT; objects, arrays and unions are JSON.
    pub fn of_schema(schema: &Value) -> AirbyteType {
        if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
            return AirbyteType::Json;
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).filter(|t| *t != "null").collect(),
            _ => return AirbyteType::Json,
        };
        let [t] = types.as_slice() else { return AirbyteType::Json };
        let format = schema.get("format").and_then(Value::as_str);
        let airbyte_type = schema.get("airbyte_type").and_then(Value::as_str);
        match *t {
            "string" => match format {
                Some("date") => AirbyteType::Date,
                Some("date-time") if airbyte_type == Some("timestamp_without_timezone") => AirbyteType::Timestamp,
                Some("date-time") => AirbyteType::TimestampTz,
                Some("time") => AirbyteType::Time,
                _ => AirbyteType::Varchar,
            },
            "integer" => AirbyteType::BigInt,
            "number" if airbyte_type == Some("integer") => AirbyteType::BigInt,
            "number" => AirbyteType::Double,
            "boolean" => AirbyteType::Boolean,
            _ => AirbyteType::Json,
        }
    }

    /// The type a value suggests when no catalog says (for inference from a sample).
    pub fn of_value(v: &Value) -> Option<AirbyteType> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(_) => AirbyteType::Boolean,
            Value::Number(n) if n.is_i64() => AirbyteType::BigInt,
            Value::Number(_) => AirbyteType::Double,
            Value::String(s) => {
                if parse_date(s).is_some() {
                    AirbyteType::Date
                } else if DateTime::parse_from_rfc3339(s).is_ok() {
                    AirbyteType::TimestampTz
                } else if parse_naive_timestamp(s).is_some() {
                    AirbyteType::Timestamp
                } else {
                    AirbyteType::Varchar
                }
            }
            Value::Array(_) | Value::Object(_) => AirbyteType::Json,
        })
    }

    /// The common type of two suggestions: integers widen to DOUBLE, anything else mixed is JSON
    /// (strings of different formats are VARCHAR).
    pub fn unify(a: AirbyteType, b: AirbyteType) -> AirbyteType {
        use AirbyteType::*;
        match (a, b) {
            (x, y) if x == y => x,
            (BigInt, Double) | (Double, BigInt) => Double,
            (Varchar | Date | Timestamp | TimestampTz, Varchar | Date | Timestamp | TimestampTz) => Varchar,
            _ => Json,
        }
    }
}

/// A field value converted for DuckDB; text borrows from the input line when it can.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    Null,
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since the epoch.
    Date(i32),
    /// Microseconds since the epoch (TIMESTAMP, TIMESTAMPTZ) or since midnight (TIME).
    Micros(i64),
}

/// Converts the text of a JSON string to a date or time type.
fn convert_text(s: &str, t: AirbyteType) -> Option<FieldValue<'static>> {
    if let (AirbyteType::TimestampTz | AirbyteType::Timestamp, Some((local, offset))) = (t, fast_timestamp(s)) {
        // With an offset, both types hold the UTC instant; without one, the time as written.
        return Some(FieldValue::Micros(local - offset.unwrap_or(0) * 1_000_000));
    }
    Some(match t {
        AirbyteType::Date => FieldValue::Date(i32::try_from(days_of(parse_date(s)?)?).ok()?),
        AirbyteType::TimestampTz => match DateTime::parse_from_rfc3339(s) {
            Ok(dt) => FieldValue::Micros(dt.timestamp_micros()),
            // Without an offset, a timestamp is taken as UTC.
            Err(_) => FieldValue::Micros(parse_naive_timestamp(s)?.and_utc().timestamp_micros()),
        },
        AirbyteType::Timestamp => match parse_naive_timestamp(s) {
            Some(t) => FieldValue::Micros(t.and_utc().timestamp_micros()),
            None => FieldValue::Micros(DateTime::parse_from_rfc3339(s).ok()?.naive_utc().and_utc().timestamp_micros()),
        },
        AirbyteType::Time => {
            let t = NaiveTime::parse_from_str(s, "%H:%M:%S%.f").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M")).ok()?;
            FieldValue::Micros(i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1_000))
        }
        _ => return None,
    })
}

/// The common shape `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM]` without chrono's general
/// parser: (microseconds of the time as written, offset in seconds if any). None for any other
/// shape or an invalid date, which then goes to chrono, so both agree on what is accepted.
fn fast_timestamp(s: &str) -> Option<(i64, Option<i64>)> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut pos = 19;
    let mut micros = 0;
    if b.get(pos) == Some(&b'.') {
        let start = pos + 1;
        pos = start;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            if pos - start < 6 {
                micros = micros * 10 + i64::from(b[pos] - b'0');
            }
            pos += 1;
        }
        if pos == start {
            return None;
        }
        micros *= 10i64.pow(6u32.saturating_sub((pos - start) as u32));
    }
    let offset = match b.get(pos..) {
        Some([]) => None,
        Some([b'Z' | b'z']) => Some(0),
        Some([sign @ (b'+' | b'-'), _, _, b':', _, _]) => {
            let (h, m) = (num(pos + 1..pos + 3)?, num(pos + 4..pos + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            Some(if *sign == b'-' { -(h * 3600 + m * 60) } else { h * 3600 + m * 60 })
        }
        _ => return None,
    };
    if b[10] == b't' && offset.is_none() {
        // Only RFC 3339 (with an offset) allows a lower-case separator.
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((seconds * 1_000_000 + micros, offset))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn parse_naive_timestamp(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")).ok()
}

/// A RECORD message, borrowing from its line: field values stay raw JSON text until converted.
#[derive(Debug)]
pub struct Record<'a> {
    pub stream: Cow<'a, str>,
    pub namespace: Option<Cow<'a, str>>,
    pub data: Fields<'a>,
    pub emitted_at: Option<i64>,
    /// The record's `meta` as raw JSON text; None when absent or null.
    pub meta: Option<&'a str>,
}

/// One input line, parsed.
#[derive(Debug)]
pub enum Message<'a> {
    Record(Record<'a>),
    /// Any other message type (skipped) and blank lines.
    Other,
}

/// Parses one line of Airbyte protocol output in one pass of [`Scanner`]: the envelope is
/// decoded, a record's data is kept as raw field texts (see [`Fields`]), and the whole line is
/// checked to be valid JSON before any other problem with it is reported.
pub fn parse_line(line: &str) -> Result<Message<'_>, String> {
    let mut sc = Scanner::new(line);
    match sc.peek() {
        None => return Ok(Message::Other),
        Some(b'{') => {}
        Some(_) => return Err("not valid JSON (a message must be a JSON object)".into()),
    }
    let mut kind = None;
    let mut record = None;
    let mut problem = None;
    sc.object(|sc, key| {
        match key.as_ref() {
            "type" => kind = optional_string(sc, "type", &mut problem)?,
            "record" if sc.peek() == Some(b'{') => record = Some(parse_record(sc, &mut problem)?),
            _ => {
                sc.value()?;
            }
        }
        Ok(())
    })
    .and_then(|()| sc.finish())
    .map_err(|e| format!("not valid JSON ({e})"))?;
    if let Some(problem) = problem {
        return Err(problem);
    }
    match kind.as_deref() {
        Some("RECORD") => {
            let rec = record.ok_or("a RECORD message without a \"record\" object")?;
            let stream = rec.stream.ok_or("a RECORD without a \"stream\" name")?;
            let data = rec.data.ok_or("a RECORD without a \"data\" object")?;
            Ok(Message::Record(Record { stream, namespace: rec.namespace, data, emitted_at: rec.emitted_at, meta: rec.meta }))
        }
        Some(_) => Ok(Message::Other),
        None => Err("a message without a \"type\"".into()),
    }
}

/// The parts of a `record` object, each optional until the message type is known.
#[derive(Default)]
struct RecordParts<'a> {
    stream: Option<Cow<'a, str>>,
    namespace: Option<Cow<'a, str>>,
    data: Option<Fields<'a>>,
    emitted_at: Option<i64>,
    meta: Option<&'a str>,
}

/// Notes the first problem of a line that is valid JSON but not a valid message.
fn note(problem: &mut Option<String>, field: &str, what: &str) {
    problem.get_or_insert_with(|| format!("\"{field}\" {what}"));
}

/// A string or null (None); anything else is noted as a problem.
fn optional_string<'a>(sc: &mut Scanner<'a>, field: &str, problem: &mut Option<String>) -> Result<Option<Cow<'a, str>>, String> {
    if sc.peek() == Some(b'"') {
        return sc.string().map(Some);
    }
    if sc.value()? != "null" {
        note(problem, field, "is not a string");
    }
    Ok(None)
}

fn parse_record<'a>(sc: &mut Scanner<'a>, problem: &mut Option<String>) -> Result<RecordParts<'a>, String> {
    let mut parts = RecordParts::default();
    sc.object(|sc, key| {
        match key.as_ref() {
            "stream" => parts.stream = optional_string(sc, "stream", problem)?,
            "namespace" => parts.namespace = optional_string(sc, "namespace", problem)?,
            "data" if sc.peek() == Some(b'{') => {
                let mut fields = Vec::with_capacity(16);
                sc.object(|sc, name| {
                    fields.push((name, sc.value()?));
                    Ok(())
                })?;
                parts.data = Some(Fields(fields));
            }
            "data" => {
                if sc.value()? != "null" {
                    note(problem, "data", "is not a JSON object");
                }
            }
            "emitted_at" => {
                let text = sc.value()?;
                // Milliseconds since the epoch; a fraction is cut off.
                parts.emitted_at = match text.parse::<i64>() {
                    Ok(ms) => Some(ms),
                    Err(_) if text == "null" => None,
                    Err(_) => match text.parse::<f64>() {
                        Ok(ms) if ms.is_finite() && ms.abs() < 9.3e15 => Some(ms as i64),
                        // Beyond any timestamp: refused below.
                        Ok(_) => Some(i64::MAX),
                        _ => {
                            note(problem, "emitted_at", "is not a number of milliseconds");
                            None
                        }
                    },
                };
                // DuckDB's timestamps reach from 290309-12-22 (BC) to 294247-01-10: a time
                // outside that range makes the line malformed (an error naming it, or skipped
                // with ignore_errors), in both directions.
                if parts.emitted_at.is_some_and(|ms| emitted_at_micros(ms).is_none()) {
                    note(problem, "emitted_at", "is outside the range of DuckDB's timestamps");
                    parts.emitted_at = None;
                }
            }
            "meta" => parts.meta = Some(sc.value()?).filter(|m| *m != "null"),
            _ => {
                sc.value()?;
            }
        }
        Ok(())
    })?;
    Ok(parts)
}

/// A record's fields as raw JSON text, in input order; names borrow from the line unless they
/// contain escapes. Looked up through a [`FieldIndex`].
#[derive(Debug)]
pub struct Fields<'a>(Vec<(Cow<'a, str>, &'a str)>);

impl<'a> Fields<'a> {
    /// The raw text of the first field called `name` (a linear search: for tests and single lookups).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    /// The fields decoded, in input order (for schema inference).
    pub fn to_map(&self) -> Map<String, Value> {
        self.0.iter().map(|(k, v)| (k.to_string(), serde_json::from_str(v).unwrap_or(Value::Null))).collect()
    }
}

/// The columns read_airbyte adds after the stream's fields.
pub const RESERVED_COLUMNS: [&str; 2] = ["_airbyte_emitted_at", "_airbyte_meta"];

/// Column names for a stream's fields, in field order. DuckDB compares names ignoring ASCII case
/// and read_airbyte adds [`RESERVED_COLUMNS`], so a field whose name is reserved or already
/// taken (ignoring case) is renamed with the smallest free suffix `_1`, `_2`, ...; an empty
/// name becomes `_`, and a NUL character (which no DuckDB name holds) `_`. Linear in the number of fields: each base name remembers its last suffix.
pub fn column_names<'s>(fields: impl IntoIterator<Item = &'s str>) -> Vec<String> {
    let mut taken: ahash::AHashSet<String> = RESERVED_COLUMNS.iter().map(|r| r.to_string()).collect();
    let mut next_suffix: ahash::AHashMap<String, u64> = ahash::AHashMap::new();
    let mut names = Vec::new();
    for field in fields {
        let base = if field.is_empty() { "_".to_string() } else { field.replace('\0', "_") };
        let base = base.as_str();
        let mut name = base.to_string();
        if !taken.insert(name.to_ascii_lowercase()) {
            let n = next_suffix.entry(base.to_ascii_lowercase()).or_insert(0);
            loop {
                *n += 1;
                name = format!("{base}_{n}");
                if taken.insert(name.to_ascii_lowercase()) {
                    break;
                }
            }
        }
        names.push(name);
    }
    names
}

/// Finds a stream's fields in records, in time linear in each record's size. Sources usually
/// write fields in one order, the catalog's: a record that starts with the stream's fields in
/// order is read by one comparison per field; any other record by one hash lookup per field.
#[derive(Debug)]
pub struct FieldIndex {
    fields: Vec<String>,
    position: ahash::AHashMap<String, usize>,
}

impl FieldIndex {
    pub fn new(fields: Vec<String>) -> Self {
        let mut position = ahash::AHashMap::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            position.entry(f.clone()).or_insert(i);
        }
        FieldIndex { fields, position }
    }

    /// Fills `out` with the raw text of each of the stream's fields in `record` (`None` when the
    /// record lacks it); of a field written twice, the first.
    pub fn values<'a>(&self, record: &Fields<'a>, out: &mut Vec<Option<&'a str>>) {
        out.clear();
        let in_order = record.0.len() >= self.fields.len() && self.fields.iter().zip(&record.0).all(|(f, (k, _))| f == k);
        if in_order {
            out.extend(record.0[..self.fields.len()].iter().map(|(_, v)| Some(*v)));
            return;
        }
        out.resize(self.fields.len(), None);
        for (k, v) in &record.0 {
            if let Some(&i) = self.position.get(k.as_ref()) {
                out[i].get_or_insert(v);
            }
        }
    }
}

/// Converts one raw JSON value (text checked by [`Scanner`]) to `t`; None when it does not fit.
pub fn convert_raw(s: &str, t: AirbyteType) -> Option<FieldValue<'_>> {
    if s == "null" {
        return Some(FieldValue::Null);
    }
    let is_string = s.starts_with('"');
    Some(match t {
        AirbyteType::Json => FieldValue::Text(Cow::Borrowed(s)),
        AirbyteType::Varchar => FieldValue::Text(if is_string { unescape(s) } else { Cow::Borrowed(s) }),
        AirbyteType::BigInt => {
            let text = if is_string { unescape(s) } else { Cow::Borrowed(s) };
            let text = text.trim();
            match text.parse::<i64>() {
                Ok(i) => FieldValue::Int(i),
                Err(_) => {
                    let f: f64 = text.parse().ok()?;
                    if f.fract() == 0.0 && f.abs() < 9.2e18 && !is_string {
                        FieldValue::Int(f as i64)
                    } else {
                        return None;
                    }
                }
            }
        }
        AirbyteType::Double => {
            let text = if is_string { unescape(s) } else { Cow::Borrowed(s) };
            FieldValue::Float(text.trim().parse().ok()?)
        }
        AirbyteType::Boolean => match s {
            "true" => FieldValue::Bool(true),
            "false" => FieldValue::Bool(false),
            _ => return None,
        },
        _ if !is_string => return None,
        _ => return convert_text(&unescape(s), t),
    })
}

/// A stream's schema in a catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogStream {
    pub name: String,
    pub namespace: Option<String>,
    pub columns: Vec<(String, AirbyteType)>,
}

/// The streams of a catalog: a CATALOG message, a catalog (`{"streams": [...]}`) or a
/// configured catalog (`{"streams": [{"stream": {...}}]}`), with properties in catalog order.
pub fn parse_catalog(text: &str) -> Result<Vec<CatalogStream>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("the catalog is not valid JSON ({e})"))?;
    let catalog = if v.get("type").and_then(Value::as_str) == Some("CATALOG") { v.get("catalog").unwrap_or(&Value::Null) } else { &v };
    let streams = catalog.get("streams").and_then(Value::as_array).ok_or("the catalog has no \"streams\" list")?;
    let mut out = Vec::new();
    for s in streams {
        let s = s.get("stream").unwrap_or(s);
        let name = s.get("name").and_then(Value::as_str).ok_or("a catalog stream without a \"name\"")?.to_string();
        let props = s.get("json_schema").and_then(|j| j.get("properties")).and_then(Value::as_object);
        let columns = props.map(|p| p.iter().map(|(k, schema)| (k.clone(), AirbyteType::of_schema(schema))).collect()).unwrap_or_default();
        out.push(CatalogStream { name, namespace: s.get("namespace").and_then(Value::as_str).map(str::to_string), columns });
    }
    Ok(out)
}

/// Infers columns from sample records: fields in first-seen order, types unified across records.
pub fn infer_columns<'a>(records: impl Iterator<Item = &'a Map<String, Value>>) -> Vec<(String, AirbyteType)> {
    let mut columns: Vec<(String, Option<AirbyteType>)> = Vec::new();
    let mut position: ahash::AHashMap<&'a str, usize> = ahash::AHashMap::new();
    for data in records {
        for (k, v) in data {
            let t = AirbyteType::of_value(v);
            match position.get(k.as_str()) {
                Some(&i) => {
                    let seen = &mut columns[i].1;
                    *seen = match (*seen, t) {
                        (Some(a), Some(b)) => Some(AirbyteType::unify(a, b)),
                        (a, b) => a.or(b),
                    }
                }
                None => {
                    position.insert(k, columns.len());
                    columns.push((k.clone(), t));
                }
            }
        }
    }
    columns.into_iter().map(|(n, t)| (n, t.unwrap_or(AirbyteType::Varchar))).collect()
}

/// Microseconds of the lowest and highest finite TIMESTAMP DuckDB holds.
const TIMESTAMP_MICROS: std::ops::RangeInclusive<i64> = -9_223_372_022_400_000_000..=9_223_372_036_854_775_806;

/// `emitted_at` (milliseconds since the epoch) as microseconds, if DuckDB's TIMESTAMPTZ can hold it.
pub fn emitted_at_micros(ms: i64) -> Option<i64> {
    ms.checked_mul(1000).filter(|us| TIMESTAMP_MICROS.contains(us))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_types_follow_airbyte() {
        let cases = [
            (json!({"type": "string"}), AirbyteType::Varchar),
            (json!({"type": ["null", "string"], "format": "date"}), AirbyteType::Date),
            (json!({"type": "string", "format": "date-time", "airbyte_type": "timestamp_without_timezone"}), AirbyteType::Timestamp),
            (json!({"type": "string", "format": "date-time", "airbyte_type": "timestamp_with_timezone"}), AirbyteType::TimestampTz),
            (json!({"type": "string", "format": "date-time"}), AirbyteType::TimestampTz),
            (json!({"type": "string", "format": "time"}), AirbyteType::Time),
            (json!({"type": "integer"}), AirbyteType::BigInt),
            (json!({"type": "number", "airbyte_type": "integer"}), AirbyteType::BigInt),
            (json!({"type": ["null", "number"]}), AirbyteType::Double),
            (json!({"type": "boolean"}), AirbyteType::Boolean),
            (json!({"type": "object", "properties": {}}), AirbyteType::Json),
            (json!({"type": "array", "items": {}}), AirbyteType::Json),
            (json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}), AirbyteType::Json),
            (json!({"type": ["string", "integer"]}), AirbyteType::Json),
        ];
        for (schema, t) in cases {
            assert_eq!(AirbyteType::of_schema(&schema), t, "{schema}");
        }
    }

    #[test]
    fn values_convert_or_refuse() {
        let text = |s: &str| Some(FieldValue::Text(s.to_string().into()));
        assert_eq!(convert_raw("5", AirbyteType::BigInt), Some(FieldValue::Int(5)));
        assert_eq!(convert_raw("5.0", AirbyteType::BigInt), Some(FieldValue::Int(5)));
        assert_eq!(convert_raw("\"7\"", AirbyteType::BigInt), Some(FieldValue::Int(7)));
        assert_eq!(convert_raw("5.5", AirbyteType::BigInt), None);
        assert_eq!(convert_raw("\"x\"", AirbyteType::Double), None);
        assert_eq!(convert_raw("1e2", AirbyteType::Double), Some(FieldValue::Float(100.0)));
        assert_eq!(convert_raw("null", AirbyteType::Date), Some(FieldValue::Null));
        assert_eq!(convert_raw("\"1970-01-02\"", AirbyteType::Date), Some(FieldValue::Date(1)));
        assert_eq!(convert_raw("19700102", AirbyteType::Date), None);
        assert_eq!(convert_raw("\"1970-01-01T00:00:01+01:00\"", AirbyteType::TimestampTz), Some(FieldValue::Micros(-3_599_000_000)));
        assert_eq!(convert_raw("\"1970-01-01T00:00:01.5\"", AirbyteType::Timestamp), Some(FieldValue::Micros(1_500_000)));
        assert_eq!(convert_raw("\"01:00:00\"", AirbyteType::Time), Some(FieldValue::Micros(3_600_000_000)));
        assert_eq!(convert_raw("{\"a\": 1}", AirbyteType::Json), text("{\"a\": 1}"));
        assert_eq!(convert_raw("\"a\\nb\"", AirbyteType::Varchar), text("a\nb"));
        assert_eq!(convert_raw("12", AirbyteType::Varchar), text("12"));
        assert_eq!(convert_raw("true", AirbyteType::Boolean), Some(FieldValue::Bool(true)));
        assert_eq!(convert_raw("\"yes\"", AirbyteType::Boolean), None);
    }

    #[test]
    fn fast_timestamps_agree_with_chrono() {
        let chrono_way = |s: &str, t: AirbyteType| match t {
            AirbyteType::TimestampTz => DateTime::parse_from_rfc3339(s)
                .map(|d| d.timestamp_micros())
                .ok()
                .or_else(|| parse_naive_timestamp(s).map(|n| n.and_utc().timestamp_micros())),
            _ => parse_naive_timestamp(s)
                .map(|n| n.and_utc().timestamp_micros())
                .or_else(|| DateTime::parse_from_rfc3339(s).ok().map(|d| d.naive_utc().and_utc().timestamp_micros())),
        };
        // Deterministic pseudo-random timestamps in many shapes, valid and not.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let mut checked = 0;
        for _ in 0..20_000 {
            let frac = ["", ".5", ".123", ".123456", ".1234567", "."][next(6) as usize];
            let sep = ["T", " ", "t"][next(3) as usize];
            let zone = ["", "Z", "+01:30", "-05:00", "+0100", "+24:00"][next(6) as usize];
            let s = format!(
                "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}{frac}{zone}",
                1 + next(2999),
                1 + next(13),
                1 + next(31),
                next(25),
                next(61),
                next(61)
            );
            for t in [AirbyteType::TimestampTz, AirbyteType::Timestamp] {
                let fast = fast_timestamp(&s).map(|(local, off)| local - off.unwrap_or(0) * 1_000_000);
                if let Some(fast) = fast {
                    assert_eq!(Some(fast), chrono_way(&s, t), "{s} as {t:?}");
                    checked += 1;
                }
                let want = chrono_way(&s, t).map(FieldValue::Micros);
                assert_eq!(convert_text(&s, t), want, "{s} as {t:?}");
            }
        }
        assert!(checked > 5_000, "the fast path took only {checked} values");
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }

    #[test]
    fn lines_parse_into_records_or_skips() {
        let line = r#"{"type":"RECORD","record":{"stream":"users","data":{"id":1,"n\u0061me":"a\"b","when":"2024-01-02"},"emitted_at":1700000000000}}"#;
        let Message::Record(r) = parse_line(line).unwrap() else { panic!("a record") };
        assert_eq!((r.stream.as_ref(), r.emitted_at), ("users", Some(1700000000000)));
        let fields = &r.data;
        assert_eq!(convert_raw(fields.get("id").unwrap(), AirbyteType::BigInt), Some(FieldValue::Int(1)));
        assert_eq!(convert_raw(fields.get("name").unwrap(), AirbyteType::Varchar), Some(FieldValue::Text("a\"b".into())));
        assert_eq!(convert_raw(fields.get("when").unwrap(), AirbyteType::Date), Some(FieldValue::Date(19724)));
        assert_eq!(convert_raw(fields.get("id").unwrap(), AirbyteType::Date), None);
        let mut out = Vec::new();
        FieldIndex::new(vec!["id".into(), "name".into()]).values(fields, &mut out);
        assert_eq!(out, vec![Some("1"), Some(r#""a\"b""#)]);
        FieldIndex::new(vec!["when".into(), "missing".into(), "id".into()]).values(fields, &mut out);
        assert_eq!(out, vec![Some(r#""2024-01-02""#), None, Some("1")]);
        assert!(matches!(parse_line(r#"{"type":"STATE","state":{}}"#).unwrap(), Message::Other));
        assert!(matches!(parse_line("").unwrap(), Message::Other));
        assert!(parse_line("{not json").unwrap_err().contains("not valid JSON"));
        assert!(parse_line(r#"{"record":{}}"#).unwrap_err().contains("without a \"type\""));
        assert!(parse_line(r#"{"type":"RECORD","record":{"stream":"s","data":[1]}}"#)
            .unwrap_err()
            .contains("\"data\" is not a JSON object"));
        assert!(parse_line(r#"{"type":7}"#).unwrap_err().contains("\"type\" is not a string"));
        assert!(parse_line(r#"{"type":"RECORD","record":{"stream":"s","data":{}},"x":[}"#).unwrap_err().contains("not valid JSON"));
        assert!(parse_line(r#"[1]"#).unwrap_err().contains("not valid JSON"));
        assert!(parse_line(r#"{"type":"STATE"} trailing"#).unwrap_err().contains("not valid JSON"));
        // Syntax errors are found even after a problem with the message's fields.
        assert!(parse_line(r#"{"type":1, "x": tru}"#).unwrap_err().contains("not valid JSON"));
        let Message::Record(r) =
            parse_line(r#"{"record":{"meta":{"a":1},"data":{},"stream":"s","emitted_at":5.9},"type":"RECORD"}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!((r.meta, r.emitted_at), (Some(r#"{"a":1}"#), Some(5)));
    }

    #[test]
    fn catalogs_keep_property_order() {
        let text = r#"{"type":"CATALOG","catalog":{"streams":[{"name":"users","json_schema":{"properties":{"z":{"type":"integer"},"a":{"type":"string"}}}}]}}"#;
        let streams = parse_catalog(text).unwrap();
        assert_eq!(streams[0].columns, vec![("z".into(), AirbyteType::BigInt), ("a".into(), AirbyteType::Varchar)]);
        let configured =
            r#"{"streams":[{"stream":{"name":"p","json_schema":{"properties":{"x":{"type":"number"}}}},"sync_mode":"full_refresh"}]}"#;
        assert_eq!(parse_catalog(configured).unwrap()[0].name, "p");
    }

    #[test]
    fn inference_unifies_types() {
        let a = json!({"id": 1, "when": "2024-01-01", "x": 1}).as_object().unwrap().clone();
        let b = json!({"id": 2.5, "when": "2024-01-02", "y": null, "x": "s"}).as_object().unwrap().clone();
        let cols = infer_columns([&a, &b].into_iter());
        assert_eq!(
            cols,
            vec![
                ("id".into(), AirbyteType::Double),
                ("when".into(), AirbyteType::Date),
                ("x".into(), AirbyteType::Json),
                ("y".into(), AirbyteType::Varchar),
            ]
        );
    }

    #[test]
    fn emitted_at_outside_duckdbs_range_is_null_both_ways() {
        assert_eq!(emitted_at_micros(1_700_000_000_000), Some(1_700_000_000_000_000));
        assert_eq!(emitted_at_micros(i64::MIN), None);
        assert_eq!(emitted_at_micros(-9_223_372_036_854_775), None);
        assert_eq!(emitted_at_micros(9_223_372_036_854_775), Some(9_223_372_036_854_775_000));
        assert_eq!(emitted_at_micros(9_223_372_036_854_776), None);
        assert_eq!(emitted_at_micros(-9_223_372_022_400_000), Some(-9_223_372_022_400_000_000));
    }

    #[test]
    fn fields_are_found_in_any_order_first_one_wins() {
        let line = r#"{"type":"RECORD","record":{"stream":"s","data":{"b":2,"a":1,"b":3,"c":4}}}"#;
        let Message::Record(r) = parse_line(line).unwrap() else { panic!("a record") };
        let mut out = Vec::new();
        FieldIndex::new(vec!["a".into(), "b".into(), "z".into()]).values(&r.data, &mut out);
        assert_eq!(out, vec![Some("1"), Some("2"), None]);
        FieldIndex::new(vec!["b".into(), "a".into()]).values(&r.data, &mut out);
        assert_eq!(out, vec![Some("2"), Some("1")]);
        FieldIndex::new(vec![]).values(&r.data, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn column_names_are_unique_ignoring_case_and_avoid_reserved_ones() {
        let fields = ["id", "ID", "_airbyte_meta", "id_1", "Id", "", "_", "_AIRBYTE_EMITTED_AT", "é", "É", "a\0b", "a_b"];
        assert_eq!(
            column_names(fields),
            vec!["id", "ID_1", "_airbyte_meta_1", "id_1_1", "Id_2", "_", "__1", "_AIRBYTE_EMITTED_AT_1", "é", "É", "a_b", "a_b_1"]
        );
        // Many fields on one base name stay linear: each suffix is tried once.
        let many: Vec<String> = (0..20_000).map(|i| if i % 2 == 0 { "a".to_string() } else { "A".to_string() }).collect();
        let names = column_names(many.iter().map(String::as_str));
        assert_eq!(names[19_999], "A_19999");
        let lower: ahash::AHashSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        assert_eq!(lower.len(), names.len());
    }
}
