//! gloam-fhe: TFHE keyswitch and programmable bootstrapping on the CPU, byte-identical to
//! tfhe-rs 1.8.2.
//!
//! Design choices:
//! - The bootstrap is tfhe's NTT64 "back and forth" (BNF) algorithm over the Goldilocks prime
//!   p = 2^64 − 2^32 + 1: ciphertexts and lookup tables modulo 2^64, only the bootstrap key and the
//!   external product modulo p. It is pure integer arithmetic with fully specified rounding, so
//!   every backend can reproduce it bit for bit (tfhe's default f64-FFT bootstrap cannot be).
//! - Key generation, encryption and decryption ([`client`]), the compact public key, seeded
//!   (compressed) server keys and the versioned format ([`serialize`]) are the engine's own, in
//!   tfhe's key layouts; tfhe-rs is the oracle in tests (its keyswitch and bootstrap run on our
//!   keys). The keyswitch, NTT, gadget decomposition, modulus switches, blind rotation and sample
//!   extraction are the engine's own too.
//! - Containers use tfhe's `core_crypto` memory layouts, so keys and ciphertexts are exchanged as
//!   plain `Vec`s without reordering; the bootstrap key is re-transformed with our own NTT (any
//!   exact negacyclic NTT gives identical results after the inverse transform).
//! - Default parameters: tfhe's `V1_8_HPU_PARAM_MESSAGE_2_CARRY_2_KS32_PBS_TUNIFORM_2M128`
//!   (see [`params`]).

pub mod ciphertext;
pub mod client;
pub mod decompose;
pub mod error;
pub mod fuzzing;
pub mod integer;
pub mod keyswitch;
pub mod ntt;
mod ntt_avx512;
pub mod params;
pub mod pbs;
pub mod scheduler;
pub mod serialize;
pub mod server_key;

pub use ciphertext::{Lut, LweCiphertext, LweCiphertext32, ManyLut};
pub use client::{
    generate_keys, ClientKey, CompactCiphertextList, CompactPublicKey, CompressedServerKey, KeySet, KeygenStage, Seed,
};
pub use error::FheError;
pub use integer::{
    BootstrapExecutor, BootstrapJob, CountingExecutor, EBool, Radix, RadixCiphertext, EUINT16_BLOCKS, EUINT32_BLOCKS,
    EUINT64_BLOCKS, EUINT8_BLOCKS, MAX_BLOCKS,
};
pub use keyswitch::KeyswitchKey;
pub use params::{FheParams, HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128};
pub use pbs::{BootstrapKey, ModulusSwitch};
pub use scheduler::{BootstrapScheduler, ScheduleStats};
pub use serialize::{peek_header, sizes, Header, Kind, ObjectSizes, FORMAT_VERSION};
pub use server_key::ServerKey;
