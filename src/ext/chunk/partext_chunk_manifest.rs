//! `partext_chunk_unit(target_mb, rows, row_bytes, memory_limit, threads)` and
//! `partext_chunk_manifest(files, starts, rows, unit_len, row_bytes, target_mb, fixed_rows,
//! overlap_rows, source, memory_limit, threads, contiguous_rows)`: chunk_plan's unit length (the block of
//! positions its scan counts live rows by) and its manifest from those counts
//! (`core::chunk`).
//!
//! ```sql
//! SELECT partext_chunk_manifest(list(file), list(start), list(n), ...) FROM units;  -- in the macro
//! ```
//!
//! Both read the same request (`ChunkRequest`): the row budget from `target_mb` (default:
//! memory_limit / (4 × threads)) and the bytes per row, or `rows := N`.

use std::collections::BTreeMap;

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::chunk::{contiguous_units, parquet_units, row_budget, table_units, ChunkRequest, ChunkUnit};
use crate::core::error::Error;
use crate::ext::args::{target_bytes, Args};
use crate::ext::manifest_rows::{boxed, manifest_row, param as t, Field, RowsFunction, Schema, Value};

const NAME: &str = "chunk_plan";

/// The positions of one part: a table (file None) or one Parquet file, as (start, rows).
type Part = (Option<String>, Vec<(i64, i64)>);

/// The request from the arguments at `first` (target_mb), `first + 1` (rows),
/// `first + 2` (overlap_rows, if `with_overlap`), then row_bytes, memory_limit, threads.
fn request(
    args: &Args,
    row: usize,
    target: usize,
    rows: usize,
    overlap: Option<usize>,
    bytes: usize,
    memory: usize,
) -> Result<ChunkRequest, Error> {
    let positive = |col: usize, name: &str, min: i64| -> Result<Option<u64>, Error> {
        match args.opt_int(col, row) {
            None => Ok(None),
            Some(n) if n < min => Err(Error::user(format!("{name} must be a positive number of rows, got {n}")).named(NAME)),
            Some(n) => Ok(Some(n as u64)),
        }
    };
    let fixed_rows = positive(rows, "rows", 1)?;
    let overlap_rows = match overlap {
        Some(col) => positive(col, "overlap_rows", 0)?,
        None => None,
    };
    let target = target_bytes(
        NAME,
        args.opt_double(target, row),
        args.opt_text(memory, row, "memory_limit")?.as_deref(),
        args.opt_int(memory + 1, row),
    )?;
    let per_row = args.opt_double(bytes, row).unwrap_or(0.0);
    let budget = fixed_rows.unwrap_or_else(|| row_budget(target, per_row));
    Ok(ChunkRequest { budget, fixed_rows, overlap_rows })
}

pub struct PartextChunkUnit;

impl VScalar for PartextChunkUnit {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let args = Args::new(input, NAME);
        let lens =
            (0..args.rows()).map(|row| request(&args, row, 0, 1, None, 2, 3).map(|r| r.unit_len())).collect::<Result<Vec<_>, _>>()?;
        let mut out = output.flat_vector();
        // SAFETY: the return type is BIGINT and the output holds one value per input row.
        unsafe { out.as_mut_slice_with_len::<i64>(lens.len()) }.copy_from_slice(&lens);
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        use LogicalTypeId::*;
        let t = |id: LogicalTypeId| LogicalTypeHandle::from(id);
        let boxed = |id: LogicalTypeId| LogicalTypeHandle::list(&t(id));
        vec![ScalarFunctionSignature::exact(vec![boxed(Double), boxed(Bigint), t(Double), t(Varchar), t(Bigint)], t(Bigint))]
    }
}

pub struct PartextChunkManifest;

fn schema() -> Schema {
    Schema::manifest(&[("lower_rowid", Field::BigInt), ("upper_rowid", Field::BigInt), ("overlap_predicate", Field::Text)])
}

fn manifest(args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
    let request = request(args, row, 5, 6, Some(7), 4, 9)?;
    let len = args.opt_int(3, row).unwrap_or(1).max(1);
    let files = args.text_list(0, row, "file")?;
    let starts = args.int_list(1, row);
    let counts = args.int_list(2, row);
    // Positions per part, in order: a table's blocks (file NULL) or each Parquet file's row groups.
    let mut by_part: BTreeMap<Option<String>, Vec<(i64, i64)>> = BTreeMap::new();
    for ((file, start), n) in files.into_iter().zip(starts).zip(counts) {
        by_part.entry(file).or_default().push((start.unwrap_or(0), n.unwrap_or(0)));
    }
    let mut parts: Vec<Part> = by_part.into_iter().collect();
    // A table without deletes: every block full, known without the positions scan.
    if let Some(rows) = args.opt_int(11, row) {
        parts = vec![(None, contiguous_units(rows.max(0) as u64, len).into_iter().map(|u| (u.start, u.rows as i64)).collect())];
    }
    let units: Vec<(Option<String>, Vec<ChunkUnit>)> = parts
        .into_iter()
        .map(|(file, mut entries)| {
            entries.sort_unstable();
            let units = match file {
                None => table_units(&entries.iter().map(|&(s, n)| (s, n.max(0) as u64)).collect::<Vec<_>>(), len),
                Some(_) => parquet_units(&entries, len),
            };
            (file, units)
        })
        .collect();
    let source = args.text(8, row, "tbl", "a table name or Parquet file path")?;
    let per_row = args.opt_double(4, row).unwrap_or(0.0);
    Ok(request
        .plan(&units, per_row, &source)
        .iter()
        .map(|r| manifest_row(&r.common, [Value::Int(Some(r.lower)), Value::Int(Some(r.upper)), Value::Text(r.overlap_predicate.clone())]))
        .collect())
}

impl RowsFunction for PartextChunkManifest {
    const NAME: &'static str = NAME;

    fn schema() -> Schema {
        schema()
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        use LogicalTypeId::*;
        vec![
            boxed(Varchar),
            boxed(Bigint),
            boxed(Bigint),
            t(Bigint),
            t(Double),
            boxed(Double),
            boxed(Bigint),
            boxed(Bigint),
            t(Varchar),
            t(Varchar),
            t(Bigint),
            boxed(Bigint),
        ]
    }

    fn rows(_: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
        manifest(args, row)
    }
}
