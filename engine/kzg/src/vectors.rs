//! A runner for the consensus-spec-tests `kzg-mainnet` layout: `<function>/<case>/data.yaml`
//! (also `<function>/kzg-mainnet/<case>/data.yaml`, as the upstream archive nests it).
//!
//! Semantics (c-kzg's Rust bindings test the same way): `output: null` means the call must
//! fail; any other output must be produced exactly. Malformed byte strings in an input (bad hex,
//! wrong length) are call errors, since a decoder would reject them. A case whose YAML does not
//! have the expected shape, or a function this runner does not know, is a failure: a silently
//! skipped case would hide a hole in coverage.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_yaml::Value;

use crate::codec::fr_from_be;
use crate::error::KzgError;
use crate::setup::KzgSettings;
use crate::types::*;

/// Every function folder of the official suite.
pub const KNOWN_FUNCTIONS: [&str; 12] = [
    "blob_to_kzg_commitment",
    "compute_blob_kzg_proof",
    "compute_cells",
    "compute_cells_and_kzg_proofs",
    "compute_challenge",
    "compute_kzg_proof",
    "compute_verify_cell_kzg_proof_batch_challenge",
    "recover_cells_and_kzg_proofs",
    "verify_blob_kzg_proof",
    "verify_blob_kzg_proof_batch",
    "verify_cell_kzg_proof_batch",
    "verify_kzg_proof",
];

/// Results of one function folder.
#[derive(Clone, Debug, Default)]
pub struct FunctionReport {
    pub passed: usize,
    /// (case, why it failed)
    pub failures: Vec<(String, String)>,
}

impl FunctionReport {
    pub fn total(&self) -> usize {
        self.passed + self.failures.len()
    }
}

/// Results of a whole vector directory.
#[derive(Clone, Debug, Default)]
pub struct VectorReport {
    pub functions: BTreeMap<String, FunctionReport>,
    /// Problems reading the directory itself.
    pub errors: Vec<String>,
}

impl VectorReport {
    pub fn passed(&self) -> usize {
        self.functions.values().map(|f| f.passed).sum()
    }
    pub fn failed(&self) -> usize {
        self.functions.values().map(|f| f.failures.len()).sum::<usize>() + self.errors.len()
    }
    /// True when at least one case ran and nothing failed.
    pub fn all_passed(&self) -> bool {
        self.failed() == 0 && self.passed() > 0
    }
}

impl fmt::Display for VectorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, r) in &self.functions {
            writeln!(f, "{name}: {}/{} passed", r.passed, r.total())?;
        }
        for (name, r) in &self.functions {
            for (case, why) in &r.failures {
                writeln!(f, "FAIL {name}/{case}: {why}")?;
            }
        }
        for e in &self.errors {
            writeln!(f, "ERROR {e}")?;
        }
        write!(f, "total: {}/{} passed", self.passed(), self.passed() + self.failed())
    }
}

/// Runs every case under `dir`.
pub fn run_test_vectors(dir: &Path, settings: &KzgSettings) -> VectorReport {
    let mut report = VectorReport::default();
    let funcs = match sorted_dirs(dir) {
        Ok(d) => d,
        Err(e) => {
            report.errors.push(format!("{}: {e}", dir.display()));
            return report;
        }
    };
    for (fname, fpath) in funcs {
        let mut fr = FunctionReport::default();
        let mut cases = Vec::new();
        if let Err(e) = collect_cases(&fpath, "", &mut cases) {
            fr.failures.push((String::new(), e));
        }
        for (case, file) in cases {
            match run_case_file(&fname, &file, settings) {
                Ok(()) => fr.passed += 1,
                Err(why) => fr.failures.push((case, why)),
            }
        }
        report.functions.insert(fname, fr);
    }
    report
}

fn sorted_dirs(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>, String> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let e = e.map_err(|e| e.to_string())?;
        if e.path().is_dir() {
            v.push((e.file_name().to_string_lossy().into_owned(), e.path()));
        }
    }
    v.sort();
    Ok(v)
}

fn collect_cases(dir: &Path, prefix: &str, out: &mut Vec<(String, std::path::PathBuf)>) -> Result<(), String> {
    for (name, path) in sorted_dirs(dir)? {
        let label = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        let data = path.join("data.yaml");
        if data.is_file() {
            out.push((label, data));
        } else if !sorted_dirs(&path)?.is_empty() && prefix.is_empty() {
            collect_cases(&path, &label, out)?;
        } else {
            // A case folder without data.yaml is a broken case, not something to skip.
            out.push((label, data));
        }
    }
    Ok(())
}

fn run_case_file(func: &str, file: &Path, s: &KzgSettings) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let doc: Value = serde_yaml::from_str(&text).map_err(|e| format!("unparseable YAML: {e}"))?;
    run_case(func, &doc, s)
}

/// Runs one parsed case; `Err` says why it failed.
pub fn run_case(func: &str, doc: &Value, s: &KzgSettings) -> Result<(), String> {
    let input = doc.get("input").ok_or("case has no `input`")?;
    let expected = doc.get("output").ok_or("case has no `output`")?;
    let got: Result<Value, KzgError> = match func {
        "blob_to_kzg_commitment" => {
            let blob = text(input, "blob")?;
            (|| Ok(hexv(s.blob_to_kzg_commitment(&Blob::from_hex(blob)?)?.to_hex())))()
        }
        "compute_kzg_proof" => {
            let (blob, z) = (text(input, "blob")?, text(input, "z")?);
            (|| {
                let (p, y) = s.compute_kzg_proof(&Blob::from_hex(blob)?, &Bytes32::from_hex(z)?)?;
                Ok(Value::Sequence(vec![hexv(p.to_hex()), hexv(y.to_hex())]))
            })()
        }
        "compute_blob_kzg_proof" => {
            let (blob, c) = (text(input, "blob")?, text(input, "commitment")?);
            (|| Ok(hexv(s.compute_blob_kzg_proof(&Blob::from_hex(blob)?, &Bytes48::from_hex(c)?)?.to_hex())))()
        }
        "verify_kzg_proof" => {
            let (c, z, y, p) =
                (text(input, "commitment")?, text(input, "z")?, text(input, "y")?, text(input, "proof")?);
            (|| {
                Ok(Value::Bool(s.verify_kzg_proof(
                    &Bytes48::from_hex(c)?,
                    &Bytes32::from_hex(z)?,
                    &Bytes32::from_hex(y)?,
                    &Bytes48::from_hex(p)?,
                )?))
            })()
        }
        "verify_blob_kzg_proof" => {
            let (b, c, p) = (text(input, "blob")?, text(input, "commitment")?, text(input, "proof")?);
            (|| {
                Ok(Value::Bool(s.verify_blob_kzg_proof(
                    &Blob::from_hex(b)?,
                    &Bytes48::from_hex(c)?,
                    &Bytes48::from_hex(p)?,
                )?))
            })()
        }
        "verify_blob_kzg_proof_batch" => {
            let (b, c, p) = (texts(input, "blobs")?, texts(input, "commitments")?, texts(input, "proofs")?);
            (|| {
                let b = b.iter().map(|x| Blob::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                let c = c.iter().map(|x| Bytes48::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                let p = p.iter().map(|x| Bytes48::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                Ok(Value::Bool(s.verify_blob_kzg_proof_batch(&b, &c, &p)?))
            })()
        }
        "compute_challenge" => {
            let (b, c) = (text(input, "blob")?, text(input, "commitment")?);
            (|| Ok(hexv(crate::compute_challenge(&Blob::from_hex(b)?, &Bytes48::from_hex(c)?).to_hex())))()
        }
        "compute_cells" => {
            let b = text(input, "blob")?;
            (|| Ok(cells_value(&s.compute_cells(&Blob::from_hex(b)?)?)))()
        }
        "compute_cells_and_kzg_proofs" => {
            let b = text(input, "blob")?;
            (|| {
                let (c, p) = s.compute_cells_and_kzg_proofs(&Blob::from_hex(b)?)?;
                Ok(Value::Sequence(vec![cells_value(&c), proofs_value(&p)]))
            })()
        }
        "recover_cells_and_kzg_proofs" => {
            let (idx, cells) = (ints(input, "cell_indices")?, texts(input, "cells")?);
            (|| {
                let cells = cells.iter().map(|x| Cell::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                let (c, p) = s.recover_cells_and_kzg_proofs(&idx, &cells)?;
                Ok(Value::Sequence(vec![cells_value(&c), proofs_value(&p)]))
            })()
        }
        "verify_cell_kzg_proof_batch" => {
            let (c, idx, cells, p) = (
                texts(input, "commitments")?,
                ints(input, "cell_indices")?,
                texts(input, "cells")?,
                texts(input, "proofs")?,
            );
            (|| {
                let c = c.iter().map(|x| Bytes48::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                let cells = cells.iter().map(|x| Cell::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                let p = p.iter().map(|x| Bytes48::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                Ok(Value::Bool(s.verify_cell_kzg_proof_batch(&c, &idx, &cells, &p)?))
            })()
        }
        "compute_verify_cell_kzg_proof_batch_challenge" => {
            let c = texts(input, "commitments")?;
            let ci = ints(input, "commitment_indices")?;
            let idx = ints(input, "cell_indices")?;
            let p = texts(input, "proofs")?;
            let evals: Vec<Vec<&str>> = input
                .get("cosets_evals")
                .and_then(Value::as_sequence)
                .ok_or("`cosets_evals` is not a list")?
                .iter()
                .map(|row| {
                    row.as_sequence()
                        .ok_or("`cosets_evals` row is not a list")?
                        .iter()
                        .map(|x| x.as_str().ok_or("eval is not a string"))
                        .collect()
                })
                .collect::<Result<_, &str>>()?;
            (|| {
                let c = c.iter().map(|x| Bytes48::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                let p = p.iter().map(|x| Bytes48::from_hex(x)).collect::<Result<Vec<_>, _>>()?;
                let mut cells = Vec::with_capacity(evals.len());
                for row in &evals {
                    if row.len() != FIELD_ELEMENTS_PER_CELL {
                        return Err(KzgError::WrongLength {
                            what: "coset evaluations",
                            expected: FIELD_ELEMENTS_PER_CELL,
                            got: row.len(),
                        });
                    }
                    let mut bytes = Vec::with_capacity(BYTES_PER_CELL);
                    for (i, e) in row.iter().enumerate() {
                        let b = Bytes32::from_hex(e)?;
                        fr_from_be(&b.0)
                            .ok_or(KzgError::NonCanonicalFieldElement { what: "coset evaluation", index: i })?;
                        bytes.extend_from_slice(&b.0);
                    }
                    cells.push(Cell::from_bytes(&bytes)?);
                }
                Ok(hexv(crate::compute_verify_cell_kzg_proof_batch_challenge(&c, &ci, &idx, &cells, &p)?.to_hex()))
            })()
        }
        other => return Err(format!("unknown function `{other}`")),
    };
    match (got, expected) {
        (Err(_), Value::Null) => Ok(()),
        (Err(e), want) => Err(format!("returned error `{e}`, expected {}", short(want))),
        (Ok(v), Value::Null) => Err(format!("expected an error, returned {}", short(&v))),
        (Ok(v), want) => {
            if v == lower(want) {
                Ok(())
            } else {
                Err(format!("returned {}, expected {}", short(&v), short(want)))
            }
        }
    }
}

fn text<'a>(input: &'a Value, key: &str) -> Result<&'a str, String> {
    input.get(key).and_then(Value::as_str).ok_or_else(|| format!("input `{key}` missing or not a string"))
}

fn texts<'a>(input: &'a Value, key: &str) -> Result<Vec<&'a str>, String> {
    input
        .get(key)
        .and_then(Value::as_sequence)
        .ok_or_else(|| format!("input `{key}` missing or not a list"))?
        .iter()
        .map(|v| v.as_str().ok_or_else(|| format!("input `{key}` has a non-string item")))
        .collect()
}

fn ints(input: &Value, key: &str) -> Result<Vec<u64>, String> {
    input
        .get(key)
        .and_then(Value::as_sequence)
        .ok_or_else(|| format!("input `{key}` missing or not a list"))?
        .iter()
        .map(|v| v.as_u64().ok_or_else(|| format!("input `{key}` has a non-integer item")))
        .collect()
}

fn hexv(s: String) -> Value {
    Value::String(s)
}

fn cells_value(c: &[Cell]) -> Value {
    Value::Sequence(c.iter().map(|x| hexv(x.to_hex())).collect())
}

fn proofs_value(p: &[KzgProof]) -> Value {
    Value::Sequence(p.iter().map(|x| hexv(x.to_hex())).collect())
}

fn lower(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.to_ascii_lowercase()),
        Value::Sequence(s) => Value::Sequence(s.iter().map(lower).collect()),
        other => other.clone(),
    }
}

fn short(v: &Value) -> String {
    let s = serde_yaml::to_string(v).unwrap_or_else(|_| format!("{v:?}"));
    let s = s.trim().replace('\n', " ");
    if s.len() > 120 {
        format!("{}…", &s[..120])
    } else {
        s
    }
}
