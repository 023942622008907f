//! revm's crypto hook (`revm::precompile::install_crypto`) backed by the gloam engine: the KZG
//! point-evaluation precompile (0x0A) verifies through `gloam_kzg`, ECRECOVER (0x01) through
//! `gloam_sig`. Everything else keeps revm's defaults.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use gloam_kzg::{Bytes32, Bytes48, KzgSettings, SetupOptions};
use gloam_sig::secp256k1::{recover, EcdsaRule};
use revm::precompile::{Crypto, PrecompileHalt};

/// Counts of precompile calls served by the engine (shown by `gloam node` and checked in tests).
#[derive(Debug, Default)]
pub struct CryptoStats {
    pub kzg_verifications: AtomicU64,
    pub ecrecovers: AtomicU64,
}

pub struct EngineCrypto {
    kzg: OnceLock<Result<KzgSettings, String>>,
    engine: Arc<gloam_engine::Engine>,
    pub stats: Arc<CryptoStats>,
}

impl std::fmt::Debug for EngineCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineCrypto").finish_non_exhaustive()
    }
}

impl EngineCrypto {
    pub fn new(engine: Arc<gloam_engine::Engine>) -> Self {
        Self { kzg: OnceLock::new(), engine, stats: Arc::default() }
    }

    /// The mainnet KZG setup (verification needs no commitment table), loaded on first use.
    pub fn kzg(&self) -> Result<&KzgSettings, &str> {
        self.kzg
            .get_or_init(|| {
                let opts = SetupOptions { commit_table: false, fk20_eager: false, verify: false };
                KzgSettings::mainnet_with(self.engine.clone(), opts).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| e.as_str())
    }
}

static STATS: OnceLock<Arc<CryptoStats>> = OnceLock::new();

/// Installs the engine-backed provider for the whole process. Must run before any EVM
/// execution; returns the shared counters. Calling it again returns the first installation's
/// counters (the hook is process-global).
pub fn install(engine: Arc<gloam_engine::Engine>) -> Result<Arc<CryptoStats>, String> {
    if let Some(s) = STATS.get() {
        return Ok(s.clone());
    }
    let provider = EngineCrypto::new(engine);
    let stats = provider.stats.clone();
    // Warm the setup off the critical path.
    if !revm::precompile::install_crypto(provider) {
        return Err("revm's crypto provider was already set (or used) before gloam installed its own".into());
    }
    let _ = STATS.set(stats.clone());
    Ok(stats)
}

/// The counters, if the provider is installed.
pub fn stats() -> Option<Arc<CryptoStats>> {
    STATS.get().cloned()
}

impl Crypto for EngineCrypto {
    fn verify_kzg_proof(
        &self,
        z: &[u8; 32],
        y: &[u8; 32],
        commitment: &[u8; 48],
        proof: &[u8; 48],
    ) -> Result<(), PrecompileHalt> {
        self.stats.kzg_verifications.fetch_add(1, Ordering::Relaxed);
        let settings = self.kzg().map_err(|_| PrecompileHalt::BlobVerifyKzgProofFailed)?;
        let ok = settings
            .verify_kzg_proof(&Bytes48(*commitment), &Bytes32(*z), &Bytes32(*y), &Bytes48(*proof))
            .unwrap_or(false);
        if ok {
            Ok(())
        } else {
            Err(PrecompileHalt::BlobVerifyKzgProofFailed)
        }
    }

    fn secp256k1_ecrecover(&self, sig: &[u8; 64], recid: u8, msg: &[u8; 32]) -> Result<[u8; 32], PrecompileHalt> {
        self.stats.ecrecovers.fetch_add(1, Ordering::Relaxed);
        let mut s = [0u8; 65];
        s[..64].copy_from_slice(sig);
        s[64] = recid;
        // The precompile accepts any s in [1, n-1] (no EIP-2 rule).
        let r = recover(msg, &s, EcdsaRule::HighSAllowed).map_err(|_| PrecompileHalt::Secp256k1RecoverFailed)?;
        let mut out = [0u8; 32];
        out[12..].copy_from_slice(&r.address);
        Ok(out)
    }
}
