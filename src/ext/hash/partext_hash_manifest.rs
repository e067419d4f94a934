//! `partext_hash_manifest(buckets, rows, null_rows, row_bytes, key_type, col, n, source)`:
//! partition_hash's manifest — all `n` Iceberg buckets in order, then the NULL-key
//! partition — from its scan's counts per bucket (`partext_hash_counts`, `core::hash`).
//!
//! ```sql
//! SELECT partext_hash_manifest(c.keys, c.rows, c.null_rows, ...) FROM counts;   -- in the macro
//! ```

use crate::core::error::Error;
use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};

use crate::core::hash::BucketSpec;
use crate::core::strategy::Strategy;
use crate::ext::args::Args;
use crate::ext::manifest_rows::{boxed, counts, manifest_row, param as t, Field, RowsFunction, Schema, Value};

const NAME: &str = "partition_hash";

pub struct PartextHashManifest;

fn schema() -> Schema {
    Schema::manifest(&[("bucket", Field::Int)])
}

fn manifest(args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
    let counts = counts(&args.int_list(0, row), &args.int_list(1, row), args.opt_int(2, row), args.opt_double(3, row).unwrap_or(0.0));
    let type_text = args.text(4, row, "key type", "a column type")?;
    let col = args.text(5, row, "col", "the name of the column to hash")?;
    Strategy::Hash.check_key(&col, &type_text)?;
    let buckets = args.count(6, row, "buckets")?;
    let source = args.text(7, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
    let spec = BucketSpec { column: col, buckets };
    Ok(spec.plan(&counts, &source).iter().map(|r| manifest_row(&r.common, [Value::Int(r.bucket.map(i64::from))])).collect())
}

impl RowsFunction for PartextHashManifest {
    const NAME: &'static str = NAME;

    fn schema() -> Schema {
        schema()
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        use LogicalTypeId::*;
        vec![boxed(Bigint), boxed(Bigint), t(Bigint), t(Double), t(Varchar), boxed(Varchar), boxed(Bigint), t(Varchar)]
    }

    fn rows(_: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
        manifest(args, row)
    }
}
