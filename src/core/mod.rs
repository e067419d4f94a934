//! The pure-Rust core of partext: calendar math, manifest building, SQL quoting, sources and
//! row sizes. Nothing here touches DuckDB, so all of it is unit-tested with `cargo test`.

pub mod advise;
pub mod airbyte;
pub mod calendar;
pub mod chunk;
pub mod counts;
pub mod distribute;
pub mod error;
pub mod glob;
pub mod hash;
pub mod json;
pub mod literal;
pub mod manifest;
mod properties;
pub mod range;
pub mod scan;
pub mod size;
pub mod source;
pub mod spec;
pub mod sql;
pub mod strategy;
pub mod temporal;
pub mod types;
pub mod write_plan;
