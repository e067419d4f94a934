//! `partext_advise(stats, tbl, col, memory_limit, threads)`: partition_advise's
//! recommendations, best first (`core::advise`), from one row of statistics of the source:
//! a STRUCT of every column's approximate distinct count, then every column's minimum, then
//! every maximum (fields `ndv_<col>`, `min_<col>`, `max_<col>`), then the row count and the
//! average row size (`partext_row_bytes`), all from one aggregate pass.
//!
//! ```sql
//! SELECT partext_advise(stats, ...) FROM (SELECT approx_count_distinct(COLUMNS('(.*)')) AS "ndv_\1", ...) stats;
//! ```
//!
//! The column types come from the STRUCT's type; `core::advise::choose_columns` picks the
//! temporal column and the key.

use duckdb::core::{DataChunkHandle, FlatVector, LogicalTypeHandle, LogicalTypeId};
use duckdb::ffi;

use crate::core::advise::{choose_columns, AdviseInput, GIB};
use crate::core::error::Error;
use crate::core::source::{from_sql, pick_column, SourceKind};
use crate::core::sql::quote_ident;
use crate::core::types::ColumnType;
use crate::ext::args::Args;
use crate::ext::manifest_rows::{boxed, param as t, Field, RowsFunction, Schema, Value};
use crate::ext::partext_row_bytes::column_type;
use crate::ext::vector::{Cell, Column};

const NAME: &str = "partition_advise";

pub struct PartextAdvise;

fn schema() -> Schema {
    Schema(vec![
        ("rank", Field::Int),
        ("strategy", Field::Text),
        ("column_name", Field::Text),
        ("arguments", Field::Text),
        ("sql", Field::Text),
        ("expected_partitions", Field::BigInt),
        ("expected_partition_bytes", Field::BigInt),
        ("reason", Field::Text),
    ])
}

/// The statistics STRUCT's fields (argument 0), by name and type.
fn stats_fields(input: &DataChunkHandle) -> Vec<(String, ColumnType)> {
    // SAFETY: column 0 of the live input chunk; its type handle is destroyed after use.
    let t = unsafe {
        let v = ffi::duckdb_data_chunk_get_vector(input.get_ptr(), 0);
        let mut t = ffi::duckdb_vector_get_column_type(v);
        let out = column_type(t);
        ffi::duckdb_destroy_logical_type(&mut t);
        out
    };
    match t {
        ColumnType::Struct(fields) => fields,
        _ => Vec::new(),
    }
}

/// Field `field` of the statistics STRUCT.
fn field(input: &DataChunkHandle, field: usize) -> FlatVector<'_> {
    input.struct_vector(0).child(field, input.len())
}

/// Seconds since the epoch of a date or timestamp value.
fn epoch_seconds(cell: Cell) -> Option<i64> {
    match cell {
        Cell::Date(d) => Some(i64::from(d) * 86_400),
        Cell::Timestamp(v, unit) => i64::try_from(i128::from(v) * unit.nanos() / 1_000_000_000).ok(),
        _ => None,
    }
}

fn advise(input: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
    let fields = stats_fields(input);
    // The macro's statistics: 3 fields per column, then the row count and the row size. Any
    // other shape (a direct call) would index fields the STRUCT does not have.
    let shaped = fields.len() >= 2 && (fields.len() - 2).is_multiple_of(3) && {
        let k = (fields.len() - 2) / 3;
        fields[..k].iter().chain([&fields[3 * k]]).all(|(_, t)| *t == ColumnType::BigInt) && fields[3 * k + 1].1 == ColumnType::Double
    };
    if !shaped {
        return Err(Error::user(
            "internal function called without the statistics STRUCT it expects; use partext.partition_advise".to_string(),
        ));
    }
    let k = (fields.len() - 2) / 3;
    // The minima carry the columns' own types; their names lose the `min_` prefix.
    let cols: Vec<(String, ColumnType)> =
        fields[k..2 * k].iter().map(|(n, t)| (n.get(4..).unwrap_or_default().to_string(), t.clone())).collect();
    let names: Vec<String> = cols.iter().map(|(n, _)| n.clone()).collect();
    let tbl = args.text(1, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
    let asked = match args.opt_text(2, row, "col")? {
        None => None,
        Some(c) => Some(pick_column(&names, &c).ok_or_else(|| {
            let list: Vec<String> = cols.iter().map(|(n, t)| format!("{} {t}", quote_ident(n))).collect();
            Error::user(format!("column {} not found in the source; its columns are: {}", quote_ident(&c), list.join(", ")))
        })?),
    };
    let choice = choose_columns(&cols, asked);
    let value = |f: usize| -> Option<i64> {
        let v = field(input, f);
        if v.row_is_null(row as u64) {
            return None;
        }
        // SAFETY: the struct's field is a flat vector of the input's `len()` rows.
        let column = unsafe { Column::of(&v, input.len()) }?;
        epoch_seconds(column.cell(row))
    };
    let span = choice.temporal.map(|i| (names[i].clone(), value(2 * k + i).zip(value(k + i)).map(|(hi, lo)| hi - lo).unwrap_or(0)));
    let count = field(input, 3 * k);
    // SAFETY: the field after the maxima is count(*), BIGINT, one per input row.
    let rows = if count.row_is_null(row as u64) { 0 } else { unsafe { count.as_slice_with_len::<i64>(input.len())[row] }.max(0) as u64 };
    // An approximate count can exceed the rows (HyperLogLog); never more distinct values than rows.
    let ndv = |i: usize| -> u64 {
        let v = field(input, i);
        // SAFETY: approx_count_distinct fields are BIGINT, one per input row.
        if v.row_is_null(row as u64) {
            0
        } else {
            (unsafe { v.as_slice_with_len::<i64>(input.len())[row] }.max(0) as u64).min(rows)
        }
    };
    let key = choice.key(&cols, ndv);
    let note = choice.note(&cols, key.as_ref());
    let bytes_field = field(input, 3 * k + 1);
    // SAFETY: the last field is avg(partext_row_bytes(...)), DOUBLE, one per input row.
    let row_bytes =
        if bytes_field.row_is_null(row as u64) { 0.0 } else { unsafe { bytes_field.as_slice_with_len::<f64>(input.len())[row] } };
    let kind = from_sql(&tbl)?.kind;
    let input = AdviseInput {
        tbl,
        rows,
        bytes: rows as f64 * row_bytes,
        memory_limit: args.opt_text(3, row, "memory_limit")?.as_deref().and_then(crate::core::chunk::parse_memory).unwrap_or(8.0 * GIB),
        threads: args.opt_int(4, row).filter(|t| *t >= 1).unwrap_or(1) as f64,
        temporal: span,
        key,
        chunkable: matches!(kind, SourceKind::Table | SourceKind::File),
        column_note: note,
    };
    Ok(input
        .advise()
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                Value::Int(Some(i as i64 + 1)),
                Value::Text(Some(a.strategy)),
                Value::Text(a.column),
                Value::Text(Some(a.arguments)),
                Value::Text(Some(a.sql)),
                Value::Int(Some(a.partitions as i64)),
                Value::Int(Some(a.partition_bytes as i64)),
                Value::Text(Some(a.reason)),
            ]
        })
        .collect())
}

impl RowsFunction for PartextAdvise {
    const NAME: &'static str = NAME;

    fn schema() -> Schema {
        schema()
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        use LogicalTypeId::*;
        vec![t(Any), boxed(Varchar), boxed(Varchar), t(Varchar), t(Bigint)]
    }

    fn rows(input: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
        advise(input, args, row)
    }
}
