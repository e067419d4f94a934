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
pub const MANIFEST_FUNCTIONS: [&str; 8] = [
    "partition_temporal",
    "partition_hash",
    "partition_range",
    "chunk_plan",
    "partition_advise",
    "write_plan",
    "partition_by",
    "partition_keys",
];

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
