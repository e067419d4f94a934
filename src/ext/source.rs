//! Resolving the `tbl` argument against the host database, as the caller's connection would.
//!
//! Bind reads the caller's `search_path` and `schema` settings, lists the catalog's tables and
//! views through the internal connection, and lets `core::source` pick the object. The schema
//! of the source comes from `DESCRIBE`, so files, views and queries are described alike.

use duckdb::Connection;

use crate::core::source::{resolve_name, CatalogObject, Source, SourceSpec};
use crate::core::sql::quote_ident;
use crate::core::types::ColumnType;
use crate::ext::internal::{CallerSettings, InternalConnection};

/// A resolved source and its columns.
pub struct DescribedSource {
    pub source: Source,
    pub columns: Vec<(String, ColumnType)>,
}

/// Resolves `tbl` and describes its columns.
pub fn describe(internal: &InternalConnection, tbl: &str, settings: &CallerSettings) -> Result<DescribedSource, String> {
    let spec = SourceSpec::parse(tbl)?;
    let search_path = settings.search_entries();
    internal.with_settings(settings, |conn| {
        let source = match &spec {
            SourceSpec::Query(q) => Source::query(q),
            SourceSpec::File(path) => Source::file(path),
            SourceSpec::Name(parts) => {
                let objects = catalog_objects(conn)?;
                match resolve_name(parts, &search_path, &internal.default_database, &objects) {
                    Some(o) => Source::object(o),
                    None if SourceSpec::looks_like_file(tbl) => Source::file(tbl.trim()),
                    None => return Err(unknown_table(tbl)),
                }
            }
        };
        let columns = describe_columns(conn, &source.from_sql)
            .map_err(|e| format!("cannot read the source {}: {e}", crate::core::sql::quote_literal(tbl)))?;
        Ok(DescribedSource { source, columns })
    })
}

fn unknown_table(tbl: &str) -> String {
    format!(
        "table or view '{tbl}' does not exist. Note: partext reads through its own connection, which sees only \
         committed data: TEMP tables and tables created in an uncommitted transaction are not visible to it — \
         COMMIT first or use a regular table. A file path needs a '/' or a file extension such as .parquet"
    )
}

fn catalog_objects(conn: &Connection) -> Result<Vec<CatalogObject>, String> {
    let sql = "SELECT database_name, schema_name, table_name, false FROM duckdb_tables() WHERE NOT temporary \
               UNION ALL SELECT database_name, schema_name, view_name, true FROM duckdb_views() WHERE NOT temporary";
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| {
            Ok(CatalogObject { database: r.get(0)?, schema: r.get(1)?, name: r.get(2)?, is_view: r.get(3)? })
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
}

fn describe_columns(conn: &Connection, from_sql: &str) -> Result<Vec<(String, ColumnType)>, String> {
    let sql = format!("DESCRIBE SELECT * FROM {from_sql}");
    let mut stmt = conn.prepare(&sql).map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for row in rows {
        let (name, type_text) = row.map_err(|e| e.to_string())?;
        out.push((name, ColumnType::parse(&type_text)));
    }
    Ok(out)
}

/// Finds a column by name (case-insensitively, as DuckDB does); the error lists the columns.
pub fn find_column(columns: &[(String, ColumnType)], name: &str) -> Result<(String, ColumnType), String> {
    columns
        .iter()
        .find(|(n, _)| n == name)
        .or_else(|| columns.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
        .cloned()
        .ok_or_else(|| {
            let list: Vec<String> = columns.iter().map(|(n, t)| format!("{} {t}", quote_ident(n))).collect();
            format!("column {} not found in the source; its columns are: {}", quote_ident(name), list.join(", "))
        })
}
