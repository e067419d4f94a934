//! `partition_temporal(tbl, col, granularity [, include_empty := BOOLEAN] [, overlap := INTERVAL])`
//!
//! ```sql
//! SELECT label, row_count, predicate FROM partition_temporal('events', 'ts', 'month');
//! ```
//!
//! Bind resolves the source and checks the column; init runs the single aggregate scan and
//! builds the manifest with `core::temporal`; the function then streams the rows out in chunks.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::BindInfo;

use crate::core::calendar::Granularity;
use crate::core::sql::quote_ident;
use crate::core::temporal::{take_infinite, TemporalRow, TemporalSpec};
use crate::core::types::TemporalType;
use crate::ext::args::{named, named_interval, string_arg, target_bytes};
use crate::ext::manifest::{BoundSource, ManifestFunction};
use crate::ext::output::{add_common_columns, write_common, write_ints, write_strings, COMMON_COLUMNS};

const NAME: &str = "partition_temporal";

pub struct PartitionTemporal;

pub struct TemporalBind {
    source: BoundSource,
    spec: TemporalSpec,
    /// For granularity 'auto': the size target in bytes.
    auto_target: Option<f64>,
}

/// The DuckDB type of a temporal key column.
pub fn logical_type(t: TemporalType) -> LogicalTypeHandle {
    LogicalTypeHandle::from(match t {
        TemporalType::Date => LogicalTypeId::Date,
        TemporalType::Timestamp => LogicalTypeId::Timestamp,
        TemporalType::TimestampS => LogicalTypeId::TimestampS,
        TemporalType::TimestampMs => LogicalTypeId::TimestampMs,
        TemporalType::TimestampNs => LogicalTypeId::TimestampNs,
        TemporalType::TimestampTz => LogicalTypeId::TimestampTZ,
    })
}

fn bind_temporal(bind: &BindInfo) -> Result<TemporalBind, String> {
    let gran = string_arg(bind, NAME, 2, "granularity", "'hour', 'day', 'week', 'month', 'quarter', 'year' or 'auto'")?;
    let auto = gran.trim().eq_ignore_ascii_case("auto");
    let granularity = if auto { Granularity::Hour } else { Granularity::parse(&gran).map_err(|e| format!("{NAME}: {e}"))? };
    let include_empty = named(bind, NAME, "include_empty")?.map(|v| v.to_bool()).unwrap_or(true);
    let target = bind.get_named_parameter("target_mb");
    let auto_target = if auto {
        Some(target_bytes(target.as_ref(), bind, NAME)?)
    } else if target.is_some() {
        return Err(format!("{NAME}: target_mb applies to granularity 'auto' only; remove it or use 'auto'"));
    } else {
        None
    };
    let source = BoundSource::bind(bind, NAME, "the name of a DATE or TIMESTAMP column")?;
    let overlap = named_interval(bind, &source.internal, NAME, "overlap")?;
    let key_type = TemporalType::from_column_type(&source.column_type).ok_or_else(|| {
        source.unsupported_type(NAME, "partitioned by time", TemporalType::SUPPORTED, "For other types use partition_hash or partition_range")
    })?;
    // 'auto' scans by hour (by day for DATE) and chooses after the scan.
    let granularity = if auto && key_type == TemporalType::Date { Granularity::Day } else { granularity };
    let spec = TemporalSpec { column: source.column.clone(), key_type, granularity, include_empty, overlap };
    spec.validate().map_err(|e| format!("{NAME}: {e}"))?;

    add_common_columns(bind);
    bind.add_result_column("lower", logical_type(key_type));
    bind.add_result_column("upper", logical_type(key_type));
    if overlap.is_some() {
        bind.add_result_column("overlap_predicate", LogicalTypeHandle::from(LogicalTypeId::Varchar));
    }
    Ok(TemporalBind { source, spec, auto_target })
}

fn plan(b: &TemporalBind) -> Result<Vec<TemporalRow>, String> {
    let infinite = |n: u64| {
        format!(
            "column {} holds {n} infinite value(s) (±infinity), which belong to no calendar period; \
             exclude them with a query source such as '(SELECT * FROM tbl WHERE isfinite(col))'",
            quote_ident(&b.spec.column)
        )
    };
    let key_sql = b.spec.fine_unit_sql();
    let counts = if b.spec.days_by_cast() {
        // A NULL day is a NULL value; ±infinity comes back as its own day numbers.
        let mut counts = b.source.count_by(NAME, &key_sql)?;
        match take_infinite(&mut counts) {
            0 => counts,
            n => return Err(format!("{NAME}: {}", infinite(n))),
        }
    } else {
        b.source.count_by_checked(NAME, &key_sql, infinite)?
    };
    match b.auto_target {
        None => b.spec.plan(&counts, &b.source.from_sql),
        Some(target) => {
            let fine_unit = b.spec.granularity.fine_unit_seconds();
            b.spec.plan_auto(&counts, fine_unit, target, &b.source.from_sql).map(|(_, rows)| rows)
        }
    }
    .map_err(|e| format!("{NAME}: {e}"))
}

impl ManifestFunction for PartitionTemporal {
    type Bind = TemporalBind;
    type Row = TemporalRow;

    fn bind(bind: &BindInfo) -> Result<Self::Bind, String> {
        bind_temporal(bind)
    }

    fn plan(b: &Self::Bind) -> Result<Vec<Self::Row>, String> {
        plan(b)
    }

    fn write(b: &Self::Bind, rows: &[Self::Row], output: &mut DataChunkHandle) {
        write_common(output, rows.iter().map(|r| &r.common));
        if b.spec.key_type == TemporalType::Date {
            write_ints::<i32>(output, COMMON_COLUMNS, rows.iter().map(|r| r.lower));
            write_ints::<i32>(output, COMMON_COLUMNS + 1, rows.iter().map(|r| r.upper));
        } else {
            write_ints::<i64>(output, COMMON_COLUMNS, rows.iter().map(|r| r.lower));
            write_ints::<i64>(output, COMMON_COLUMNS + 1, rows.iter().map(|r| r.upper));
        }
        if b.spec.overlap.is_some() {
            write_strings(output, COMMON_COLUMNS + 2, rows.iter().map(|r| r.overlap_predicate.as_deref()));
        }
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        vec![LogicalTypeId::Varchar.into(), LogicalTypeId::Varchar.into(), LogicalTypeId::Varchar.into()]
    }

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![
            ("include_empty".into(), LogicalTypeId::Boolean.into()),
            ("overlap".into(), LogicalTypeId::Interval.into()),
            ("target_mb".into(), LogicalTypeId::Double.into()),
        ]
    }
}
