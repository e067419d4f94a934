//! `partext_spec_manifest(spec, tbl, types, cells, row_bytes)`: partition_by's rows from its
//! scan's groups — each group's human strings, one a field, then its row count, in `cells` —
//! with each field's value as text, the predicate, query and path (`core::spec`).
//!
//! ```sql
//! SELECT partext_spec_manifest('month(ts)', 'events', ['TIMESTAMP'], ['2024-01', '10'], 48.0);   -- in the query
//! ```
//!
//! A spec has at most 16 fields, so the rows carry 16 value slots; the query casts those it
//! uses to the fields' types.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};

use crate::core::error::Error;
use crate::core::source::from_sql;
use crate::core::spec::{encode_keys, PartitionSpec, MAX_FIELDS};
use crate::core::types::ColumnType;
use crate::ext::args::Args;
use crate::ext::manifest_rows::{boxed, param as t, Field, RowsFunction, Schema, Value};

pub struct PartextSpecManifest;

/// The value slots, one per possible field.
const VALUES: [&str; MAX_FIELDS] = [
    "value_1", "value_2", "value_3", "value_4", "value_5", "value_6", "value_7", "value_8", "value_9", "value_10", "value_11", "value_12",
    "value_13", "value_14", "value_15", "value_16",
];

impl RowsFunction for PartextSpecManifest {
    const NAME: &'static str = super::NAME;

    fn schema() -> Schema {
        let mut fields: Vec<(&'static str, Field)> = VALUES.iter().map(|&v| (v, Field::Text)).collect();
        fields.extend([
            ("predicate", Field::Text),
            ("query", Field::Text),
            ("row_count", Field::BigInt),
            ("estimated_bytes", Field::BigInt),
            ("path", Field::Text),
            ("keys", Field::Text),
            ("ranges", Field::Text),
        ]);
        Schema(fields)
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        use LogicalTypeId::*;
        vec![t(Varchar), t(Varchar), boxed(Varchar), boxed(Varchar), t(Double), boxed(Varchar)]
    }

    fn rows(_: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
        let spec = PartitionSpec::parse(&args.text(0, row, "spec", "the spec")?)?;
        let tbl = args.text(1, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
        let types: Vec<ColumnType> =
            args.text_list(2, row, "types")?.iter().map(|t| ColumnType::parse(t.as_deref().unwrap_or("NULL"))).collect();
        let cells = args.text_list(3, row, "groups")?;
        let row_bytes = args.opt_double(4, row).unwrap_or(0.0);
        let source = from_sql(&tbl)?.from_sql;
        let ranges = spec.split_ranges(&args.text_list(5, row, "range bounds")?)?;
        let partitions = spec.partitions(&types, &ranges, &cells, &source, row_bytes)?;
        // The range fields' bounds, the same for every partition, ride on the first row only
        // (write_plan reads the first it finds): a range(65536) field's bounds are long.
        let mut bounds = Some(encode_keys(&spec.flatten_ranges(&ranges)));
        Ok(partitions
            .into_iter()
            .map(|p| {
                let mut values: Vec<Value> = p.values.into_iter().map(Value::Text).collect();
                values.resize(MAX_FIELDS, Value::Text(None));
                values.extend([
                    Value::Text(Some(p.predicate)),
                    Value::Text(Some(p.query)),
                    Value::Int(Some(p.row_count as i64)),
                    Value::Int(Some(p.estimated_bytes as i64)),
                    Value::Text(Some(p.path)),
                    Value::Text(Some(p.keys)),
                    Value::Text(bounds.take()),
                ]);
                values
            })
            .collect())
    }
}
