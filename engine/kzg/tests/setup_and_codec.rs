//! Trusted-setup loading (file, embedded, corrupted) and the wire codecs' edge cases.

use std::path::PathBuf;
use std::sync::Arc;

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use ark_serialize::CanonicalSerialize;
use gloam_engine::{testkit, Engine};
use gloam_kzg::codec::*;
use gloam_kzg::*;

fn setup_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/trusted_setup.txt")
}

#[test]
fn settings_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<KzgSettings>();
}

#[test]
fn embedded_setup_is_the_mainnet_file() {
    use sha2::Digest;
    let h = sha2::Sha256::digest(MAINNET_TRUSTED_SETUP.as_bytes());
    assert_eq!(hex::encode(h), MAINNET_TRUSTED_SETUP_SHA256);
}

#[test]
fn file_load_verifies_and_matches_embedded() {
    let engine = Arc::new(Engine::cpu_only());
    let a = KzgSettings::load_trusted_setup_file(&setup_file(), engine.clone(), SetupOptions::default()).unwrap();
    let b = KzgSettings::mainnet_with(engine, SetupOptions { verify: false, commit_table: false, fk20_eager: false })
        .unwrap();
    println!("file load: {}", a.stats());
    let blob = Blob::zero();
    assert_eq!(a.blob_to_kzg_commitment(&blob).unwrap(), b.blob_to_kzg_commitment(&blob).unwrap());
    let mut blob = Blob::zero();
    blob.as_bytes_mut()[31] = 1;
    assert_eq!(a.blob_to_kzg_commitment(&blob).unwrap(), b.blob_to_kzg_commitment(&blob).unwrap());
}

#[test]
fn corrupted_setups_are_rejected() {
    let engine = Arc::new(Engine::cpu_only());
    let text = MAINNET_TRUSTED_SETUP;
    let lines: Vec<&str> = text.lines().collect();
    let opts = SetupOptions { verify: true, commit_table: false, fk20_eager: false };
    let load = |t: String| KzgSettings::parse_trusted_setup(&t, engine.clone(), opts);
    // two Lagrange points swapped: every point is valid, only the consistency check sees it
    let mut l = lines.clone();
    l.swap(2, 3);
    assert!(matches!(load(l.join("\n")), Err(KzgError::InvalidTrustedSetup(_))));
    // two monomial G1 points swapped
    let mut l = lines.clone();
    let m = 2 + 4096 + 65;
    l.swap(m + 5, m + 6);
    assert!(matches!(load(l.join("\n")), Err(KzgError::InvalidTrustedSetup(_))));
    // two G2 points swapped
    let mut l = lines.clone();
    l.swap(2 + 4096 + 3, 2 + 4096 + 4);
    assert!(matches!(load(l.join("\n")), Err(KzgError::InvalidTrustedSetup(_))));
    // truncated, wrong header, junk
    assert!(load(lines[..100].join("\n")).is_err());
    assert!(load(text.replacen("4096", "4095", 1)).is_err());
    assert!(load(format!("{text}\nextra")).is_err());
    let mut l = lines.clone();
    l[10] = "0xzz";
    assert!(load(l.join("\n")).is_err());
    assert!(KzgSettings::load_trusted_setup_file(std::path::Path::new("/nonexistent/setup.txt"), engine.clone(), opts)
        .is_err());
}

#[test]
fn g1_codec_matches_arkworks_and_rejects_bad_encodings() {
    let seed = testkit::seed(48);
    println!("seed {seed}");
    let mut rng = testkit::rng(seed);
    for _ in 0..50 {
        let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let mut ark = Vec::new();
        p.serialize_compressed(&mut ark).unwrap();
        let ours = g1_compress(&p);
        assert_eq!(ours.to_vec(), ark, "same ZCash encoding as arkworks");
        assert_eq!(g1_decompress(&ours, true).unwrap(), p);
        // the other root: sort flag flipped decodes to −P
        let mut f = ours;
        f[0] ^= 0x20;
        assert_eq!(g1_decompress(&f, true).unwrap(), -p);
        // compression flag cleared
        let mut f = ours;
        f[0] &= 0x7f;
        assert_eq!(g1_decompress(&f, true), Err(PointError::NotCompressed));
    }
    let mut inf = [0u8; 48];
    inf[0] = 0xc0;
    assert!(g1_decompress(&inf, true).unwrap().is_zero());
    assert_eq!(g1_compress(&G1Affine::zero()), inf);
    for bad in [0xe0u8, 0xc1, 0xd0] {
        let mut b = inf;
        b[0] = bad;
        assert_eq!(g1_decompress(&b, true), Err(PointError::NonCanonicalInfinity));
    }
    let mut b = inf;
    b[47] = 1;
    assert_eq!(g1_decompress(&b, true), Err(PointError::NonCanonicalInfinity));
    // x ≥ p
    let mut b = [0xffu8; 48];
    b[0] = 0x9f;
    assert_eq!(g1_decompress(&b, true), Err(PointError::CoordinateNotCanonical));
    // x = 0 is not on the curve for BLS12-381 (y² = 4 has a root, so use a known non-residue search)
    let mut found_off_curve = false;
    let mut found_off_subgroup = false;
    for x in 1u8..=255 {
        let mut b = [0u8; 48];
        b[0] = 0x80;
        b[47] = x;
        match g1_decompress(&b, true) {
            Err(PointError::NotOnCurve) => found_off_curve = true,
            Err(PointError::NotInSubgroup) => found_off_subgroup = true,
            _ => {}
        }
    }
    assert!(found_off_curve && found_off_subgroup, "small x values hit both rejection paths");
}

#[test]
fn field_elements_are_canonical_big_endian() {
    let r_minus_1 = fr_to_be(&-Fr::from(1u64));
    assert_eq!(hex::encode(r_minus_1), "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000");
    assert!(fr_from_be(&r_minus_1).is_some());
    let mut r = r_minus_1;
    r[31] = 1;
    assert!(fr_from_be(&r).is_none(), "r itself is rejected, not reduced");
    assert!(fr_from_be(&[0xff; 32]).is_none());
    let mut one = [0u8; 32];
    one[31] = 1;
    assert_eq!(fr_from_be(&one), Some(Fr::from(1u64)));
    // wrong lengths are typed errors
    assert!(matches!(Blob::from_bytes(&[0u8; 131071]), Err(KzgError::WrongLength { .. })));
    assert!(matches!(Cell::from_bytes(&[0u8; 2049]), Err(KzgError::WrongLength { .. })));
    assert!(matches!(Bytes48::from_hex("0x00"), Err(KzgError::WrongLength { .. })));
    assert!(matches!(Bytes32::from_hex("0xzz"), Err(KzgError::InvalidHex { .. })));
}

#[test]
fn versioned_hash() {
    let engine = Arc::new(Engine::cpu_only());
    let s = KzgSettings::mainnet_with(engine, SetupOptions { verify: false, commit_table: false, fk20_eager: false })
        .unwrap();
    let c = s.blob_to_kzg_commitment(&Blob::zero()).unwrap();
    let h = kzg_to_versioned_hash(&c);
    assert_eq!(h.0[0], 1);
    use sha2::Digest;
    assert_eq!(&h.0[1..], &sha2::Sha256::digest(c.0)[1..]);
}

#[test]
fn lazy_fk20_table_is_built_once_under_concurrency() {
    let s = KzgSettings::mainnet_with(
        Arc::new(Engine::cpu_only()),
        SetupOptions { verify: false, commit_table: false, fk20_eager: false },
    )
    .unwrap();
    assert!(s.stats().fk20_table_ms.is_none());
    let mut blob = Blob::zero();
    blob.as_bytes_mut()[63] = 5;
    let results: Vec<_> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..3).map(|_| sc.spawn(|| s.compute_cells_and_kzg_proofs(&blob).unwrap())).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    let st = s.stats();
    assert!(st.fk20_table_ms.is_some() && st.fk20_table_bytes > 0, "{st}");
    // proofs verify against the commitment
    let com = s.blob_to_kzg_commitment(&blob).unwrap().to_bytes();
    let (cells, proofs) = &results[0];
    let idx: Vec<u64> = (0..128).collect();
    let proofs: Vec<Bytes48> = proofs.iter().map(|p| p.to_bytes()).collect();
    assert!(s.verify_cell_kzg_proof_batch(&vec![com; 128], &idx, cells, &proofs).unwrap());
}
