//! The manifest rows a native manifest function returns to its macro: one `LIST(STRUCT(...))`
//! value, which the macro unnests. Each function declares its fields once, as a [`Schema`]
//! that gives both its return type and the writer of its rows, and implements [`RowsFunction`];
//! [`Rows`] does the rest.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::ext::args::Args;

use crate::core::error::Error;
use crate::core::manifest::{ManifestRow, PartitionCounts};
use crate::core::size::estimate;

/// A field's type in the returned struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    BigInt,
    Int,
    Text,
}

/// One field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

/// The manifest columns every strategy returns first (docs/contracts.md, Manifest columns), in order.
pub const COMMON: [(&str, Field); 6] = [
    ("partition_id", Field::BigInt),
    ("label", Field::Text),
    ("predicate", Field::Text),
    ("query", Field::Text),
    ("row_count", Field::BigInt),
    ("estimated_bytes", Field::BigInt),
];

/// The fields of one function's rows.
pub struct Schema(pub Vec<(&'static str, Field)>);

impl Schema {
    /// The common manifest fields followed by `own`.
    pub fn manifest(own: &[(&'static str, Field)]) -> Schema {
        Schema(COMMON.iter().chain(own).copied().collect())
    }

    /// `LIST(STRUCT(...))` of the fields.
    pub fn return_type(&self) -> LogicalTypeHandle {
        let fields: Vec<(&str, LogicalTypeHandle)> = self
            .0
            .iter()
            .map(|&(name, f)| {
                let id = match f {
                    Field::BigInt => LogicalTypeId::Bigint,
                    Field::Int => LogicalTypeId::Integer,
                    Field::Text => LogicalTypeId::Varchar,
                };
                (name, LogicalTypeHandle::from(id))
            })
            .collect();
        LogicalTypeHandle::list(&LogicalTypeHandle::struct_type(&fields))
    }

    /// Writes one list of rows per input row into `output`.
    pub fn write(&self, output: &mut dyn WritableVector, lists: &[Vec<Vec<Value>>]) -> Result<(), Error> {
        let total: usize = lists.iter().map(Vec::len).sum();
        let mut list = output.list_vector();
        let rows = list.struct_child(total);
        for (f, &(name, field)) in self.0.iter().enumerate() {
            let mut child = rows.child(f, total);
            for (i, row) in lists.iter().flatten().enumerate() {
                match (field, row.get(f)) {
                    (Field::Text, Some(Value::Text(Some(s)))) => child.insert(i, s.as_str()),
                    // SAFETY: the field was declared BIGINT (i64) or INTEGER (i32) in
                    // return_type, and `i` is below `total`, the capacity reserved above.
                    (Field::BigInt, Some(Value::Int(Some(v)))) => unsafe { child.as_mut_slice_with_len::<i64>(total)[i] = *v },
                    (Field::Int, Some(Value::Int(Some(v)))) => unsafe { child.as_mut_slice_with_len::<i32>(total)[i] = *v as i32 },
                    (_, Some(Value::Text(None) | Value::Int(None))) => child.set_null(i),
                    (_, other) => return Err(Error::internal(format!("field {name} got {other:?}"))),
                }
            }
        }
        let mut offset = 0;
        for (row, l) in lists.iter().enumerate() {
            list.set_entry(row, offset, l.len());
            offset += l.len();
        }
        list.set_len(total);
        Ok(())
    }
}

/// The common fields of a manifest row.
pub fn common_values(row: &ManifestRow) -> Vec<Value> {
    vec![
        Value::Int(Some(row.partition_id)),
        Value::Text(row.label.clone()),
        Value::Text(Some(row.predicate.clone())),
        Value::Text(Some(row.query.clone())),
        Value::Int(Some(row.row_count as i64)),
        Value::Int(Some(row.estimated_bytes as i64)),
    ]
}

/// Counts per key from the scan's parallel lists, with sizes from the bytes per row.
pub fn counts(keys: &[Option<i64>], rows: &[Option<i64>], null_rows: Option<i64>, row_bytes: f64) -> PartitionCounts<i64> {
    let keys = keys
        .iter()
        .zip(rows)
        .filter_map(|(k, n)| {
            let n = n.unwrap_or(0).max(0) as u64;
            k.map(|k| (k, n, estimate(n, row_bytes)))
        })
        .collect();
    let null_rows = null_rows.unwrap_or(0).max(0) as u64;
    PartitionCounts { keys, null_rows, null_bytes: estimate(null_rows, row_bytes) }
}

/// A manifest row: the common fields of `row`, then the function's own.
pub fn manifest_row(row: &ManifestRow, own: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut values = common_values(row);
    values.extend(own);
    values
}

/// A native function that returns rows to its macro as one `LIST(STRUCT(...))` per input row.
/// [`Rows`] makes a DuckDB scalar function of it.
pub trait RowsFunction {
    /// The SQL function the user called, for messages.
    const NAME: &'static str;

    fn schema() -> Schema;

    fn parameters() -> Vec<LogicalTypeHandle>;

    /// The rows for input row `row`.
    fn rows(input: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error>;
}

/// The DuckDB scalar function of a [`RowsFunction`].
pub struct Rows<F>(std::marker::PhantomData<F>);

impl<F: RowsFunction> VScalar for Rows<F> {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        // The one place a manifest function's error becomes the host's: named by the function
        // the user called, where no one named it before. A panic must not unwind into DuckDB
        // (the duckdb crate does not catch it): it becomes an internal error.
        let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let args = Args::new(input, F::NAME);
            let lists = (0..args.rows()).map(|row| F::rows(input, &args, row)).collect::<Result<Vec<_>, _>>()?;
            F::schema().write(output, &lists)
        }))
        .unwrap_or_else(|_| Err(Error::internal("a panic while writing the manifest's rows")));
        written.map_err(|e| e.named(F::NAME))?;
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(F::parameters(), F::schema().return_type())]
    }
}

/// A parameter type, and the same type boxed as a one-element list (see `Args`).
pub fn param(id: LogicalTypeId) -> LogicalTypeHandle {
    LogicalTypeHandle::from(id)
}

pub fn boxed(id: LogicalTypeId) -> LogicalTypeHandle {
    LogicalTypeHandle::list(&LogicalTypeHandle::from(id))
}
