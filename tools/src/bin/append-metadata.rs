//! Appends DuckDB's extension metadata footer to a built library, producing a loadable
//! `.duckdb_extension` file.
//!
//! ```text
//! append-metadata <input.so> <output.duckdb_extension> <extension-version> <min-c-api-version> <platform>
//! ```
//!
//! Layout (534 bytes), as DuckDB's extension loader reads it from the end of the file: a 22-byte
//! WebAssembly custom-section prefix (0x00, LEB128 531, name length 16, `duckdb_signature`,
//! LEB128 512), eight 32-byte NUL-padded fields — three empty, ABI type `C_STRUCT`, extension
//! version, minimum C API version, platform, magic `4` — then a 256-byte zero signature.

use std::process::ExitCode;

const FIELD: usize = 32;

fn footer(version: &str, min_api: &str, platform: &str) -> Result<Vec<u8>, String> {
    let mut out = vec![0x00, 0x93, 0x04, 0x10];
    out.extend_from_slice(b"duckdb_signature");
    out.extend_from_slice(&[0x80, 0x04]);
    let fields = ["", "", "", "C_STRUCT", version, min_api, platform, "4"];
    for f in fields {
        if f.len() > FIELD {
            return Err(format!("metadata field '{f}' is longer than {FIELD} bytes"));
        }
        let mut field = [0u8; FIELD];
        field[..f.len()].copy_from_slice(f.as_bytes());
        out.extend_from_slice(&field);
    }
    out.extend_from_slice(&[0u8; 256]);
    Ok(out)
}

fn run(args: &[String]) -> Result<(), String> {
    let [input, output, version, min_api, platform] = args else {
        return Err("usage: append-metadata <input> <output> <extension-version> <min-c-api-version> <platform>".into());
    };
    let mut bytes = std::fs::read(input).map_err(|e| format!("reading {input}: {e}"))?;
    bytes.extend_from_slice(&footer(version, min_api, platform)?);
    let tmp = format!("{output}.tmp");
    std::fs::write(&tmp, &bytes).map_err(|e| format!("writing {tmp}: {e}"))?;
    std::fs::rename(&tmp, output).map_err(|e| format!("renaming {tmp}: {e}"))?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("append-metadata: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_has_the_loader_layout() {
        let f = footer("0.1.0", "v1.2.0", "linux_amd64").unwrap();
        assert_eq!(f.len(), 22 + 8 * 32 + 256);
        assert_eq!(&f[..4], &[0x00, 0x93, 0x04, 0x10]);
        assert_eq!(&f[4..20], b"duckdb_signature");
        assert_eq!(&f[20..22], &[0x80, 0x04]);
        let field = |i: usize| {
            let s = &f[22 + i * 32..22 + (i + 1) * 32];
            String::from_utf8(s.iter().copied().take_while(|&b| b != 0).collect()).unwrap()
        };
        assert_eq!(
            (field(0), field(3), field(4), field(5), field(6), field(7)),
            ("".into(), "C_STRUCT".into(), "0.1.0".into(), "v1.2.0".into(), "linux_amd64".into(), "4".into())
        );
        assert!(f[22 + 256..].iter().all(|&b| b == 0));
        assert!(footer(&"x".repeat(33), "v1.2.0", "p").is_err());
    }
}
