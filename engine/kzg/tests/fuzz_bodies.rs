//! Runs every fuzz body (`gloam_kzg::fuzzing`, the same code the cargo-fuzz targets call) over
//! seeded random and mutated inputs, so stable CI exercises them without libFuzzer.

use std::sync::{Arc, OnceLock};

use ark_bls12_381::{Fr, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use gloam_engine::{testkit, Engine};
use gloam_kzg::codec::{fr_to_be, g1_compress};
use gloam_kzg::{fuzzing, KzgSettings, SetupOptions};
use rand::{Rng, RngCore};

fn settings() -> &'static KzgSettings {
    static S: OnceLock<KzgSettings> = OnceLock::new();
    S.get_or_init(|| {
        KzgSettings::mainnet_with(Arc::new(Engine::cpu_only()), SetupOptions { verify: false, ..Default::default() })
            .unwrap()
    })
}

/// Random bytes of a random length near `len`, or a valid-looking `seed` with a few mutations.
fn input(rng: &mut impl RngCore, seed: &[u8], len: usize) -> Vec<u8> {
    match rng.gen_range(0..4) {
        0 => {
            let n = if rng.gen_bool(0.8) { len } else { rng.gen_range(0..len + 2) };
            let mut v = vec![0u8; n];
            rng.fill_bytes(&mut v);
            v
        }
        1 => {
            let mut v = seed.to_vec();
            if !v.is_empty() {
                for _ in 0..rng.gen_range(1..4) {
                    let i = rng.gen_range(0..v.len());
                    v[i] ^= 1 << rng.gen_range(0..8);
                }
            }
            v
        }
        2 => {
            let mut v = seed.to_vec();
            if !v.is_empty() {
                v[0] = rng.gen();
            }
            v
        }
        _ => seed.to_vec(),
    }
}

fn valid_point(rng: &mut impl RngCore) -> Vec<u8> {
    g1_compress(&(G1Projective::generator() * Fr::rand(rng)).into_affine()).to_vec()
}

#[test]
fn fuzz_bodies_on_random_and_mutated_inputs() {
    let seed = testkit::seed(0xf022);
    println!("seed {seed}");
    let mut rng = testkit::rng(seed);
    for _ in 0..4000 {
        let fe = fr_to_be(&Fr::rand(&mut rng));
        fuzzing::field_element(&input(&mut rng, &fe, 32));
    }
    for _ in 0..1500 {
        let p = valid_point(&mut rng);
        fuzzing::g1_decode(&input(&mut rng, &p, 48));
    }
    let mut blob = vec![0u8; 131072];
    for c in blob.chunks_mut(32) {
        c.copy_from_slice(&fr_to_be(&Fr::rand(&mut rng)));
    }
    for _ in 0..60 {
        fuzzing::blob_decode(&input(&mut rng, &blob, 131072));
    }
    let s = settings();
    for _ in 0..150 {
        let mut seed_bytes = valid_point(&mut rng);
        seed_bytes.extend_from_slice(&fr_to_be(&Fr::rand(&mut rng)));
        seed_bytes.extend_from_slice(&fr_to_be(&Fr::rand(&mut rng)));
        seed_bytes.extend(valid_point(&mut rng));
        fuzzing::verify_kzg_proof(s, &input(&mut rng, &seed_bytes, 160));
    }
    for _ in 0..150 {
        let n = rng.gen_range(0..5u8);
        let mut v = vec![n];
        for _ in 0..n {
            v.push(rng.gen_range(0..130));
        }
        for _ in 0..n {
            for _ in 0..64 {
                let mut fe = fr_to_be(&Fr::rand(&mut rng));
                if rng.gen_bool(0.02) {
                    fe[0] = 0xff;
                }
                v.extend_from_slice(&fe);
            }
        }
        for _ in 0..2 * n {
            v.extend(valid_point(&mut rng));
        }
        fuzzing::verify_cell_batch(s, &input(&mut rng, &v, v.len()));
    }
    for i in 0..120 {
        // only a few inputs ask for a full recovery (header 0xe0|…): it costs an FK20 run
        let mut head: u8 = rng.gen();
        if i % 40 != 0 {
            head &= 0x7f;
        } else {
            head |= 0xe0;
        }
        let mut v = vec![head];
        let mut rest = vec![0u8; rng.gen_range(0..70 * 2048)];
        rng.fill_bytes(&mut rest);
        v.extend(rest);
        fuzzing::recover_cells(s, &v);
    }
    for _ in 0..40 {
        let mut v = vec![0u8; rng.gen_range(90..400)];
        rng.fill_bytes(&mut v);
        if v.len() > 97 && rng.gen_bool(0.5) {
            v[1..49].copy_from_slice(&valid_point(&mut rng));
            v[49..97].copy_from_slice(&valid_point(&mut rng));
            for b in v[97..].iter_mut() {
                *b &= 0x3f;
            }
        }
        fuzzing::verify_blob_batch(s, &v);
    }
}
