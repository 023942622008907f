//! Differential tests: the engine's keyswitch and bootstrap against tfhe-rs 1.8.2 on the same
//! keys and inputs, byte for byte. Every random choice comes from a printed seed.

mod common;

use common::{fixture, generators, Fixture};
use gloam_fhe::{Lut, LweCiphertext};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn space(f: &Fixture) -> u64 {
    f.params.message_modulus * f.params.carry_modulus
}

/// The lookup tables exercised everywhere: identity, x+1 mod 4 on the message, carry extraction,
/// message extraction, and a random table.
/// (name, table, the function it encodes when it is a trivial LUT).
type NamedLut = (&'static str, Lut, Option<Box<dyn Fn(u64) -> u64>>);

fn luts(f: &Fixture, rng: &mut ChaCha8Rng) -> Vec<NamedLut> {
    let msg = f.params.message_modulus;
    let random_table: Vec<u64> = (0..space(f)).map(|_| rng.gen_range(0..space(f))).collect();
    let rt = random_table.clone();
    let mut out: Vec<NamedLut> = vec![
        ("identity", f.server.lut(|x| x), Some(Box::new(|x| x))),
        ("x+1 mod 4", f.server.lut(move |x| (x + 1) % msg), Some(Box::new(move |x| (x + 1) % msg))),
        ("carry", f.server.lut(move |x| x / msg), Some(Box::new(move |x| x / msg))),
        ("message", f.server.lut(move |x| x % msg), Some(Box::new(move |x| x % msg))),
        ("random table", f.server.lut(move |x| random_table[x as usize]), Some(Box::new(move |x| rt[x as usize]))),
    ];
    // A LUT that is not a trivial encryption: random masks and body (bytes only, no decryption).
    let n = f.params.glwe_size() * f.params.polynomial_size;
    out.push(("random GLWE", Lut::from_container((0..n).map(|_| rng.gen()).collect()), None));
    out
}

#[test]
fn lut_builder_matches_tfhe() {
    let f = fixture();
    let msg = f.params.message_modulus;
    for (name, g) in [
        ("identity", Box::new(|x| x) as Box<dyn Fn(u64) -> u64>),
        ("x+1", Box::new(move |x| (x + 1) % msg)),
        ("carry", Box::new(move |x| x / msg)),
        ("square mod 16", Box::new(|x| (x * x) % 16)),
    ] {
        let ours = f.server.lut(&g);
        assert_eq!(ours.data, f.tfhe_lut_from_fn(&g), "lut {name}");
    }
}

#[test]
fn keyswitch_bytes_match_tfhe() {
    let f = fixture();
    let seed = 0x6b73_0001u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let big = f.params.big_lwe_dimension() + 1;
    let mut inputs: Vec<LweCiphertext> = (0..24).map(|i| f.encrypt_big(i % space(f), &mut enc)).collect();
    // Arbitrary words, including the rounding edges of the body and of every digit.
    for _ in 0..16 {
        inputs.push(LweCiphertext::from_container((0..big).map(|_| rng.gen()).collect()));
    }
    let edges =
        [0u64, u64::MAX, 1 << 63, (1 << 47) - 1, 1 << 47, (1 << 43) - 1, 1 << 42, 3 << 42, 0x8000_0800_0000_0000];
    for e in edges {
        let mut v: Vec<u64> = (0..big).map(|i| edges[i % edges.len()] ^ (i as u64)).collect();
        v[big - 1] = e;
        inputs.push(LweCiphertext::from_container(v));
    }
    for (i, ct) in inputs.iter().enumerate() {
        let ours = f.server.keyswitch(ct).unwrap();
        assert_eq!(ours.modulus_log, f.params.ks_output_modulus_log);
        assert_eq!(ours.data, f.oracle_ks(ct), "seed {seed:#x}, input {i}");
    }
}

#[test]
fn bootstrap_u64_bytes_match_tfhe() {
    let f = fixture();
    let seed = 0x7062_7301u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let tables = luts(f, &mut rng);
    let n = f.params.lwe_dimension + 1;
    let mut count = 0;
    for (t, (name, lut, func)) in tables.iter().enumerate() {
        for j in 0..3 {
            let m = rng.gen_range(0..space(f));
            let ct = if j == 2 && t % 2 == 0 {
                // random words: bytes still have to agree
                LweCiphertext::from_container((0..n).map(|_| rng.gen()).collect())
            } else {
                f.encrypt_small_u64(m, &mut enc)
            };
            let ours = f.server.bootstrap_key().bootstrap_u64(&ct, lut).unwrap();
            let oracle = f.oracle_pbs_u64(&ct, lut);
            assert_eq!(ours.data, oracle, "seed {seed:#x}, lut {name}, input {j}");
            if let (Some(g), true) = (func, !(j == 2 && t % 2 == 0)) {
                assert_eq!(f.decrypt_big(&ours), g(m), "seed {seed:#x}, lut {name}, m={m}");
            }
            count += 1;
        }
    }
    assert_eq!(count, tables.len() * 3);
}

#[test]
fn keyswitch_bootstrap_bytes_match_tfhe_and_decrypt() {
    let f = fixture();
    let seed = 0x6b73_7062_0001u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let tables = luts(f, &mut rng);
    for (name, lut, func) in &tables {
        for _ in 0..3 {
            let m = rng.gen_range(0..space(f));
            let ct = f.encrypt_big(m, &mut enc);
            // keyswitch alone, then the bootstrap alone on tfhe's own keyswitch output
            let oracle_small = f.oracle_ks(&ct);
            let small = f.server.keyswitch(&ct).unwrap();
            assert_eq!(small.data, oracle_small, "seed {seed:#x} lut {name} m={m}: keyswitch");
            let oracle = f.oracle_pbs_u32(&oracle_small, lut);
            let ours = f.server.keyswitch_bootstrap(&ct, lut).unwrap();
            assert_eq!(ours.data, oracle, "seed {seed:#x} lut {name} m={m}: ks+pbs");
            if let Some(g) = func {
                assert_eq!(f.decrypt_big(&ours), g(m), "seed {seed:#x} lut {name} m={m}: decrypt");
            }
        }
    }
}

#[test]
fn batch_matches_tfhe_and_is_deterministic() {
    let f = fixture();
    let seed = 0x0062_6174_6368_u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let tables = luts(f, &mut rng);
    let count = 12;
    let msgs: Vec<u64> = (0..count).map(|_| rng.gen_range(0..space(f))).collect();
    let inputs: Vec<LweCiphertext> = msgs.iter().map(|&m| f.encrypt_big(m, &mut enc)).collect();
    let which: Vec<usize> = (0..count).map(|i| i % tables.len()).collect();
    let lut_refs: Vec<&Lut> = which.iter().map(|&t| &tables[t].1).collect();
    let out = f.server.bootstrap_batch(&inputs, &lut_refs).unwrap();
    let again = f.server.bootstrap_batch(&inputs, &lut_refs).unwrap();
    assert_eq!(out, again, "seed {seed:#x}: run-twice determinism");
    // and independent of the thread count
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let serial = one_thread.install(|| f.server.bootstrap_batch(&inputs, &lut_refs).unwrap());
    assert_eq!(out, serial, "seed {seed:#x}: 1-thread pool vs default pool");
    assert_eq!(out.len(), count);
    for i in 0..count {
        let (name, lut, func) = &tables[which[i]];
        let oracle = f.oracle_pbs_u32(&f.oracle_ks(&inputs[i]), lut);
        assert_eq!(out[i].data, oracle, "seed {seed:#x} item {i} lut {name}");
        if let Some(g) = func {
            assert_eq!(f.decrypt_big(&out[i]), g(msgs[i]), "seed {seed:#x} item {i} lut {name}");
        }
    }
    // One LUT broadcast to every input.
    let ident = &tables[0].1;
    let out = f.server.bootstrap_batch(&inputs, &[ident]).unwrap();
    for i in 0..count {
        assert_eq!(f.decrypt_big(&out[i]), msgs[i], "seed {seed:#x} broadcast item {i}");
    }
}

#[test]
fn many_lut_bytes_match_tfhe_and_decrypt() {
    let f = fixture();
    let seed = 0x6d61_6e79u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let msg = f.params.message_modulus;
    let f0 = move |x: u64| x % msg;
    let f1 = move |x: u64| (x + 1) % msg;
    let f2 = move |x: u64| x / 2;
    let f3 = move |x: u64| (3 * x) % msg;
    let fns: [&dyn Fn(u64) -> u64; 4] = [&f0, &f1, &f2, &f3];
    for count in [2usize, 4] {
        let many = f.server.many_lut(&fns[..count]).unwrap();
        assert_eq!(many.max_input, space(f) / count as u64 - 1);
        let msgs: Vec<u64> = (0..2).map(|_| rng.gen_range(0..=many.max_input)).collect();
        let cts: Vec<LweCiphertext> = msgs.iter().map(|&m| f.encrypt_big(m, &mut enc)).collect();
        let batch = f.server.bootstrap_many_batch(&cts, &many).unwrap();
        for (i, (&m, ct)) in msgs.iter().zip(&cts).enumerate() {
            let outs = f.server.keyswitch_bootstrap_many(ct, &many).unwrap();
            assert_eq!(batch[i], outs, "seed {seed:#x} count {count}: batch vs single");
            let ct = ct.clone();
            let degrees: Vec<usize> = (0..count).map(|j| j * many.stride).collect();
            let oracle = f.oracle_many_u32(&f.oracle_ks(&ct), &many.lut, &degrees);
            assert_eq!(outs.len(), count);
            for j in 0..count {
                assert_eq!(outs[j].data, oracle[j], "seed {seed:#x} count {count} fn {j} m={m}");
                assert_eq!(f.decrypt_big(&outs[j]), fns[j](m), "seed {seed:#x} count {count} fn {j} m={m}");
            }
        }
    }
}

#[test]
fn centered_modulus_switch_bytes_match_tfhe() {
    let f = fixture();
    let server = f.server.clone().with_modulus_switch(gloam_fhe::ModulusSwitch::Centered);
    let seed = 0x6365_6e74u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (_, mut enc) = generators(seed as u128);
    let tables = luts(f, &mut rng);
    for (name, lut, func) in tables.iter().take(3) {
        for _ in 0..2 {
            let m = rng.gen_range(0..space(f));
            let ct = f.encrypt_big(m, &mut enc);
            let ours = server.keyswitch_bootstrap(&ct, lut).unwrap();
            let oracle = f.oracle_pbs_u32_with(&f.oracle_ks(&ct), lut, true);
            assert_eq!(ours.data, oracle, "seed {seed:#x} lut {name} m={m}");
            if let Some(g) = func {
                assert_eq!(f.decrypt_big(&ours), g(m), "seed {seed:#x} lut {name} m={m}");
            }
        }
    }
}

#[test]
fn centered_body_correction_matches_tfhe() {
    let f = fixture();
    let seed = 0x6d73_626fu64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let log_2n = f.params.log_2n();
    let low = (1u32 << (32 - f.params.ks_output_modulus_log)) - 1;
    let mut differs = 0;
    for i in 0..300 {
        // random top-aligned KS32 words
        let ct: Vec<u32> = (0..=f.params.lwe_dimension).map(|_| rng.gen::<u32>() & !low).collect();
        let (body, mask) = ct.split_last().unwrap();
        let corr = gloam_fhe::pbs::centered_body_correction_u32(mask, log_2n);
        let ours = gloam_fhe::pbs::mod_switch_u32(body.wrapping_add(corr), log_2n);
        assert_eq!(ours, f.oracle_ms_body(&ct, true), "seed {seed:#x} input {i}");
        let plain = gloam_fhe::pbs::mod_switch_u32(*body, log_2n);
        assert_eq!(plain, f.oracle_ms_body(&ct, false), "seed {seed:#x} input {i}");
        differs += usize::from(ours != plain);
    }
    // the correction is not a no-op
    assert!(differs > 100, "seed {seed:#x}: centered == plain on {} of 300 inputs", 300 - differs);
}

#[test]
fn sequential_and_parallel_key_conversion_agree() {
    let f = fixture();
    let p = f.params;
    let seq = gloam_fhe::BootstrapKey::from_standard(
        f.std_bsk.as_ref(),
        p.lwe_dimension,
        p.glwe_size(),
        p.polynomial_size,
        p.pbs_base_log,
        p.pbs_level,
    )
    .unwrap();
    assert_eq!(seq.as_ntt_slice(), f.server.bootstrap_key().as_ntt_slice());
    assert!(seq.as_ntt_slice().iter().all(|&v| (v as u128) < common::P), "coefficients reduced mod p");
}
