//! Expanding a file glob on the local file system, for `read_airbyte('logs/*.jsonl')`.
//!
//! ```sql
//! SELECT count(*) FROM read_airbyte('exports/**/*.jsonl');
//! ```
//!
//! A path without `*`, `?` or `[` is returned as it is (DuckDB's file system opens it, so
//! remote paths work too). Otherwise each path component with a glob character is matched
//! against the directory's entries (`*` and `?` never cross a `/`; `**` spans any number of
//! directories; `[abc]`, `[a-z]` and `[!a]` match one character), and the matches are sorted.
//! Cost: one directory listing per directory the pattern can reach.

use std::path::{Path, PathBuf};

/// Whether `text` has glob characters.
pub fn is_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// The files matching `pattern`, sorted; the pattern itself when it has no glob characters.
pub fn expand(pattern: &str) -> Vec<String> {
    if !is_glob(pattern) {
        return vec![pattern.to_string()];
    }
    let absolute = pattern.starts_with('/');
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    let root = if absolute { PathBuf::from("/") } else { PathBuf::from(".") };
    let mut out = Vec::new();
    walk(&root, &parts, &mut out);
    let mut files: Vec<String> = out
        .into_iter()
        .map(|p| {
            let s = p.to_string_lossy().into_owned();
            if absolute {
                s
            } else {
                s.strip_prefix("./").map(str::to_string).unwrap_or(s)
            }
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

fn walk(dir: &Path, parts: &[&str], out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = parts.split_first() else {
        if dir.is_file() {
            out.push(dir.to_path_buf());
        }
        return;
    };
    if *first == "**" {
        walk(dir, rest, out);
        for entry in entries(dir).into_iter().filter(|p| p.is_dir()) {
            walk(&entry, parts, out);
        }
    } else if !is_glob(first) {
        walk(&dir.join(first), rest, out);
    } else {
        for entry in entries(dir) {
            let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if matches(first, &name) {
                walk(&entry, rest, out);
            }
        }
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default()
}

/// Whether the file name `name` matches the one-component pattern `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point for the last `*`: linear in practice.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
            continue;
        }
        if i < p.len() {
            if let Some((ok, len)) = match_one(&p[i..], n[j]) {
                if ok {
                    i += len;
                    j += 1;
                    continue;
                }
            }
        }
        match star {
            Some((si, sj)) => {
                i = si + 1;
                j = sj + 1;
                star = Some((si, sj + 1));
            }
            None => return false,
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// Matches one pattern element against `c`: Some((matched, pattern length)).
fn match_one(p: &[char], c: char) -> Option<(bool, usize)> {
    match p[0] {
        '?' => Some((true, 1)),
        '[' => {
            let close = p.iter().skip(2).position(|&x| x == ']').map(|k| k + 2)?;
            let (negate, set) = if p[1] == '!' || p[1] == '^' { (true, &p[2..close]) } else { (false, &p[1..close]) };
            let mut hit = false;
            let mut k = 0;
            while k < set.len() {
                if k + 2 < set.len() && set[k + 1] == '-' {
                    hit |= set[k] <= c && c <= set[k + 2];
                    k += 3;
                } else {
                    hit |= set[k] == c;
                    k += 1;
                }
            }
            Some((hit != negate, close + 1))
        }
        x => Some((x == c, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_one_component() {
        assert!(matches("*.jsonl", "a.jsonl"));
        assert!(!matches("*.jsonl", "a.json"));
        assert!(matches("part-??.csv", "part-07.csv"));
        assert!(matches("[ab]*", "beta"));
        assert!(!matches("[!ab]*", "beta"));
        assert!(matches("x[0-9]", "x5"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
    }

    #[test]
    fn expands_against_the_file_system() {
        let dir = std::env::temp_dir().join(format!("partext-glob-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
        for f in ["a.jsonl", "b.jsonl", "c.txt", "sub/d.jsonl", "sub/deeper/e.jsonl"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let base = dir.to_string_lossy();
        let names = |pattern: &str| -> Vec<String> {
            expand(&format!("{base}/{pattern}")).iter().map(|p| p.strip_prefix(&format!("{base}/")).unwrap().to_string()).collect()
        };
        assert_eq!(names("*.jsonl"), vec!["a.jsonl", "b.jsonl"]);
        assert_eq!(names("**/*.jsonl"), vec!["a.jsonl", "b.jsonl", "sub/d.jsonl", "sub/deeper/e.jsonl"]);
        assert_eq!(names("s*/*.jsonl"), vec!["sub/d.jsonl"]);
        assert!(names("*.parquet").is_empty());
        assert_eq!(expand("no/glob.jsonl"), vec!["no/glob.jsonl"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
