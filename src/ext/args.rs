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

/// A setting of the caller's connection as text; None when unset.
pub fn caller_setting(bind: &BindInfo, name: &str) -> Option<String> {
    bind.get_config_option(name).filter(|v| !v.is_null()).map(|v| v.to_string())
}

/// The caller's memory_limit in bytes and threads, when they can be read.
pub fn caller_memory(bind: &BindInfo) -> (Option<f64>, Option<f64>) {
    let memory = caller_setting(bind, "memory_limit").and_then(|m| crate::core::chunk::parse_memory(&m));
    let threads = caller_setting(bind, "threads").and_then(|t| t.trim().parse::<f64>().ok()).filter(|t| *t >= 1.0);
    (memory, threads)
}

/// The default size target when `target_mb` is NULL or absent: memory_limit / (4 × threads),
/// from the caller's settings, so that `threads` partitions fit in memory with room to spare.
pub fn default_target_bytes(bind: &BindInfo, function: &str) -> Result<f64, String> {
    match caller_memory(bind) {
        (Some(m), Some(t)) => Ok(m / (4.0 * t)),
        _ => Err(format!("{function}: target_mb is NULL and the memory_limit or threads setting could not be read; pass target_mb")),
    }
}

/// A size target in MiB as bytes: the value given, or the default when NULL or absent.
pub fn target_bytes(value: Option<&Value>, bind: &BindInfo, function: &str) -> Result<f64, String> {
    match value {
        Some(v) if !v.is_null() => {
            let mb = v.to_double();
            if mb > 0.0 && mb.is_finite() {
                Ok(mb * 1024.0 * 1024.0)
            } else {
                Err(format!("{function}: target_mb must be a positive number of MiB, got {mb}"))
            }
        }
        _ => default_target_bytes(bind, function),
    }
}
