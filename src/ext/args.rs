//! Reading and checking function arguments at bind time; every problem becomes a message that
//! names the argument and what to pass instead.

use duckdb::vtab::{BindInfo, Value};

use crate::core::temporal::Interval;
use crate::ext::internal::InternalConnection;

/// A required VARCHAR positional argument; NULL is an error.
pub fn string_arg(bind: &BindInfo, function: &str, index: u64, name: &str, hint: &str) -> Result<String, String> {
    let v = bind.get_parameter(index);
    if v.is_null() {
        return Err(format!("{function}: argument '{name}' is NULL; pass {hint}"));
    }
    Ok(v.to_string())
}

/// An optional named parameter: None when absent, an error when given as NULL.
pub fn named(bind: &BindInfo, function: &str, name: &str) -> Result<Option<Value>, String> {
    match bind.get_named_parameter(name) {
        None => Ok(None),
        Some(v) if v.is_null() => Err(format!("{function}: named parameter '{name}' is NULL; omit it or give it a value")),
        Some(v) => Ok(Some(v)),
    }
}

/// An INTERVAL named parameter, read exactly through the internal connection.
pub fn named_interval(
    bind: &BindInfo,
    internal: &InternalConnection,
    function: &str,
    name: &str,
) -> Result<Option<Interval>, String> {
    let Some(v) = named(bind, function, name)? else { return Ok(None) };
    let text = v.to_string();
    let value: duckdb::types::Value = internal
        .with(|conn| conn.query_row("SELECT CAST(? AS INTERVAL)", [&text], |r| r.get(0)).map_err(|e| e.to_string()))
        .map_err(|e| format!("{function}: {name} must be an INTERVAL such as INTERVAL 1 DAY ({e})"))?;
    match value {
        duckdb::types::Value::Interval { months, days, nanos } => {
            Ok(Some(Interval { months, days, micros: nanos / 1_000 }))
        }
        _ => Err(format!("{function}: {name} must be an INTERVAL such as INTERVAL 1 DAY")),
    }
}

/// A required integer positional argument; NULL is an error.
pub fn int_arg(bind: &BindInfo, function: &str, index: u64, name: &str, hint: &str) -> Result<i64, String> {
    let v = bind.get_parameter(index);
    if v.is_null() {
        return Err(format!("{function}: argument '{name}' is NULL; pass {hint}"));
    }
    Ok(v.to_int64())
}
