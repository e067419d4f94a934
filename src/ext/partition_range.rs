//! `partition_range(tbl, col, partitions [, method := 'sample' | 'exact'] [, bounds := [..]])`
//!
//! ```sql
//! SELECT label, lower, upper, row_count FROM partition_range('events', 'amount', 16);
//! ```
//!
//! Bind resolves the source and checks the column and arguments. Init streams the column once
//! into a seeded reservoir (`core::range`), computes equi-depth bounds, then counts each range
//! exactly in one aggregate scan grouped by `partition_key_range(col, bounds)`.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::types::{TimeUnit, ValueRef};
use duckdb::vtab::BindInfo;

use crate::core::literal::NANOS_PER_DAY;
use crate::core::range::{
    check_bounds, check_partitions, equi_depth_bounds, parse_decimal, BoundsMethod, RangeRow, RangeSpec, RangeType,
    RangeValue, Reservoir, SUPPORTED,
};
use crate::core::sql::{quote_ident, quote_literal};
use crate::core::types::{ColumnType, TemporalType};
use crate::ext::args::{int_arg, named};
use crate::ext::manifest::{BoundSource, ManifestFunction};
use crate::ext::output::{add_common_columns, write_common, COMMON_COLUMNS};

const NAME: &str = "partition_range";
/// The reservoir's seed: fixed, so that the same data gives the same bounds.
const SEED: u64 = 0x7061_7274_6578_7421;
/// The seed of DuckDB's Bernoulli sample that thins large sources before the reservoir.
const BERNOULLI_SEED: u32 = 7;

pub struct PartitionRange;

pub struct RangeBind {
    source: BoundSource,
    spec: RangeSpec,
}

/// The DuckDB type of the key column, for `lower` and `upper`.
fn logical_type(t: &RangeType) -> LogicalTypeHandle {
    match t {
        RangeType::Decimal { width, scale } => LogicalTypeHandle::decimal(*width, *scale),
        RangeType::Float => LogicalTypeId::Float.into(),
        RangeType::Double => LogicalTypeId::Double.into(),
        RangeType::Time => LogicalTypeId::Time.into(),
        RangeType::Varchar => LogicalTypeId::Varchar.into(),
        RangeType::Temporal(t) => crate::ext::partition_temporal::logical_type(*t),
        RangeType::Int(c) => match c {
            ColumnType::TinyInt => LogicalTypeId::Tinyint,
            ColumnType::SmallInt => LogicalTypeId::Smallint,
            ColumnType::Integer => LogicalTypeId::Integer,
            ColumnType::HugeInt => LogicalTypeId::Hugeint,
            ColumnType::UTinyInt => LogicalTypeId::UTinyint,
            ColumnType::USmallInt => LogicalTypeId::USmallint,
            ColumnType::UInteger => LogicalTypeId::UInteger,
            ColumnType::UBigInt => LogicalTypeId::UBigint,
            ColumnType::UHugeInt => LogicalTypeId::UHugeint,
            _ => LogicalTypeId::Bigint,
        }
        .into(),
    }
}

/// The expression the sampling pass reads: the column itself, or its text for types the
/// row reader does not carry exactly (DECIMAL).
fn sample_sql(t: &RangeType, column: &str) -> String {
    match t {
        RangeType::Decimal { .. } => format!("CAST({} AS VARCHAR)", quote_ident(column)),
        _ => quote_ident(column),
    }
}

/// A value read by the sampling pass, as partition_range compares it.
fn from_value_ref(t: &RangeType, v: ValueRef) -> Result<Option<RangeValue>, String> {
    let unit_nanos = |u: TimeUnit| match u {
        TimeUnit::Second => 1_000_000_000i128,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    };
    Ok(Some(match v {
        ValueRef::Null => return Ok(None),
        ValueRef::TinyInt(x) => RangeValue::Num(x.into(), 0),
        ValueRef::SmallInt(x) => RangeValue::Num(x.into(), 0),
        ValueRef::Int(x) => RangeValue::Num(x.into(), 0),
        ValueRef::BigInt(x) => RangeValue::Num(x.into(), 0),
        ValueRef::HugeInt(x) => RangeValue::Num(x, 0),
        ValueRef::UTinyInt(x) => RangeValue::Num(x.into(), 0),
        ValueRef::USmallInt(x) => RangeValue::Num(x.into(), 0),
        ValueRef::UInt(x) => RangeValue::Num(x.into(), 0),
        ValueRef::UBigInt(x) => RangeValue::Num(x.into(), 0),
        ValueRef::UHugeInt(x) => RangeValue::Num(
            i128::try_from(x).map_err(|_| format!("{NAME}: UHUGEINT values above 2^127 - 1 are not supported"))?,
            0,
        ),
        ValueRef::Float(f) => RangeValue::float(f64::from(f)),
        ValueRef::Double(f) => RangeValue::float(f),
        ValueRef::Date32(d) => RangeValue::Instant(i128::from(d) * NANOS_PER_DAY),
        ValueRef::Timestamp(u, x) => RangeValue::Instant(i128::from(x) * unit_nanos(u)),
        ValueRef::Time64(u, x) => RangeValue::Time((i128::from(x) * unit_nanos(u) / 1_000) as i64),
        ValueRef::Text(b) => match t {
            RangeType::Decimal { scale, .. } => {
                let text = String::from_utf8_lossy(b);
                RangeValue::Num(parse_decimal(&text, *scale).ok_or_else(|| format!("{NAME}: cannot read the decimal {text}"))?, *scale)
            }
            _ => RangeValue::Text(b.to_vec()),
        },
        other => return Err(format!("{NAME}: unexpected value {other:?} in the key column")),
    }))
}

/// Reads the values of `select_sql` (one column) as range values, offering each to `sink`.
fn read_values(source: &BoundSource, t: &RangeType, select_sql: &str, mut sink: impl FnMut(RangeValue)) -> Result<(), String> {
    source.internal.with_settings(&source.settings, |conn| {
        let mut stmt = conn.prepare(select_sql).map_err(|e| format!("{NAME}: {e}"))?;
        let mut rows = stmt.query([]).map_err(|e| format!("{NAME}: {e}"))?;
        while let Some(row) = rows.next().map_err(|e| format!("{NAME}: {e}"))? {
            let v = row.get_ref(0).map_err(|e| format!("{NAME}: {e}"))?;
            if let Some(v) = from_value_ref(t, v)? {
                sink(v);
            }
        }
        Ok(())
    })
}

/// The caller's `bounds := [...]`, converted to the column's type by DuckDB.
fn custom_bounds(bind: &BindInfo, source: &BoundSource, t: &RangeType) -> Result<Option<Vec<RangeValue>>, String> {
    let Some(list) = named(bind, NAME, "bounds")? else { return Ok(None) };
    let items = list.to_list().ok_or_else(|| format!("{NAME}: bounds must be a LIST such as [10, 20, 30]"))?;
    let mut texts = Vec::with_capacity(items.len());
    for item in &items {
        if item.is_null() {
            return Err(format!("{NAME}: bounds must not contain NULL"));
        }
        texts.push(quote_literal(&item.to_string()));
    }
    if texts.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let cast = format!("CAST(t AS {})", source.column_type);
    let expr = match t {
        RangeType::Decimal { .. } => format!("CAST({cast} AS VARCHAR)"),
        _ => cast,
    };
    let sql = format!("SELECT {expr} FROM (SELECT unnest([{}]) AS t, generate_subscripts([{}], 1) AS i) ORDER BY i", texts.join(", "), texts.join(", "));
    let mut bounds = Vec::with_capacity(texts.len());
    read_values(source, t, &sql, |v| bounds.push(v)).map_err(|e| format!("{e} (bounds must convert to the column's type {})", source.column_type))?;
    check_bounds(&bounds).map_err(|e| format!("{NAME}: {e}"))?;
    Ok(Some(bounds))
}

fn bind_range(bind: &BindInfo) -> Result<RangeBind, String> {
    let partitions = check_partitions(int_arg(bind, NAME, 2, "partitions", "a partition count between 1 and 65536")?)
        .map_err(|e| format!("{NAME}: {e}"))?;
    let method = match named(bind, NAME, "method")?.map(|v| v.to_string().to_ascii_lowercase()) {
        None => BoundsMethod::Sampled,
        Some(m) if m == "sample" => BoundsMethod::Sampled,
        Some(m) if m == "exact" => BoundsMethod::Exact,
        Some(m) => return Err(format!("{NAME}: unknown method '{m}'; use 'sample' (the default) or 'exact'")),
    };
    let source = BoundSource::bind(bind, NAME, "the name of the column to split into ranges")?;
    let range_type = RangeType::from_column_type(&source.column_type).ok_or_else(|| {
        source.unsupported_type(NAME, "split into ranges", SUPPORTED, "For other types use partition_hash")
    })?;
    let method = match custom_bounds(bind, &source, &range_type)? {
        Some(bounds) if method == BoundsMethod::Sampled => BoundsMethod::Custom(bounds),
        Some(_) => return Err(format!("{NAME}: give either method := 'exact' or bounds := [...], not both")),
        None => method,
    };
    add_common_columns(bind);
    bind.add_result_column("lower", logical_type(&range_type));
    bind.add_result_column("upper", logical_type(&range_type));
    let spec = RangeSpec { column: source.column.clone(), range_type, partitions, method };
    Ok(RangeBind { source, spec })
}

fn plan(b: &RangeBind) -> Result<Vec<RangeRow>, String> {
    let spec = &b.spec;
    let bounds = match &spec.method {
        BoundsMethod::Custom(bounds) => bounds.clone(),
        method => {
            let capacity = if *method == BoundsMethod::Exact { usize::MAX } else { Reservoir::sample_size(spec.partitions) };
            let mut select = format!("SELECT {} FROM {}", sample_sql(&spec.range_type, &spec.column), b.source.from_sql);
            if *method == BoundsMethod::Sampled {
                // Only about 1.2 x the sample crosses into partext: DuckDB's seeded Bernoulli
                // sample (deterministic) thins the rows first, the reservoir keeps `capacity`.
                let total = b.source.row_count(NAME)?;
                let percent = 120.0 * capacity as f64 / total.max(1) as f64;
                if percent < 100.0 {
                    select.push_str(&format!(" USING SAMPLE {percent:.6}% (bernoulli, {BERNOULLI_SEED})"));
                }
            }
            let mut reservoir = Reservoir::new(capacity, SEED);
            read_values(&b.source, &spec.range_type, &select, |v| reservoir.offer(v))?;
            equi_depth_bounds(reservoir.items, spec.partitions)
        }
    };
    let key_sql = spec.key_sql(&bounds).map_err(|e| format!("{NAME}: {e}"))?;
    let counts = b.source.count_by(NAME, &key_sql)?;
    spec.plan(&bounds, &counts, &b.source.from_sql).map_err(|e| format!("{NAME}: {e}"))
}

/// Writes `lower` or `upper` values of the key column's type into column `col`.
fn write_bounds<'a>(output: &mut DataChunkHandle, col: usize, t: &RangeType, values: impl Iterator<Item = Option<&'a RangeValue>>) {
    let mut v = output.flat_vector(col);
    for (i, value) in values.enumerate() {
        let Some(value) = value else {
            v.set_null(i);
            continue;
        };
        // SAFETY: column `col` was declared with logical_type(t), whose physical type each arm
        // writes; `i` is below the chunk's capacity (the caller writes at most that many rows).
        unsafe {
            match (t, value) {
                (RangeType::Varchar, RangeValue::Text(b)) => v.insert(i, String::from_utf8_lossy(b).as_ref()),
                (RangeType::Float, RangeValue::Float(f)) => v.as_mut_slice::<f32>()[i] = *f as f32,
                (RangeType::Double, RangeValue::Float(f)) => v.as_mut_slice::<f64>()[i] = *f,
                (RangeType::Time, RangeValue::Time(us)) => v.as_mut_slice::<i64>()[i] = *us,
                (RangeType::Temporal(TemporalType::Date), RangeValue::Instant(ns)) => {
                    v.as_mut_slice::<i32>()[i] = ns.div_euclid(NANOS_PER_DAY) as i32
                }
                (RangeType::Temporal(tt), RangeValue::Instant(ns)) => {
                    let per_unit = 1_000_000_000 / i128::from(tt.units_per_second());
                    v.as_mut_slice::<i64>()[i] = ns.div_euclid(per_unit) as i64
                }
                (RangeType::Decimal { width, .. }, RangeValue::Num(n, _)) => match width {
                    0..=4 => v.as_mut_slice::<i16>()[i] = *n as i16,
                    5..=9 => v.as_mut_slice::<i32>()[i] = *n as i32,
                    10..=18 => v.as_mut_slice::<i64>()[i] = *n as i64,
                    _ => v.as_mut_slice::<[u64; 2]>()[i] = [*n as u64, (*n >> 64) as u64],
                },
                (RangeType::Int(c), RangeValue::Num(n, _)) => match c {
                    ColumnType::TinyInt => v.as_mut_slice::<i8>()[i] = *n as i8,
                    ColumnType::SmallInt => v.as_mut_slice::<i16>()[i] = *n as i16,
                    ColumnType::Integer => v.as_mut_slice::<i32>()[i] = *n as i32,
                    ColumnType::UTinyInt => v.as_mut_slice::<u8>()[i] = *n as u8,
                    ColumnType::USmallInt => v.as_mut_slice::<u16>()[i] = *n as u16,
                    ColumnType::UInteger => v.as_mut_slice::<u32>()[i] = *n as u32,
                    ColumnType::UBigInt => v.as_mut_slice::<u64>()[i] = *n as u64,
                    ColumnType::HugeInt | ColumnType::UHugeInt => v.as_mut_slice::<[u64; 2]>()[i] = [*n as u64, (*n >> 64) as u64],
                    _ => v.as_mut_slice::<i64>()[i] = *n as i64,
                },
                _ => v.set_null(i),
            }
        }
    }
}

impl ManifestFunction for PartitionRange {
    type Bind = RangeBind;
    type Row = RangeRow;

    fn bind(bind: &BindInfo) -> Result<Self::Bind, String> {
        bind_range(bind)
    }

    fn plan(b: &Self::Bind) -> Result<Vec<Self::Row>, String> {
        plan(b)
    }

    fn write(b: &Self::Bind, rows: &[Self::Row], output: &mut DataChunkHandle) {
        let t = &b.spec.range_type;
        write_common(output, rows.iter().map(|r| &r.common));
        write_bounds(output, COMMON_COLUMNS, t, rows.iter().map(|r| r.lower.as_ref()));
        write_bounds(output, COMMON_COLUMNS + 1, t, rows.iter().map(|r| r.upper.as_ref()));
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        vec![LogicalTypeId::Varchar.into(), LogicalTypeId::Varchar.into(), LogicalTypeId::Bigint.into()]
    }

    fn named_parameters() -> Vec<(String, LogicalTypeHandle)> {
        vec![("method".into(), LogicalTypeId::Varchar.into()), ("bounds".into(), LogicalTypeId::Any.into())]
    }
}
