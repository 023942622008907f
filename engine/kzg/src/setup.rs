//! The trusted setup: loading (embedded mainnet or a file in the standard text format),
//! bulk consistency checks instead of per-point subgroup checks, and the precomputed tables.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use ark_serialize::CanonicalDeserialize;
use gloam_engine::{domain, Engine, FixedBase, NttOp};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::codec::{bit_reverse_permute, fr_from_hash, g1_decompress};
use crate::error::KzgError;
use crate::fk20::Fk20Table;
use crate::types::*;

/// The mainnet ceremony output (sha256 d39b9f2d…f26b7), embedded so a node needs no file.
pub const MAINNET_TRUSTED_SETUP: &str = include_str!("../data/trusted_setup.txt");
/// sha256 of [`MAINNET_TRUSTED_SETUP`].
pub const MAINNET_TRUSTED_SETUP_SHA256: &str = "d39b9f2d047cc9dca2de58f264b6a09448ccd34db967881a6713eacacf0f26b7";

const NUM_G2: usize = 65;

/// What to do at load time. Precomputation trades startup time and memory for faster calls.
#[derive(Clone, Copy, Debug)]
pub struct SetupOptions {
    /// Build the fixed-base table for the 4096 Lagrange points (commitments, blob proofs).
    pub commit_table: bool,
    /// Build the FK20 table now rather than on the first cell-proof call.
    pub fk20_eager: bool,
    /// Check the setup's internal consistency with a few random-linear-combination pairings.
    pub verify: bool,
}

impl Default for SetupOptions {
    fn default() -> Self {
        SetupOptions { commit_table: true, fk20_eager: false, verify: true }
    }
}

/// Load-time measurements and table memory.
#[derive(Clone, Debug, Default)]
pub struct SetupStats {
    pub parse_ms: f64,
    pub verify_ms: f64,
    pub commit_table_ms: f64,
    pub commit_table_bytes: u64,
    pub commit_table_backend: String,
    /// `None` until the FK20 table is built (lazily, unless `fk20_eager`).
    pub fk20_table_ms: Option<f64>,
    pub fk20_table_bytes: u64,
}

impl std::fmt::Display for SetupStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "parse {:.1} ms, verify {:.1} ms, commit table {:.1} ms ({} KiB on {}), fk20 table {} ({} KiB)",
            self.parse_ms,
            self.verify_ms,
            self.commit_table_ms,
            self.commit_table_bytes / 1024,
            self.commit_table_backend,
            self.fk20_table_ms.map(|m| format!("{m:.1} ms")).unwrap_or_else(|| "not built".into()),
            self.fk20_table_bytes / 1024,
        )
    }
}

pub(crate) type G2Prepared = crate::pairing::G2Lines;

/// G2 points in prepared form: the Miller loop's line coefficients depend only on the G2 side,
/// and verification always pairs against the same few setup points.
pub(crate) struct G2Points {
    pub neg_one: G2Prepared,
    pub tau: G2Prepared,
    pub neg_tau: G2Prepared,
    pub one: G2Prepared,
    pub tau_cell: G2Prepared,
}

/// Trusted setup plus every precomputed table the KZG functions use.
pub struct KzgSettings {
    pub(crate) engine: Arc<Engine>,
    /// Lagrange-basis points, bit-reversed so blob element i multiplies point i.
    pub(crate) g1_lagrange_brp: Vec<G1Affine>,
    pub(crate) g1_monomial: Vec<G1Affine>,
    pub(crate) g2_monomial: Vec<G2Affine>,
    /// The 4096th roots of unity in bit-reversed order: blob element i is p(roots_brp[i]).
    pub(crate) roots_brp: Vec<Fr>,
    /// Miller-loop-ready G2 points used by every verification: −[1], [τ], −[τ], [1], [τ⁶⁴].
    pub(crate) g2_prepared: G2Points,
    commit_table: Option<FixedBase>,
    fk20: OnceLock<(Fk20Table, f64)>,
    fk20_build: std::sync::Mutex<()>,
    /// The text was the mainnet file: precomputed mainnet tables may be used.
    is_mainnet: bool,
    stats: SetupStats,
}

impl std::fmt::Debug for KzgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KzgSettings").field("stats", &self.stats()).finish()
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

impl KzgSettings {
    /// The embedded mainnet setup with default options.
    pub fn mainnet(engine: Arc<Engine>) -> Result<KzgSettings, KzgError> {
        Self::mainnet_with(engine, SetupOptions::default())
    }

    pub fn mainnet_with(engine: Arc<Engine>, opts: SetupOptions) -> Result<KzgSettings, KzgError> {
        Self::parse_trusted_setup(MAINNET_TRUSTED_SETUP, engine, opts)
    }

    /// Loads a setup file in the standard text format (c-kzg `load_trusted_setup_file`).
    pub fn load_trusted_setup_file(
        path: &Path,
        engine: Arc<Engine>,
        opts: SetupOptions,
    ) -> Result<KzgSettings, KzgError> {
        let text = std::fs::read_to_string(path).map_err(|e| KzgError::Io(format!("{}: {e}", path.display())))?;
        Self::parse_trusted_setup(&text, engine, opts)
    }

    /// Parses the text format: `4096`, `65`, 4096 Lagrange G1 points (natural order), 65 monomial
    /// G2 points, 4096 monomial G1 points, all hex.
    pub fn parse_trusted_setup(text: &str, engine: Arc<Engine>, opts: SetupOptions) -> Result<KzgSettings, KzgError> {
        let bad = |m: String| KzgError::InvalidTrustedSetup(m);
        let t0 = Instant::now();
        let mut tok = text.split_ascii_whitespace();
        let n1: usize = tok.next().and_then(|s| s.parse().ok()).ok_or_else(|| bad("missing G1 count".into()))?;
        let n2: usize = tok.next().and_then(|s| s.parse().ok()).ok_or_else(|| bad("missing G2 count".into()))?;
        if n1 != FIELD_ELEMENTS_PER_BLOB || n2 != NUM_G2 {
            return Err(bad(format!(
                "expected {FIELD_ELEMENTS_PER_BLOB} G1 and {NUM_G2} G2 points, header says {n1} and {n2}"
            )));
        }
        let lag_hex: Vec<&str> = tok.by_ref().take(n1).collect();
        let g2_hex: Vec<&str> = tok.by_ref().take(n2).collect();
        let mono_hex: Vec<&str> = tok.by_ref().take(n1).collect();
        if lag_hex.len() != n1 || g2_hex.len() != n2 || mono_hex.len() != n1 {
            return Err(bad("file ends early".into()));
        }
        if tok.next().is_some() {
            return Err(bad("trailing data after the monomial G1 points".into()));
        }
        let g1s = |hexes: &[&str], what: &str| -> Result<Vec<G1Affine>, KzgError> {
            hexes
                .par_iter()
                .enumerate()
                .map(|(i, h)| {
                    let b = hex::decode(h.strip_prefix("0x").unwrap_or(h))
                        .map_err(|_| bad(format!("{what} point {i}: bad hex")))?;
                    let arr: [u8; 48] =
                        b.as_slice().try_into().map_err(|_| bad(format!("{what} point {i}: not 48 bytes")))?;
                    // Subgroup membership is established in bulk by `verify_consistency`; a
                    // per-point check would dominate load time (c-kzg PR #299).
                    let p = g1_decompress(&arr, false).map_err(|e| bad(format!("{what} point {i}: {e}")))?;
                    if p.is_zero() {
                        return Err(bad(format!("{what} point {i} is the point at infinity")));
                    }
                    Ok(p)
                })
                .collect()
        };
        let mut g1_lagrange_brp = g1s(&lag_hex, "Lagrange G1")?;
        let g1_monomial = g1s(&mono_hex, "monomial G1")?;
        let g2_monomial = g2_hex
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let b = hex::decode(h.strip_prefix("0x").unwrap_or(h))
                    .map_err(|_| bad(format!("G2 point {i}: bad hex")))?;
                if b.len() != 96 {
                    return Err(bad(format!("G2 point {i}: not 96 bytes")));
                }
                G2Affine::deserialize_compressed(&b[..]).map_err(|e| bad(format!("G2 point {i}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        bit_reverse_permute(&mut g1_lagrange_brp);
        let mut roots_brp = domain::powers(domain::root_of_unity(12), FIELD_ELEMENTS_PER_BLOB);
        bit_reverse_permute(&mut roots_brp);
        let mut stats = SetupStats { parse_ms: ms(t0), ..Default::default() };

        let g2 = &g2_monomial;
        let g2_prepared = G2Points {
            neg_one: G2Prepared::new(&-g2[0]),
            tau: G2Prepared::new(&g2[1]),
            neg_tau: G2Prepared::new(&-g2[1]),
            one: G2Prepared::new(&g2[0]),
            tau_cell: G2Prepared::new(&g2[FIELD_ELEMENTS_PER_CELL]),
        };
        let mut s = KzgSettings {
            g2_prepared,
            engine,
            g1_lagrange_brp,
            g1_monomial,
            g2_monomial,
            roots_brp,
            commit_table: None,
            fk20: OnceLock::new(),
            fk20_build: std::sync::Mutex::new(()),
            is_mainnet: hex::encode(Sha256::digest(text.as_bytes())) == MAINNET_TRUSTED_SETUP_SHA256,
            stats: SetupStats::default(),
        };
        if opts.verify {
            let t = Instant::now();
            s.verify_consistency(text.as_bytes())?;
            stats.verify_ms = ms(t);
        }
        if opts.commit_table {
            let t = Instant::now();
            let table = s.engine.prepare_fixed_base(&s.g1_lagrange_brp)?;
            stats.commit_table_ms = ms(t);
            stats.commit_table_bytes = table.table_bytes();
            stats.commit_table_backend = table.backend().to_string();
            s.commit_table = Some(table);
        } else {
            stats.commit_table_backend = "none (variable-base MSM)".into();
        }
        s.stats = stats;
        if opts.fk20_eager {
            s.fk20_table()?;
        }
        Ok(s)
    }

    /// Checks, with pseudo-random linear combinations seeded by the file's hash, that the three
    /// point lists describe one τ: monomial G1 against G2 (one pairing equation), Lagrange
    /// against monomial G1 (one NTT and two MSMs), and the G2 powers against G1.
    fn verify_consistency(&self, text: &[u8]) -> Result<(), KzgError> {
        let bad = |m: &str| KzgError::InvalidTrustedSetup(m.into());
        let rho = fr_from_hash(&Sha256::digest(text).into());
        let n = FIELD_ELEMENTS_PER_BLOB;
        if self.g1_monomial[0] != G1Affine::generator() || self.g2_monomial[0] != G2Affine::generator() {
            return Err(bad("first monomial points are not the generators"));
        }
        let coeffs = domain::powers(rho, n);
        // Σ f(ωᵢ)·[Lᵢ(τ)] = [f(τ)] = Σ cⱼ[τʲ] for f with coefficients cⱼ.
        let mut evals = coeffs.clone();
        self.engine.ntt(&mut evals, NttOp::FORWARD)?;
        bit_reverse_permute(&mut evals);
        let jobs = [
            gloam_engine::MsmJob { bases: &self.g1_lagrange_brp, scalars: &evals },
            gloam_engine::MsmJob { bases: &self.g1_monomial, scalars: &coeffs },
            gloam_engine::MsmJob { bases: &self.g1_monomial[..n - 1], scalars: &coeffs[..n - 1] },
            gloam_engine::MsmJob { bases: &self.g1_monomial[1..], scalars: &coeffs[..n - 1] },
        ];
        let r = self.engine.msm_batch(&jobs)?;
        if r[0] != r[1] {
            return Err(bad("Lagrange points are not the transform of the monomial points"));
        }
        // e(Σρʲ[τʲ], [τ]) = e(Σρʲ[τʲ⁺¹], 1)
        let g2 = &self.g2_monomial;
        let ok = Bls12_381::multi_pairing([r[2].into_affine(), (-r[3]).into_affine()], [g2[1], g2[0]]).is_zero();
        if !ok {
            return Err(bad("monomial G1 points are not successive powers of the G2 τ"));
        }
        let k = NUM_G2 - 1;
        let rk = &coeffs[..k];
        let a = G2Projective::msm_unchecked(&g2[..k], rk);
        let b = G2Projective::msm_unchecked(&g2[1..], rk);
        let ok =
            Bls12_381::multi_pairing([self.g1_monomial[1], -G1Affine::generator()], [a.into_affine(), b.into_affine()])
                .is_zero();
        if !ok {
            return Err(bad("G2 points are not successive powers of τ"));
        }
        Ok(())
    }

    /// The monomial G1 points [τⁱ] (FK20 and cell verification use them).
    pub fn g1_monomial(&self) -> &[G1Affine] {
        &self.g1_monomial
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    pub fn stats(&self) -> SetupStats {
        let mut s = self.stats.clone();
        if let Some((t, ms)) = self.fk20.get() {
            s.fk20_table_ms = Some(*ms);
            s.fk20_table_bytes = t.table_bytes();
        }
        s
    }

    /// The FK20 table, built on first use.
    pub(crate) fn fk20_table(&self) -> Result<&Fk20Table, KzgError> {
        if let Some((t, _)) = self.fk20.get() {
            return Ok(t);
        }
        // One builder at a time: the table costs seconds of CPU.
        let _guard = self.fk20_build.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((t, _)) = self.fk20.get() {
            return Ok(t);
        }
        let t = Instant::now();
        let table = if self.is_mainnet {
            Fk20Table::from_points(&self.engine, Fk20Table::mainnet_points()?)?
        } else {
            Fk20Table::new(&self.engine, &self.g1_monomial)?
        };
        let _ = self.fk20.set((table, ms(t)));
        Ok(&self.fk20.get().expect("set above").0)
    }

    /// Σ scalars[i]·lagrange_brp[i] through the resident table (or a plain engine MSM when the
    /// table was not precomputed).
    pub(crate) fn lagrange_msm_batch(&self, scalars: &[&[Fr]]) -> Result<Vec<G1Projective>, KzgError> {
        match &self.commit_table {
            Some(t) => Ok(t.msm_batch(scalars)?),
            None => {
                let jobs: Vec<_> = scalars
                    .iter()
                    .map(|s| gloam_engine::MsmJob { bases: &self.g1_lagrange_brp[..s.len()], scalars: s })
                    .collect();
                Ok(self.engine.msm_batch(&jobs)?)
            }
        }
    }

    pub(crate) fn lagrange_msm(&self, scalars: &[Fr]) -> Result<G1Projective, KzgError> {
        Ok(self.lagrange_msm_batch(&[scalars])?.pop().unwrap_or_default())
    }
}
