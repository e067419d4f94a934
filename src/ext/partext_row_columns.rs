//! `partext_row_columns(row)`: the number of leaf columns of a row (STRUCT fields counted by
//! their own fields, a LIST or MAP by its elements'), which write_plan's scan model uses for a
//! table's scan (`core::scan`).
//!
//! ```sql
//! SELECT max(partext_row_columns(r)) FROM (SELECT * FROM events LIMIT 1) AS r;   -- 5
//! ```
//!
//! The count depends on the type only: one visit of the type per call, nothing per row.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::types::ColumnType;
use crate::ext::partext_row_bytes::first_column;

pub struct PartextRowColumns;

/// Leaf columns of a type: a STRUCT the sum of its fields', a LIST or ARRAY its element's, a
/// MAP its key's and value's, anything else 1.
fn leaves(t: &ColumnType) -> i64 {
    match t {
        ColumnType::Struct(fields) => fields.iter().map(|(_, f)| leaves(f)).sum::<i64>().max(1),
        ColumnType::List(child) | ColumnType::Array(child, _) => leaves(child),
        ColumnType::Map(k, v) => leaves(k) + leaves(v),
        _ => 1,
    }
}

impl VScalar for PartextRowColumns {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let count = leaves(&first_column(input).1);
        let mut out = output.flat_vector();
        // SAFETY: the return type is BIGINT and the output holds `n` rows.
        unsafe { out.as_mut_slice_with_len::<i64>(n) }.fill(count);
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeHandle::from(LogicalTypeId::Any)],
            LogicalTypeHandle::from(LogicalTypeId::Bigint),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_count_nested_fields() {
        assert_eq!(leaves(&ColumnType::parse("STRUCT(a INTEGER, b STRUCT(c VARCHAR, d DOUBLE), e INTEGER[])")), 4);
        assert_eq!(leaves(&ColumnType::parse("MAP(VARCHAR, INTEGER)")), 2);
        assert_eq!(leaves(&ColumnType::parse("BIGINT")), 1);
    }
}
