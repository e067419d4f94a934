//! `read_airbyte(path [, stream := ...] [, namespace := ...] [, catalog := ...] [, strict := ...]
//! [, ignore_errors := ...])`: rows of one Airbyte stream from Airbyte protocol output.
//!
//! ```sql
//! CREATE TABLE users AS FROM read_airbyte('/dev/stdin', stream := 'users', catalog := 'catalog.json');
//! ```
//!
//! `path` is a file, a glob (expanded by DuckDB's `glob()`, files read in name order) or
//! `/dev/stdin`; files are opened through DuckDB's file system. Bind reads the catalog, or a
//! sample of the input to infer the schema (the lines it reads are kept and replayed, so stdin
//! works). The scan streams: each thread takes a batch of up to one chunk's worth of lines under
//! a lock (whole runs of lines copied from the read buffer at once), then parses and converts
//! them in parallel with the other threads, one pass per line (see `core::json`). Memory holds
//! one batch per thread.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex};

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::{BindInfo, InitInfo, TableFunctionInfo, VTab};
use serde_json::{json, Value};

use super::files::DuckFileSystem;
use crate::core::airbyte::{
    column_names, convert_raw, infer_columns, parse_catalog, parse_line, AirbyteType, FieldIndex, FieldValue, Message, Record,
};
use crate::core::error::Error;
use crate::ext::args::{named, string_arg};

const NAME: &str = "read_airbyte";
/// Records of the chosen stream read at bind time to infer a schema without a catalog.
const INFER_RECORDS: usize = 1_000;
/// Lines read at most while looking for them.
const INFER_LINES: u64 = 100_000;

pub struct ReadAirbyte;

/// Where the lines come from: files in order, then nothing; lines already read come first.
struct Input {
    /// Opens every file but stdin.
    fs: DuckFileSystem,
    files: VecDeque<String>,
    /// The file being read, its reader and the number of lines read from it.
    current: Option<(Arc<str>, Box<dyn BufRead + Send>, u64)>,
    replay: VecDeque<(Arc<str>, u64, Vec<u8>)>,
}

/// One line of a batch: its bytes are `block[start..end]`, newline excluded.
struct Span {
    start: usize,
    end: usize,
    file: Arc<str>,
    /// 1-based line number in `file`.
    line: u64,
}

impl Input {
    /// Appends up to `max` lines to `block` and their spans to `spans`; fewer only at the end
    /// of the input. Whole runs of lines are copied at once from the reader's buffer.
    fn read_lines(&mut self, block: &mut Vec<u8>, spans: &mut Vec<Span>, max: usize) -> Result<(), Error> {
        // Start (in `block`) of a line whose newline has not been read yet.
        let mut open: Option<usize> = None;
        while spans.len() < max {
            if let Some((file, line, bytes)) = self.replay.pop_front() {
                let start = block.len();
                block.extend_from_slice(&bytes);
                spans.push(Span { start, end: block.len(), file, line });
                continue;
            }
            if self.current.is_none() {
                let Some(file) = self.files.pop_front() else { return Ok(()) };
                let mut reader: Box<dyn BufRead + Send> = if file == "/dev/stdin" {
                    Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
                } else {
                    Box::new(BufReader::with_capacity(1 << 20, self.fs.open(&file).map_err(|e| e.named(NAME))?))
                };
                // A UTF-8 byte order mark at the start of a file is not part of its first line.
                if reader.fill_buf().map_err(|e| Error::user(format!("cannot read {file}: {e}")).named(NAME))?.starts_with(UTF8_BOM) {
                    reader.consume(UTF8_BOM.len());
                }
                self.current = Some((file.into(), reader, 0));
            }
            let (file, reader, n) = self.current.as_mut().expect("opened above");
            let buf = reader.fill_buf().map_err(|e| Error::user(format!("cannot read {file}: {e}")).named(NAME))?;
            if buf.is_empty() {
                // The end of the file: a last line without a newline is still a line.
                if let Some(start) = open.take() {
                    *n += 1;
                    spans.push(Span { start, end: block.len(), file: Arc::clone(file), line: *n });
                }
                self.current = None;
                continue;
            }
            let base = block.len();
            let mut line_start = open.take().unwrap_or(base);
            let mut taken = buf.len();
            for newline in memchr::memchr_iter(b'\n', buf) {
                *n += 1;
                spans.push(Span { start: line_start, end: base + newline, file: Arc::clone(file), line: *n });
                line_start = base + newline + 1;
                if spans.len() == max {
                    taken = newline + 1;
                    break;
                }
            }
            if line_start < base + taken {
                open = Some(line_start);
            }
            block.extend_from_slice(&buf[..taken]);
            reader.consume(taken);
        }
        Ok(())
    }
}

/// The UTF-8 encoding of U+FEFF, which some writers put at the start of a file.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub struct AirbyteBind {
    /// The stream's fields and their types, in column order.
    columns: Vec<(String, AirbyteType)>,
    /// Finds the fields in a record.
    index: FieldIndex,
    stream: String,
    namespace: Option<String>,
    strict: bool,
    ignore_errors: bool,
    input: Mutex<Option<Input>>,
}

pub struct AirbyteInit {
    input: Mutex<Input>,
    /// For each output column, the function's column it holds (projection pushdown): a query
    /// that reads a few fields of a wide stream writes only those.
    projected: Vec<usize>,
}

fn files_of(path: &str) -> Result<VecDeque<String>, Error> {
    if path == "/dev/stdin" || path == "-" {
        return Ok(VecDeque::from(vec!["/dev/stdin".to_string()]));
    }
    let files = crate::core::glob::expand(path);
    if files.is_empty() {
        return Err(Error::user(format!("no file matches '{path}'; pass a file, a glob or '/dev/stdin'")).named(NAME));
    }
    Ok(files.into())
}

fn malformed(file: &str, n: u64, what: &str) -> Error {
    Error::user(format!("line {n} of {file}: {what}; pass ignore_errors := true to skip malformed lines")).named(NAME)
}

fn bind_airbyte(bind: &BindInfo) -> Result<AirbyteBind, Error> {
    let path = string_arg(bind, NAME, 0, "path", "a file, a glob or '/dev/stdin'")?;
    let stream = named(bind, NAME, "stream")?.map(|v| v.to_string());
    let namespace = named(bind, NAME, "namespace")?.map(|v| v.to_string());
    let catalog = named(bind, NAME, "catalog")?.map(|v| v.to_string());
    let strict = named(bind, NAME, "strict")?.map(|v| v.to_bool()).unwrap_or(false);
    let ignore_errors = named(bind, NAME, "ignore_errors")?.map(|v| v.to_bool()).unwrap_or(false);
    let fs = DuckFileSystem::of(bind)?;
    let catalog_text = match &catalog {
        Some(catalog_path) => {
            let mut text = String::new();
            fs.open(catalog_path)
                .and_then(|mut f| f.read_to_string(&mut text).map_err(|e| Error::user(e.to_string())))
                .map_err(|e| Error::user(format!("cannot read the catalog {catalog_path}: {e}")).named(NAME))?;
            Some(text)
        }
        None => None,
    };
    let mut input = Input { fs, files: files_of(&path)?, current: None, replay: VecDeque::new() };
    let matches_ns = |ns: &Option<String>| namespace.is_none() || *ns == namespace;

    let (stream, columns) = match catalog_text {
        Some(text) => {
            let streams = parse_catalog(&text).map_err(|e| Error::user(e).named(NAME))?;
            let names: Vec<String> = streams.iter().filter(|s| matches_ns(&s.namespace)).map(|s| s.name.clone()).collect();
            let chosen = match &stream {
                Some(name) => streams.iter().find(|s| &s.name == name && matches_ns(&s.namespace)).ok_or_else(|| {
                    Error::user(format!("stream '{name}' is not in the catalog; its streams are: {}", names.join(", "))).named(NAME)
                })?,
                None if names.len() == 1 => streams.iter().find(|s| matches_ns(&s.namespace)).expect("one stream"),
                None => {
                    return Err(Error::user(format!(
                        "the catalog has several streams; choose one with stream := '...' (streams: {})",
                        names.join(", ")
                    ))
                    .named(NAME))
                }
            };
            (chosen.name.clone(), chosen.columns.clone())
        }
        None => {
            // Read a sample, keeping every line for the scan to replay.
            let mut seen: Vec<String> = Vec::new();
            let mut samples: Vec<(String, serde_json::Map<String, Value>)> = Vec::new();
            let mut lines = 0u64;
            let mut replay = VecDeque::new();
            let (mut block, mut spans) = (Vec::new(), Vec::new());
            while lines < INFER_LINES && samples.len() < INFER_RECORDS * 4 {
                block.clear();
                spans.clear();
                input.read_lines(&mut block, &mut spans, 1)?;
                let Some(span) = spans.pop() else { break };
                lines += 1;
                let text = std::str::from_utf8(&block[span.start..span.end]).unwrap_or("");
                if let Ok(Message::Record(r)) = parse_line(text) {
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
                replay.push_back((span.file, span.line, block[span.start..span.end].to_vec()));
            }
            input.replay = replay;
            let chosen = match stream {
                Some(s) => {
                    if !seen.is_empty() && !seen.contains(&s) && lines < INFER_LINES {
                        return Err(Error::user(format!("stream '{s}' does not occur in the input; its streams are: {}", seen.join(", ")))
                            .named(NAME));
                    }
                    s
                }
                None if seen.len() <= 1 => seen.first().cloned().unwrap_or_default(),
                None => {
                    return Err(Error::user(format!(
                        "the input has several streams; choose one with stream := '...' (streams seen: {})",
                        seen.join(", ")
                    ))
                    .named(NAME))
                }
            };
            let records = samples.iter().filter(|(s, _)| *s == chosen).take(INFER_RECORDS).map(|(_, d)| d);
            (chosen.clone(), infer_columns(records))
        }
    };
    // Field names DuckDB would take for the same column (case) or a reserved one are renamed.
    for (name, (_, t)) in column_names(columns.iter().map(|(f, _)| f.as_str())).iter().zip(&columns) {
        bind.add_result_column(name, logical_type(*t));
    }
    let index = FieldIndex::new(columns.iter().map(|(f, _)| f.clone()).collect());
    bind.add_result_column("_airbyte_emitted_at", LogicalTypeHandle::from(LogicalTypeId::TimestampTZ));
    bind.add_result_column("_airbyte_meta", logical_type(AirbyteType::Json));
    Ok(AirbyteBind { columns, index, stream, namespace, strict, ignore_errors, input: Mutex::new(Some(input)) })
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

/// The rows of one output chunk, borrowing text from the lines they were read from.
struct Batch<'a> {
    /// Row-major: the stream's fields of row i are `fields[i * columns..(i + 1) * columns]`.
    fields: Vec<FieldValue<'a>>,
    /// emitted_at in microseconds.
    emitted_at: Vec<Option<i64>>,
    /// `_airbyte_meta` as JSON text.
    meta: Vec<Option<Cow<'a, str>>>,
    /// The current record's field texts, in column order (reused from record to record).
    values: Vec<Option<&'a str>>,
}

impl<'a> Batch<'a> {
    fn with_capacity(rows: usize, columns: usize) -> Self {
        Batch {
            fields: Vec::with_capacity(rows * columns),
            emitted_at: Vec::with_capacity(rows),
            meta: Vec::with_capacity(rows),
            values: Vec::with_capacity(columns),
        }
    }

    fn len(&self) -> usize {
        self.emitted_at.len()
    }

    /// Converts a record into a row; values that do not fit their type become NULL and are
    /// listed in `_airbyte_meta.changes` as Airbyte destinations do, or fail in strict mode.
    fn push(&mut self, b: &AirbyteBind, r: Record<'a>, file: &str, n: u64) -> Result<(), Error> {
        let mut changes = Vec::new();
        b.index.values(&r.data, &mut self.values);
        for ((name, t), v) in b.columns.iter().zip(&self.values) {
            let Some(v) = *v else {
                self.fields.push(FieldValue::Null);
                continue;
            };
            match convert_raw(v, *t) {
                Some(f) => self.fields.push(f),
                None if b.strict => {
                    return Err(Error::user(format!(
                        "line {n} of {file}: field \"{name}\" holds {v}, which is not a valid {}",
                        t.sql_name()
                    ))
                    .named(NAME))
                }
                None => {
                    changes.push(json!({"field": name, "change": "NULLED", "reason": "DESTINATION_TYPECAST_ERROR"}));
                    self.fields.push(FieldValue::Null);
                }
            }
        }
        let meta = if changes.is_empty() {
            r.meta.map(Cow::Borrowed)
        } else {
            let mut m = match r.meta.and_then(|m| serde_json::from_str::<Value>(m).ok()) {
                Some(Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            let list = m.entry("changes").or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = list {
                a.extend(changes);
            }
            Some(Cow::Owned(Value::Object(m).to_string()))
        };
        self.meta.push(meta);
        self.emitted_at.push(r.emitted_at.and_then(crate::core::airbyte::emitted_at_micros));
        Ok(())
    }

    fn write(&self, output: &mut DataChunkHandle, b: &AirbyteBind, projected: &[usize]) {
        let columns = b.columns.len();
        for (out, &c) in projected.iter().enumerate() {
            if c == columns {
                write_ints::<i64>(output, out, self.emitted_at.iter().copied());
                continue;
            }
            if c == columns + 1 {
                write_strings(output, out, self.meta.iter().map(|m| m.as_deref()));
                continue;
            }
            let mut v = output.flat_vector(out);
            for i in 0..self.len() {
                // SAFETY: column `c` was declared with logical_type of its AirbyteType, and
                // convert_raw gives each type only values of that type's physical layout; `i`
                // is below the chunk's capacity (a batch never holds more lines than that).
                unsafe {
                    match &self.fields[i * columns + c] {
                        FieldValue::Null => v.set_null(i),
                        FieldValue::Text(s) => v.insert(i, s.as_ref()),
                        FieldValue::Int(x) => v.as_mut_slice::<i64>()[i] = *x,
                        FieldValue::Float(x) => v.as_mut_slice::<f64>()[i] = *x,
                        FieldValue::Bool(x) => v.as_mut_slice::<bool>()[i] = *x,
                        FieldValue::Date(d) => v.as_mut_slice::<i32>()[i] = *d,
                        FieldValue::Micros(m) => v.as_mut_slice::<i64>()[i] = *m,
                    }
                }
            }
        }
        output.set_len(self.len());
    }
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
        let input = b
            .input
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| Error::internal("the input was already read").named(NAME))?;
        // Threads take turns reading raw lines and parse their batches in parallel.
        init.set_max_threads(std::thread::available_parallelism().map(|n| n.get() as u64).unwrap_or(1));
        // An index past the last column (the row id, for count(*)) has nothing to write.
        let columns = b.columns.len() + 2;
        let projected = init.get_column_indices().into_iter().map(|i| usize::try_from(i).unwrap_or(usize::MAX)).filter(|&i| i < columns);
        Ok(AirbyteInit { input: Mutex::new(input), projected: projected.collect() })
    }

    fn func(func: &TableFunctionInfo<Self>, output: &mut DataChunkHandle) -> Result<(), Box<dyn std::error::Error>> {
        let b = func.get_bind_data();
        let cap = chunk_capacity(output);
        // Take a batch of raw lines under the lock; parse them outside it. A batch holds at most
        // `cap` lines, so a chunk never overflows; other message types just make it shorter.
        // The batch's lines share one buffer: (start, end, file, line number) spans into it.
        let mut block = Vec::new();
        let mut spans = Vec::with_capacity(cap);
        loop {
            block.clear();
            spans.clear();
            func.get_init_data().input.lock().unwrap_or_else(|p| p.into_inner()).read_lines(&mut block, &mut spans, cap)?;
            if spans.is_empty() {
                output.set_len(0);
                return Ok(());
            }
            let mut batch = Batch::with_capacity(spans.len(), b.columns.len());
            for Span { start, end, file, line } in &spans {
                let parsed = match std::str::from_utf8(&block[*start..*end]) {
                    Ok(text) => parse_line(text),
                    Err(e) => Err(format!("not valid UTF-8 ({e})")),
                };
                match parsed {
                    Ok(Message::Record(r)) => {
                        if r.stream == b.stream.as_str() && (b.namespace.is_none() || r.namespace.as_deref() == b.namespace.as_deref()) {
                            batch.push(b, r, file, *line)?;
                        }
                    }
                    Ok(Message::Other) => {}
                    Err(_) if b.ignore_errors => {}
                    Err(e) => return Err(malformed(file, *line, &e).into()),
                }
            }
            if batch.len() > 0 {
                batch.write(output, b, &func.get_init_data().projected);
                return Ok(());
            }
        }
    }

    fn supports_pushdown() -> bool {
        true
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

/// Writes optional VARCHAR values into column `col`.
pub fn write_strings<'a>(output: &mut DataChunkHandle, col: usize, values: impl Iterator<Item = Option<&'a str>>) {
    let mut v = output.flat_vector(col);
    for (i, s) in values.enumerate() {
        match s {
            Some(s) => v.insert(i, s),
            None => v.set_null(i),
        }
    }
}

/// Writes optional integer values into column `col` of physical type `T` (i32 for DATE, i64
/// for timestamps).
pub fn write_ints<T: TryFrom<i64> + Copy>(output: &mut DataChunkHandle, col: usize, values: impl Iterator<Item = Option<i64>>) {
    let mut v = output.flat_vector(col);
    for (i, x) in values.enumerate() {
        match x.and_then(|x| T::try_from(x).ok()) {
            // SAFETY: the caller declared column `col` with a physical type of T's width, and `i`
            // stays below the chunk's capacity.
            Some(x) => unsafe { v.as_mut_slice::<T>()[i] = x },
            None => v.set_null(i),
        }
    }
}

/// The number of rows one output chunk can hold.
pub fn chunk_capacity(output: &DataChunkHandle) -> usize {
    output.flat_vector(0).capacity()
}
