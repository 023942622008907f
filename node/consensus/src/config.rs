//! Validator configuration (JSON), key files, the validator set, and testnet generation.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::keys::{self, BlsPublic, Keys, PublicKey};
use crate::ConsensusError;

/// One entry of the genesis validator list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorEntry {
    /// ed25519 identity public key, hex (32 bytes).
    pub identity: String,
    /// BLS12-381 (MinPk, G1) public key, hex (48 bytes compressed).
    pub bls_public: String,
    /// Proof of possession of the BLS key, hex (96 bytes, G2).
    pub bls_pop: String,
    /// Address the validator listens on for p2p.
    pub address: SocketAddr,
    /// Stake; validators with `stake >= min_stake` form the committee, with equal vote weight.
    pub stake: u64,
}

impl ValidatorEntry {
    /// The list entry of a validator holding `keys` (hex, as configs store them), listening on
    /// `address`.
    pub fn of(keys: &Keys, address: SocketAddr, stake: u64) -> Self {
        ValidatorEntry {
            identity: hex::encode(commonware_codec::Encode::encode(&keys.identity_public())),
            bls_public: hex::encode(commonware_codec::Encode::encode(&keys.bls_public())),
            bls_pop: hex::encode(commonware_codec::Encode::encode(&keys.pop())),
            address,
            stake,
        }
    }
}

/// The private keys of one validator (JSON file, hex strings).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyFile {
    /// ed25519 private key (32 bytes).
    pub identity_private: String,
    /// BLS12-381 private scalar (32 bytes).
    pub bls_private: String,
}

fn default_chain() -> String {
    "gloam-devnet".into()
}
fn d_leader() -> u64 {
    1_000
}
fn d_cert() -> u64 {
    2_000
}
fn d_retry() -> u64 {
    5_000
}
fn d_block() -> u64 {
    250
}
fn d_fetch() -> u64 {
    1_000
}
fn d_payload() -> usize {
    4 * 1024 * 1024
}
fn d_epoch() -> u64 {
    DEFAULT_EPOCH_LENGTH
}

/// Default number of blocks per epoch (`ValidatorConfig::epoch_length`).
pub const DEFAULT_EPOCH_LENGTH: u64 = 1024;
/// Smallest allowed epoch length: commonware's `FixedEpocher` needs more than one block per epoch
/// (epoch 0 would otherwise hold only genesis), and every epoch ends with a boundary block that the
/// next epoch's engine starts from.
pub const MIN_EPOCH_LENGTH: u64 = 2;
/// Largest committee: the p2p layer tracks the union of two consecutive committees per peer set,
/// bounded by `2 * MAX_VALIDATORS` peers.
pub const MAX_VALIDATORS: usize = 100;

/// Configuration of one validator (`serde` JSON). Durations are in milliseconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorConfig {
    /// Storage root: the simplex journal and marshal's archives live here, so a restarted
    /// validator recovers its votes and finalized blocks.
    pub data_dir: PathBuf,
    /// p2p listen address.
    pub listen: SocketAddr,
    /// Path of this validator's [`KeyFile`].
    pub key_file: PathBuf,
    /// Chain name; separates signatures of different chains (namespace of all consensus messages).
    #[serde(default = "default_chain")]
    pub chain: String,
    /// Genesis validator list.
    pub validators: Vec<ValidatorEntry>,
    /// Minimum stake to be in the committee.
    #[serde(default)]
    pub min_stake: u64,
    /// How long a view waits for the leader's proposal before voting to nullify.
    #[serde(default = "d_leader")]
    pub leader_timeout_ms: u64,
    /// How long a view waits for a notarization (certification) before voting to nullify; must be
    /// larger than `leader_timeout_ms`.
    #[serde(default = "d_cert")]
    pub notarization_timeout_ms: u64,
    /// Period of re-broadcasting a nullify vote while a view is stuck.
    #[serde(default = "d_retry")]
    pub nullify_retry_ms: u64,
    /// Block time target: a proposer waits until `parent.timestamp + min_block_time_ms`.
    #[serde(default = "d_block")]
    pub min_block_time_ms: u64,
    /// Timeout of one fetch (missing certificates / blocks) from a peer.
    #[serde(default = "d_fetch")]
    pub fetch_timeout_ms: u64,
    /// Maximum application payload size in bytes.
    #[serde(default = "d_payload")]
    pub max_payload_bytes: usize,
    /// Blocks per epoch. Height `h` belongs to epoch `h / epoch_length` (commonware's
    /// `FixedEpocher`: epoch `e` spans heights `e * epoch_length .. (e + 1) * epoch_length`, genesis
    /// is in epoch 0). The committee of epoch `e >= 1` is `Application::validators_for_epoch(e)`,
    /// read after the last block of epoch `e - 1` was applied. Must be `>= 2`; every validator of a
    /// chain must use the same value.
    #[serde(default = "d_epoch")]
    pub epoch_length: u64,
}

impl ValidatorConfig {
    pub fn load(path: &Path) -> Result<Self, ConsensusError> {
        let text = std::fs::read_to_string(path)?;
        Self::from_json(&text)
    }

    pub fn from_json(text: &str) -> Result<Self, ConsensusError> {
        let cfg: Self = serde_json::from_str(text)?;
        cfg.check()?;
        Ok(cfg)
    }

    /// Static checks (timeouts, sizes); key material is checked by [`ValidatorSet::from_entries`].
    pub fn check(&self) -> Result<(), ConsensusError> {
        let t = self.timeouts();
        t.check()?;
        if self.max_payload_bytes == 0 || self.max_payload_bytes > 64 * 1024 * 1024 {
            return Err(ConsensusError::Config("max_payload_bytes must be in 1..=64 MiB".into()));
        }
        check_epoch_length(self.epoch_length)?;
        Ok(())
    }

    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            leader: Duration::from_millis(self.leader_timeout_ms),
            notarization: Duration::from_millis(self.notarization_timeout_ms),
            nullify_retry: Duration::from_millis(self.nullify_retry_ms),
            min_block_time: Duration::from_millis(self.min_block_time_ms),
            fetch: Duration::from_millis(self.fetch_timeout_ms),
        }
    }

    pub fn load_keys(&self) -> Result<Keys, ConsensusError> {
        let text = std::fs::read_to_string(&self.key_file)?;
        let kf: KeyFile = serde_json::from_str(&text)?;
        Keys::from_hex(&kf.identity_private, &kf.bls_private)
    }
}

/// `epoch_length` must be at least [`MIN_EPOCH_LENGTH`] (and at most `u64::MAX / 2`, so that
/// epoch arithmetic cannot overflow).
pub fn check_epoch_length(epoch_length: u64) -> Result<(), ConsensusError> {
    if !(MIN_EPOCH_LENGTH..=u64::MAX / 2).contains(&epoch_length) {
        return Err(ConsensusError::Config(format!(
            "epoch_length must be in {MIN_EPOCH_LENGTH}..=2^63-1 blocks (got {epoch_length})"
        )));
    }
    Ok(())
}

/// Consensus timing parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub leader: Duration,
    pub notarization: Duration,
    pub nullify_retry: Duration,
    pub min_block_time: Duration,
    pub fetch: Duration,
}

impl Timeouts {
    pub fn check(&self) -> Result<(), ConsensusError> {
        if self.leader.is_zero() || self.nullify_retry.is_zero() || self.fetch.is_zero() {
            return Err(ConsensusError::Config("timeouts must be positive".into()));
        }
        if self.notarization <= self.leader {
            return Err(ConsensusError::Config("notarization_timeout_ms must be larger than leader_timeout_ms".into()));
        }
        if self.min_block_time >= self.leader {
            return Err(ConsensusError::Config(
                "min_block_time_ms must be smaller than leader_timeout_ms (or every view times out)".into(),
            ));
        }
        Ok(())
    }
}

/// The committee: validators with `stake >= min_stake`, sorted by identity key (commonware's
/// participant order; a validator's index is its position here). Votes have equal weight.
#[derive(Clone, Debug)]
pub struct ValidatorSet {
    pub identities: Vec<PublicKey>,
    pub bls: Vec<BlsPublic>,
    pub addresses: Vec<SocketAddr>,
}

impl ValidatorSet {
    /// Parses and filters the genesis list; every BLS proof of possession is verified.
    pub fn from_entries(entries: &[ValidatorEntry], min_stake: u64) -> Result<Self, ConsensusError> {
        let mut rows = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if e.stake < min_stake {
                continue;
            }
            let id = keys::parse_identity(&e.identity)?;
            let bls = keys::parse_bls_public(&e.bls_public)?;
            let pop = keys::parse_pop(&e.bls_pop)?;
            if !keys::verify_pop(&bls, &pop) {
                return Err(ConsensusError::Keys(format!("validator {i}: invalid BLS proof of possession")));
            }
            rows.push((id, bls, e.address));
        }
        if rows.is_empty() {
            return Err(ConsensusError::Config("no validator has stake >= min_stake".into()));
        }
        if rows.len() > MAX_VALIDATORS {
            return Err(ConsensusError::Config(format!(
                "{} validators have stake >= min_stake; at most {MAX_VALIDATORS} are supported",
                rows.len()
            )));
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        for w in rows.windows(2) {
            if w[0].0 == w[1].0 {
                return Err(ConsensusError::Config("duplicate validator identity".into()));
            }
        }
        Ok(Self {
            identities: rows.iter().map(|r| r.0.clone()).collect(),
            bls: rows.iter().map(|r| r.1).collect(),
            addresses: rows.iter().map(|r| r.2).collect(),
        })
    }

    pub fn len(&self) -> usize {
        self.identities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    pub fn index_of(&self, id: &PublicKey) -> Option<u32> {
        self.identities.binary_search(id).ok().map(|i| i as u32)
    }
}

/// Writes keys and configs for an `n`-validator network on loopback under `dir`:
/// `dir/validator-<i>/{key.json,config.json,data/}`, listening on `base_port + i`. With a seed the
/// keys are deterministic (tests, reproducible devnets); without one they come from the OS.
/// Returns the config file paths.
pub fn init_testnet(n: usize, dir: &Path, base_port: u16, seed: Option<u64>) -> Result<Vec<PathBuf>, ConsensusError> {
    if n == 0 {
        return Err(ConsensusError::Config("n must be at least 1".into()));
    }
    if base_port as usize + n > u16::MAX as usize {
        return Err(ConsensusError::Config("port range overflows".into()));
    }
    let keys: Vec<Keys> = match seed {
        Some(s) => {
            let mut rng = commonware_utils::TestRng::new(s);
            (0..n).map(|_| Keys::generate(&mut rng)).collect()
        }
        None => {
            let mut rng = commonware_utils::sys_rng();
            (0..n).map(|_| Keys::generate(&mut rng)).collect()
        }
    };
    let entries: Vec<ValidatorEntry> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| ValidatorEntry::of(k, SocketAddr::from(([127, 0, 0, 1], base_port + i as u16)), 1))
        .collect();
    let mut out = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let vdir = dir.join(format!("validator-{i}"));
        std::fs::create_dir_all(&vdir)?;
        let key_path = vdir.join("key.json");
        let kf = KeyFile { identity_private: k.identity_hex(), bls_private: k.bls_hex() };
        write_private(&key_path, serde_json::to_string_pretty(&kf)?.as_bytes())?;
        let cfg = ValidatorConfig {
            data_dir: vdir.join("data"),
            listen: entries[i].address,
            key_file: key_path,
            chain: default_chain(),
            validators: entries.clone(),
            min_stake: 1,
            leader_timeout_ms: d_leader(),
            notarization_timeout_ms: d_cert(),
            nullify_retry_ms: d_retry(),
            min_block_time_ms: d_block(),
            fetch_timeout_ms: d_fetch(),
            max_payload_bytes: d_payload(),
            epoch_length: d_epoch(),
        };
        let cfg_path = vdir.join("config.json");
        std::fs::write(&cfg_path, serde_json::to_string_pretty(&cfg)?)?;
        out.push(cfg_path);
    }
    Ok(out)
}

fn write_private(path: &Path, data: &[u8]) -> Result<(), ConsensusError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(data)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("gloam-consensus-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn testnet_configs_load_and_agree() {
        let dir = tmp("init");
        let paths = init_testnet(4, &dir, 41000, Some(7)).unwrap();
        assert_eq!(paths.len(), 4);
        let mut ids = Vec::new();
        for p in &paths {
            let cfg = ValidatorConfig::load(p).unwrap();
            let set = ValidatorSet::from_entries(&cfg.validators, cfg.min_stake).unwrap();
            assert_eq!(set.len(), 4);
            let keys = cfg.load_keys().unwrap();
            let idx = set.index_of(&keys.identity_public()).expect("own key in set");
            assert_eq!(set.bls[idx as usize], keys.bls_public());
            assert_eq!(set.addresses[idx as usize], cfg.listen);
            ids.push(idx);
        }
        ids.sort();
        assert_eq!(ids, vec![0, 1, 2, 3]);
        // Same seed, same keys.
        let dir2 = tmp("init2");
        let p2 = init_testnet(4, &dir2, 41000, Some(7)).unwrap();
        let a = ValidatorConfig::load(&paths[0]).unwrap();
        let b = ValidatorConfig::load(&p2[0]).unwrap();
        assert_eq!(a.validators, b.validators);
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&dir2);
    }

    #[test]
    fn bad_configs_are_typed_errors() {
        let dir = tmp("bad");
        let paths = init_testnet(2, &dir, 42000, Some(1)).unwrap();
        let good = ValidatorConfig::load(&paths[0]).unwrap();
        // Stake filter.
        let mut c = good.clone();
        c.validators[1].stake = 0;
        let set = ValidatorSet::from_entries(&c.validators, 1).unwrap();
        assert_eq!(set.len(), 1);
        assert!(matches!(ValidatorSet::from_entries(&c.validators, 5), Err(ConsensusError::Config(_))));
        // A swapped proof of possession is rejected.
        let mut c = good.clone();
        let pop0 = c.validators[0].bls_pop.clone();
        c.validators[0].bls_pop = c.validators[1].bls_pop.clone();
        c.validators[1].bls_pop = pop0;
        assert!(matches!(ValidatorSet::from_entries(&c.validators, 1), Err(ConsensusError::Keys(_))));
        // Garbage hex / wrong length.
        let mut c = good.clone();
        c.validators[0].identity = "zz".into();
        assert!(ValidatorSet::from_entries(&c.validators, 1).is_err());
        c.validators[0].identity = "00".into();
        assert!(ValidatorSet::from_entries(&c.validators, 1).is_err());
        // Duplicate validator.
        let mut c = good.clone();
        c.validators[1] = c.validators[0].clone();
        assert!(ValidatorSet::from_entries(&c.validators, 1).is_err());
        // Timeouts.
        let mut c = good.clone();
        c.notarization_timeout_ms = c.leader_timeout_ms;
        assert!(c.check().is_err());
        let mut c = good.clone();
        c.min_block_time_ms = c.leader_timeout_ms;
        assert!(c.check().is_err());
        // Epoch length: default 1024 when absent, 0 and 1 rejected, 2 accepted.
        assert_eq!(good.epoch_length, DEFAULT_EPOCH_LENGTH);
        let mut v = serde_json::to_value(&good).unwrap();
        v.as_object_mut().unwrap().remove("epoch_length");
        assert_eq!(ValidatorConfig::from_json(&v.to_string()).unwrap().epoch_length, 1024);
        for (len, ok) in [(0u64, false), (1, false), (2, true), (u64::MAX, false)] {
            let mut c = good.clone();
            c.epoch_length = len;
            assert_eq!(c.check().is_ok(), ok, "epoch_length {len}");
            v["epoch_length"] = serde_json::json!(len);
            assert_eq!(ValidatorConfig::from_json(&v.to_string()).is_ok(), ok, "epoch_length {len} (json)");
        }
        // Unknown fields and broken JSON.
        assert!(ValidatorConfig::from_json("{").is_err());
        let mut v = serde_json::to_value(&good).unwrap();
        v["surprise"] = serde_json::json!(1);
        assert!(ValidatorConfig::from_json(&v.to_string()).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
