//! `chunk_plan(tbl, target_mb [, rows := N] [, overlap_rows := k])`
//!
//! ```sql
//! SELECT partition_id, row_count, estimated_bytes, query FROM chunk_plan('events', 64);
//! ```
//!
//! Tables are cut into `rowid` ranges and Parquet files (and globs) into `file_row_number`
//! ranges within one file, following row groups (`core::chunk`). Tables need one scan of the
//! `rowid` column to count live rows per block of positions; Parquet files need only their
//! metadata. Views, CSV files and queries have no cheap row address and are refused.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use crate::core::chunk::{add_overlap, contiguous_units, plan_chunks, row_budget, unit_len, Chunk, ChunkUnit, ROW_GROUP_ROWS};
use crate::core::manifest::{index_label, ManifestRow};
use crate::core::size::estimate;
use crate::core::source::SourceKind;
use crate::core::sql::quote_literal;
use crate::ext::args::{named, target_bytes};
use crate::ext::manifest::{ManifestFunction, ResolvedSource};
use crate::ext::output::{add_common_columns, write_common, write_ints, write_strings, COMMON_COLUMNS};

const NAME: &str = "chunk_plan";

pub struct ChunkPlan;

/// How a source addresses its rows.
enum Addressing {
    /// A table: `rowid`.
    Table,
    /// Parquet files: `file_row_number` within `filename`.
    Parquet,
}

pub struct ChunkBind {
    source: ResolvedSource,
    addressing: Addressing,
    target_bytes: f64,
    fixed_rows: Option<u64>,
    overlap_rows: Option<u64>,
}

/// One manifest row of chunk_plan.
pub struct ChunkRow {
    common: ManifestRow,
    lower: i64,
    upper: i64,
    overlap_predicate: Option<String>,
}

fn positive(bind: &BindInfo, name: &str) -> Result<Option<u64>, String> {
    match named(bind, NAME, name)? {
        None => Ok(None),
        Some(v) => {
            let n = v.to_int64();
            if n < 1 && name == "rows" || n < 0 {
                Err(format!("{NAME}: {name} must be a positive number of rows, got {n}"))
            } else {
                Ok(Some(n as u64))
            }
        }
    }
}

fn bind_chunks(bind: &BindInfo) -> Result<ChunkBind, String> {
    let source = ResolvedSource::bind(bind, NAME)?;
    let addressing = match source.kind {
        SourceKind::Table => {
            if source.columns.iter().any(|(n, _)| n.eq_ignore_ascii_case("rowid")) {
                return Err(format!("{NAME}: the table has a column named rowid, which hides DuckDB's row address; rename it"));
            }
            Addressing::Table
        }
        SourceKind::File if is_parquet(&source)? => {
            if source.columns.iter().any(|(n, _)| n.eq_ignore_ascii_case("filename") || n.eq_ignore_ascii_case("file_row_number")) {
                return Err(format!("{NAME}: the Parquet files have a column named filename or file_row_number, which hides DuckDB's row address"));
            }
            Addressing::Parquet
        }
        kind => {
            let what = match kind {
                SourceKind::View => "a view",
                SourceKind::Query => "a query",
                _ => "a file that is not Parquet (such as CSV or JSON)",
            };
            return Err(format!(
                "{NAME}: the source is {what}, which has no cheap row address to cut chunks on; use partition_hash \
                 (for example partition_hash(tbl, col, N)) or materialize it first with CREATE TABLE ... AS or COPY ... TO '...parquet'"
            ));
        }
    };
    let target = bind.get_parameter(1);
    let fixed_rows = positive(bind, "rows")?;
    let overlap_rows = positive(bind, "overlap_rows")?;
    let target_bytes = target_bytes(Some(&target), bind, NAME)?;
    add_common_columns(bind);
    bind.add_result_column("lower_rowid", LogicalTypeHandle::from(LogicalTypeId::Bigint));
    bind.add_result_column("upper_rowid", LogicalTypeHandle::from(LogicalTypeId::Bigint));
    if overlap_rows.is_some() {
        bind.add_result_column("overlap_predicate", LogicalTypeHandle::from(LogicalTypeId::Varchar));
    }
    Ok(ChunkBind { source, addressing, target_bytes, fixed_rows, overlap_rows })
}

fn is_parquet(source: &ResolvedSource) -> Result<bool, String> {
    let sql = format!("SELECT count(*) FROM parquet_metadata({}) LIMIT 1", source.from_sql);
    Ok(source.internal.with(|conn| Ok(conn.query_row(&sql, [], |r| r.get::<_, i64>(0)).is_ok()))?)
}

/// A table's live rows, and whether they are exactly rowids `0..rows` (no row deleted below
/// the highest rowid): one cheap aggregate.
fn table_extent(source: &ResolvedSource) -> Result<(u64, bool), String> {
    let sql = format!("SELECT count(*), max(\"rowid\") FROM {}", source.from_sql);
    let (rows, max_rowid): (i64, Option<i64>) = source
        .internal
        .with_settings(&source.settings, |conn| conn.query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| e.to_string()))?;
    Ok((rows as u64, max_rowid.is_none_or(|m| m == rows - 1)))
}

/// Live rows per block of `len` positions of a table: every block full when the rows are
/// contiguous (see [`table_extent`]), else counted by one GROUP BY scan of `rowid`.
fn table_units(source: &ResolvedSource, len: i64, (rows, contiguous): (u64, bool)) -> Result<Vec<ChunkUnit>, String> {
    if contiguous {
        return Ok(contiguous_units(rows, len));
    }
    let sql = format!("SELECT \"rowid\" // {len} AS u, count(*) FROM {} GROUP BY 1 ORDER BY 1", source.from_sql);
    source.internal.with_settings(&source.settings, |conn| {
        let mut stmt = conn.prepare(&sql).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| e.to_string())?;
        let mut units = Vec::new();
        for row in rows {
            let (u, n) = row.map_err(|e| e.to_string())?;
            units.push(ChunkUnit { start: u * len, len, rows: n as u64, aligned: (u * len) % ROW_GROUP_ROWS == 0 });
        }
        Ok(units)
    })
}

/// Row groups of every Parquet file, from the metadata: (file, [(first row, rows)]).
fn parquet_row_groups(source: &ResolvedSource) -> Result<Vec<(String, Vec<(i64, i64)>)>, String> {
    let sql = format!(
        "SELECT file_name, row_group_id, any_value(row_group_num_rows) FROM parquet_metadata({}) GROUP BY ALL ORDER BY 1, 2",
        source.from_sql
    );
    source.internal.with_settings(&source.settings, |conn| {
        let mut stmt = conn.prepare(&sql).map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(2)?)))
            .map_err(|e| e.to_string())?;
        let mut files: Vec<(String, Vec<(i64, i64)>)> = Vec::new();
        for row in rows {
            let (file, n) = row.map_err(|e| e.to_string())?;
            if files.last().map(|f| &f.0) != Some(&file) {
                files.push((file.clone(), Vec::new()));
            }
            let groups = &mut files.last_mut().expect("pushed above").1;
            let start = groups.last().map(|&(s, n)| s + n).unwrap_or(0);
            groups.push((start, n));
        }
        Ok(files)
    })
}

/// Splits row groups into units of at most `len` rows; row-group starts are aligned.
fn parquet_units(groups: &[(i64, i64)], len: i64) -> Vec<ChunkUnit> {
    let mut units = Vec::new();
    for &(start, n) in groups {
        let mut at = start;
        while at < start + n {
            let l = len.min(start + n - at);
            units.push(ChunkUnit { start: at, len: l, rows: l as u64, aligned: at == start });
            at += l;
        }
    }
    units
}

/// Chunks of `n` row positions each (`[k·n, (k+1)·n)`), from units whose length divides `n`.
fn fixed_chunks(units: &[ChunkUnit], n: i64) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    for u in units {
        let lower = u.start.div_euclid(n) * n;
        match chunks.last_mut() {
            Some(c) if c.lower == lower => c.rows += u.rows,
            _ => chunks.push(Chunk { lower, upper: lower + n, rows: u.rows, overlap_lower: None }),
        }
    }
    chunks
}

/// The unit length for fixed chunks of `n` rows: the largest power of two dividing `n`, at most
/// one vector, so that chunk boundaries fall on unit boundaries.
fn fixed_unit_len(n: u64) -> i64 {
    (1i64 << n.trailing_zeros().min(11)).min(crate::core::chunk::MAX_UNIT)
}

fn plan(b: &ChunkBind) -> Result<Vec<ChunkRow>, String> {
    let err = |e: String| format!("{NAME}: {e}");
    // (the address predicate prefix, units) per file; one entry for a table.
    let mut parts: Vec<(String, Vec<ChunkUnit>)> = Vec::new();
    let (budget, per_row) = match b.addressing {
        Addressing::Table => {
            let extent = table_extent(&b.source).map_err(err)?;
            let per_row = b.source.row_bytes(NAME, extent.0)?;
            let budget = b.fixed_rows.unwrap_or_else(|| row_budget(b.target_bytes, per_row));
            let len = if b.fixed_rows.is_some() { fixed_unit_len(budget) } else { unit_len(budget) };
            parts.push((String::new(), table_units(&b.source, len, extent).map_err(err)?));
            (budget, per_row)
        }
        Addressing::Parquet => {
            let files = parquet_row_groups(&b.source).map_err(err)?;
            let total: u64 = files.iter().flat_map(|f| f.1.iter()).map(|g| g.1 as u64).sum();
            let per_row = b.source.row_bytes(NAME, total)?;
            let budget = b.fixed_rows.unwrap_or_else(|| row_budget(b.target_bytes, per_row));
            let len = if b.fixed_rows.is_some() { fixed_unit_len(budget) } else { unit_len(budget) };
            for (file, groups) in files {
                parts.push((format!("\"filename\" = {} AND ", quote_literal(&file)), parquet_units(&groups, len)));
            }
            (budget, per_row)
        }
    };
    let column = match b.addressing {
        Addressing::Table => "\"rowid\"",
        Addressing::Parquet => "\"file_row_number\"",
    };
    let mut rows = Vec::new();
    let mut chunks_all: Vec<(String, Chunk)> = Vec::new();
    for (prefix, units) in &parts {
        let mut chunks = match b.fixed_rows {
            Some(n) => fixed_chunks(units, n as i64),
            None => plan_chunks(units, budget),
        };
        if let Some(k) = b.overlap_rows {
            add_overlap(&mut chunks, units, k);
        }
        chunks_all.extend(chunks.into_iter().filter(|c| c.rows > 0).map(|c| (prefix.clone(), c)));
    }
    let count = chunks_all.len();
    for (i, (prefix, c)) in chunks_all.into_iter().enumerate() {
        let predicate = format!("{prefix}{column} >= {} AND {column} < {}", c.lower, c.upper);
        let overlap_predicate = c.overlap_lower.map(|o| format!("{prefix}{column} >= {o} AND {column} < {}", c.upper));
        rows.push(ChunkRow {
            common: ManifestRow::new(i as i64, Some(index_label(i, count)), predicate, &b.source.from_sql, c.rows, estimate(c.rows, per_row)),
            lower: c.lower,
            upper: c.upper,
            overlap_predicate,
        });
    }
    Ok(rows)
}

impl ManifestFunction for ChunkPlan {
    type Bind = ChunkBind;
    type Row = ChunkRow;

    fn bind(bind: &BindInfo) -> Result<Self::Bind, String> {
        bind_chunks(bind)
    }

    fn plan(b: &Self::Bind) -> Result<Vec<Self::Row>, String> {
        plan(b)
    }

    fn write(b: &Self::Bind, rows: &[Self::Row], output: &mut DataChunkHandle) {
        write_common(output, rows.iter().map(|r| &r.common));
        write_ints::<i64>(output, COMMON_COLUMNS, rows.iter().map(|r| Some(r.lower)));
        write_ints::<i64>(output, COMMON_COLUMNS + 1, rows.iter().map(|r| Some(r.upper)));
        if b.overlap_rows.is_some() {
            write_strings(output, COMMON_COLUMNS + 2, rows.iter().map(|r| r.overlap_predicate.as_deref()));
        }
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        vec![LogicalTypeId::Varchar.into(), LogicalTypeId::Double.into()]
    }

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![("rows".into(), LogicalTypeId::Bigint.into()), ("overlap_rows".into(), LogicalTypeId::Bigint.into())]
    }
}
