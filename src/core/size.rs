//! Row size: the uncompressed in-memory size of a row, for `estimated_bytes`.
//!
//! ```sql
//! SELECT label, row_count, estimated_bytes FROM partext.partition_temporal('events', 'ts', 'day');
//! ```
//!
//! Fixed-width columns count at their physical width (INTEGER 4, TIMESTAMP 8, DECIMAL(18,3) 8,
//! UUID 16 ...). VARCHAR and BLOB count 16 bytes (DuckDB's string header) plus their length;
//! LIST and MAP 16 bytes plus their elements; STRUCT the sum of its fields; fixed-size ARRAY
//! n times its element. [`RowSize::of`] splits a schema into a constant part and one SQL
//! expression for the variable part, which the manifest's single aggregate scan sums per
//! partition. Cost: one length lookup per variable-width value; none for fixed-width schemas.

use crate::core::sql::{quote_ident, quote_literal};
use crate::core::types::ColumnType;

/// A row's size as a constant plus an optional SQL expression for the variable-width part.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSize {
    pub fixed_bytes: u64,
    /// Per-row SQL expression (BIGINT) for the variable-width bytes, if any column has them.
    pub variable_sql: Option<String>,
}

/// Rows the size estimator aims to sample.
pub const SAMPLE_ROWS: u64 = 100_000;
/// The Bernoulli sample's seed: fixed, so that the same data gives the same estimate.
pub const SAMPLE_SEED: u64 = 42;
/// Rows of one window of a table's sample: four DuckDB vectors.
pub const WINDOW_ROWS: u64 = 8_192;

/// How a source's rows are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    /// A table: [`SAMPLE_ROWS`] / [`WINDOW_ROWS`] windows of consecutive `rowid`s spread evenly
    /// over the table. DuckDB reads the wide columns of those rows only (a Bernoulli sample
    /// reads every row of every column), and the windows are the same on every run.
    RowidWindows,
    /// Anything else: DuckDB's seeded Bernoulli sample.
    Bernoulli,
}

impl RowSize {
    /// The SQL that estimates the average variable-width bytes per row of `from_sql` from a
    /// deterministic sample of about [`SAMPLE_ROWS`] of its `total_rows` rows; None when every
    /// column is fixed-width. It returns (sampled rows, their variable-width bytes).
    pub fn sample_sql(&self, from_sql: &str, total_rows: u64, sampling: Sampling) -> Option<String> {
        let var = self.variable_sql.as_ref()?;
        if total_rows <= SAMPLE_ROWS {
            return Some(format!("SELECT count(*), CAST(sum({var}) AS BIGINT) FROM {from_sql}"));
        }
        Some(match sampling {
            Sampling::RowidWindows => {
                let windows = SAMPLE_ROWS / WINDOW_ROWS;
                let step = total_rows / windows;
                let parts: Vec<String> = (0..windows)
                    .map(|i| {
                        let start = i * step;
                        format!("SELECT {var} AS partext_bytes FROM {from_sql} WHERE \"rowid\" BETWEEN {start} AND {}", start + WINDOW_ROWS - 1)
                    })
                    .collect();
                format!("SELECT count(*), CAST(sum(partext_bytes) AS BIGINT) FROM ({})", parts.join(" UNION ALL "))
            }
            Sampling::Bernoulli => {
                let percent = 100.0 * SAMPLE_ROWS as f64 / total_rows as f64;
                format!("SELECT count(*), CAST(sum({var}) AS BIGINT) FROM {from_sql} USING SAMPLE {percent:.6}% (bernoulli, {SAMPLE_SEED})")
            }
        })
    }

    /// Average bytes per row given the sample's (rows, variable-width bytes).
    pub fn average(&self, sampled_rows: u64, variable_bytes: u64) -> f64 {
        let var = if sampled_rows == 0 { 0.0 } else { variable_bytes as f64 / sampled_rows as f64 };
        self.fixed_bytes as f64 + var
    }
}

/// The estimated size of `rows` rows of `bytes_per_row` each.
pub fn estimate(rows: u64, bytes_per_row: f64) -> u64 {
    (rows as f64 * bytes_per_row).round() as u64
}

impl RowSize {
    /// The size of rows with these columns.
    pub fn of(columns: &[(String, ColumnType)]) -> RowSize {
        let mut fixed = 0u64;
        let mut parts = Vec::new();
        let mut depth = 0usize;
        for (name, t) in columns {
            match fixed_width(t) {
                Some(w) => fixed += w,
                None => parts.push(size_sql(t, &quote_ident(name), &mut depth)),
            }
        }
        RowSize {
            fixed_bytes: fixed,
            variable_sql: if parts.is_empty() { None } else { Some(parts.join(" + ")) },
        }
    }
}

/// The physical width of a fixed-width type, or None for variable-width types.
pub fn fixed_width(t: &ColumnType) -> Option<u64> {
    use ColumnType::*;
    Some(match t {
        Boolean | TinyInt | UTinyInt => 1,
        SmallInt | USmallInt => 2,
        Integer | UInteger | Float | Date => 4,
        BigInt | UBigInt | Double | Time | TimeTz | Timestamp | TimestampS | TimestampMs | TimestampNs | TimestampTz => 8,
        HugeInt | UHugeInt | Interval | Uuid => 16,
        Decimal { width, .. } => match width {
            0..=4 => 2,
            5..=9 => 4,
            10..=18 => 8,
            _ => 16,
        },
        Enum(n) => match n {
            0..=255 => 1,
            256..=65_535 => 2,
            _ => 4,
        },
        Array(child, n) => fixed_width(child)? * (*n as u64),
        Struct(fields) => {
            let mut sum = 0;
            for (_, f) in fields {
                sum += fixed_width(f)?;
            }
            sum
        }
        Varchar | Blob | Bit | List(_) | Map(_, _) | Union(_) | Other(_) => return None,
    })
}

/// SQL for the size in bytes of the value `expr` of type `t`; NULL values count their slot.
fn size_sql(t: &ColumnType, expr: &str, depth: &mut usize) -> String {
    use ColumnType::*;
    if let Some(w) = fixed_width(t) {
        return w.to_string();
    }
    match t {
        Varchar => format!("(16 + coalesce(strlen({expr}), 0))"),
        Blob | Bit => format!("(16 + coalesce(octet_length({expr}), 0))"),
        List(child) => format!("(16 + {})", elements_sql(child, expr, depth)),
        Array(child, n) => {
            // Fixed count, variable elements: size the elements present.
            let _ = n;
            elements_sql(child, expr, depth)
        }
        Map(k, v) => format!(
            "(16 + {} + {})",
            elements_sql(k, &format!("map_keys({expr})"), depth),
            elements_sql(v, &format!("map_values({expr})"), depth)
        ),
        Struct(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|(name, f)| size_sql(f, &format!("struct_extract({expr}, {})", quote_literal(name)), depth))
                .collect();
            if parts.is_empty() { "0".to_string() } else { format!("({})", parts.join(" + ")) }
        }
        // UNION and unknown types: the string form's length is the best cheap proxy.
        _ => format!("(16 + coalesce(strlen(CAST({expr} AS VARCHAR)), 0))"),
    }
}

/// SQL for the total size of the elements of the list `expr`.
fn elements_sql(child: &ColumnType, expr: &str, depth: &mut usize) -> String {
    match fixed_width(child) {
        Some(w) => format!("coalesce(len({expr}), 0) * {w}"),
        None => {
            *depth += 1;
            let var = format!("partext_e{depth}");
            let inner = size_sql(child, &var, depth);
            format!("coalesce(list_sum(list_transform({expr}, lambda {var}: {inner})), 0)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(spec: &[(&str, &str)]) -> Vec<(String, ColumnType)> {
        spec.iter().map(|(n, t)| (n.to_string(), ColumnType::parse(t))).collect()
    }

    #[test]
    fn fixed_width_schemas_need_no_scan() {
        let s = RowSize::of(&cols(&[("ts", "TIMESTAMP"), ("id", "INTEGER"), ("amt", "DECIMAL(18,2)"), ("a", "DOUBLE[3]")]));
        assert_eq!(s, RowSize { fixed_bytes: 8 + 4 + 8 + 24, variable_sql: None });
    }

    #[test]
    fn strings_and_nested_types_get_expressions() {
        let s = RowSize::of(&cols(&[("id", "BIGINT"), ("na\"me", "VARCHAR"), ("tags", "VARCHAR[]"), ("m", "MAP(VARCHAR, INTEGER)")]));
        assert_eq!(s.fixed_bytes, 8);
        let sql = s.variable_sql.unwrap();
        assert!(sql.starts_with("(16 + coalesce(strlen(\"na\"\"me\"), 0))"), "{sql}");
        assert!(sql.contains("list_transform(\"tags\", lambda partext_e1: (16 + coalesce(strlen(partext_e1), 0)))"), "{sql}");
        assert!(sql.contains("coalesce(len(map_values(\"m\")), 0) * 4"), "{sql}");
    }
}
