//! What a manifest function scans: the `tbl` argument (SPEC §2).
//!
//! ```sql
//! FROM partition_temporal('events', 'ts', 'day');                       -- table or view
//! FROM partition_temporal('otherdb.main.events', 'ts', 'day');          -- qualified name
//! FROM partition_temporal('(SELECT * FROM events WHERE region = ''EU'')', 'ts', 'day');
//! FROM partition_temporal('data/*.parquet', 'ts', 'day');               -- file or glob
//! ```
//!
//! [`SourceSpec::parse`] classifies the text; [`resolve_name`] finds a name the way the caller's
//! connection would (its search path, then the default database), given the catalog's objects.
//! Both are pure functions; the DuckDB layer supplies the catalog and the caller's settings.

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

/// A table or view in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogObject {
    pub database: String,
    pub schema: String,
    pub name: String,
    pub is_view: bool,
}

/// One entry of the caller's search path; `database` None means the default database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry {
    pub database: Option<String>,
    pub schema: String,
}

impl SourceSpec {
    pub fn parse(tbl: &str) -> Result<SourceSpec, String> {
        let text = tbl.trim();
        if text.is_empty() {
            return Err("the source (first argument) is empty; pass a table name, a '(SELECT ...)' query or a file path".into());
        }
        if text.starts_with('(') {
            check_single_parenthesized(text)?;
            return Ok(SourceSpec::Query(text.to_string()));
        }
        match parse_identifier_path(text) {
            Some(parts) if parts.len() <= 3 => Ok(SourceSpec::Name(parts)),
            _ => Ok(SourceSpec::File(text.to_string())),
        }
    }

    /// Whether a name that matched no catalog object should be read as a file path.
    pub fn looks_like_file(text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        text.contains('/') || text.contains('\\') || text.contains('*') || text.contains('?')
            || [".parquet", ".csv", ".tsv", ".json", ".ndjson", ".jsonl", ".gz", ".zst", ".arrow", ".txt"]
                .iter()
                .any(|ext| lower.ends_with(ext))
    }
}

impl Source {
    pub fn object(o: &CatalogObject) -> Source {
        Source {
            from_sql: qualified_name(&[o.database.clone(), o.schema.clone(), o.name.clone()]),
            kind: if o.is_view { SourceKind::View } else { SourceKind::Table },
        }
    }

    pub fn query(text: &str) -> Source {
        Source { from_sql: text.to_string(), kind: SourceKind::Query }
    }

    pub fn file(path: &str) -> Source {
        Source { from_sql: quote_literal(path), kind: SourceKind::File }
    }
}

/// Parses the caller's `search_path` setting (`db.schema,schema,...`).
pub fn parse_search_path(text: &str) -> Vec<SearchEntry> {
    split_top_level(text, ',')
        .into_iter()
        .filter_map(|entry| {
            let parts = parse_identifier_path(entry.trim())?;
            match parts.as_slice() {
                [schema] => Some(SearchEntry { database: None, schema: schema.clone() }),
                [db, schema] => Some(SearchEntry { database: Some(db.clone()), schema: schema.clone() }),
                _ => None,
            }
        })
        .collect()
}

/// Finds `parts` in `objects` as DuckDB would for a connection with this search path and
/// default database: 1 part along the search path, then `main`; 2 parts as schema.name along
/// the path's databases, then as database.name; 3 parts exactly. Names compare
/// case-insensitively, like DuckDB identifiers.
pub fn resolve_name<'a>(
    parts: &[String],
    search_path: &[SearchEntry],
    default_database: &str,
    objects: &'a [CatalogObject],
) -> Option<&'a CatalogObject> {
    let find = |db: &str, schema: &str, name: &str| {
        objects.iter().find(|o| {
            o.database.eq_ignore_ascii_case(db) && o.schema.eq_ignore_ascii_case(schema) && o.name.eq_ignore_ascii_case(name)
        })
    };
    let path_dbs = || search_path.iter().map(|e| e.database.as_deref().unwrap_or(default_database));
    match parts {
        [name] => search_path
            .iter()
            .find_map(|e| find(e.database.as_deref().unwrap_or(default_database), &e.schema, name))
            .or_else(|| find(default_database, "main", name)),
        [schema, name] => path_dbs()
            .chain(std::iter::once(default_database))
            .find_map(|db| find(db, schema, name))
            .or_else(|| find(schema, "main", name)),
        [db, schema, name] => find(db, schema, name),
        _ => None,
    }
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

/// Splits on `sep` outside double quotes.
fn split_top_level(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            out.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// Checks that `text` is one parenthesized query: the parenthesis opened first closes last,
/// and no `;` separates statements. Strings, quoted identifiers and comments are skipped.
fn check_single_parenthesized(text: &str) -> Result<(), String> {
    let bad = || {
        "the source starts with '(' but is not a single parenthesized query; \
         write it as '(SELECT ...)' with balanced parentheses and no ';'"
            .to_string()
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
    if depth == 0 { Ok(()) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(db: &str, schema: &str, name: &str) -> CatalogObject {
        CatalogObject { database: db.into(), schema: schema.into(), name: name.into(), is_view: false }
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
    fn resolves_like_duckdb() {
        let objects = vec![obj("memory", "main", "events"), obj("other", "main", "events"), obj("other", "s2", "t"), obj("memory", "s2", "u")];
        let path = parse_search_path("other.s2,other.main");
        assert_eq!(path, vec![
            SearchEntry { database: Some("other".into()), schema: "s2".into() },
            SearchEntry { database: Some("other".into()), schema: "main".into() },
        ]);
        let r = |p: &[&str], path: &[SearchEntry]| {
            let parts: Vec<String> = p.iter().map(|s| s.to_string()).collect();
            resolve_name(&parts, path, "memory", &objects).map(|o| (o.database.clone(), o.schema.clone(), o.name.clone()))
        };
        assert_eq!(r(&["EVENTS"], &path), Some(("other".into(), "main".into(), "events".into())));
        assert_eq!(r(&["events"], &[]), Some(("memory".into(), "main".into(), "events".into())));
        assert_eq!(r(&["t"], &path), Some(("other".into(), "s2".into(), "t".into())));
        assert_eq!(r(&["s2", "u"], &[]), Some(("memory".into(), "s2".into(), "u".into())));
        assert_eq!(r(&["other", "events"], &[]), Some(("other".into(), "main".into(), "events".into())));
        assert_eq!(r(&["other", "s2", "t"], &[]), Some(("other".into(), "s2".into(), "t".into())));
        assert_eq!(r(&["nope"], &path), None);
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
