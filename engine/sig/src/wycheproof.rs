//! A runner for the Wycheproof signature files (C2SP/wycheproof `testvectors_v1`): any
//! directory holding them can be checked, file by file, against gloam's verifiers.
//!
//! Semantics: `valid` must verify, `invalid` must not, `acceptable` may go either way. Where
//! gloam's rule deliberately differs from a file's expectations, the test id is listed in
//! [`expected_differences`] with the reason; a listed id that does **not** differ is reported too,
//! so the list cannot go stale. Every file is also run as one batch through the batch entry point,
//! whose per-item verdicts must equal the single verdicts.

use std::fmt;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::bls::{hash_to_g2, BlsVerifier, Ciphersuite};
use crate::secp256k1::{self, EcdsaRule, EcdsaSignature};
use crate::{bls, ed25519};

/// The files this runner knows, and whether each is required to be present.
pub const KNOWN_FILES: &[&str] = &[
    "ed25519_test.json",
    "ecdsa_secp256k1_sha256_test.json",
    "ecdsa_secp256k1_sha256_p1363_test.json",
    "ecdsa_secp256k1_sha256_bitcoin_test.json",
    "bls_sig_g2_basic_verify_test.json",
    "bls_sig_g2_pop_verify_test.json",
    "bls_sig_g2_aggregate_verify_test.json",
    "bls_hash_to_g2_test.json",
];

/// Test ids where gloam's verdict deliberately differs from the file, with the reason.
pub fn expected_differences(file: &str) -> &'static [(u64, &'static str)] {
    match file {
        // ZIP-215 decodes any encoding of a curve point. tcId 151's R is y = 1 with the x sign
        // bit set ("negative zero"), which decodes to the identity; the signature then satisfies
        // the cofactored equation. ed25519-zebra and ed25519-consensus accept it too.
        "ed25519_test.json" => {
            &[(151, "ZIP-215 accepts the non-canonical encoding of R (x = 0 with the sign bit set)")]
        }
        _ => &[],
    }
}

#[derive(Clone, Debug)]
pub struct Failure {
    pub tc_id: u64,
    pub comment: String,
    pub expected: String,
    pub got: String,
}

#[derive(Clone, Debug, Default)]
pub struct FileReport {
    pub file: String,
    pub total: usize,
    pub passed: usize,
    /// Listed differences that occurred (counted as passed).
    pub expected_differences: Vec<(u64, &'static str)>,
    /// Listed differences that did not occur.
    pub stale_differences: Vec<u64>,
    pub failures: Vec<Failure>,
}

impl FileReport {
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && self.stale_differences.is_empty() && self.passed == self.total
    }
}

impl fmt::Display for FileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}/{} pass", self.file, self.passed, self.total)?;
        for (id, why) in &self.expected_differences {
            write!(f, "\n    expected difference tcId {id}: {why}")?;
        }
        for id in &self.stale_differences {
            write!(f, "\n    STALE expected difference tcId {id}: gloam agrees with the file")?;
        }
        for x in &self.failures {
            write!(f, "\n    FAIL tcId {} ({}): expected {}, got {}", x.tc_id, x.comment, x.expected, x.got)?;
        }
        Ok(())
    }
}

/// Runs every known file present in `dir`; missing files are an error.
pub fn run_dir(dir: &Path) -> Result<Vec<FileReport>, String> {
    KNOWN_FILES.iter().map(|f| run_file(&dir.join(f))).collect()
}

/// Runs one file, chosen by its name.
pub fn run_file(path: &Path) -> Result<FileReport, String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
    let mut r = Runner::new(&name);
    match name.as_str() {
        "ed25519_test.json" => run_ed25519(&json, &mut r)?,
        n if n.starts_with("ecdsa_secp256k1_sha256") => run_ecdsa(&json, &mut r)?,
        "bls_hash_to_g2_test.json" => run_bls_hash(&json, &mut r)?,
        "bls_sig_g2_aggregate_verify_test.json" => run_bls_aggregate(&json, &mut r)?,
        n if n.starts_with("bls_sig_g2_") => run_bls_verify(&json, &mut r)?,
        _ => return Err(format!("{name}: unknown Wycheproof file")),
    }
    Ok(r.finish())
}

struct Runner {
    report: FileReport,
    listed: &'static [(u64, &'static str)],
}

impl Runner {
    fn new(file: &str) -> Self {
        Runner {
            report: FileReport { file: file.to_string(), ..Default::default() },
            listed: expected_differences(file),
        }
    }

    /// Records one verdict; `got` is a short description used only on failure.
    fn record(&mut self, t: &Value, accepted: bool, got: impl fmt::Display) {
        let tc_id = t["tcId"].as_u64().unwrap_or(0);
        let expected = t["result"].as_str().unwrap_or("?").to_string();
        self.report.total += 1;
        let agrees = match expected.as_str() {
            "valid" => accepted,
            "invalid" => !accepted,
            _ => true,
        };
        let listed = self.listed.iter().find(|(id, _)| *id == tc_id);
        match (agrees, listed) {
            (true, None) => self.report.passed += 1,
            (false, Some(&d)) => {
                self.report.passed += 1;
                self.report.expected_differences.push(d);
            }
            (true, Some(_)) => self.report.stale_differences.push(tc_id),
            (false, None) => self.fail(t, got.to_string()),
        }
    }

    fn fail(&mut self, t: &Value, got: String) {
        self.report.failures.push(Failure {
            tc_id: t["tcId"].as_u64().unwrap_or(0),
            comment: t["comment"].as_str().unwrap_or_default().to_string(),
            expected: t["result"].as_str().unwrap_or("?").to_string(),
            got,
        });
    }

    fn finish(self) -> FileReport {
        self.report
    }
}

fn groups(json: &Value) -> Result<&Vec<Value>, String> {
    json["testGroups"].as_array().ok_or_else(|| "no testGroups".to_string())
}

fn tests(g: &Value) -> Result<&Vec<Value>, String> {
    g["tests"].as_array().ok_or_else(|| "no tests".to_string())
}

fn hex_field(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    hex::decode(v[key].as_str().ok_or_else(|| format!("missing {key}"))?).map_err(|e| format!("{key}: {e}"))
}

fn verdict<E: fmt::Display>(r: &Result<(), E>) -> String {
    match r {
        Ok(()) => "accepted".into(),
        Err(e) => format!("rejected ({e})"),
    }
}

fn run_ed25519(json: &Value, r: &mut Runner) -> Result<(), String> {
    for g in groups(json)? {
        let pk = hex_field(&g["publicKey"], "pk")?;
        let ts = tests(g)?;
        let data: Vec<(Vec<u8>, Vec<u8>)> =
            ts.iter().map(|t| Ok((hex_field(t, "msg")?, hex_field(t, "sig")?))).collect::<Result<_, String>>()?;
        let singles: Vec<_> = data.iter().map(|(m, s)| ed25519::verify(&pk, m, s)).collect();
        let items: Vec<ed25519::Item> = data.iter().map(|(m, s)| ed25519::Item::new(&pk, m, s)).collect();
        let batch = ed25519::verify_batch(&items);
        for ((t, s), b) in ts.iter().zip(&singles).zip(&batch) {
            if s != b {
                r.fail(t, format!("batch verdict {} differs from single {}", verdict(b), verdict(s)));
            }
            r.record(t, s.is_ok(), verdict(s));
        }
    }
    Ok(())
}

fn run_ecdsa(json: &Value, r: &mut Runner) -> Result<(), String> {
    for g in groups(json)? {
        let ty = g["type"].as_str().unwrap_or_default();
        let rule = if ty == "EcdsaBitcoinVerify" { EcdsaRule::LowSRequired } else { EcdsaRule::HighSAllowed };
        if g["sha"].as_str() != Some("SHA-256") {
            return Err(format!("unexpected hash {:?}", g["sha"]));
        }
        let pk = hex_field(&g["publicKey"], "uncompressed")?;
        let mut items = Vec::new();
        let mut singles = Vec::new();
        for t in tests(g)? {
            let msg = hex_field(t, "msg")?;
            let sig = hex_field(t, "sig")?;
            let prehash: [u8; 32] = Sha256::digest(&msg).into();
            let parsed = if ty == "EcdsaP1363Verify" {
                EcdsaSignature::from_compact(&sig)
            } else {
                EcdsaSignature::from_der(&sig)
            };
            let res = parsed.and_then(|s| {
                items.push(secp256k1::VerifyItem { public_key: &pk, prehash, signature: s });
                secp256k1::verify_prehash(&pk, &prehash, &s, rule)
            });
            if let (Ok(()), Ok(s)) = (&res, parsed) {
                // A valid signature must recover its own key with one of the two parities.
                let found = (0..2u8).any(|v| {
                    secp256k1::recover_parts(&prehash, &s, v, rule)
                        .map(|k| k.public_key[..] == pk[1..])
                        .unwrap_or(false)
                });
                // Ethereum allows only recovery ids 0/1, so a nonce point with x = r + n
                // (possible only when r < p − n) is out of reach by design.
                if !found && s.r >= P_MINUS_N {
                    r.fail(t, "verified, but neither recovery id recovers the key".into());
                }
            }
            singles.push(res.as_ref().ok().copied());
            r.record(t, res.is_ok(), verdict(&res));
        }
        // The decodable ones again, as one batch.
        let batch = secp256k1::verify_batch(&items, rule);
        let decoded_singles: Vec<bool> = tests(g)?
            .iter()
            .zip(&singles)
            .filter_map(|(t, s)| {
                let sig = hex_field(t, "sig").ok()?;
                let ok = if ty == "EcdsaP1363Verify" {
                    EcdsaSignature::from_compact(&sig).is_ok()
                } else {
                    EcdsaSignature::from_der(&sig).is_ok()
                };
                ok.then_some(s.is_some())
            })
            .collect();
        let batch_ok: Vec<bool> = batch.iter().map(|b| b.is_ok()).collect();
        if batch_ok != decoded_singles {
            return Err(format!("{}: ECDSA batch verdicts differ from single verdicts", r.report.file));
        }
    }
    Ok(())
}

/// p − n for secp256k1, big-endian.
const P_MINUS_N: [u8; 32] = {
    let mut out = [0u8; 32];
    let tail: [u8; 17] =
        [0x01, 0x45, 0x51, 0x23, 0x19, 0x50, 0xb7, 0x5f, 0xc4, 0x40, 0x2d, 0xa1, 0x72, 0x2f, 0xc9, 0xba, 0xee];
    let mut i = 0;
    while i < 17 {
        out[15 + i] = tail[i];
        i += 1;
    }
    out
};

fn suite_of(g: &Value) -> Result<Ciphersuite, String> {
    match g["ciphersuite"].as_str() {
        Some(s) if s.as_bytes() == bls::DST_POP => Ok(Ciphersuite::Pop),
        Some(s) if s.as_bytes() == bls::DST_BASIC => Ok(Ciphersuite::Basic),
        other => Err(format!("unknown ciphersuite {other:?}")),
    }
}

fn run_bls_verify(json: &Value, r: &mut Runner) -> Result<(), String> {
    for g in groups(json)? {
        let v = BlsVerifier::new(suite_of(g)?);
        let pk = hex_field(&g["publicKey"], "pk")?;
        let ts = tests(g)?;
        let data: Vec<(Vec<u8>, Vec<u8>)> =
            ts.iter().map(|t| Ok((hex_field(t, "msg")?, hex_field(t, "sig")?))).collect::<Result<_, String>>()?;
        let singles: Vec<_> = data.iter().map(|(m, s)| v.verify(&pk, m, s)).collect();
        let items: Vec<bls::Item> =
            data.iter().map(|(m, s)| bls::Item { public_key: &pk, message: m, signature: s }).collect();
        let batch = v.verify_batch(&items);
        for ((t, s), b) in ts.iter().zip(&singles).zip(&batch) {
            if s.is_ok() != b.is_ok() {
                r.fail(t, format!("batch verdict {} differs from single {}", verdict(b), verdict(s)));
            }
            r.record(t, s.is_ok(), verdict(s));
        }
    }
    Ok(())
}

fn run_bls_aggregate(json: &Value, r: &mut Runner) -> Result<(), String> {
    for g in groups(json)? {
        let v = BlsVerifier::new(suite_of(g)?);
        for t in tests(g)? {
            let list = |key: &str| -> Result<Vec<Vec<u8>>, String> {
                t[key]
                    .as_array()
                    .ok_or(format!("missing {key}"))?
                    .iter()
                    .map(|x| hex::decode(x.as_str().unwrap_or("?")).map_err(|e| e.to_string()))
                    .collect()
            };
            let pks = list("pubkeys")?;
            let msgs = list("messages")?;
            let sig = hex_field(t, "sig")?;
            let pk_refs: Vec<&[u8]> = pks.iter().map(|p| &p[..]).collect();
            let msg_refs: Vec<&[u8]> = msgs.iter().map(|m| &m[..]).collect();
            let res = v.aggregate_verify(&pk_refs, &msg_refs, &sig);
            r.record(t, res.is_ok(), verdict(&res));
        }
    }
    Ok(())
}

fn run_bls_hash(json: &Value, r: &mut Runner) -> Result<(), String> {
    for g in groups(json)? {
        let dst = g["dst"].as_str().ok_or("missing dst")?.as_bytes().to_vec();
        for t in tests(g)? {
            let msg = hex_field(t, "msg")?;
            let expected = hex_field(t, "expected")?;
            let got = hash_to_g2(&msg, &dst);
            r.record(t, got[..] == expected[..], hex::encode(got));
        }
    }
    Ok(())
}
