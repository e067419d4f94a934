//! `read_airbyte(path [, stream := ...] [, namespace := ...] [, catalog := ...] [, strict := ...]
//! [, ignore_errors := ...])`: rows of one Airbyte stream from Airbyte protocol output.
//!
//! ```sql
//! CREATE TABLE users AS FROM read_airbyte('/dev/stdin', stream := 'users', catalog := 'catalog.json');
//! ```
//!
//! `path` is a file, a glob (expanded by DuckDB's `glob()`, files read in name order) or
//! `/dev/stdin`. Bind reads the catalog, or a sample of the input to infer the schema (the lines
//! it reads are kept and replayed, so stdin works); the scan then streams line by line with a
//! reused buffer, so memory holds one line and one output chunk.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::{BindInfo, InitInfo, TableFunctionInfo, VTab};
use serde_json::{json, Value};

use crate::core::airbyte::{convert_raw, infer_columns, parse_catalog, parse_line, AirbyteType, FieldValue, Message, Record};
use crate::core::sql::quote_literal;
use crate::ext::args::{named, string_arg};
use crate::ext::internal::InternalConnection;
use crate::ext::output::chunk_capacity;

const NAME: &str = "read_airbyte";
/// Records of the chosen stream read at bind time to infer a schema without a catalog.
const INFER_RECORDS: usize = 1_000;
/// Lines read at most while looking for them.
const INFER_LINES: u64 = 100_000;

pub struct ReadAirbyte;

/// Where the lines come from: files in order, then nothing; lines already read come first.
struct Input {
    files: VecDeque<String>,
    current: Option<(Arc<str>, Box<dyn BufRead + Send>, u64)>,
    replay: VecDeque<(Arc<str>, u64, String)>,
}

impl Input {
    /// Appends the next line to `buf` and returns its file and 1-based line number; None at
    /// the end. A line that cannot be read (invalid UTF-8) is appended as NUL and the reason.
    fn next_line(&mut self, buf: &mut String) -> Result<Option<(Arc<str>, u64)>, String> {
        if let Some((file, n, line)) = self.replay.pop_front() {
            buf.push_str(&line);
            return Ok(Some((file, n)));
        }
        loop {
            if self.current.is_none() {
                let Some(file) = self.files.pop_front() else { return Ok(None) };
                let reader: Box<dyn BufRead + Send> = if file == "/dev/stdin" {
                    Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
                } else {
                    Box::new(BufReader::with_capacity(1 << 20, File::open(&file).map_err(|e| format!("{NAME}: cannot open {file}: {e}"))?))
                };
                self.current = Some((file.into(), reader, 0));
            }
            let (file, reader, n) = self.current.as_mut().expect("opened above");
            let start = buf.len();
            match reader.read_line(buf) {
                Ok(0) => self.current = None,
                Ok(_) => {
                    *n += 1;
                    return Ok(Some((Arc::clone(file), *n)));
                }
                Err(e) => {
                    *n += 1;
                    // Invalid UTF-8 and the like: report as a malformed line.
                    buf.truncate(start);
                    buf.push_str(&format!("\u{0}{e}"));
                    return Ok(Some((Arc::clone(file), *n)));
                }
            }
        }
    }
}

pub struct AirbyteBind {
    columns: Vec<(String, AirbyteType)>,
    stream: String,
    namespace: Option<String>,
    strict: bool,
    ignore_errors: bool,
    input: Mutex<Option<Input>>,
}

pub struct AirbyteInit {
    input: Mutex<Input>,
}

fn files_of(bind: &BindInfo, path: &str) -> Result<VecDeque<String>, String> {
    if path == "/dev/stdin" || path == "-" {
        return Ok(VecDeque::from(vec!["/dev/stdin".to_string()]));
    }
    // SAFETY: register_all stores an Arc<InternalConnection> as this function's extra info; it
    // lives as long as the function is in the catalog.
    let internal = unsafe { &*bind.get_extra_info::<Arc<InternalConnection>>() };
    let files: Vec<String> = internal.with(|conn| {
        let mut stmt = conn.prepare(&format!("SELECT file FROM glob({}) ORDER BY file", quote_literal(path))).map_err(|e| e.to_string())?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
    })?;
    if files.is_empty() {
        return Err(format!("{NAME}: no file matches '{path}'; pass a file, a glob or '/dev/stdin'"));
    }
    Ok(files.into())
}

fn malformed(file: &str, n: u64, what: &str) -> String {
    format!("{NAME}: line {n} of {file}: {what}; pass ignore_errors := true to skip malformed lines")
}

fn bind_airbyte(bind: &BindInfo) -> Result<AirbyteBind, String> {
    let path = string_arg(bind, NAME, 0, "path", "a file, a glob or '/dev/stdin'")?;
    let stream = named(bind, NAME, "stream")?.map(|v| v.to_string());
    let namespace = named(bind, NAME, "namespace")?.map(|v| v.to_string());
    let catalog = named(bind, NAME, "catalog")?.map(|v| v.to_string());
    let strict = named(bind, NAME, "strict")?.map(|v| v.to_bool()).unwrap_or(false);
    let ignore_errors = named(bind, NAME, "ignore_errors")?.map(|v| v.to_bool()).unwrap_or(false);
    let mut input = Input { files: files_of(bind, &path)?, current: None, replay: VecDeque::new() };
    let matches_ns = |ns: &Option<String>| namespace.is_none() || *ns == namespace;

    let (stream, columns) = match catalog {
        Some(catalog_path) => {
            let text = std::fs::read_to_string(&catalog_path).map_err(|e| format!("{NAME}: cannot read the catalog {catalog_path}: {e}"))?;
            let streams = parse_catalog(&text).map_err(|e| format!("{NAME}: {e}"))?;
            let names: Vec<String> = streams.iter().filter(|s| matches_ns(&s.namespace)).map(|s| s.name.clone()).collect();
            let chosen = match &stream {
                Some(name) => streams.iter().find(|s| &s.name == name && matches_ns(&s.namespace)).ok_or_else(|| {
                    format!("{NAME}: stream '{name}' is not in the catalog; its streams are: {}", names.join(", "))
                })?,
                None if names.len() == 1 => streams.iter().find(|s| matches_ns(&s.namespace)).expect("one stream"),
                None => return Err(format!("{NAME}: the catalog has several streams; choose one with stream := '...' (streams: {})", names.join(", "))),
            };
            (chosen.name.clone(), chosen.columns.clone())
        }
        None => {
            // Read a sample, keeping every line for the scan to replay.
            let mut seen: Vec<String> = Vec::new();
            let mut samples: Vec<(String, serde_json::Map<String, Value>)> = Vec::new();
            let mut buf = String::new();
            let mut lines = 0u64;
            let mut replay = VecDeque::new();
            while lines < INFER_LINES && samples.len() < INFER_RECORDS * 4 {
                buf.clear();
                let Some((file, n)) = input.next_line(&mut buf)? else { break };
                lines += 1;
                if let Ok(Message::Record(r)) = parse_line(&buf) {
                    let ns = r.namespace.as_deref().map(str::to_string);
                    let s = r.stream.to_string();
                    if matches_ns(&ns) {
                        if !seen.contains(&s) {
                            seen.push(s.clone());
                        }
                        if stream.as_ref().is_none_or(|want| *want == s) {
                            samples.push((s, r.data.to_map()));
                        }
                    }
                }
                replay.push_back((file, n, std::mem::take(&mut buf)));
            }
            input.replay = replay;
            let chosen = match stream {
                Some(s) => {
                    if !seen.is_empty() && !seen.contains(&s) && lines < INFER_LINES {
                        return Err(format!("{NAME}: stream '{s}' does not occur in the input; its streams are: {}", seen.join(", ")));
                    }
                    s
                }
                None if seen.len() <= 1 => seen.first().cloned().unwrap_or_default(),
                None => return Err(format!("{NAME}: the input has several streams; choose one with stream := '...' (streams seen: {})", seen.join(", "))),
            };
            let records = samples.iter().filter(|(s, _)| *s == chosen).take(INFER_RECORDS).map(|(_, d)| d);
            (chosen.clone(), infer_columns(records))
        }
    };
    for (name, t) in &columns {
        bind.add_result_column(name, logical_type(*t));
    }
    bind.add_result_column("_airbyte_emitted_at", LogicalTypeHandle::from(LogicalTypeId::TimestampTZ));
    bind.add_result_column("_airbyte_meta", logical_type(AirbyteType::Json));
    Ok(AirbyteBind { columns, stream, namespace, strict, ignore_errors, input: Mutex::new(Some(input)) })
}

fn logical_type(t: AirbyteType) -> LogicalTypeHandle {
    let mut handle = LogicalTypeHandle::from(match t {
        AirbyteType::Varchar | AirbyteType::Json => LogicalTypeId::Varchar,
        AirbyteType::Date => LogicalTypeId::Date,
        AirbyteType::Timestamp => LogicalTypeId::Timestamp,
        AirbyteType::TimestampTz => LogicalTypeId::TimestampTZ,
        AirbyteType::Time => LogicalTypeId::Time,
        AirbyteType::BigInt => LogicalTypeId::Bigint,
        AirbyteType::Double => LogicalTypeId::Double,
        AirbyteType::Boolean => LogicalTypeId::Boolean,
    });
    if t == AirbyteType::Json {
        handle.set_alias("JSON");
    }
    handle
}

/// One output row: the stream's fields, emitted_at (µs) and meta (JSON text).
struct Row {
    fields: Vec<FieldValue>,
    emitted_at: Option<i64>,
    meta: Option<String>,
}

/// Converts a record; values that do not fit their type become NULL and are listed in
/// `_airbyte_meta.changes` as Airbyte destinations do, or fail in strict mode.
fn to_row(b: &AirbyteBind, r: &Record, file: &str, n: u64) -> Result<Row, String> {
    let data = &r.data;
    let mut changes = Vec::new();
    let mut fields = Vec::with_capacity(b.columns.len());
    for (name, t) in &b.columns {
        let Some(v) = data.get(name) else {
            fields.push(FieldValue::Null);
            continue;
        };
        match convert_raw(v, *t) {
            Some(f) => fields.push(f),
            None if b.strict => {
                return Err(format!("{NAME}: line {n} of {file}: field \"{name}\" holds {}, which is not a valid {}", v.get(), t.sql_name()))
            }
            None => {
                changes.push(json!({"field": name, "change": "NULLED", "reason": "DESTINATION_TYPECAST_ERROR"}));
                fields.push(FieldValue::Null);
            }
        }
    }
    let meta = if changes.is_empty() {
        r.meta.map(|m| m.get().to_string())
    } else {
        let mut m = match r.meta.and_then(|m| serde_json::from_str::<Value>(m.get()).ok()) {
            Some(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        let list = m.entry("changes").or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = list {
            a.extend(changes);
        }
        Some(Value::Object(m).to_string())
    };
    Ok(Row { fields, emitted_at: r.emitted_at.map(|ms| ms.saturating_mul(1000)), meta })
}

fn write_rows(output: &mut DataChunkHandle, b: &AirbyteBind, rows: &[Row]) {
    for (c, (_, t)) in b.columns.iter().enumerate() {
        let mut v = output.flat_vector(c);
        for (i, row) in rows.iter().enumerate() {
            // SAFETY: column `c` was declared with logical_type(t), whose physical type each arm
            // writes; `i` is below the chunk's capacity.
            unsafe {
                match (&row.fields[c], t) {
                    (FieldValue::Null, _) => v.set_null(i),
                    (FieldValue::Text(s), _) => v.insert(i, s.as_str()),
                    (FieldValue::Int(x), _) => v.as_mut_slice::<i64>()[i] = *x,
                    (FieldValue::Float(x), _) => v.as_mut_slice::<f64>()[i] = *x,
                    (FieldValue::Bool(x), _) => v.as_mut_slice::<bool>()[i] = *x,
                    (FieldValue::Date(d), _) => v.as_mut_slice::<i32>()[i] = *d,
                    (FieldValue::Micros(m), _) => v.as_mut_slice::<i64>()[i] = *m,
                }
            }
        }
    }
    let n = b.columns.len();
    crate::ext::output::write_ints::<i64>(output, n, rows.iter().map(|r| r.emitted_at));
    crate::ext::output::write_strings(output, n + 1, rows.iter().map(|r| r.meta.as_deref()));
}

impl VTab for ReadAirbyte {
    type InitData = AirbyteInit;
    type BindData = AirbyteBind;

    fn bind(bind: &BindInfo) -> Result<Self::BindData, Box<dyn std::error::Error>> {
        Ok(bind_airbyte(bind)?)
    }

    fn init(init: &InitInfo) -> Result<Self::InitData, Box<dyn std::error::Error>> {
        // SAFETY: DuckDB passes the bind data `bind` created, alive for the whole scan.
        let b = unsafe { &*init.get_bind_data::<AirbyteBind>() };
        let input = b.input.lock().unwrap_or_else(|p| p.into_inner()).take().ok_or("read_airbyte: the input was already read")?;
        // Threads take turns reading raw lines and parse their batches in parallel.
        init.set_max_threads(std::thread::available_parallelism().map(|n| n.get() as u64).unwrap_or(1));
        Ok(AirbyteInit { input: Mutex::new(input) })
    }

    fn func(func: &TableFunctionInfo<Self>, output: &mut DataChunkHandle) -> Result<(), Box<dyn std::error::Error>> {
        let b = func.get_bind_data();
        let cap = chunk_capacity(output);
        let mut rows = Vec::with_capacity(cap);
        // Take a batch of raw lines under the lock; parse them outside it. A batch holds at most
        // `cap` lines, so a chunk never overflows; other message types just make it shorter.
        // The batch's lines share one buffer: (start, end, file, line number) spans into it.
        let mut block = String::new();
        let mut spans: Vec<(usize, usize, Arc<str>, u64)> = Vec::with_capacity(cap);
        loop {
            block.clear();
            spans.clear();
            {
                let mut input = func.get_init_data().input.lock().unwrap_or_else(|p| p.into_inner());
                while spans.len() < cap {
                    let start = block.len();
                    let Some((file, n)) = input.next_line(&mut block)? else { break };
                    spans.push((start, block.len(), file, n));
                }
            }
            if spans.is_empty() {
                break;
            }
            for (start, end, file, n) in spans.drain(..) {
                let line = &block[start..end];
                let parsed = if line.starts_with('\u{0}') { Err(format!("unreadable ({})", &line[1..])) } else { parse_line(line) };
                match parsed {
                    Ok(Message::Record(r)) => {
                        if r.stream == b.stream.as_str() && (b.namespace.is_none() || r.namespace.as_deref() == b.namespace.as_deref()) {
                            rows.push(to_row(b, &r, &file, n)?);
                        }
                    }
                    Ok(Message::Other) => {}
                    Err(_) if b.ignore_errors => {}
                    Err(e) => return Err(malformed(&file, n, &e).into()),
                }
            }
            if !rows.is_empty() {
                break;
            }
        }
        write_rows(output, b, &rows);
        output.set_len(rows.len());
        Ok(())
    }

    fn parameters() -> Option<Vec<LogicalTypeHandle>> {
        Some(vec![LogicalTypeId::Varchar.into()])
    }

    fn named_parameters() -> Option<Vec<(String, LogicalTypeHandle)>> {
        Some(vec![
            ("stream".into(), LogicalTypeId::Varchar.into()),
            ("namespace".into(), LogicalTypeId::Varchar.into()),
            ("catalog".into(), LogicalTypeId::Varchar.into()),
            ("strict".into(), LogicalTypeId::Boolean.into()),
            ("ignore_errors".into(), LogicalTypeId::Boolean.into()),
        ])
    }
}
