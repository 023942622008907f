//! Fuzz target bodies for what this crate decodes from the network or from files: block
//! envelopes (p2p broadcast, backfill, archives), validator configs and key files (JSON), and
//! simplex messages as gloam instantiates them (votes, certificates, activity evidence). Each
//! takes arbitrary bytes and must never panic; where a round trip exists it is asserted.
//! `tests/fuzz_bodies.rs` runs them on seeded random and mutated input.

use commonware_codec::{Decode, Encode};
use commonware_consensus::simplex::types::{Activity, Certificate, Vote};
use commonware_cryptography::{certificate::Verifier as _, sha256};

use crate::block::Block;
use crate::keys::Scheme;
use crate::ValidatorConfig;

/// Block envelopes: decode under a 4 KiB payload bound; a decoded block re-encodes to the input.
pub fn block(data: &[u8]) {
    if let Ok(b) = Block::decode_cfg(data.to_vec(), &4096) {
        assert_eq!(b.encode().as_ref(), data, "block round trip");
        assert_eq!(b.id(), crate::block_digest(&b.ctx, &b.payload));
    }
}

/// Validator configs (JSON text).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(cfg) = ValidatorConfig::from_json(text) {
        let again = serde_json::to_string(&cfg).expect("serialize");
        assert_eq!(ValidatorConfig::from_json(&again).expect("reparse"), cfg);
        let _ = crate::config::ValidatorSet::from_entries(&cfg.validators, cfg.min_stake);
    }
}

/// Simplex votes, certificates and activity (what arrives on the vote / certificate channels and
/// what `Fault::evidence` carries), decoded with gloam's scheme.
pub fn simplex_messages(data: &[u8]) {
    if let Ok(v) = Vote::<Scheme, sha256::Digest>::decode_cfg(data.to_vec(), &()) {
        assert_eq!(v.encode().as_ref(), data, "vote round trip");
    }
    let cfg = Scheme::certificate_codec_config_unbounded();
    if let Ok(c) = Certificate::<Scheme, sha256::Digest>::decode_cfg(data.to_vec(), &cfg) {
        assert_eq!(c.encode().as_ref(), data, "certificate round trip");
    }
    if let Ok(a) = Activity::<Scheme, sha256::Digest>::decode_cfg(data.to_vec(), &cfg) {
        assert_eq!(a.encode().as_ref(), data, "activity round trip");
    }
}
