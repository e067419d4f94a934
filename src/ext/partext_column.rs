//! `partext_column(name, col, function)`: picks a manifest's key column inside
//! `COLUMNS(lambda c: partext_column(c, col, 'partition_temporal'))`.
//!
//! DuckDB evaluates that lambda over the source's column names while it binds the caller's
//! query, in one call for up to 2,048 columns; `core::source::pick_column` chooses. When no
//! name matches, the error lists the source's columns.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::source::pick_column;
use crate::core::sql::quote_ident;
use crate::ext::args::Args;
use crate::ext::vector::write_flags;

pub struct PartextColumn;

impl VScalar for PartextColumn {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        if n == 0 {
            return Ok(());
        }
        let function = Args::new(input, "partext_column").caller(2, 0, "partext_column");
        let args = Args::new(input, &function);
        let names = (0..n).map(|row| args.text(0, row, "column name", "a column name")).collect::<Result<Vec<_>, _>>()?;
        let col = args.text(1, 0, "col", "the name of a column of the source")?;
        let picked = pick_column(&names, &col);
        // One call sees every name unless the source has more than one vector of columns; only
        // then can the match be in another call.
        if picked.is_none() && n < 2048 {
            let list: Vec<String> = names.iter().map(|c| quote_ident(c)).collect();
            return Err(Error::user(format!("column {} not found in the source; its columns are: {}", quote_ident(&col), list.join(", ")))
                .named(&function)
                .into());
        }
        write_flags(output, n, |row| picked == Some(row));
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(
            vec![text(), LogicalTypeHandle::list(&text()), text()],
            LogicalTypeHandle::from(LogicalTypeId::Boolean),
        )]
    }
}
