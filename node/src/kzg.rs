//! `gloam kzg …`: commitments, proofs, verification and the official-vector runner.
//!
//! Inputs are hex (`0x…`, as in the consensus-spec vectors) or a file path: a file holding hex
//! text or the raw bytes (131072 for a blob). Output is JSON on stdout. Exit codes: 0 ok /
//! proof valid, 1 proof invalid or a vector failed, 2 bad input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use gloam_engine::{Engine, EngineConfig};
use gloam_kzg::{kzg_to_versioned_hash, Blob, Bytes32, Bytes48, KzgSettings, SetupOptions};

#[derive(Args, Debug)]
pub struct KzgArgs {
    /// Trusted setup in the standard text format (default: the embedded mainnet setup).
    #[arg(long, global = true)]
    setup: Option<PathBuf>,
    #[command(subcommand)]
    cmd: KzgCmd,
}

#[derive(Subcommand, Debug)]
enum KzgCmd {
    /// Commitment (and versioned hash) of a blob.
    Commit { blob: String },
    /// Blob proof (EIP-4844 `compute_blob_kzg_proof`), or with `--z` the opening proof and y.
    Prove {
        blob: String,
        #[arg(long)]
        z: Option<String>,
    },
    /// Verify a blob proof, or with `--z` and `--y` an opening proof (no blob needed then).
    Verify {
        /// The blob (omit with --z/--y).
        blob: Option<String>,
        #[arg(long)]
        commitment: String,
        #[arg(long)]
        proof: String,
        #[arg(long)]
        z: Option<String>,
        #[arg(long)]
        y: Option<String>,
    },
    /// EIP-7594: the 128 cells and cell proofs of a blob (JSON).
    Cells { blob: String },
    /// Run every case of a consensus-spec-tests `kzg-mainnet` directory
    /// (`<function>/<case>/data.yaml`); non-zero exit on any failure or unknown case.
    TestVectors { dir: PathBuf },
    /// Load the setup and report load/precompute time and table memory.
    SetupInfo,
}

fn read_input(what: &str, arg: &str) -> Result<Vec<u8>, String> {
    let text = if Path::new(arg).is_file() {
        let raw = std::fs::read(arg).map_err(|e| format!("{what}: reading {arg}: {e}"))?;
        match std::str::from_utf8(&raw) {
            Ok(t) if t.trim().starts_with("0x") || t.trim().chars().all(|c| c.is_ascii_hexdigit()) => {
                t.trim().to_string()
            }
            _ => return Ok(raw),
        }
    } else {
        arg.trim().to_string()
    };
    hex::decode(text.strip_prefix("0x").unwrap_or(&text)).map_err(|e| format!("{what}: not hex and not a file: {e}"))
}

fn blob(arg: &str) -> Result<Blob, String> {
    Blob::from_bytes(&read_input("blob", arg)?).map_err(|e| e.to_string())
}
fn b48(what: &str, arg: &str) -> Result<Bytes48, String> {
    Bytes48::from_bytes(&read_input(what, arg)?).map_err(|e| format!("{what}: {e}"))
}
fn b32(what: &str, arg: &str) -> Result<Bytes32, String> {
    Bytes32::from_bytes(&read_input(what, arg)?).map_err(|e| format!("{what}: {e}"))
}

fn settings(cfg: EngineConfig, setup: &Option<PathBuf>) -> Result<KzgSettings, String> {
    let engine = Arc::new(Engine::new(cfg));
    match setup {
        Some(p) => KzgSettings::load_trusted_setup_file(p, engine, SetupOptions::default()),
        None => KzgSettings::mainnet(engine),
    }
    .map_err(|e| format!("trusted setup: {e}"))
}

fn hx(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

pub fn run(cfg: EngineConfig, a: KzgArgs) -> Result<ExitCode, String> {
    if let KzgCmd::TestVectors { dir } = &a.cmd {
        if !dir.is_dir() {
            return Err(format!("{} is not a directory", dir.display()));
        }
        let s = settings(cfg, &a.setup)?;
        let report = gloam_kzg::run_test_vectors(dir, &s);
        print!("{report}");
        let stats = s.engine().stats();
        let used: Vec<String> = stats
            .ops
            .iter()
            .filter(|o| o.dispatched > 0)
            .map(|o| {
                format!(
                    "{}:{}×{}{}",
                    o.backend,
                    o.op,
                    o.dispatched,
                    if o.fallbacks > 0 { format!(" ({} fell back)", o.fallbacks) } else { String::new() }
                )
            })
            .collect();
        println!("engine: {}", if used.is_empty() { "no MSM/NTT calls".into() } else { used.join(", ") });
        return Ok(if report.all_passed() { ExitCode::SUCCESS } else { ExitCode::from(1) });
    }
    let s = settings(cfg, &a.setup)?;
    let out = match a.cmd {
        KzgCmd::Commit { blob: b } => {
            let c = s.blob_to_kzg_commitment(&blob(&b)?).map_err(|e| e.to_string())?;
            serde_json::json!({ "commitment": hx(c.as_bytes()), "versioned_hash": hx(kzg_to_versioned_hash(&c).as_bytes()) })
        }
        KzgCmd::Prove { blob: b, z } => {
            let bl = blob(&b)?;
            match z {
                Some(z) => {
                    let (p, y) = s.compute_kzg_proof(&bl, &b32("z", &z)?).map_err(|e| e.to_string())?;
                    serde_json::json!({ "proof": hx(p.as_bytes()), "y": hx(y.as_bytes()) })
                }
                None => {
                    let c = s.blob_to_kzg_commitment(&bl).map_err(|e| e.to_string())?;
                    let p = s.compute_blob_kzg_proof(&bl, &c.to_bytes()).map_err(|e| e.to_string())?;
                    serde_json::json!({ "commitment": hx(c.as_bytes()), "proof": hx(p.as_bytes()) })
                }
            }
        }
        KzgCmd::Verify { blob: b, commitment, proof, z, y } => {
            let c = b48("commitment", &commitment)?;
            let p = b48("proof", &proof)?;
            let ok = match (b, z, y) {
                (None, Some(z), Some(y)) => s.verify_kzg_proof(&c, &b32("z", &z)?, &b32("y", &y)?, &p),
                (Some(b), None, None) => s.verify_blob_kzg_proof(&blob(&b)?, &c, &p),
                _ => return Err("give either a blob, or --z and --y (not both)".into()),
            }
            .map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({ "valid": ok }));
            return Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        KzgCmd::Cells { blob: b } => {
            let (cells, proofs) = s.compute_cells_and_kzg_proofs(&blob(&b)?).map_err(|e| e.to_string())?;
            serde_json::json!({
                "cells": cells.iter().map(|c| hx(c.as_bytes())).collect::<Vec<_>>(),
                "proofs": proofs.iter().map(|p| hx(p.as_bytes())).collect::<Vec<_>>(),
            })
        }
        KzgCmd::SetupInfo => serde_json::json!({ "stats": s.stats().to_string() }),
        KzgCmd::TestVectors { .. } => unreachable!("handled above"),
    };
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}
