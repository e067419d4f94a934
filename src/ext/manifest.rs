//! What every manifest table function shares: binding the source and key column, running the
//! one aggregate scan, and handing the rows out chunk by chunk.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use duckdb::core::{DataChunkHandle, LogicalTypeHandle};
use duckdb::vtab::{BindInfo, InitInfo, TableFunctionInfo, VTab};

use crate::core::manifest::PartitionCounts;
use crate::core::size::{RowSize, Sampling};
use crate::core::sql::quote_ident;
use crate::core::types::ColumnType;
use crate::ext::args::string_arg;
use crate::ext::output::chunk_capacity;
use crate::ext::internal::{CallerSettings, InternalConnection};
use crate::core::source::SourceKind;
use crate::ext::scan::{count_by_key, row_bytes};
use crate::ext::source::{describe, find_column};

/// A manifest function's source (argument 0), resolved at bind time as the caller's connection
/// would resolve it.
pub struct ResolvedSource {
    pub internal: Arc<InternalConnection>,
    pub settings: CallerSettings,
    pub from_sql: String,
    pub kind: SourceKind,
    pub columns: Vec<(String, ColumnType)>,
    pub row_size: RowSize,
}

impl ResolvedSource {
    pub fn bind(bind: &BindInfo, function: &str) -> Result<ResolvedSource, String> {
        // SAFETY: register_all stores an Arc<InternalConnection> as every manifest function's
        // extra info; DuckDB keeps it as long as the function is in the catalog, so it outlives
        // this bind.
        let internal = unsafe { &*bind.get_extra_info::<Arc<InternalConnection>>() }.clone();
        let tbl = string_arg(bind, function, 0, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
        let settings = CallerSettings::read(bind);
        let described = describe(&internal, &tbl, &settings).map_err(|e| format!("{function}: {e}"))?;
        Ok(ResolvedSource {
            internal,
            settings,
            from_sql: described.source.from_sql,
            kind: described.source.kind,
            row_size: RowSize::of(&described.columns),
            columns: described.columns,
        })
    }

    /// The source's number of rows (from metadata for tables and Parquet files).
    pub fn row_count(&self, function: &str) -> Result<u64, String> {
        let sql = format!("SELECT count(*) FROM {}", self.from_sql);
        let n: i64 = self
            .internal
            .with_settings(&self.settings, |conn| conn.query_row(&sql, [], |r| r.get(0)).map_err(|e| e.to_string()))
            .map_err(|e| format!("{function}: {e}"))?;
        Ok(n.max(0) as u64)
    }

    /// Estimated bytes per row (`core::size`), given the source's row count.
    pub fn row_bytes(&self, function: &str, total_rows: u64) -> Result<f64, String> {
        row_bytes(self, total_rows).map_err(|e| format!("{function}: {e}"))
    }

    /// How the size estimator samples this source: rowid windows for a table whose `rowid` is
    /// DuckDB's row address (not a column of that name), a Bernoulli sample otherwise.
    pub fn sampling(&self) -> Sampling {
        let hidden = self.columns.iter().any(|(n, _)| n.eq_ignore_ascii_case("rowid"));
        if self.kind == SourceKind::Table && !hidden {
            Sampling::RowidWindows
        } else {
            Sampling::Bernoulli
        }
    }
}

/// A manifest function's source and key column (argument 1), resolved at bind time.
pub struct BoundSource {
    source: ResolvedSource,
    pub column: String,
    pub column_type: ColumnType,
}

impl std::ops::Deref for BoundSource {
    type Target = ResolvedSource;

    fn deref(&self) -> &ResolvedSource {
        &self.source
    }
}

impl BoundSource {
    /// Reads `tbl` (argument 0) and `col` (argument 1), resolves the source as the caller's
    /// connection would and finds the column.
    pub fn bind(bind: &BindInfo, function: &str, col_hint: &str) -> Result<BoundSource, String> {
        let source = ResolvedSource::bind(bind, function)?;
        let col = string_arg(bind, function, 1, "col", col_hint)?;
        let (column, column_type) = find_column(&source.columns, &col).map_err(|e| format!("{function}: {e}"))?;
        Ok(BoundSource { source, column, column_type })
    }

    /// The error for a key column of a type the function cannot use.
    pub fn unsupported_type(&self, function: &str, what: &str, supported: &str, instead: &str) -> String {
        format!(
            "{function}: column {} has type {}, which cannot be {what}; supported types: {supported}. {instead}",
            quote_ident(&self.column),
            self.column_type
        )
    }

    /// Counts rows and bytes per value of `key_sql` in one scan; a NULL key means a NULL column.
    pub fn count_by(&self, function: &str, key_sql: &str) -> Result<PartitionCounts<i64>, String> {
        let scan = count_by_key(self, key_sql, None)
            .map_err(|e| format!("{function}: {e}"))?;
        Ok(scan.counts)
    }

    /// Like [`Self::count_by`], for keys that can be NULL for a non-NULL column: such rows are
    /// an error described by `unkeyed`.
    pub fn count_by_checked(
        &self,
        function: &str,
        key_sql: &str,
        unkeyed: impl FnOnce(u64) -> String,
    ) -> Result<PartitionCounts<i64>, String> {
        let scan = count_by_key(self, key_sql, Some(&self.column))
            .map_err(|e| format!("{function}: {e}"))?;
        if scan.unkeyed_values > 0 {
            return Err(format!("{function}: {}", unkeyed(scan.unkeyed_values)));
        }
        Ok(scan.counts)
    }
}

/// A manifest table function: how it binds, plans and writes its rows. [`Manifest`] makes a
/// DuckDB table function of it: bind at bind time, plan (the scans) at init, then the rows
/// streamed out chunk by chunk.
pub trait ManifestFunction: Sized {
    type Bind: Send + Sync;
    type Row: Send + Sync;

    fn bind(bind: &BindInfo) -> Result<Self::Bind, String>;

    fn plan(bind: &Self::Bind) -> Result<Vec<Self::Row>, String>;

    /// Writes `rows` into the first rows of `output`.
    fn write(bind: &Self::Bind, rows: &[Self::Row], output: &mut DataChunkHandle);

    fn parameters() -> Vec<LogicalTypeHandle>;

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        Vec::new()
    }
}

/// The DuckDB table function of a [`ManifestFunction`].
///
/// Where the host binds a prepared statement again at every EXECUTE (DuckDB 2.0 and later),
/// the manifest is computed in bind, while DuckDB's worker threads are idle, so that the scans
/// on partext's connection get all of them: computed in init, a scan often finds a worker busy
/// with the very query that waits for it, and runs at half speed (measured: 120 ms or 230 ms for
/// the same 20M-row scan, 120 ms every time from bind). A later execution of the same bound
/// statement computes it again in init. Older hosts keep a statement's bind across EXECUTEs,
/// so there the manifest is always computed in init, never served from an earlier bind.
pub struct Manifest<F>(PhantomData<F>);

/// Whether the host binds a prepared statement again at every EXECUTE: DuckDB 2.0 and later.
fn host_rebinds_on_execute() -> bool {
    static REBINDS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *REBINDS.get_or_init(|| {
        // SAFETY: duckdb_library_version returns a static NUL-terminated string ("v2.0.1").
        let version = unsafe { std::ffi::CStr::from_ptr(duckdb::ffi::duckdb_library_version()) };
        host_major(&version.to_string_lossy()).is_some_and(|major| major >= 2)
    })
}

/// The major version of a DuckDB version string such as "v2.0.1".
fn host_major(version: &str) -> Option<u32> {
    version.trim_start_matches('v').split('.').next()?.parse().ok()
}

/// A manifest function's bind data and the manifest computed at bind time, until used.
pub struct Bound<F: ManifestFunction> {
    bind: F::Bind,
    planned: std::sync::Mutex<Option<Vec<F::Row>>>,
}

impl<F: ManifestFunction> VTab for Manifest<F> {
    type InitData = ManifestRows<F::Row>;
    type BindData = Bound<F>;

    fn bind(bind: &BindInfo) -> Result<Self::BindData, Box<dyn std::error::Error>> {
        let b = F::bind(bind)?;
        let planned = if host_rebinds_on_execute() { Some(F::plan(&b)?) } else { None };
        Ok(Bound { bind: b, planned: std::sync::Mutex::new(planned) })
    }

    fn init(init: &InitInfo) -> Result<Self::InitData, Box<dyn std::error::Error>> {
        // SAFETY: DuckDB passes the bind data `bind` above created, alive for the whole scan.
        let b = unsafe { &*init.get_bind_data::<Bound<F>>() };
        let planned = b.planned.lock().unwrap_or_else(|p| p.into_inner()).take();
        let rows = match planned {
            Some(rows) => rows,
            None => F::plan(&b.bind)?,
        };
        Ok(ManifestRows::new(rows))
    }

    fn func(func: &TableFunctionInfo<Self>, output: &mut DataChunkHandle) -> Result<(), Box<dyn std::error::Error>> {
        let rows = func.get_init_data().next_chunk(chunk_capacity(output));
        F::write(&func.get_bind_data().bind, rows, output);
        output.set_len(rows.len());
        Ok(())
    }

    fn parameters() -> Option<Vec<LogicalTypeHandle>> {
        Some(F::parameters())
    }

    fn named_parameters() -> Option<Vec<(String, LogicalTypeHandle)>> {
        Some(F::named_parameters())
    }
}

/// A computed manifest, handed out one output chunk at a time.
pub struct ManifestRows<R> {
    rows: Vec<R>,
    next: AtomicUsize,
}

impl<R> ManifestRows<R> {
    pub fn new(rows: Vec<R>) -> ManifestRows<R> {
        ManifestRows { rows, next: AtomicUsize::new(0) }
    }

    /// The next rows, at most `capacity` of them; empty when done.
    pub fn next_chunk(&self, capacity: usize) -> &[R] {
        let start = self.next.fetch_add(capacity, Ordering::Relaxed).min(self.rows.len());
        &self.rows[start..(start + capacity).min(self.rows.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::host_major;

    #[test]
    fn host_versions_parse() {
        assert_eq!(host_major("v2.0.1"), Some(2));
        assert_eq!(host_major("v1.5.6"), Some(1));
        assert_eq!(host_major("v10.1.0-dev12"), Some(10));
        assert_eq!(host_major("unknown"), None);
    }
}
