//! Writing manifest rows into DuckDB's output chunks.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use crate::core::manifest::ManifestRow;

/// Declares the common manifest columns (SPEC §3), in order.
pub fn add_common_columns(bind: &BindInfo) {
    bind.add_result_column("partition_id", LogicalTypeHandle::from(LogicalTypeId::Bigint));
    bind.add_result_column("label", LogicalTypeHandle::from(LogicalTypeId::Varchar));
    bind.add_result_column("predicate", LogicalTypeHandle::from(LogicalTypeId::Varchar));
    bind.add_result_column("query", LogicalTypeHandle::from(LogicalTypeId::Varchar));
    bind.add_result_column("row_count", LogicalTypeHandle::from(LogicalTypeId::Bigint));
    bind.add_result_column("estimated_bytes", LogicalTypeHandle::from(LogicalTypeId::Bigint));
}

/// Number of common columns; a strategy's own columns follow.
pub const COMMON_COLUMNS: usize = 6;

/// Writes the common columns of `rows` into the first rows of `output`.
pub fn write_common<'a>(output: &mut DataChunkHandle, rows: impl Iterator<Item = &'a ManifestRow>) {
    let mut ids = output.flat_vector(0);
    let mut labels = output.flat_vector(1);
    let predicates = output.flat_vector(2);
    let queries = output.flat_vector(3);
    let mut counts = output.flat_vector(4);
    let mut bytes = output.flat_vector(5);
    for (i, row) in rows.enumerate() {
        // SAFETY: columns 0, 4 and 5 are BIGINT (declared in add_common_columns) and `i` is below
        // the chunk's capacity, which the caller guarantees by writing at most that many rows.
        unsafe {
            ids.as_mut_slice::<i64>()[i] = row.partition_id;
            counts.as_mut_slice::<i64>()[i] = row.row_count as i64;
            bytes.as_mut_slice::<i64>()[i] = row.estimated_bytes as i64;
        }
        match &row.label {
            Some(l) => labels.insert(i, l.as_str()),
            None => labels.set_null(i),
        }
        predicates.insert(i, row.predicate.as_str());
        queries.insert(i, row.query.as_str());
    }
}

/// Writes optional VARCHAR values into column `col`.
pub fn write_strings<'a>(output: &mut DataChunkHandle, col: usize, values: impl Iterator<Item = Option<&'a str>>) {
    let mut v = output.flat_vector(col);
    for (i, s) in values.enumerate() {
        match s {
            Some(s) => v.insert(i, s),
            None => v.set_null(i),
        }
    }
}

/// Writes optional integer values into column `col` of physical type `T` (i32 for DATE, i64
/// for timestamps).
pub fn write_ints<T: TryFrom<i64> + Copy>(output: &mut DataChunkHandle, col: usize, values: impl Iterator<Item = Option<i64>>) {
    let mut v = output.flat_vector(col);
    for (i, x) in values.enumerate() {
        match x.and_then(|x| T::try_from(x).ok()) {
            // SAFETY: the caller declared column `col` with a physical type of T's width, and `i`
            // stays below the chunk's capacity.
            Some(x) => unsafe { v.as_mut_slice::<T>()[i] = x },
            None => v.set_null(i),
        }
    }
}

/// The number of rows one output chunk can hold.
pub fn chunk_capacity(output: &DataChunkHandle) -> usize {
    output.flat_vector(0).capacity()
}
