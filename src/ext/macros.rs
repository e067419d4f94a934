//! The manifest functions as table macros in the `partext` catalog.
//!
//! ```sql
//! FROM partext.partition_temporal('events', 'ts', 'month');
//! SET search_path = 'main,partext';   -- then: FROM partition_temporal('events', 'ts', 'month')
//! ```
//!
//! A table macro runs inside the caller's query: in its transaction, with its TEMP tables,
//! DataFrames, `USE` and `search_path`. At load, the loading connection attaches an in-memory
//! database named `partext` and creates the macros there, then closes; nothing of partext stays
//! open. Each macro (`<strategy>/<name>.sql`) holds only the SQL shape — scan, group, unnest — and calls
//! partext's native scalar functions for everything else.

use duckdb::Connection;

/// The macros' SQL, in creation order.
const MACROS: [&str; 7] = [
    crate::ext::temporal::MACRO,
    crate::ext::hash::MACRO,
    crate::ext::range::MACRO,
    crate::ext::chunk::MACRO,
    crate::ext::advise::MACRO,
    crate::ext::write_plan::MACRO,
    crate::ext::spec::MACRO,
];

/// The row-size estimate of a macro's source (`core::scan::facts_sql`): for Parquet files
/// from their metadata, without reading a row; for other sources the average in-memory row
/// size (`partext_row_bytes`) of their first 32,768 rows, which DuckDB reads without scanning
/// the rest and without holding them (the sizes are averaged as they stream). `tbl` is the
/// SQL of the source argument: the macro's parameter, or a literal in generated SQL.
pub(crate) fn row_bytes_sql(function: &str, tbl: &str) -> String {
    format!("coalesce((SELECT row_bytes FROM query(partext_scan_sql([{tbl}], '{function}', 'row_bytes', version()))), 0)")
}

/// The text of one macro with its placeholders filled in.
fn expand(sql: &str) -> String {
    let mut out = sql.replace("{sample_limit}", crate::core::scan::SAMPLE_LIMIT);
    while let Some(start) = out.find("{row_bytes:") {
        let end = start + out[start..].find('}').expect("placeholder closes");
        let function = out[start + "{row_bytes:".len()..end].to_string();
        out.replace_range(start..=end, &row_bytes_sql(&function, "CAST(tbl AS VARCHAR)"));
    }
    out
}

/// Attaches the `partext` catalog and creates the macros in it.
pub fn create_all(conn: &Connection) -> Result<(), String> {
    let attached: i64 = conn
        .query_row("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'partext'", [], |r| r.get(0))
        .map_err(|e| format!("partext failed to load: {e}"))?;
    if attached > 0 {
        return Err("partext failed to load: a database is already attached as 'partext'; DETACH it (or ATTACH it under another name) and LOAD partext again".into());
    }
    conn.execute_batch("ATTACH ':memory:' AS partext (READ_WRITE)")
        .map_err(|e| format!("partext failed to load: could not attach its in-memory catalog: {e}"))?;
    for sql in MACROS {
        conn.execute_batch(&expand(sql)).map_err(|e| format!("partext failed to load: could not create a macro: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        for sql in MACROS {
            let text = expand(sql);
            assert!(!text.contains("{row_bytes") && !text.contains("{sample_limit}"), "{text}");
            assert!(text.contains("CREATE MACRO partext.main."));
        }
    }
}
