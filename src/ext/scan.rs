//! The one aggregate scan behind every manifest: rows, variable-width bytes and non-NULL key
//! values per partition key, computed by the host in a single GROUP BY over the source.

use crate::core::manifest::PartitionCounts;
use crate::core::size::RowSize;
use crate::core::sql::quote_ident;
use crate::ext::internal::{CallerSettings, InternalConnection};

/// Counts per key and what the scan saw for rows whose key expression was NULL.
pub struct ScanResult {
    pub counts: PartitionCounts<i64>,
    /// Rows whose key expression was NULL although the key column was not (e.g. ±infinity).
    pub unkeyed_values: u64,
}

/// Groups the source by `key_sql` (a BIGINT expression over `key_column`).
pub fn count_by_key(
    internal: &InternalConnection,
    settings: &CallerSettings,
    from_sql: &str,
    key_sql: &str,
    key_column: &str,
    row_size: &RowSize,
) -> Result<ScanResult, String> {
    let var = row_size.variable_sql.as_deref().map(|v| format!("CAST(sum({v}) AS BIGINT)")).unwrap_or_else(|| "0".into());
    let sql = format!(
        "SELECT {key_sql} AS partext_key, count(*), count({col}), {var} FROM {from_sql} GROUP BY 1",
        col = quote_ident(key_column)
    );
    internal.with_settings(settings, |conn| {
        let mut stmt = conn.prepare(&sql).map_err(|e| format!("scanning the source failed: {e}"))?;
        let mut rows = stmt.query([]).map_err(|e| format!("scanning the source failed: {e}"))?;
        let mut result = ScanResult { counts: PartitionCounts::default(), unkeyed_values: 0 };
        while let Some(row) = rows.next().map_err(|e| format!("scanning the source failed: {e}"))? {
            let key: Option<i64> = row.get(0).map_err(|e| e.to_string())?;
            let n: i64 = row.get(1).map_err(|e| e.to_string())?;
            let non_null: i64 = row.get(2).map_err(|e| e.to_string())?;
            let var: Option<i64> = row.get(3).map_err(|e| e.to_string())?;
            let bytes = n as u64 * row_size.fixed_bytes + var.unwrap_or(0) as u64;
            match key {
                Some(k) => result.counts.keys.push((k, n as u64, bytes)),
                None => {
                    result.counts.null_rows = (n - non_null) as u64;
                    result.counts.null_bytes = if n > 0 { bytes / n as u64 * (n - non_null) as u64 } else { 0 };
                    result.unkeyed_values = non_null as u64;
                }
            }
        }
        Ok(result)
    })
}
