//! `partition_temporal(tbl, col, granularity [, include_empty := BOOLEAN] [, overlap := INTERVAL])`
//!
//! ```sql
//! SELECT label, row_count, predicate FROM partition_temporal('events', 'ts', 'month');
//! ```
//!
//! Bind resolves the source and checks the column; init runs the single aggregate scan
//! (`ext::scan`) and builds the manifest with `core::temporal`; the function then streams the
//! rows out in chunks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vtab::{BindInfo, InitInfo, TableFunctionInfo, VTab};

use crate::core::calendar::Granularity;
use crate::core::size::RowSize;
use crate::core::temporal::{TemporalRow, TemporalSpec};
use crate::core::types::TemporalType;
use crate::ext::args::{named, named_interval, string_arg};
use crate::ext::internal::{CallerSettings, InternalConnection};
use crate::ext::output::{add_common_columns, chunk_capacity, write_common, write_ints, write_strings, COMMON_COLUMNS};
use crate::ext::scan::count_by_key;
use crate::ext::source::describe;

const NAME: &str = "partition_temporal";

pub struct PartitionTemporal;

pub struct TemporalBind {
    internal: Arc<InternalConnection>,
    settings: CallerSettings,
    spec: TemporalSpec,
    from_sql: String,
    row_size: RowSize,
}

pub struct TemporalInit {
    rows: Vec<TemporalRow>,
    next: AtomicUsize,
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
    // SAFETY: register_all stores an Arc<InternalConnection> as this function's extra info; DuckDB
    // keeps it alive as long as the function is in the catalog, which outlives every bind.
    let internal = unsafe { &*bind.get_extra_info::<Arc<InternalConnection>>() }.clone();
    let tbl = string_arg(bind, NAME, 0, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
    let col = string_arg(bind, NAME, 1, "col", "the name of a DATE or TIMESTAMP column")?;
    let gran = string_arg(bind, NAME, 2, "granularity", "'hour', 'day', 'week', 'month', 'quarter' or 'year'")?;
    let granularity = Granularity::parse(&gran).map_err(|e| format!("{NAME}: {e}"))?;
    let include_empty = named(bind, NAME, "include_empty")?.map(|v| v.to_bool()).unwrap_or(true);
    let overlap = named_interval(bind, &internal, NAME, "overlap")?;
    if named(bind, NAME, "target_mb")?.is_some() {
        return Err(format!(
            "{NAME}: target_mb applies to granularity 'auto', which this version of partext does not have yet; \
             remove target_mb and choose a granularity"
        ));
    }

    let settings = CallerSettings::read(bind);
    let described = describe(&internal, &tbl, &settings).map_err(|e| format!("{NAME}: {e}"))?;
    let (column, column_type) = described.column(&col).map_err(|e| format!("{NAME}: {e}"))?;
    let key_type = TemporalType::from_column_type(&column_type).ok_or_else(|| {
        format!(
            "{NAME}: column {} has type {column_type}, which cannot be partitioned by time; supported types: {}. \
             For other types use partition_hash or partition_range",
            crate::core::sql::quote_ident(&column),
            TemporalType::SUPPORTED
        )
    })?;
    let spec = TemporalSpec { column, key_type, granularity, include_empty, overlap };
    spec.validate().map_err(|e| format!("{NAME}: {e}"))?;

    add_common_columns(bind);
    bind.add_result_column("lower", logical_type(key_type));
    bind.add_result_column("upper", logical_type(key_type));
    if overlap.is_some() {
        bind.add_result_column("overlap_predicate", LogicalTypeHandle::from(LogicalTypeId::Varchar));
    }
    Ok(TemporalBind { internal, settings, spec, from_sql: described.source.from_sql, row_size: RowSize::of(&described.columns) })
}

fn plan(b: &TemporalBind) -> Result<Vec<TemporalRow>, String> {
    let scan = count_by_key(&b.internal, &b.settings, &b.from_sql, &b.spec.fine_unit_sql(), &b.spec.column, &b.row_size)
        .map_err(|e| format!("{NAME}: {e}"))?;
    if scan.unkeyed_values > 0 {
        return Err(format!(
            "{NAME}: column {} holds {} infinite value(s) (±infinity), which belong to no calendar period; \
             exclude them with a query source such as '(SELECT * FROM tbl WHERE isfinite(col))'",
            crate::core::sql::quote_ident(&b.spec.column),
            scan.unkeyed_values
        ));
    }
    b.spec.plan(&scan.counts, &b.from_sql).map_err(|e| format!("{NAME}: {e}"))
}

impl VTab for PartitionTemporal {
    type InitData = TemporalInit;
    type BindData = TemporalBind;

    fn bind(bind: &BindInfo) -> Result<Self::BindData, Box<dyn std::error::Error>> {
        Ok(bind_temporal(bind)?)
    }

    fn init(init: &InitInfo) -> Result<Self::InitData, Box<dyn std::error::Error>> {
        // SAFETY: DuckDB passes the bind data created by `bind` above, alive for the whole scan.
        let b = unsafe { &*init.get_bind_data::<TemporalBind>() };
        Ok(TemporalInit { rows: plan(b)?, next: AtomicUsize::new(0) })
    }

    fn func(func: &TableFunctionInfo<Self>, output: &mut DataChunkHandle) -> Result<(), Box<dyn std::error::Error>> {
        let init = func.get_init_data();
        let bind = func.get_bind_data();
        let cap = chunk_capacity(output);
        let start = init.next.fetch_add(cap, Ordering::Relaxed).min(init.rows.len());
        let rows = &init.rows[start..(start + cap).min(init.rows.len())];
        write_common(output, rows.iter().map(|r| &r.common));
        if bind.spec.key_type == TemporalType::Date {
            write_ints::<i32>(output, COMMON_COLUMNS, rows.iter().map(|r| r.lower));
            write_ints::<i32>(output, COMMON_COLUMNS + 1, rows.iter().map(|r| r.upper));
        } else {
            write_ints::<i64>(output, COMMON_COLUMNS, rows.iter().map(|r| r.lower));
            write_ints::<i64>(output, COMMON_COLUMNS + 1, rows.iter().map(|r| r.upper));
        }
        if bind.spec.overlap.is_some() {
            write_strings(output, COMMON_COLUMNS + 2, rows.iter().map(|r| r.overlap_predicate.as_deref()));
        }
        output.set_len(rows.len());
        Ok(())
    }

    fn parameters() -> Option<Vec<LogicalTypeHandle>> {
        Some(vec![
            LogicalTypeHandle::from(LogicalTypeId::Varchar),
            LogicalTypeHandle::from(LogicalTypeId::Varchar),
            LogicalTypeHandle::from(LogicalTypeId::Varchar),
        ])
    }

    fn named_parameters() -> Option<Vec<(String, LogicalTypeHandle)>> {
        Some(vec![
            ("include_empty".into(), LogicalTypeHandle::from(LogicalTypeId::Boolean)),
            ("overlap".into(), LogicalTypeHandle::from(LogicalTypeId::Interval)),
            ("target_mb".into(), LogicalTypeHandle::from(LogicalTypeId::Double)),
        ])
    }
}
