//! The one aggregate scan behind every manifest: rows and non-NULL key values per partition
//! key, computed by the host in a single GROUP BY over the source; and the size estimator.

use crate::core::manifest::PartitionCounts;
use crate::core::size::estimate;
use crate::core::sql::quote_ident;
use crate::ext::manifest::ResolvedSource;

/// Counts per key and what the scan saw for rows whose key expression was NULL.
pub struct ScanResult {
    pub counts: PartitionCounts<i64>,
    /// Rows whose key expression was NULL although the key column was not (e.g. ±infinity).
    pub unkeyed_values: u64,
}

/// Groups the source by `key_sql` (a BIGINT expression). With `key_column`, rows whose key is
/// NULL although the column is not are counted apart (`unkeyed_values`); without it, a NULL key
/// means a NULL column.
pub fn count_by_key(source: &ResolvedSource, key_sql: &str, key_column: Option<&str>) -> Result<ScanResult, String> {
    let (internal, settings, from_sql) = (&source.internal, &source.settings, &source.from_sql);
    let non_null = key_column.map(|c| format!("count({})", quote_ident(c))).unwrap_or_else(|| "0".into());
    let sql = format!("SELECT {key_sql} AS partext_key, count(*), {non_null} FROM {from_sql} GROUP BY 1");
    let mut scan = internal.with_settings(settings, |conn| {
        let mut stmt = conn.prepare(&sql).map_err(|e| format!("scanning the source failed: {e}"))?;
        let mut rows = stmt.query([]).map_err(|e| format!("scanning the source failed: {e}"))?;
        let mut result = ScanResult { counts: PartitionCounts::default(), unkeyed_values: 0 };
        while let Some(row) = rows.next().map_err(|e| format!("scanning the source failed: {e}"))? {
            let key: Option<i64> = row.get(0).map_err(|e| e.to_string())?;
            let n: i64 = row.get(1).map_err(|e| e.to_string())?;
            let non_null: i64 = row.get(2).map_err(|e| e.to_string())?;
            match key {
                Some(k) => result.counts.keys.push((k, n as u64, 0)),
                None => {
                    result.counts.null_rows = (n - non_null) as u64;
                    result.unkeyed_values = non_null as u64;
                }
            }
        }
        Ok(result)
    })?;
    // Sizes: rows times the estimated bytes per row.
    let total: u64 = scan.counts.keys.iter().map(|k| k.1).sum::<u64>() + scan.counts.null_rows + scan.unkeyed_values;
    let per_row = row_bytes(source, total)?;
    for k in &mut scan.counts.keys {
        k.2 = estimate(k.1, per_row);
    }
    scan.counts.null_bytes = estimate(scan.counts.null_rows, per_row);
    Ok(scan)
}

/// Estimated bytes per row of the source (`core::size`): exact for fixed-width schemas, from a
/// seeded Bernoulli sample of about 100,000 rows otherwise.
pub fn row_bytes(source: &ResolvedSource, total_rows: u64) -> Result<f64, String> {
    let row_size = &source.row_size;
    let Some(sql) = row_size.sample_sql(&source.from_sql, total_rows, source.sampling()) else { return Ok(row_size.fixed_bytes as f64) };
    let (rows, bytes): (i64, Option<i64>) = source
        .internal
        .with_settings(&source.settings, |conn| conn.query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| e.to_string()))
        .map_err(|e| format!("estimating row sizes failed: {e}"))?;
    Ok(row_size.average(rows as u64, bytes.unwrap_or(0) as u64))
}
