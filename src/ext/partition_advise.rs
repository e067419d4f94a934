//! `partition_advise(tbl [, col := name])`: recommended plans for splitting a source, best first.
//!
//! ```sql
//! SELECT rank, strategy, sql, expected_partitions, reason FROM partition_advise('events');
//! SELECT * FROM partition_advise('events', col := 'user_id');
//! ```
//!
//! The column is a named parameter: DuckDB's C API keeps one signature per table function name
//! (a second registration under the same name is ignored), so `(tbl)` and `(tbl, col)` cannot
//! both exist as positional overloads.
//!
//! Bind resolves the source; init gathers the facts `core::advise` needs — the row count, the
//! sampled bytes per row, the temporal column's span and a key's approximate distinct count —
//! in two aggregate queries, and the caller's memory_limit and threads.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use crate::core::advise::{Advice, AdviseInput};
use crate::core::hash::is_bucketable;
use crate::core::source::SourceKind;
use crate::core::sql::quote_ident;
use crate::core::types::{ColumnType, TemporalType};
use crate::ext::args::{caller_memory, named, string_arg};
use crate::ext::manifest::{ManifestFunction, ResolvedSource};
use crate::ext::output::{write_ints, write_strings};
use crate::ext::source::find_column;

const NAME: &str = "partition_advise";

pub struct PartitionAdvise;

pub struct AdviseBind {
    source: ResolvedSource,
    tbl: String,
    column: Option<(String, ColumnType)>,
    memory_limit: f64,
    threads: f64,
}

fn bind_advise(bind: &BindInfo) -> Result<AdviseBind, String> {
    let tbl = string_arg(bind, NAME, 0, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
    let source = ResolvedSource::bind(bind, NAME)?;
    let column = match named(bind, NAME, "col")? {
        Some(col) => Some(find_column(&source.columns, &col.to_string()).map_err(|e| format!("{NAME}: {e}"))?),
        None => None,
    };
    let (memory_limit, threads) = caller_memory(bind);
    let memory_limit = memory_limit.unwrap_or(8.0 * 1024.0 * 1024.0 * 1024.0);
    let threads = threads.unwrap_or(1.0);
    for (name, t) in [
        ("rank", LogicalTypeId::Integer),
        ("strategy", LogicalTypeId::Varchar),
        ("column_name", LogicalTypeId::Varchar),
        ("arguments", LogicalTypeId::Varchar),
        ("sql", LogicalTypeId::Varchar),
        ("expected_partitions", LogicalTypeId::Bigint),
        ("expected_partition_bytes", LogicalTypeId::Bigint),
        ("reason", LogicalTypeId::Varchar),
    ] {
        bind.add_result_column(name, LogicalTypeHandle::from(t));
    }
    Ok(AdviseBind { source, tbl, column, memory_limit, threads })
}

fn is_key_candidate(t: &ColumnType) -> bool {
    is_bucketable(t) && TemporalType::from_column_type(t).is_none() && !matches!(t, ColumnType::Date | ColumnType::Time)
}

fn advise(b: &AdviseBind) -> Result<Vec<Advice>, String> {
    let s = &b.source;
    // The temporal column: the one asked for, else the first DATE/TIMESTAMP column.
    let (temporal_col, key_candidates, note) = match &b.column {
        Some((c, t)) if TemporalType::from_column_type(t).is_some() => (Some(c.clone()), vec![], format!("; column {} as asked", quote_ident(c))),
        Some((c, _)) => (None, vec![c.clone()], format!("; column {} as asked", quote_ident(c))),
        None => {
            let temporal = s.columns.iter().find(|(_, t)| TemporalType::from_column_type(t).is_some()).map(|(c, _)| c.clone());
            let keys: Vec<String> = s.columns.iter().filter(|(_, t)| is_key_candidate(t)).map(|(c, _)| c.clone()).collect();
            (temporal, keys, String::new())
        }
    };
    let mut exprs = vec!["count(*)".to_string()];
    if let Some(c) = &temporal_col {
        exprs.push(format!("CAST(epoch(max({0})) - epoch(min({0})) AS BIGINT)", quote_ident(c)));
    }
    for k in &key_candidates {
        exprs.push(format!("approx_count_distinct({})", quote_ident(k)));
    }
    let sql = format!("SELECT {} FROM {}", exprs.join(", "), s.from_sql);
    let values: Vec<Option<i64>> = s.internal.with_settings(&s.settings, |conn| {
        conn.query_row(&sql, [], |r| (0..exprs.len()).map(|i| r.get::<_, Option<i64>>(i)).collect())
            .map_err(|e| format!("{NAME}: {e}"))
    })?;
    let rows = values[0].unwrap_or(0).max(0) as u64;
    let mut i = 1;
    let temporal = temporal_col.map(|c| {
        let span = values[i].unwrap_or(0);
        i += 1;
        (c, span)
    });
    // The key: the candidate with the most distinct values.
    let key = key_candidates
        .iter()
        .zip(values[i..].iter())
        .max_by_key(|(_, d)| d.unwrap_or(0))
        .map(|(c, d)| {
            let t = s.columns.iter().find(|(n, _)| n == c).map(|(_, t)| t.clone()).unwrap_or(ColumnType::Other(String::new()));
            (c.clone(), d.unwrap_or(0).max(0) as u64, is_bucketable(&t))
        });
    let column_note = if !note.is_empty() {
        note
    } else {
        match (&temporal, &key) {
            (Some((t, _)), _) => format!("; temporal column {} chosen (the first DATE/TIMESTAMP column)", quote_ident(t)),
            (None, Some((k, d, _))) => format!("; key column {} chosen (most distinct values, about {d})", quote_ident(k)),
            _ => "; no temporal or key column found".to_string(),
        }
    };
    let bytes = rows as f64 * s.row_bytes(NAME, rows)?;
    let input = AdviseInput {
        tbl: b.tbl.clone(),
        rows,
        bytes,
        memory_limit: b.memory_limit,
        threads: b.threads,
        temporal,
        key,
        chunkable: matches!(s.kind, SourceKind::Table | SourceKind::File),
        column_note,
    };
    Ok(input.advise())
}

impl ManifestFunction for PartitionAdvise {
    type Bind = AdviseBind;
    type Row = Advice;

    fn bind(bind: &BindInfo) -> Result<Self::Bind, String> {
        bind_advise(bind)
    }

    fn plan(b: &Self::Bind) -> Result<Vec<Self::Row>, String> {
        advise(b)
    }

    fn write(_: &Self::Bind, rows: &[Self::Row], output: &mut DataChunkHandle) {
        write_ints::<i32>(output, 0, (0..rows.len()).map(|i| Some(i as i64 + 1)));
        write_strings(output, 1, rows.iter().map(|a| Some(a.strategy.as_str())));
        write_strings(output, 2, rows.iter().map(|a| a.column.as_deref()));
        write_strings(output, 3, rows.iter().map(|a| Some(a.arguments.as_str())));
        write_strings(output, 4, rows.iter().map(|a| Some(a.sql.as_str())));
        write_ints::<i64>(output, 5, rows.iter().map(|a| Some(a.partitions as i64)));
        write_ints::<i64>(output, 6, rows.iter().map(|a| Some(a.partition_bytes as i64)));
        write_strings(output, 7, rows.iter().map(|a| Some(a.reason.as_str())));
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        vec![LogicalTypeId::Varchar.into()]
    }

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![("col".into(), LogicalTypeId::Varchar.into())]
    }
}
