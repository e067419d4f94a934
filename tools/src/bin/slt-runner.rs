//! Runs DuckDB-dialect sqllogictest files against a DuckDB host with partext loaded.
//!
//! ```text
//! slt-runner --python .venv/duckdb-2.0.1/bin/python --extension build/release/partext.duckdb_extension test/sql/*.test
//! ```
//!
//! The `sqllogictest` crate parses each file; statements and queries run in a Python worker
//! (`test/host/worker.py`) on the DuckDB wheel given by `--python`, one fresh database per file.
//! DuckDB's conventions apply: `statement error` passes when the expected text after `----` is a
//! substring of the error; `query` rows are tab-separated values as DuckDB casts them to VARCHAR;
//! `__TEST_DIR__` is a scratch directory of the file's own, `__PROJECT_DIR__` the project root. Any mismatch, any unsupported record
//! and any file that runs nothing fails the run.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};

use serde_json::{json, Value};
use sqllogictest::{DefaultColumnType, ExpectedError, QueryExpect, Record, SortMode, StatementExpect};

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn start(python: &str, extension: &str) -> Result<Worker, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../test/host/worker.py");
        let mut child = Command::new(python)
            .arg(&script)
            .arg(extension)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {python}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Worker { child, stdin, stdout })
    }

    fn call(&mut self, req: Value) -> Result<Value, String> {
        writeln!(self.stdin, "{req}").map_err(|e| format!("host worker died: {e}"))?;
        self.stdin.flush().map_err(|e| format!("host worker died: {e}"))?;
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).map_err(|e| format!("host worker died: {e}"))?;
        if n == 0 {
            let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
            return Err(format!("the DuckDB host process ended unexpectedly ({status}): a crash in the host"));
        }
        serde_json::from_str(&line).map_err(|e| format!("bad reply from host worker: {e}: {line}"))
    }
}

struct Outcome {
    passed: usize,
    failures: Vec<String>,
}

/// Ok when the host ran the SQL, else the failure with the host's error.
fn succeeded(reply: &Value) -> Result<(), String> {
    if reply["ok"] == true {
        Ok(())
    } else {
        Err(format!("failed: {}", reply["error"].as_str().unwrap_or("")))
    }
}

/// None when the host failed with the expected error, else the failure.
fn failed_with(expected: &ExpectedError, reply: &Value) -> Option<String> {
    let err = reply["error"].as_str().unwrap_or("");
    if reply["ok"] == true {
        Some("succeeded but an error was expected".to_string())
    } else if error_matches(expected, err) {
        None
    } else {
        Some(format!("wrong error\n  expected: {expected}\n  actual:   {err}"))
    }
}

/// The rows of a query reply, each value as text.
fn rows_of(reply: &Value) -> Vec<Vec<String>> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    reply["rows"]
        .as_array()
        .map(|rows| rows.iter().map(|r| r.as_array().map(|vs| vs.iter().map(text).collect()).unwrap_or_default()).collect())
        .unwrap_or_default()
}

fn error_matches(expected: &ExpectedError, actual: &str) -> bool {
    match expected {
        // DuckDB's runner: the text after ---- must appear in the error message.
        ExpectedError::Multiline(text) => actual.contains(text.trim()),
        other => other.is_match(actual, None),
    }
}

/// The extensions a file names with DuckDB's `require <extension>` lines, which this runner
/// honours: each must be loadable in the host, and `partext` (loaded by the worker) must be
/// among them, so that DuckDB's own runner skips the file where partext is absent.
fn required_extensions(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.trim().strip_prefix("require ")).map(|e| e.trim().to_string()).collect()
}

fn run_file(worker: &mut Worker, path: &Path, scratch: &Path) -> Result<Outcome, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let required = required_extensions(&text);
    let records = sqllogictest::parse_with_name::<DefaultColumnType>(&duckdb_dialect(&text), path.to_string_lossy())
        .map_err(|e| format!("{}: parse error: {e}", path.display()))?;
    let dir = scratch.join(path.file_stem().unwrap_or_default());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let reset = worker.call(json!({"op": "reset", "dir": dir.to_string_lossy()}))?;
    if reset["ok"] != true {
        return Err(format!("{}: could not start a database: {}", path.display(), reset["error"]));
    }
    let test_dir = dir.to_string_lossy().to_string();
    let project_dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().map_err(|e| e.to_string())?.to_string_lossy().to_string();
    let mut out = Outcome { passed: 0, failures: Vec::new() };
    if !required.iter().any(|e| e == "partext") {
        out.failures.push(format!("{}: the file does not start with `require partext`", path.display()));
    }
    for ext in &required {
        let (op, sql) =
            if ext == "partext" { ("query", "SELECT partext_version()".to_string()) } else { ("statement", format!("LOAD {ext}")) };
        if let Err(e) = succeeded(&worker.call(json!({"op": op, "sql": sql}))?) {
            out.failures.push(format!("{}: required extension {ext} is not available: {e}", path.display()));
        }
    }
    for record in records {
        let (loc, sql, conditions, op) = match &record {
            Record::Statement { loc, sql, conditions, .. } => (loc, sql, conditions, "statement"),
            Record::Query { loc, sql, conditions, .. } => (loc, sql, conditions, "query"),
            Record::Comment(_) | Record::Newline => continue,
            other => {
                out.failures.push(format!("{}: unsupported record {other:?}", path.display()));
                continue;
            }
        };
        if !conditions.is_empty() {
            out.failures.push(format!("{loc}: skipif/onlyif are not supported; a skipped test is a failure"));
            continue;
        }
        let sql = sql.replace("__TEST_DIR__", &test_dir).replace("__PROJECT_DIR__", &project_dir);
        let mut reply = worker.call(json!({"op": op, "sql": sql}))?;
        // Errors name paths as placeholders, so expected messages can mention them.
        if let Some(err) = reply["error"].as_str() {
            let err = err.replace(&test_dir, "__TEST_DIR__").replace(&project_dir, "__PROJECT_DIR__");
            reply["error"] = Value::String(err);
        }
        let failure = match &record {
            Record::Statement { expected: StatementExpect::Ok, .. } => succeeded(&reply).err(),
            Record::Statement { expected: StatementExpect::Error(e), .. } => failed_with(e, &reply),
            Record::Statement { .. } => Some("statement count is not supported".to_string()),
            Record::Query { expected: QueryExpect::Error(e), .. } => failed_with(e, &reply),
            Record::Query { expected: QueryExpect::Results { types, sort_mode, results, .. }, .. } => match succeeded(&reply) {
                Err(f) => Some(f),
                Ok(()) => compare(types, *sort_mode, results, rows_of(&reply)),
            },
            _ => None,
        };
        match failure {
            None => out.passed += 1,
            Some(f) => out.failures.push(format!("{loc}: {f}\n  sql: {sql}")),
        }
    }
    if out.passed == 0 && out.failures.is_empty() {
        out.failures.push(format!("{}: the file ran no statements; an empty or skipped test is a failure", path.display()));
    }
    Ok(out)
}

/// In DuckDB's dialect one blank line ends an expected error message; the parser wants two.
fn duckdb_dialect(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let (mut error_record, mut error_body) = (false, false);
    for line in text.lines() {
        // `require` is honoured before the records run (see required_extensions).
        if line.trim().starts_with("require ") {
            out.push('\n');
            continue;
        }
        if line.starts_with("statement error") || line.starts_with("query error") {
            error_record = true;
        } else if error_record && line == "----" {
            error_body = true;
        } else if line.trim().is_empty() {
            if error_body {
                out.push('\n');
            }
            error_record = false;
            error_body = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn compare(types: &[DefaultColumnType], sort_mode: Option<SortMode>, expected: &[String], rows: Vec<Vec<String>>) -> Option<String> {
    if let Some(row) = rows.iter().find(|r| r.len() != types.len()) {
        return Some(format!("query returned {} column(s) but the header declares {}", row.len(), types.len()));
    }
    let mut actual: Vec<String> = rows.iter().map(|r| r.join("\t")).collect();
    let mut expected: Vec<String> = expected.iter().map(|l| l.trim_end().to_string()).collect();
    match sort_mode {
        Some(SortMode::RowSort) => {
            actual.sort();
            expected.sort();
        }
        Some(SortMode::ValueSort) => {
            actual = rows.into_iter().flatten().collect();
            actual.sort();
            expected = expected.iter().flat_map(|l| l.split('\t').map(str::to_string)).collect();
            expected.sort();
        }
        _ => {}
    }
    if actual == expected {
        None
    } else {
        Some(format!("wrong result\n--- expected\n{}\n--- actual\n{}", expected.join("\n"), actual.join("\n")))
    }
}

fn main() -> ExitCode {
    let mut python = None;
    let mut extension = None;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--python" => python = args.next(),
            "--extension" => extension = args.next(),
            _ => files.push(PathBuf::from(a)),
        }
    }
    let (Some(python), Some(extension)) = (python, extension) else {
        eprintln!("usage: slt-runner --python <python> --extension <file> <test files...>");
        return ExitCode::FAILURE;
    };
    if files.is_empty() {
        eprintln!("slt-runner: no test files given");
        return ExitCode::FAILURE;
    }
    let scratch = std::env::temp_dir().join(format!("partext-slt-{}", std::process::id()));
    let mut worker = match Worker::start(&python, &extension) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("slt-runner: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        match run_file(&mut worker, file, &scratch) {
            Ok(o) => {
                println!("{:<44} {:>4} passed {:>3} failed", file.display(), o.passed, o.failures.len());
                for f in &o.failures {
                    println!("FAIL {f}\n");
                }
                passed += o.passed;
                failed += o.failures.len();
            }
            Err(e) => {
                println!("FAIL {e}");
                failed += 1;
                // The host may have crashed: start a fresh one for the remaining files.
                match Worker::start(&python, &extension) {
                    Ok(w) => worker = w,
                    Err(e) => {
                        eprintln!("slt-runner: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!("sqllogictest ({python}): {passed} passed, {failed} failed in {} file(s)", files.len());
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
