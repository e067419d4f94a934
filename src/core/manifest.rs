//! The manifest: one row per partition, with the columns every strategy shares.
//!
//! ```sql
//! SELECT partition_id, label, predicate, query, row_count, estimated_bytes
//! FROM partext.partition_temporal('events', 'ts', 'month');
//! ```
//!
//! A strategy turns the counts of one aggregate scan ([`PartitionCounts`]) into [`ManifestRow`]s;
//! the row's `query` is always `SELECT * FROM <source> WHERE <predicate>`.

/// The common manifest columns, in the order of docs/contracts.md, Manifest columns.
/// The functions users call that partext's internal functions work for (the macros'
/// names), as messages name them.
pub const MANIFEST_FUNCTIONS: [&str; 6] =
    ["partition_temporal", "partition_hash", "partition_range", "chunk_plan", "partition_advise", "write_plan"];

#[derive(Debug, Clone, PartialEq)]
pub struct ManifestRow {
    pub partition_id: i64,
    /// The partition key as text; None for the NULL-key partition.
    pub label: Option<String>,
    pub predicate: String,
    pub query: String,
    pub row_count: u64,
    pub estimated_bytes: u64,
}

impl ManifestRow {
    pub fn new(
        partition_id: i64,
        label: Option<String>,
        predicate: String,
        source_sql: &str,
        row_count: u64,
        estimated_bytes: u64,
    ) -> ManifestRow {
        let query = format!("SELECT * FROM {source_sql} WHERE {predicate}");
        ManifestRow { partition_id, label, predicate, query, row_count, estimated_bytes }
    }
}

/// What one aggregate scan returns: rows and variable-width bytes per key, and for NULL keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionCounts<K> {
    /// (key, rows, bytes) for every key that occurs, in no particular order.
    pub keys: Vec<(K, u64, u64)>,
    pub null_rows: u64,
    pub null_bytes: u64,
}

/// The label of the `i`-th of `count` numbered partitions: the index zero-padded to at least
/// three digits (`007`), so that labels sort like partition ids.
pub fn index_label(i: usize, count: usize) -> String {
    let width = count.saturating_sub(1).to_string().len().max(3);
    format!("{i:0width$}")
}

/// The strategy a manifest function partitions by, for checks shared by its native functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Temporal,
    Hash,
    Range,
}

impl Strategy {
    pub fn parse(function: &str) -> Option<Strategy> {
        match function {
            "partition_temporal" => Some(Strategy::Temporal),
            "partition_hash" => Some(Strategy::Hash),
            "partition_range" => Some(Strategy::Range),
            _ => None,
        }
    }

    pub fn function(self) -> &'static str {
        match self {
            Strategy::Temporal => "partition_temporal",
            Strategy::Hash => "partition_hash",
            Strategy::Range => "partition_range",
        }
    }

    /// Checks that column `col`, of the DuckDB type spelled `type_text`, can be this strategy's
    /// key; the error names the column, its type, the supported types and the alternative.
    pub fn check_key(self, col: &str, type_text: &str) -> Result<(), String> {
        use crate::core::types::{ColumnType, TemporalType};
        let t = ColumnType::parse(type_text);
        let (ok, what, supported, instead) = match self {
            Strategy::Temporal => (
                TemporalType::from_column_type(&t).is_some(),
                "partitioned by time",
                TemporalType::SUPPORTED,
                "For other types use partition_hash or partition_range",
            ),
            Strategy::Hash => (
                crate::core::hash::is_bucketable(&t),
                "hash-bucketed (Iceberg buckets no FLOAT, DOUBLE or BOOLEAN)",
                crate::core::hash::SUPPORTED,
                "For floating-point columns use partition_range",
            ),
            Strategy::Range => (
                crate::core::range::RangeType::from_column_type(&t).is_some(),
                "split into ranges",
                crate::core::range::SUPPORTED,
                "For other types use partition_hash",
            ),
        };
        if ok {
            return Ok(());
        }
        if self == Strategy::Temporal && matches!(t, ColumnType::Varchar) {
            let c = crate::core::sql::quote_ident(col);
            return Err(format!(
                "{}: column {c} has type VARCHAR; if it holds dates or timestamps, cast it in a query source: \
                 '(SELECT * REPLACE (CAST({c} AS TIMESTAMP) AS {c}) FROM tbl)' (or strptime({c}, '<format>') for other formats)",
                self.function()
            ));
        }
        Err(format!(
            "{}: column {} has type {type_text}, which cannot be {what}; supported types: {supported}. {instead}",
            self.function(),
            crate::core::sql::quote_ident(col)
        ))
    }
}

#[cfg(test)]
mod strategy_tests {
    use super::Strategy;

    #[test]
    fn key_types_are_checked_per_strategy() {
        assert!(Strategy::Temporal.check_key("ts", "TIMESTAMP WITH TIME ZONE").is_ok());
        let text = Strategy::Temporal.check_key("day", "VARCHAR").unwrap_err();
        assert!(text.contains("has type VARCHAR; if it holds dates") && text.contains("CAST(\"day\" AS TIMESTAMP)"), "{text}");
        let e = Strategy::Temporal.check_key("id", "BIGINT").unwrap_err();
        assert!(e.starts_with("partition_temporal: column \"id\" has type BIGINT") && e.contains("partition_hash"), "{e}");
        assert!(Strategy::Hash.check_key("u", "UUID").is_ok());
        assert!(Strategy::Hash.check_key("x", "DOUBLE").unwrap_err().contains("use partition_range"));
        assert!(Strategy::Range.check_key("x", "DECIMAL(18,3)").is_ok());
        assert!(Strategy::Range.check_key("x", "INTEGER[]").unwrap_err().contains("split into ranges"));
        assert_eq!(Strategy::parse("partition_hash"), Some(Strategy::Hash));
    }
}
