//! `partition_hash(tbl, col, buckets)`: one partition per Iceberg bucket of `col`.
//!
//! ```sql
//! SELECT bucket, row_count, predicate FROM partition_hash('events', 'user_id', 8);
//! ```
//!
//! Bind resolves the source and checks the column type and bucket count; init runs one
//! aggregate scan grouped by `partition_key_hash(col, N)` (the key function itself, so the
//! manifest and the key function cannot disagree) and lists all N buckets with `core::hash`.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use crate::core::hash::{check_buckets, is_bucketable, BucketSpec, HashRow, SUPPORTED};
use crate::ext::args::int_arg;
use crate::ext::manifest::{BoundSource, ManifestFunction};
use crate::ext::output::{add_common_columns, write_common, write_ints, COMMON_COLUMNS};

const NAME: &str = "partition_hash";

pub struct PartitionHash;

pub struct HashBind {
    source: BoundSource,
    spec: BucketSpec,
}

fn bind_hash(bind: &BindInfo) -> Result<HashBind, String> {
    let buckets = int_arg(bind, NAME, 2, "buckets", "a bucket count between 1 and 65536")?;
    let buckets = check_buckets(buckets).map_err(|e| format!("{NAME}: {e}"))?;
    let source = BoundSource::bind(bind, NAME, "the name of the column to hash")?;
    if !is_bucketable(&source.column_type) {
        return Err(source.unsupported_type(
            NAME,
            "hash-bucketed (Iceberg buckets no FLOAT, DOUBLE or BOOLEAN)",
            SUPPORTED,
            "For floating-point columns use partition_range",
        ));
    }
    add_common_columns(bind);
    bind.add_result_column("bucket", LogicalTypeHandle::from(LogicalTypeId::Integer));
    let spec = BucketSpec { column: source.column.clone(), buckets };
    Ok(HashBind { source, spec })
}

impl ManifestFunction for PartitionHash {
    type Bind = HashBind;
    type Row = HashRow;

    fn bind(bind: &BindInfo) -> Result<Self::Bind, String> {
        bind_hash(bind)
    }

    fn plan(b: &Self::Bind) -> Result<Vec<Self::Row>, String> {
        let counts = b.source.count_by(NAME, &b.spec.key_sql())?;
        Ok(b.spec.plan(&counts, &b.source.from_sql))
    }

    fn write(_: &Self::Bind, rows: &[Self::Row], output: &mut DataChunkHandle) {
        write_common(output, rows.iter().map(|r| &r.common));
        write_ints::<i32>(output, COMMON_COLUMNS, rows.iter().map(|r| r.bucket.map(i64::from)));
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        vec![LogicalTypeId::Varchar.into(), LogicalTypeId::Varchar.into(), LogicalTypeId::Bigint.into()]
    }
}
