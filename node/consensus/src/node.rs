//! Production entry point: one validator on commonware's tokio runtime, authenticated p2p
//! (`p2p::authenticated::lookup`: fixed peer set with known addresses, ed25519 handshakes,
//! encrypted streams) on real sockets, storage under `data_dir`.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use commonware_cryptography::{ChaCha20Poly1305, Signer as _};
use commonware_p2p::{authenticated::lookup, Address, AddressableManager as _, AddressableTrackedPeers};
use commonware_runtime::{tokio as cw_tokio, Quota, Runner as _, Spawner as _, Supervisor as _};
use commonware_stream::{
    cups::{self, Cups},
    sake::{self, Sake},
};
use commonware_utils::{ordered::Map, NZUsize, NZU32};
use futures::channel::oneshot;
use tracing::{error, info};

use crate::config::{ValidatorConfig, ValidatorSet, MAX_VALIDATORS};
use crate::engine::{self, Channels, Event, StackParams};
use crate::keys;
use crate::{Application, ConsensusError};

/// Finalized height shared between the runtime and the handle.
#[derive(Default)]
struct Watch {
    height: Mutex<u64>,
    cv: Condvar,
}

/// A running validator.
pub struct ValidatorHandle {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ConsensusError>>>,
    watch: Arc<Watch>,
    /// This validator's index in the genesis committee (epoch 0), or [`NOT_A_GENESIS_MEMBER`]
    /// (`u32::MAX`) for a key that starts as a follower. Indices in later epochs can differ.
    pub index: u32,
    /// Genesis committee size.
    pub validators: usize,
}

impl ValidatorHandle {
    /// Highest height the application has been handed (`Application::finalized`) in this run.
    pub fn finalized_height(&self) -> u64 {
        *self.watch.height.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks until the finalized height reaches `height` or `timeout` passes; returns the height
    /// reached.
    pub fn wait_for_height(&self, height: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        let mut h = self.watch.height.lock().unwrap_or_else(|e| e.into_inner());
        while *h < height {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            h = self.watch.cv.wait_timeout(h, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
        }
        *h
    }

    /// Whether the validator's runtime thread has exited (error or stop).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Signals shutdown and waits for the runtime to stop (storage is synced by commonware's
    /// journals on every write that matters; a stop is as safe as a crash, and cleaner).
    pub fn stop(mut self) -> Result<(), ConsensusError> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.join_inner()
    }

    /// Waits for the runtime thread to exit (it runs until [`Self::stop`] or a fatal error).
    pub fn join(mut self) -> Result<(), ConsensusError> {
        self.join_inner()
    }

    fn join_inner(&mut self) -> Result<(), ConsensusError> {
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| ConsensusError::Runtime("validator thread panicked".into()))?,
            None => Ok(()),
        }
    }
}

impl Drop for ValidatorHandle {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.join_inner();
    }
}

/// Starts a validator: checks the config and keys, then spawns a thread that runs commonware's
/// tokio runtime (2 worker threads; application calls go to its blocking pool).
pub fn run_validator(cfg: ValidatorConfig, app: Arc<dyn Application>) -> Result<ValidatorHandle, ConsensusError> {
    cfg.check()?;
    let set = ValidatorSet::from_entries(&cfg.validators, cfg.min_stake)?;
    let keys = cfg.load_keys()?;
    let me = keys.identity_public();
    // A key outside the genesis committee follows (verify-only) until an epoch's committee lists it
    // (`Application::validators_for_epoch`); whether that ever happens is not decidable here.
    let index = match set.index_of(&me) {
        Some(index) => {
            if set.bls[index as usize] != keys.bls_public() {
                return Err(ConsensusError::Config("own BLS key does not match the validator list".into()));
            }
            if set.addresses[index as usize] != cfg.listen {
                info!(listen = %cfg.listen, listed = %set.addresses[index as usize], "listen address differs from the listed address");
            }
            index
        }
        None => {
            info!("own identity key is not in the genesis committee: following; voting from the first epoch that lists it");
            NOT_A_GENESIS_MEMBER
        }
    };
    let namespace = keys::namespace(&cfg.chain);
    std::fs::create_dir_all(&cfg.data_dir)?;

    let watch = Arc::new(Watch::default());
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let n = set.len();
    let params = StackParams {
        me: me.clone(),
        bls: keys.bls.clone(),
        namespace: namespace.clone(),
        genesis: cfg.validators.clone(),
        min_stake: cfg.min_stake,
        epoch_length: cfg.epoch_length,
        partition: "gloam".into(),
        timeouts: cfg.timeouts(),
        max_payload: cfg.max_payload_bytes,
        tracker: None,
    };
    let w = watch.clone();
    let name = if index == NOT_A_GENESIS_MEMBER {
        "gloam-consensus-follower".to_string()
    } else {
        format!("gloam-consensus-{index}")
    };
    let thread = std::thread::Builder::new()
        .name(name)
        .spawn(move || run(cfg, set, keys, namespace, params, app, w, stop_rx))?;
    Ok(ValidatorHandle { stop: Some(stop_tx), thread: Some(thread), watch, index, validators: n })
}

/// [`ValidatorHandle::index`] of a node whose key is not in the genesis committee.
pub const NOT_A_GENESIS_MEMBER: u32 = u32::MAX;

#[allow(clippy::too_many_arguments)]
fn run(
    cfg: ValidatorConfig,
    set: ValidatorSet,
    keys: keys::Keys,
    namespace: Vec<u8>,
    mut params: StackParams,
    app: Arc<dyn Application>,
    watch: Arc<Watch>,
    stop_rx: oneshot::Receiver<()>,
) -> Result<(), ConsensusError> {
    let rt_cfg = cw_tokio::Config::new()
        .with_worker_threads(2)
        .with_catch_panics(false)
        .with_storage_directory(cfg.data_dir.join("storage"));
    let runner = cw_tokio::Runner::new(rt_cfg);
    runner.start(move |ctx| async move {
        // Committees change per epoch: size messages and peer sets for the largest committee (a
        // peer set holds the new committee plus the members that just left).
        let max_msg = engine::max_message_size(MAX_VALIDATORS, cfg.max_payload_bytes);
        let max_peers = NZUsize!(2 * MAX_VALIDATORS + 1); // + the local identity
        let handshake = Cups::<_, ChaCha20Poly1305>::new(
            Sake {
                signer: keys.identity.clone(),
                synchrony_bound: Duration::from_secs(5),
                max_handshake_age: Duration::from_secs(10),
                version: sake::Version::V1,
            },
            cups::Version::V1,
        );
        let local = set.addresses.iter().all(|a| a.ip().is_loopback() || is_private(a.ip()));
        let p2p_cfg = if local {
            lookup::Config::local(handshake, &namespace, cfg.listen, max_peers, max_msg, NZUsize!(1024))
        } else {
            lookup::Config::recommended(handshake, &namespace, cfg.listen, max_peers, max_msg, NZUsize!(1024))
        };
        let (mut network, oracle) = lookup::Network::new(ctx.child("network"), p2p_cfg);
        // Peer admission: the orchestrator calls this on entering each epoch (the genesis
        // committee on entering epoch 0).
        let tracker_oracle = Mutex::new(oracle.clone());
        let tracker: engine::PeerTracker = Arc::new(move |epoch, primary, secondary| {
            let to_map = |v: Vec<(keys::PublicKey, std::net::SocketAddr)>| -> Option<Map<keys::PublicKey, Address>> {
                v.into_iter().map(|(k, a)| (k, Address::from(a))).collect::<Vec<_>>().try_into().ok()
            };
            match (to_map(primary), to_map(secondary)) {
                (Some(p), Some(s)) => {
                    let mut o = tracker_oracle.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = o.track(epoch, AddressableTrackedPeers::new(p, s));
                }
                _ => error!(epoch, "duplicate peer identity in a committee; peer set not updated"),
            }
        });
        params.tracker = Some(tracker);
        // Per peer and channel. lookup sizes each channel's inbound mailbox (preallocated) as
        // retained peers (4 peer sets × max_peers) × this burst: 804 × 200 ≈ 160 k slots.
        let quota = Quota::per_second(NZU32!(200));
        let channels = Channels {
            votes: network.register(engine::CH_VOTES, quota),
            certs: network.register(engine::CH_CERTS, quota),
            resolver: network.register(engine::CH_RESOLVER, quota),
            backfill: network.register(engine::CH_BACKFILL, quota),
            blocks: network.register(engine::CH_BLOCKS, quota),
        };
        let _net = network.start();
        let w = watch.clone();
        let observer: engine::Observer = Arc::new(move |ev: &Event| {
            if let Event::Finalized { height, .. } = ev {
                let mut h = w.height.lock().unwrap_or_else(|e| e.into_inner());
                if *height > *h {
                    *h = *height;
                }
                w.cv.notify_all();
            }
        });
        let stack =
            engine::start(ctx.child("validator"), params, app, channels, oracle.clone(), oracle, Some(observer)).await;
        let stack = match stack {
            Ok(s) => s,
            Err(e) => {
                error!(error = %e, "consensus did not start");
                let _ = ctx.stop(1, Some(Duration::from_secs(10))).await;
                return Err(e);
            }
        };
        info!(validator = keys.identity.public_key().to_string(), genesis_committee = set.len(), "validator started");
        let _ = stop_rx.await;
        info!("validator stopping");
        stack.abort();
        if let Err(e) = ctx.stop(0, Some(Duration::from_secs(10))).await {
            error!(error = ?e, "runtime did not stop cleanly");
        }
        Ok(())
    })
}

fn is_private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => v4.is_private() || v4.is_link_local(),
        std::net::IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}
