//! `partext_range_sample_sql(tbl, col, partitions, method, custom)`: the query that gives
//! partition_range its sample of the key column (`core::range::SamplePolicy`: DuckDB's seeded
//! reservoir sample, every row for `method := 'exact'`, none when custom bounds were given),
//! after checking the arguments that need no data.
//!
//! ```sql
//! FROM query(partext_range_sample_sql(['events'], ['amount'], [16], [NULL], false));
//! ```
//!
//! The macro passes constants, so DuckDB evaluates this once while binding the caller's query.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::range::SamplePolicy;
use crate::core::source::from_sql;
use crate::core::sql::quote_literal;
use crate::ext::args::Args;

const NAME: &str = "partition_range";

pub struct PartextRangeSampleSql;

fn sample_sql(args: &Args, row: usize) -> Result<String, Error> {
    let tbl = args.text(0, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
    let col = args.text(1, row, "col", "the name of the column to split into ranges")?;
    let partitions = args.count(2, row, "partitions")? as usize;
    let exact = match args.opt_text(3, row, "method")?.map(|m| m.trim().to_ascii_lowercase()) {
        None => false,
        Some(m) if m == "sample" => false,
        Some(m) if m == "exact" => true,
        Some(m) => return Err(Error::user(format!("unknown method '{m}'; use 'sample' (the default) or 'exact'")).named(NAME)),
    };
    let custom = args.opt_bool(4, row).unwrap_or(false);
    if custom && exact {
        return Err(Error::user("give either method := 'exact' or bounds := [...], not both").named(NAME));
    }
    let source = from_sql(&tbl).map_err(|e| e.named(NAME))?;
    let key = format!("COLUMNS(lambda c: partext_column(c, [{}], '{NAME}'))", quote_literal(&col));
    let policy = if custom {
        SamplePolicy::Nothing
    } else if exact {
        SamplePolicy::Every
    } else {
        SamplePolicy::Reservoir
    };
    Ok(policy.sample_sql(&source.from_sql, &key, partitions))
}

impl VScalar for PartextRangeSampleSql {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let args = Args::new(input, NAME);
        let out = output.flat_vector();
        for row in 0..args.rows() {
            out.insert(row, sample_sql(&args, row)?.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        use LogicalTypeId::*;
        let boxed = |id: LogicalTypeId| LogicalTypeHandle::list(&LogicalTypeHandle::from(id));
        vec![ScalarFunctionSignature::exact(
            vec![boxed(Varchar), boxed(Varchar), boxed(Bigint), boxed(Varchar), LogicalTypeHandle::from(Boolean)],
            LogicalTypeHandle::from(Varchar),
        )]
    }
}
