//! `partext_version()`: the version of the loaded extension, from Cargo.toml.
//!
//! ```sql
//! SELECT partext_version();   -- '0.1.0'
//! ```

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

pub struct PartextVersion;

impl VScalar for PartextVersion {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let out = output.flat_vector();
        for row in 0..input.len().max(1) {
            out.insert(row, env!("CARGO_PKG_VERSION"));
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(vec![], LogicalTypeHandle::from(LogicalTypeId::Varchar))]
    }
}
