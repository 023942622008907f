//! Bad input gives typed errors, never a panic. These tests need no tfhe keys: they build small
//! key containers directly.

use gloam_fhe::{
    BootstrapKey, FheError, FheParams, KeyswitchKey, Lut, LweCiphertext, LweCiphertext32, ManyLut, ModulusSwitch,
    ServerKey, HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128,
};

/// Toy parameters (N = 16, n = 4, big dimension 16) so the keys are tiny.
const TOY: FheParams = FheParams {
    lwe_dimension: 4,
    glwe_dimension: 1,
    polynomial_size: 16,
    pbs_base_log: 23,
    pbs_level: 1,
    ks_base_log: 2,
    ks_level: 8,
    message_modulus: 2,
    carry_modulus: 2,
    ks_output_modulus_log: 21,
    lwe_noise_log: 3,
    glwe_noise_log: 17,
};

fn toy_server() -> ServerKey {
    let p = TOY;
    let ksk = KeyswitchKey::from_container(
        vec![1u32 << 11; p.big_lwe_dimension() * p.ks_level * (p.lwe_dimension + 1)],
        p.big_lwe_dimension(),
        p.lwe_dimension,
        p.ks_base_log,
        p.ks_level,
        p.ks_output_modulus_log,
    )
    .unwrap();
    let bsk_len = p.lwe_dimension * p.pbs_level * p.glwe_size() * p.glwe_size() * p.polynomial_size;
    let bsk =
        BootstrapKey::from_standard(&vec![7u64; bsk_len], p.lwe_dimension, p.glwe_size(), p.polynomial_size, 23, 1)
            .unwrap();
    ServerKey::new(p, ksk, bsk).unwrap()
}

#[test]
fn default_params_are_the_hpu_set_and_valid() {
    let p = HPU_MESSAGE_2_CARRY_2_KS32_TUNIFORM_2M128;
    p.validate().unwrap();
    assert_eq!((p.lwe_dimension, p.glwe_dimension, p.polynomial_size), (879, 1, 2048));
    assert_eq!((p.pbs_base_log, p.pbs_level, p.ks_base_log, p.ks_level), (23, 1, 2, 8));
    assert_eq!((p.message_modulus, p.carry_modulus, p.ks_output_modulus_log), (4, 4, 21));
    assert_eq!(p.delta(), 1 << 59);
    assert_eq!(p.log_2n(), 12);
}

#[test]
fn invalid_params_are_rejected() {
    let mut p = TOY;
    p.polynomial_size = 24;
    assert!(matches!(p.validate(), Err(FheError::Parameters(_))));
    let mut p = TOY;
    p.ks_base_log = 5;
    assert!(matches!(p.validate(), Err(FheError::Parameters(_))));
    let mut p = TOY;
    p.ks_output_modulus_log = 4; // below 2N = 32
    assert!(matches!(p.validate(), Err(FheError::Parameters(_))));
    let mut p = TOY;
    p.message_modulus = 3;
    assert!(matches!(p.validate(), Err(FheError::Parameters(_))));
}

#[test]
fn key_shapes_are_checked() {
    let p = TOY;
    let e = KeyswitchKey::from_container(vec![0; 5], 16, 4, 2, 8, 21).unwrap_err();
    assert_eq!(e, FheError::Length { what: "keyswitch key", expected: 16 * 8 * 5, got: 5 });
    assert!(matches!(KeyswitchKey::from_container(vec![], 16, 4, 5, 8, 21), Err(FheError::Parameters(_))));
    assert!(matches!(BootstrapKey::from_standard(&[0; 10], 4, 2, 16, 23, 1), Err(FheError::Length { .. })));
    assert!(matches!(BootstrapKey::from_standard(&[], 4, 2, 12, 23, 1), Err(FheError::Parameters(_))));
    assert!(matches!(BootstrapKey::par_from_standard(&[0; 10], 4, 2, 16, 23, 1), Err(FheError::Length { .. })));
    // A key for other parameters is refused by the server key.
    let ksk = KeyswitchKey::from_container(vec![0; 16 * 8 * 6], 16, 5, 2, 8, 21).unwrap();
    let bsk = BootstrapKey::from_standard(&vec![0; 4 * 4 * 16], 4, 2, 16, 23, 1).unwrap();
    assert!(matches!(
        ServerKey::new(p, ksk, bsk),
        Err(FheError::Length { what: "keyswitch key output dimension", .. })
    ));
    let ksk = KeyswitchKey::from_container(vec![0; 16 * 8 * 5], 16, 4, 2, 8, 20).unwrap();
    let bsk = BootstrapKey::from_standard(&vec![0; 4 * 4 * 16], 4, 2, 16, 23, 1).unwrap();
    assert!(matches!(ServerKey::new(p, ksk, bsk), Err(FheError::Modulus { .. })));
}

#[test]
fn bad_ciphertexts_and_luts_are_rejected() {
    let s = toy_server();
    let good_big = LweCiphertext::from_container(vec![0; 17]);
    let lut = s.lut(|x| x);
    assert!(s.keyswitch_bootstrap(&good_big, &lut).is_ok());
    // wrong input dimension
    let e = s.keyswitch(&LweCiphertext::from_container(vec![0; 16])).unwrap_err();
    assert_eq!(e, FheError::Length { what: "keyswitch input", expected: 17, got: 16 });
    assert!(s.keyswitch(&LweCiphertext::from_container(vec![])).is_err());
    // wrong LUT size
    let bad_lut = Lut::from_container(vec![0; 31]);
    assert!(matches!(s.keyswitch_bootstrap(&good_big, &bad_lut), Err(FheError::Length { what: "lookup table", .. })));
    // small ciphertexts: wrong length, wrong modulus, unaligned words
    let small = s.keyswitch(&good_big).unwrap();
    assert_eq!(small.data.len(), 5);
    assert!(s.bootstrap(&small, &lut).is_ok());
    let short = LweCiphertext32 { data: vec![0; 4], modulus_log: 21 };
    assert!(matches!(s.bootstrap(&short, &lut), Err(FheError::Length { .. })));
    let other_mod = LweCiphertext32 { data: vec![0; 5], modulus_log: 32 };
    assert!(matches!(s.bootstrap(&other_mod, &lut), Err(FheError::Modulus { .. })));
    let unaligned = LweCiphertext32 { data: vec![1, 0, 0, 0, 0], modulus_log: 21 };
    assert!(matches!(s.bootstrap(&unaligned, &lut), Err(FheError::Unaligned { .. })));
    assert!(matches!(
        s.bootstrap_key().bootstrap_u32(
            &LweCiphertext32 { data: vec![0; 5], modulus_log: 0 },
            &lut,
            ModulusSwitch::Standard
        ),
        Err(FheError::Modulus { .. })
    ));
    assert!(matches!(
        s.bootstrap_key().bootstrap_u32(
            &LweCiphertext32 { data: vec![0; 5], modulus_log: 3 },
            &lut,
            ModulusSwitch::Centered
        ),
        Err(FheError::Modulus { .. })
    ));
    assert!(matches!(
        s.bootstrap_key().bootstrap_u64(&LweCiphertext::from_container(vec![0; 3]), &lut),
        Err(FheError::Length { what: "bootstrap input", .. })
    ));
}

#[test]
fn batch_shape_errors() {
    let s = toy_server();
    let lut = s.lut(|x| x);
    let cts = vec![LweCiphertext::from_container(vec![0; 17]); 3];
    assert_eq!(s.bootstrap_batch(&cts, &[]).unwrap_err(), FheError::BatchShape { inputs: 3, luts: 0 });
    assert_eq!(s.bootstrap_batch(&cts, &[&lut, &lut]).unwrap_err(), FheError::BatchShape { inputs: 3, luts: 2 });
    assert_eq!(s.bootstrap_batch(&cts, &[&lut]).unwrap().len(), 3);
    assert_eq!(s.bootstrap_batch(&cts, &[&lut, &lut, &lut]).unwrap().len(), 3);
    assert!(s.bootstrap_batch(&[], &[]).unwrap().is_empty());
    let mut bad = cts.clone();
    bad[2] = LweCiphertext::from_container(vec![0; 18]);
    assert_eq!(
        s.bootstrap_batch(&bad, &[&lut]).unwrap_err(),
        FheError::BatchItem {
            index: 2,
            source: Box::new(FheError::Length { what: "batch input", expected: 17, got: 18 })
        }
    );
    assert!(matches!(
        s.bootstrap_many_batch(&bad, &s.many_lut(&[&|x| x]).unwrap()),
        Err(FheError::BatchItem { index: 2, .. })
    ));
    let bad_lut = Lut::from_container(vec![0; 3]);
    assert!(matches!(
        s.bootstrap_batch(&cts, &[&lut, &bad_lut, &lut]),
        Err(FheError::BatchItem { index: 1, source }) if matches!(*source, FheError::Length { what: "lookup table", .. })
    ));
}

#[test]
fn many_lut_shape_errors() {
    let s = toy_server();
    let id = |x: u64| x;
    assert!(matches!(s.many_lut(&[]), Err(FheError::ManyLut(_))));
    // message·carry = 4 → at most 2 functions
    assert!(matches!(s.many_lut(&[&id, &id, &id]), Err(FheError::ManyLut(_))));
    let m = s.many_lut(&[&id, &id]).unwrap();
    assert_eq!((m.function_count, m.stride, m.max_input), (2, 8, 1));
    let mut broken: ManyLut = m.clone();
    broken.function_count = 3;
    assert!(matches!(
        s.keyswitch_bootstrap_many(&LweCiphertext::from_container(vec![0; 17]), &broken),
        Err(FheError::ManyLut(_))
    ));
    assert_eq!(s.keyswitch_bootstrap_many(&LweCiphertext::from_container(vec![0; 17]), &m).unwrap().len(), 2);
}
