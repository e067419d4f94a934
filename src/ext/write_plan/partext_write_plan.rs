//! `partext_write_plan(ids, labels, rows, bytes, lowers, uppers, key_types, tbl, path, strategy,
//! col, arg, format, memory_mb, memory_limit, threads, kind, row_group_rows,
//! row_group_compressed, row_group_pages, row_bytes, columns, wanted, compression, row_group_size,
//! spread, compression_level, spec)`: write_plan's passes, planned by
//! `core::write_plan` from the manifest's partitions, the source's scan (`core::scan`, from
//! the facts `partext_scan_sql` measured) and the session's memory.
//!
//! ```sql
//! SELECT partext_write_plan(list(partition_id ORDER BY partition_id), ...) FROM m;   -- in the macro
//! ```

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};

use super::{partitioning, Partitioning, NAME};
use crate::core::chunk::{parse_memory, shown_memory_bytes};
use crate::core::distribute::{
    applies, cheaper, direct_cost, distribute_sql, group_key_sql, group_source_sql, plan as two_level_plan, remove_sql, split_passes,
    temp_directory,
};
use crate::core::error::Error;
use crate::core::scan::{scan_cost, thread_choices, thread_note, ScanFacts, ScanKind, ThreadChoice};
use crate::core::source::from_sql;
use crate::core::spec::{decode_keys, PartitionSpec};
use crate::core::strategy::Strategy;
use crate::core::types::ColumnType;
use crate::core::write_plan::{
    copy_sql, key_name, key_sql, partition_directory, pass_predicate, plan_threads, restore_sql, settings_sql, CopyTarget, Format, Keying,
    Pass, PlanPartition, MAX_ROW_GROUP, MIN_ROW_GROUP,
};
use crate::ext::args::Args;
use crate::ext::manifest_rows::{boxed, param as t, Field, RowsFunction, Schema, Value};

pub struct PartextWritePlan;

fn schema() -> Schema {
    Schema(vec![
        ("pass_id", Field::BigInt),
        ("partition_ids", Field::Text),
        ("directories", Field::Text),
        ("estimated_rows", Field::BigInt),
        ("estimated_bytes", Field::BigInt),
        ("buffer_bytes", Field::BigInt),
        ("row_group_size", Field::BigInt),
        ("threads", Field::BigInt),
        ("memory_note", Field::Text),
        ("settings", Field::Text),
        ("restore", Field::Text),
        ("sql", Field::Text),
    ])
}

/// The memory the passes may use: `memory_mb` MiB, or the session's memory_limit.
fn budget(memory_mb: Option<f64>, memory_limit: Option<String>) -> Result<u64, Error> {
    match memory_mb {
        Some(mb) if mb > 0.0 && mb.is_finite() => Ok((mb * 1_048_576.0) as u64),
        Some(mb) => Err(Error::user(format!("memory_mb must be a positive number of MiB, got {mb}"))),
        None => memory_limit
            .as_deref()
            .and_then(parse_memory)
            .map(|limit| limit as u64)
            .ok_or_else(|| Error::user("memory_mb is NULL and the memory_limit setting could not be read; pass memory_mb")),
    }
}

/// The source's facts as `partext_scan_sql`'s query measured them (arguments 16 to 21).
fn facts(args: &Args, row: usize) -> Result<ScanFacts, Error> {
    let kind = args.opt_text(16, row, "kind")?.unwrap_or_default();
    let count = |col: usize| args.opt_int(col, row).unwrap_or(0).max(0) as u64;
    Ok(ScanFacts {
        kind: ScanKind::parse(&kind).ok_or_else(|| Error::internal(format!("unknown source kind '{kind}'")))?,
        row_group_rows: count(17),
        row_group_compressed: count(18),
        row_group_pages: count(19),
        row_bytes: args.opt_double(20, row).unwrap_or(0.0),
        columns: count(21),
    })
}

fn passes(args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
    let ids = args.int_list(0, row);
    let labels = args.text_list(1, row, "label")?;
    let rows = args.int_list(2, row);
    let bytes = args.int_list(3, row);
    let lowers = args.text_list(4, row, "lower")?;
    let uppers = args.text_list(5, row, "upper")?;
    let key_types = args.text_list(6, row, "key type")?;
    let tbl = args.text(7, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
    let path = args.text(8, row, "path", "the directory to write the partitions to")?;
    let partitioning = partitioning(args, row, 9, 27)?;
    // A spec's parsed fields and their key columns' types (each partition's key_type holds
    // them, one a line).
    let spec = match &partitioning {
        Partitioning::Spec(text) => {
            let types: Vec<ColumnType> =
                key_types.iter().flatten().next().map(|t| t.split('\n').map(ColumnType::parse).collect()).unwrap_or_default();
            let spec = PartitionSpec::parse(text)?;
            // One partition's upper_text holds the range fields' bounds (the others' are NULL).
            let ranges = spec.split_ranges(&decode_keys(uppers.iter().flatten().next().map_or("", String::as_str))?)?;
            Some((spec, types, ranges))
        }
        Partitioning::Strategy { .. } => None,
    };
    let format = Format::parse(&args.text(12, row, "format", "'parquet' or 'csv'")?)?;
    let threads = args.opt_int(15, row).filter(|t| *t >= 1).unwrap_or(1) as u64;
    let memory_limit = args.opt_text(14, row, "memory_limit")?;
    let budget = budget(args.opt_double(13, row), memory_limit.clone())?;
    let facts = facts(args, row)?;
    let cost = scan_cost(&facts);
    let choices = thread_choices(budget, threads, &cost)?;
    let key_type = key_types.iter().flatten().next().cloned();
    let partitions: Vec<PlanPartition> = (0..ids.len())
        .map(|i| -> Result<PlanPartition, Error> {
            let label = labels.get(i).cloned().flatten();
            let base = PlanPartition {
                id: ids[i].unwrap_or(i as i64),
                is_null: label.is_none() && spec.is_none(),
                label,
                rows: rows.get(i).copied().flatten().unwrap_or(0).max(0) as u64,
                bytes: bytes.get(i).copied().flatten().unwrap_or(0).max(0) as u64,
                lower: None,
                upper: None,
                keys: Vec::new(),
            };
            let lower = lowers.get(i).cloned().flatten();
            if spec.is_some() {
                // A spec's partition: its path as label, its fields' human strings as keys.
                return Ok(PlanPartition { keys: decode_keys(lower.as_deref().unwrap_or(""))?, ..base });
            }
            let typed = |text: Option<String>| match (text, &key_type) {
                (Some(v), Some(t)) => Some(crate::core::write_plan::typed_literal(&v, t)),
                (Some(v), None) => Some(v), // hash: the bucket number
                (None, _) => None,
            };
            Ok(PlanPartition { lower: typed(lower), upper: typed(uppers.get(i).cloned().flatten()), ..base })
        })
        .collect::<Result<_, _>>()?;
    // The partitions to write: 1 each where write_plan was given no `partitions` (all), else 2
    // for those it names and 0 for the rest. The range key takes every bound, so that partition
    // ids stay the manifest's; a plan of named partitions appends from its first pass on.
    let flags: Vec<i64> = args.int_list(22, row).into_iter().map(|f| f.unwrap_or(1)).collect();
    let wanted: Vec<PlanPartition> =
        partitions.iter().enumerate().filter(|(i, _)| flags.get(*i).copied().unwrap_or(1) != 0).map(|(_, p)| p.clone()).collect();
    let named_partitions = flags.contains(&2);
    let asked_row_group = match args.opt_int(24, row) {
        Some(r) if format == Format::Csv => {
            return Err(Error::user(format!("row_group_size applies to format 'parquet' only, got {r} with format 'csv'; drop it")))
        }
        Some(r) if !(MIN_ROW_GROUP as i64..=MAX_ROW_GROUP as i64).contains(&r) => {
            return Err(Error::user(format!("row_group_size must be between {MIN_ROW_GROUP} and {MAX_ROW_GROUP} rows, got {r}")))
        }
        r => r.map(|r| r as u64),
    };
    let (planned, choice) = plan_threads(&wanted, format, &choices, cost.pass_share(), asked_row_group)?;
    let chosen = choice.threads;
    // The passes run with memory_limit at the budget (memory_mb, where given) less what DuckDB
    // holds outside it (core::scan::ThreadChoice::duckdb_limit: the threads' scans and the
    // reserve for any scan), never raised past the connection's; the last statement sets the connection's value back as current_setting
    // shows it (core::chunk::shown_memory_bytes).
    let connection_limit = memory_limit.as_deref().and_then(parse_memory).map(|l| l as u64);
    let lowered_limit = connection_limit.filter(|&l| choice.duckdb_limit < l).map(|_| choice.duckdb_limit);
    let mut note = thread_note(&cost, chosen, threads, budget, lowered_limit);
    if let Some(asked) = asked_row_group.filter(|&r| r > planned.row_group && !planned.passes.is_empty()) {
        note.push_str(&format!(
            "; row groups of {} rows: the row_group_size of {asked} asked for does not leave every partition's writer room in the budget",
            planned.row_group
        ));
    }
    let source = from_sql(&tbl)?;
    let compression = args.opt_text(23, row, "compression")?.map(|codec| format.compression(&codec)).transpose()?;
    let keying = match (&partitioning, &spec) {
        (Partitioning::Strategy { strategy, col, arg }, _) => {
            let strategy = Strategy::parse(strategy)?;
            Keying::Strategy {
                strategy,
                column: col,
                key_sql: key_sql(strategy, col, arg, &partitions, key_type.as_deref())?,
                name: key_name(strategy, col, arg),
            }
        }
        (Partitioning::Spec(_), Some((spec, types, ranges))) => Keying::Spec { spec, types, ranges },
        (Partitioning::Spec(_), None) => return Err(Error::internal("a spec plan without its spec")),
    };
    let target = CopyTarget {
        source_sql: &source.from_sql,
        keying,
        path: &path,
        format,
        append: named_partitions,
        compression,
        compression_level: args.opt_int(26, row).map(|level| format.compression_level(compression, level)).transpose()?,
    };
    let shown_limit = memory_limit.as_deref().and_then(shown_memory_bytes);
    // The two-level plan, where it costs less (core::distribute): the spread of the key in the
    // source's first rows says whether a direct pass can skip row groups (time keys only).
    let spread = match &target.keying {
        Keying::Strategy { strategy: Strategy::Temporal, .. } => args.opt_int(25, row).map(|s| s.max(0) as u64),
        _ => None,
    };
    let direct = direct_cost(&planned, chosen, cost.pass_share(), wanted.len(), spread);
    let groups_scan = |row_group: u64| {
        let group_facts = ScanFacts {
            kind: ScanKind::Parquet,
            row_group_rows: row_group,
            row_group_compressed: (row_group as f64 * facts.row_bytes) as u64,
            row_group_pages: (row_group as f64 * facts.row_bytes) as u64,
            row_bytes: facts.row_bytes,
            columns: facts.columns,
        };
        let group_cost = scan_cost(&group_facts);
        thread_choices(budget, threads, &group_cost).ok().map(|c| (c, group_cost.pass_share()))
    };
    let two_level = if applies(format, &wanted) && planned.passes.len() > 1 {
        cheaper(direct, two_level_plan(&wanted, format, (&choices, cost.pass_share()), groups_scan, asked_row_group))
    } else {
        None
    };
    if let Some(two) = &two_level {
        note.push_str(&format!(
            "; two levels (estimated {:.1} against {:.1} for {} direct passes, in units of writing every row once): pass 0 \
             writes the rows into {} groups of consecutive partitions, each later pass reads one group",
            two.cost,
            direct,
            planned.passes.len(),
            two.groups.len()
        ));
    }
    // The limit and threads each pass runs with. Where any pass of the plan lowers them, every
    // pass sets them (its own, or the connection's), since a pass's settings stay set for the
    // next, and the last statement sets the connection's back.
    let choices_used: Vec<&ThreadChoice> = match &two_level {
        None => vec![&choice],
        Some(two) => std::iter::once(&two.distribute_threads).chain(two.groups.iter().map(|g| &g.threads)).collect(),
    };
    let lowers_limit = |c: &ThreadChoice| connection_limit.is_some_and(|l| c.duckdb_limit < l);
    let limit_changed = choices_used.iter().any(|c| lowers_limit(c));
    let threads_changed = choices_used.iter().any(|c| c.threads < threads);
    let pass_settings = |c: &ThreadChoice, row_group: u64| {
        let limit = limit_changed.then(|| if lowers_limit(c) { Some(c.duckdb_limit) } else { shown_limit }).flatten();
        settings_sql(row_group, limit, threads_changed.then_some(c.threads))
    };
    let restore = restore_sql(limit_changed.then_some(shown_limit).flatten(), threads_changed.then_some(threads));
    let mut out = Vec::new();
    let mut row_of = |pass: &Pass, row_group: u64, threads: u64, settings: &str, sql: String, directories: String| {
        let ids: Vec<String> = pass.partitions.iter().map(|p| p.id.to_string()).collect();
        out.push(vec![
            Value::Int(Some(out.len() as i64)),
            Value::Text(Some(format!("[{}]", ids.join(", ")))),
            // One per line: partext's labels hold no line break.
            Value::Text(Some(directories)),
            Value::Int(Some(pass.rows as i64)),
            Value::Int(Some(pass.bytes as i64)),
            Value::Int(Some(pass.buffer_bytes as i64)),
            Value::Int((format == Format::Parquet).then_some(row_group as i64)),
            Value::Int(Some(threads as i64)),
            Value::Text(Some(note.clone())),
            Value::Text(Some(settings.to_string())),
            // What sets the connection back, for a runner whose pass failed.
            Value::Text(Some(restore.trim().to_string())),
            Value::Text(Some(sql)),
        ]);
    };
    let directories = |pass: &Pass| pass.partitions.iter().map(|p| partition_directory(&target.keying, p)).collect::<Vec<_>>().join("\n");
    match two_level {
        None => {
            let settings = pass_settings(&choice, planned.row_group);
            let last = planned.passes.len().saturating_sub(1);
            for (i, pass) in planned.passes.iter().enumerate() {
                // The connection's memory_limit and threads are restored after the last statement.
                let restore_last = if i == last { restore.as_str() } else { "" };
                let sql = format!("{settings} {}{restore_last}", copy_sql(pass, i, planned.row_group, &target)?);
                row_of(pass, planned.row_group, chosen, &settings, sql, directories(pass));
            }
        }
        Some(two) => {
            let temp = temp_directory(&path, &wanted);
            let all = Pass {
                partitions: wanted.clone(),
                rows: wanted.iter().map(|p| p.rows).sum(),
                bytes: wanted.iter().map(|p| p.bytes).sum(),
                buffer_bytes: two.distribute.passes.first().map_or(0, |p| p.buffer_bytes),
            };
            let d = &two.distribute;
            let settings = pass_settings(&two.distribute_threads, d.row_group);
            let group_key = group_key_sql(&target.keying, &two.groups)?;
            let sql = format!(
                "{settings} {}",
                distribute_sql(target.source_sql, &pass_predicate(&all, &target)?, &group_key, &temp, d.row_group)
            );
            let distributing = Pass { partitions: Vec::new(), ..all };
            row_of(&distributing, d.row_group, two.distribute_threads.threads, &settings, sql, String::new());
            let splits = split_passes(&two);
            for (i, (group, pass)) in splits.iter().enumerate() {
                let source_sql = group_source_sql(&temp, group);
                let group_target = CopyTarget { source_sql: &source_sql, ..target.clone() };
                let settings = pass_settings(&group.threads, group.plan.row_group);
                let tail = if i + 1 == splits.len() { format!(" {}{restore}", remove_sql(&temp)) } else { String::new() };
                let sql = format!("{settings} {}{tail}", copy_sql(pass, i, group.plan.row_group, &group_target)?);
                row_of(pass, group.plan.row_group, group.threads.threads, &settings, sql, directories(pass));
            }
        }
    }
    Ok(out)
}

impl RowsFunction for PartextWritePlan {
    const NAME: &'static str = NAME;

    fn schema() -> Schema {
        schema()
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        use LogicalTypeId::*;
        vec![
            boxed(Bigint),
            boxed(Varchar),
            boxed(Bigint),
            boxed(Bigint),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Double),
            t(Varchar),
            t(Bigint),
            boxed(Varchar),
            boxed(Bigint),
            boxed(Bigint),
            boxed(Bigint),
            boxed(Double),
            boxed(Bigint),
            boxed(Bigint),
            boxed(Varchar),
            boxed(Bigint),
            boxed(Bigint),
            boxed(Bigint),
            boxed(Varchar),
        ]
    }

    fn rows(_: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
        passes(args, row)
    }
}
