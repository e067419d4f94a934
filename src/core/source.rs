//! What a manifest function scans: the `tbl` argument (docs/contracts.md, Sources).
//!
//! ```sql
//! FROM partext.partition_temporal('events', 'ts', 'day');               -- table, view, DataFrame
//! FROM partext.partition_temporal('otherdb.main.events', 'ts', 'day');  -- qualified name
//! FROM partext.partition_temporal('(SELECT * FROM events WHERE region = ''EU'')', 'ts', 'day');
//! FROM partext.partition_temporal('data/*.parquet', 'ts', 'day');       -- file or glob
//! ```
//!
//! [`SourceSpec::parse`] classifies the text and [`from_sql`] turns it into the text after FROM;
//! the caller's query then resolves it as it resolves any name. A CSV file is read through
//! `read_csv` with a 4 MiB buffer (`core::scan`), so that scanning it fits a small memory_limit.

use crate::core::error::{Error, Result};
use crate::core::scan::{ScanKind, CSV_BUFFER};
use crate::core::sql::{qualified_name, quote_literal};

/// The `tbl` argument, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A parenthesized query, kept verbatim.
    Query(String),
    /// A (possibly qualified) name; if no catalog object matches it may still be a file.
    Name(Vec<String>),
    /// A path or glob for DuckDB's file readers.
    File(String),
}

/// A source ready to scan: the text to put after FROM, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub from_sql: String,
    pub kind: SourceKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Table,
    View,
    Query,
    File,
}

impl SourceSpec {
    pub fn parse(tbl: &str) -> Result<SourceSpec> {
        let text = tbl.trim();
        if text.is_empty() {
            return Err(Error::user("the source (first argument) is empty; pass a table name, a '(SELECT ...)' query or a file path"));
        }
        if text.starts_with('(') {
            check_single_parenthesized(text)?;
            return Ok(SourceSpec::Query(text.to_string()));
        }
        if let Some(function) = table_function_call(text) {
            return Err(Error::user(format!(
                "the source {text} is a call of the table function {function}, which is not a name, a query or a file; \
                 pass it as a query, (SELECT * FROM {text}), or pass the file's path itself"
            )));
        }
        match parse_identifier_path(text) {
            Some(parts) if parts.len() <= 3 => Ok(SourceSpec::Name(parts)),
            _ => Ok(SourceSpec::File(text.to_string())),
        }
    }

    /// Whether a name that matched no catalog object should be read as a file path.
    pub fn looks_like_file(text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        text.contains('/')
            || text.contains('\\')
            || text.contains('*')
            || text.contains('?')
            || [".parquet", ".csv", ".tsv", ".json", ".ndjson", ".jsonl", ".gz", ".zst", ".arrow", ".txt"]
                .iter()
                .any(|ext| lower.ends_with(ext))
    }
}

impl Source {
    pub fn name(parts: &[String]) -> Source {
        Source { from_sql: qualified_name(parts), kind: SourceKind::Table }
    }

    pub fn query(text: &str) -> Source {
        Source { from_sql: text.to_string(), kind: SourceKind::Query }
    }

    /// A file or glob: as a string literal DuckDB picks the reader for, but CSV files through
    /// `read_csv` with partext's read buffer (`core::scan::CSV_BUFFER`), so that a thread's scan
    /// of them holds a few MiB, not DuckDB's default 32 MiB per buffer.
    pub fn file(path: &str) -> Source {
        let from_sql = match ScanKind::of_file(path) {
            ScanKind::Csv => format!("read_csv({}, buffer_size = {CSV_BUFFER})", quote_literal(path)),
            _ => quote_literal(path),
        };
        Source { from_sql, kind: SourceKind::File }
    }
}

/// The source `tbl` names, as text to put after FROM: a (possibly qualified) name quoted part
/// by part, a file path or glob as a string literal, or a parenthesized query kept whole. A
/// name that looks like a file (a `/`, a glob character or a file extension) is read as one.
/// The caller's query resolves the name, so TEMP tables, views and DataFrames in scope are all
/// found; a name is reported as [`SourceKind::Table`], whatever it turns out to be.
pub fn from_sql(tbl: &str) -> Result<Source> {
    Ok(match SourceSpec::parse(tbl)? {
        SourceSpec::Query(q) => Source::query(&q),
        SourceSpec::File(path) => Source::file(&path),
        SourceSpec::Name(_) if SourceSpec::looks_like_file(tbl) => Source::file(tbl.trim()),
        SourceSpec::Name(parts) => Source::name(&parts),
    })
}

/// The function name of a text like `read_csv('x.csv', header = true)`: a bare identifier
/// followed by a parenthesized argument list that ends the text.
fn table_function_call(text: &str) -> Option<&str> {
    let open = text.find('(')?;
    let name = text[..open].trim_end();
    let is_ident = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    (is_ident && text.ends_with(')')).then_some(name)
}

/// Which of `names` is the column `col`: the exact name, else the first name equal to it
/// ignoring ASCII case, as DuckDB resolves identifiers.
pub fn pick_column(names: &[String], col: &str) -> Option<usize> {
    names.iter().position(|n| n == col).or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(col)))
}

/// Splits `a.b."c.d"` into identifier parts, or None if the text is not an identifier path.
pub fn parse_identifier_path(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' || c == '$' {
                    part.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            if part.is_empty() || part.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
        }
        parts.push(part);
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

/// Checks that `text` is one parenthesized query: the parenthesis opened first closes last,
/// and no `;` separates statements. Strings, quoted identifiers and comments are skipped.
fn check_single_parenthesized(text: &str) -> Result<()> {
    let bad = || {
        Error::user(
            "the source starts with '(' but is not a single parenthesized query; \
             write it as '(SELECT ...)' with balanced parentheses and no ';'",
        )
    };
    let b = text.as_bytes();
    let mut depth = 0i64;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
                if i >= b.len() {
                    return Err(bad());
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                if i + 1 >= b.len() {
                    return Err(bad());
                }
                i += 1;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 && !text[i + 1..].trim().is_empty() {
                    return Err(bad());
                }
                if depth < 0 {
                    return Err(bad());
                }
            }
            b';' => return Err(bad()),
            _ => {}
        }
        i += 1;
    }
    if depth == 0 {
        Ok(())
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_function_call_is_refused_with_the_query_to_write() {
        let err = SourceSpec::parse("read_csv('ev.csv', header = true)").unwrap_err().to_string();
        assert!(err.contains("table function read_csv") && err.contains("(SELECT * FROM read_csv('ev.csv', header = true))"), "{err}");
        // Paths and names with parentheses elsewhere are not calls.
        assert!(matches!(SourceSpec::parse("data(1).csv"), Ok(SourceSpec::File(_))));
        assert!(matches!(SourceSpec::parse("(SELECT 1)"), Ok(SourceSpec::Query(_))));
    }

    #[test]
    fn sources_become_from_text() {
        assert_eq!(from_sql("events").unwrap().from_sql, "\"events\"");
        assert_eq!(from_sql("db.\"my s\".t").unwrap().from_sql, "\"db\".\"my s\".\"t\"");
        assert_eq!(
            from_sql("events.csv").unwrap(),
            Source { from_sql: format!("read_csv('events.csv', buffer_size = {CSV_BUFFER})"), kind: SourceKind::File }
        );
        assert_eq!(from_sql("events.parquet").unwrap().from_sql, "'events.parquet'");
        assert_eq!(from_sql("it's/*.parquet").unwrap().from_sql, "'it''s/*.parquet'");
        assert_eq!(from_sql(" (SELECT 1 AS a) ").unwrap().kind, SourceKind::Query);
        assert!(from_sql("(SELECT 1); DROP TABLE t").is_err());
        assert!(from_sql("  ").is_err());
    }

    #[test]
    fn exact_column_name_wins_over_case() {
        let names: Vec<String> = ["ID", "id", "Ts"].iter().map(|s| s.to_string()).collect();
        assert_eq!(pick_column(&names, "id"), Some(1));
        assert_eq!(pick_column(&names, "ts"), Some(2));
        assert_eq!(pick_column(&names, "nope"), None);
    }

    #[test]
    fn classifies_names_queries_and_files() {
        assert_eq!(SourceSpec::parse("events").unwrap(), SourceSpec::Name(vec!["events".into()]));
        assert_eq!(
            SourceSpec::parse("db.\"my schema\".\"Ev\"\"ents\"").unwrap(),
            SourceSpec::Name(vec!["db".into(), "my schema".into(), "Ev\"ents".into()])
        );
        assert_eq!(SourceSpec::parse("data/*.parquet").unwrap(), SourceSpec::File("data/*.parquet".into()));
        assert_eq!(SourceSpec::parse("events.csv").unwrap(), SourceSpec::Name(vec!["events".into(), "csv".into()]));
        assert!(SourceSpec::looks_like_file("events.csv"));
        assert!(!SourceSpec::looks_like_file("main.events"));
        assert_eq!(
            SourceSpec::parse(" (SELECT * FROM t WHERE s = ')') ").unwrap(),
            SourceSpec::Query("(SELECT * FROM t WHERE s = ')')".into())
        );
    }

    #[test]
    fn refuses_queries_that_are_not_one_parenthesized_select() {
        for bad in ["(SELECT 1); DROP TABLE t", "(SELECT 1) UNION (SELECT 2)", "(SELECT 1", "(SELECT ';' ; SELECT 2)", "(SELECT 1) --"] {
            let r = SourceSpec::parse(bad);
            if bad == "(SELECT 1) --" {
                assert!(r.is_err() || matches!(r, Ok(SourceSpec::Query(_))));
            } else {
                assert!(r.is_err(), "{bad}");
            }
        }
        assert!(SourceSpec::parse("(SELECT 1 /* ) */ -- )\n)").is_ok());
    }

    #[test]
    fn identifier_paths() {
        assert_eq!(parse_identifier_path("a.b"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(parse_identifier_path("\"a.b\""), Some(vec!["a.b".into()]));
        assert_eq!(parse_identifier_path("ünï_cödé"), Some(vec!["ünï_cödé".into()]));
        assert_eq!(parse_identifier_path("a b"), None);
        assert_eq!(parse_identifier_path("1abc"), None);
        assert_eq!(parse_identifier_path("\"unterminated"), None);
    }
}
