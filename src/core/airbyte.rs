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
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::core::calendar::days_of;

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

/// A field value converted for DuckDB.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since the epoch.
    Date(i32),
    /// Microseconds since the epoch (TIMESTAMP, TIMESTAMPTZ) or since midnight (TIME).
    Micros(i64),
}

/// Converts `v` to `t`; None when it does not fit (the caller NULLs it, or fails in strict mode).
pub fn convert(v: &Value, t: AirbyteType) -> Option<FieldValue> {
    if v.is_null() {
        return Some(FieldValue::Null);
    }
    Some(match t {
        AirbyteType::Json => FieldValue::Text(v.to_string()),
        AirbyteType::Varchar => FieldValue::Text(match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        AirbyteType::BigInt => match v {
            Value::Number(n) => FieldValue::Int(n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.2e18).map(|f| f as i64))?),
            Value::String(s) => FieldValue::Int(s.trim().parse().ok()?),
            _ => return None,
        },
        AirbyteType::Double => match v {
            Value::Number(n) => FieldValue::Float(n.as_f64()?),
            Value::String(s) => FieldValue::Float(s.trim().parse().ok()?),
            _ => return None,
        },
        AirbyteType::Boolean => match v {
            Value::Bool(b) => FieldValue::Bool(*b),
            _ => return None,
        },
        AirbyteType::Date | AirbyteType::TimestampTz | AirbyteType::Timestamp | AirbyteType::Time => return convert_text(v.as_str()?, t),
    })
}

/// Converts the text of a JSON string to a date or time type.
fn convert_text(s: &str, t: AirbyteType) -> Option<FieldValue> {
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
        AirbyteType::Varchar | AirbyteType::Json => FieldValue::Text(s.to_string()),
        _ => return None,
    })
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn parse_naive_timestamp(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
}

/// A RECORD message, borrowing from its line: field values stay raw JSON text until converted.
#[derive(Debug)]
pub struct Record<'a> {
    pub stream: Cow<'a, str>,
    pub namespace: Option<Cow<'a, str>>,
    pub data: Fields<'a>,
    pub emitted_at: Option<i64>,
    pub meta: Option<&'a RawValue>,
}

/// One input line, parsed.
#[derive(Debug)]
pub enum Message<'a> {
    Record(Record<'a>),
    /// Any other message type (skipped) and blank lines.
    Other,
}

#[derive(Deserialize)]
struct WireMessage<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    record: Option<WireRecord<'a>>,
}

#[derive(Deserialize)]
struct WireRecord<'a> {
    #[serde(borrow)]
    stream: Option<Cow<'a, str>>,
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: Option<Fields<'a>>,
    emitted_at: Option<f64>,
    #[serde(borrow)]
    meta: Option<&'a RawValue>,
}

/// Parses one line of Airbyte protocol output. Only the message envelope is decoded; a
/// record's data stays raw JSON, decoded field by field by [`Fields`].
pub fn parse_line(line: &str) -> Result<Message<'_>, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(Message::Other);
    }
    let m: WireMessage = serde_json::from_str(line).map_err(|e| {
        if e.is_data() {
            format!("a RECORD whose \"data\" is not a JSON object ({e})")
        } else {
            format!("not valid JSON ({e})")
        }
    })?;
    match m.kind.as_deref() {
        Some("RECORD") => {
            let rec = m.record.ok_or("a RECORD message without a \"record\" object")?;
            let stream = rec.stream.ok_or("a RECORD without a \"stream\" name")?;
            let data = rec.data.ok_or("a RECORD without a \"data\" object")?;
            Ok(Message::Record(Record {
                stream,
                namespace: rec.namespace,
                data,
                emitted_at: rec.emitted_at.map(|e| e as i64),
                meta: rec.meta.filter(|m| m.get() != "null"),
            }))
        }
        Some(_) => Ok(Message::Other),
        None => Err("a message without a \"type\"".into()),
    }
}

/// A record's fields as raw JSON text, in input order, looked up by name. Records have few
/// fields, so a list searched in order beats hashing; names borrow from the line unless they
/// contain escapes.
#[derive(Debug)]
pub struct Fields<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Fields<'a> {
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    /// The fields decoded, in input order (for schema inference).
    pub fn to_map(&self) -> Map<String, Value> {
        self.0.iter().map(|(k, v)| (k.to_string(), serde_json::from_str(v.get()).unwrap_or(Value::Null))).collect()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldsVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for FieldsVisitor<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Fields<'a>, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    out.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(FieldsVisitor(std::marker::PhantomData))
    }
}

/// A field name: borrowed from the line when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// The text inside a JSON string literal, unescaped only when it has escapes.
fn string_of(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Converts one raw JSON value to `t`; None when it does not fit.
pub fn convert_raw(raw: &RawValue, t: AirbyteType) -> Option<FieldValue> {
    let s = raw.get();
    if s == "null" {
        return Some(FieldValue::Null);
    }
    let is_string = s.starts_with('"');
    Some(match t {
        AirbyteType::Json => FieldValue::Text(s.to_string()),
        AirbyteType::Varchar => FieldValue::Text(if is_string { string_of(s)?.into_owned() } else { s.to_string() }),
        AirbyteType::BigInt => {
            let text = if is_string { string_of(s)? } else { Cow::Borrowed(s) };
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
            let text = if is_string { string_of(s)? } else { Cow::Borrowed(s) };
            FieldValue::Float(text.trim().parse().ok()?)
        }
        AirbyteType::Boolean => match s {
            "true" => FieldValue::Bool(true),
            "false" => FieldValue::Bool(false),
            _ => return None,
        },
        _ if !is_string => return None,
        _ => return convert_text(&string_of(s)?, t),
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
    for data in records {
        for (k, v) in data {
            let t = AirbyteType::of_value(v);
            match columns.iter_mut().find(|(n, _)| n == k) {
                Some((_, seen)) => {
                    *seen = match (*seen, t) {
                        (Some(a), Some(b)) => Some(AirbyteType::unify(a, b)),
                        (a, b) => a.or(b),
                    }
                }
                None => columns.push((k.clone(), t)),
            }
        }
    }
    columns.into_iter().map(|(n, t)| (n, t.unwrap_or(AirbyteType::Varchar))).collect()
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
        assert_eq!(convert(&json!(5), AirbyteType::BigInt), Some(FieldValue::Int(5)));
        assert_eq!(convert(&json!(5.0), AirbyteType::BigInt), Some(FieldValue::Int(5)));
        assert_eq!(convert(&json!(5.5), AirbyteType::BigInt), None);
        assert_eq!(convert(&json!("x"), AirbyteType::Double), None);
        assert_eq!(convert(&json!(null), AirbyteType::Date), Some(FieldValue::Null));
        assert_eq!(convert(&json!("1970-01-02"), AirbyteType::Date), Some(FieldValue::Date(1)));
        assert_eq!(convert(&json!("1970-01-01T00:00:01+01:00"), AirbyteType::TimestampTz), Some(FieldValue::Micros(-3_599_000_000)));
        assert_eq!(convert(&json!("1970-01-01T00:00:01.5"), AirbyteType::Timestamp), Some(FieldValue::Micros(1_500_000)));
        assert_eq!(convert(&json!("01:00:00"), AirbyteType::Time), Some(FieldValue::Micros(3_600_000_000)));
        assert_eq!(convert(&json!({"a": 1}), AirbyteType::Json), Some(FieldValue::Text("{\"a\":1}".into())));
        assert_eq!(convert(&json!(true), AirbyteType::Boolean), Some(FieldValue::Bool(true)));
        assert_eq!(convert(&json!("yes"), AirbyteType::Boolean), None);
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
        assert!(matches!(parse_line(r#"{"type":"STATE","state":{}}"#).unwrap(), Message::Other));
        assert!(matches!(parse_line("").unwrap(), Message::Other));
        assert!(parse_line("{not json").unwrap_err().contains("not valid JSON"));
        assert!(parse_line(r#"{"record":{}}"#).unwrap_err().contains("without a \"type\""));
        assert!(parse_line(r#"{"type":"RECORD","record":{"stream":"s","data":[1]}}"#).unwrap_err().contains("data"));
    }

    #[test]
    fn catalogs_keep_property_order() {
        let text = r#"{"type":"CATALOG","catalog":{"streams":[{"name":"users","json_schema":{"properties":{"z":{"type":"integer"},"a":{"type":"string"}}}}]}}"#;
        let streams = parse_catalog(text).unwrap();
        assert_eq!(streams[0].columns, vec![("z".into(), AirbyteType::BigInt), ("a".into(), AirbyteType::Varchar)]);
        let configured = r#"{"streams":[{"stream":{"name":"p","json_schema":{"properties":{"x":{"type":"number"}}}},"sync_mode":"full_refresh"}]}"#;
        assert_eq!(parse_catalog(configured).unwrap()[0].name, "p");
    }

    #[test]
    fn inference_unifies_types() {
        let a = json!({"id": 1, "when": "2024-01-01", "x": 1}).as_object().unwrap().clone();
        let b = json!({"id": 2.5, "when": "2024-01-02", "y": null, "x": "s"}).as_object().unwrap().clone();
        let cols = infer_columns([&a, &b].into_iter());
        assert_eq!(cols, vec![
            ("id".into(), AirbyteType::Double),
            ("when".into(), AirbyteType::Date),
            ("x".into(), AirbyteType::Json),
            ("y".into(), AirbyteType::Varchar),
        ]);
    }
}
