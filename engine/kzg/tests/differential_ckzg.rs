//! Randomized differential tests against c-kzg (the reference gloam must match byte for byte):
//! random valid inputs must give the same bytes, invalid ones the same verdict (error or false).
//! Seeded; the seed is printed and `GLOAM_TEST_SEED` overrides it.

use std::sync::{Arc, OnceLock};

use ark_bls12_381::Fr;
use ark_ff::{Field, UniformRand};
use c_kzg as ck;
use gloam_engine::{domain, testkit, Engine};
use gloam_kzg::codec::{fr_to_be, reverse_bits};
use gloam_kzg::*;
use rand::{Rng, RngCore};

fn ours() -> &'static KzgSettings {
    static S: OnceLock<KzgSettings> = OnceLock::new();
    // GLOAM_BACKEND selects the backend under test; the default is the auto policy.
    S.get_or_init(|| {
        KzgSettings::mainnet(Arc::new(Engine::from_env().expect("engine from GLOAM_* environment"))).expect("setup")
    })
}

fn theirs() -> &'static ck::KzgSettings {
    ck::ethereum_kzg_settings(8)
}

/// Same Ok value, or both errors.
fn same<T: PartialEq + std::fmt::Debug>(what: &str, seed: u64, a: Result<T, KzgError>, b: Result<T, ck::Error>) {
    match (&a, &b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "{what}: different results (seed {seed})"),
        (Err(_), Err(_)) => {}
        _ => panic!("{what}: gloam {a:?} vs c-kzg {b:?} (seed {seed})"),
    }
}

fn random_blob(rng: &mut impl RngCore, kind: u32) -> Blob {
    let mut b = Blob::zero();
    let bytes = b.as_bytes_mut();
    let c = Fr::rand(rng);
    for i in 0..FIELD_ELEMENTS_PER_BLOB {
        let x = match kind % 5 {
            0 => Fr::rand(rng),
            1 => c,                          // constant: one MSM bucket
            2 => Fr::from(rng.gen::<u64>()), // small values
            3 => {
                if rng.gen_bool(0.05) {
                    Fr::rand(rng)
                } else {
                    Fr::from(0u64)
                }
            } // sparse
            _ => -Fr::from((i % 3) as u64),  // near r
        };
        bytes[i * 32..(i + 1) * 32].copy_from_slice(&fr_to_be(&x));
    }
    b
}

fn ck_blob(b: &Blob) -> ck::Blob {
    ck::Blob::from_bytes(b.as_bytes()).unwrap()
}
fn ck48(b: &Bytes48) -> ck::Bytes48 {
    ck::Bytes48::from_bytes(&b.0).unwrap()
}
fn ck32(b: &Bytes32) -> ck::Bytes32 {
    ck::Bytes32::from_bytes(&b.0).unwrap()
}
fn ck_cell(c: &Cell) -> ck::Cell {
    ck::Cell::from_bytes(c.as_bytes()).unwrap()
}

fn domain_point(i: usize) -> Bytes32 {
    Bytes32(fr_to_be(&domain::root_of_unity(12).pow([reverse_bits(i, 12) as u64])))
}

#[test]
fn eip4844_matches_ckzg() {
    let seed = testkit::seed(4844);
    println!("seed {seed}");
    let mut rng = testkit::rng(seed);
    let (s, c) = (ours(), theirs());
    let blobs: Vec<Blob> = (0..5).map(|k| random_blob(&mut rng, k)).collect();
    let mut commitments = Vec::new();
    let mut proofs = Vec::new();
    for (k, blob) in blobs.iter().enumerate() {
        let cb = ck_blob(blob);
        let com = s.blob_to_kzg_commitment(blob).unwrap();
        assert_eq!(com.0, *c.blob_to_kzg_commitment(&cb).unwrap(), "commitment of blob {k} (seed {seed})");
        let com48 = com.to_bytes();
        // a random z, a domain point (the in-domain quotient branch), and a non-canonical z
        let zs = [Bytes32(fr_to_be(&Fr::rand(&mut rng))), domain_point(rng.gen_range(0..4096)), Bytes32([0xff; 32])];
        for z in &zs {
            let a = s.compute_kzg_proof(blob, z).map(|(p, y)| (p.0, y.0));
            let b = c.compute_kzg_proof(&cb, &ck32(z)).map(|(p, y)| (*p, *y));
            same("compute_kzg_proof", seed, a.clone(), b);
            if let Ok((p, y)) = a {
                let (p, y) = (Bytes48(p), Bytes32(y));
                assert!(s.verify_kzg_proof(&com48, z, &y, &p).unwrap());
                let y1 = Bytes32(fr_to_be(&(codec::fr_from_be(&y.0).unwrap() + Fr::from(1u64))));
                same(
                    "verify_kzg_proof wrong y",
                    seed,
                    s.verify_kzg_proof(&com48, z, &y1, &p),
                    c.verify_kzg_proof(&ck48(&com48), &ck32(z), &ck32(&y1), &ck48(&p)),
                );
            }
        }
        let proof = s.compute_blob_kzg_proof(blob, &com48).unwrap();
        assert_eq!(proof.0, *c.compute_blob_kzg_proof(&cb, &ck48(&com48)).unwrap(), "blob proof {k} (seed {seed})");
        same(
            "verify_blob_kzg_proof",
            seed,
            s.verify_blob_kzg_proof(blob, &com48, &proof.to_bytes()),
            c.verify_blob_kzg_proof(&cb, &ck48(&com48), &ck48(&proof.to_bytes())),
        );
        assert!(s.verify_blob_kzg_proof(blob, &com48, &proof.to_bytes()).unwrap());
        commitments.push(com48);
        proofs.push(proof.to_bytes());
    }
    // wrong proof (another blob's): false on both sides
    same(
        "verify_blob_kzg_proof wrong proof",
        seed,
        s.verify_blob_kzg_proof(&blobs[0], &commitments[0], &proofs[1]),
        c.verify_blob_kzg_proof(&ck_blob(&blobs[0]), &ck48(&commitments[0]), &ck48(&proofs[1])),
    );
    let ckb: Vec<ck::Blob> = blobs.iter().map(ck_blob).collect();
    let ckc: Vec<ck::Bytes48> = commitments.iter().map(ck48).collect();
    let mut ckp: Vec<ck::Bytes48> = proofs.iter().map(ck48).collect();
    same(
        "batch valid",
        seed,
        s.verify_blob_kzg_proof_batch(&blobs, &commitments, &proofs),
        c.verify_blob_kzg_proof_batch(&ckb, &ckc, &ckp),
    );
    assert!(s.verify_blob_kzg_proof_batch(&blobs, &commitments, &proofs).unwrap());
    let mut bad = proofs.clone();
    bad.swap(1, 2);
    ckp.swap(1, 2);
    same(
        "batch swapped proofs",
        seed,
        s.verify_blob_kzg_proof_batch(&blobs, &commitments, &bad),
        c.verify_blob_kzg_proof_batch(&ckb, &ckc, &ckp),
    );
    let per = s.verify_blob_kzg_proof_batch_per_item(&blobs, &commitments, &bad).unwrap();
    let flags: Vec<bool> = per.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(flags, vec![true, false, false, true, true], "per-item verdicts (seed {seed})");
    same(
        "batch mismatched",
        seed,
        s.verify_blob_kzg_proof_batch(&blobs, &commitments[..2], &proofs),
        c.verify_blob_kzg_proof_batch(&ckb, &ckc[..2], &ckp),
    );
    // batch entry points agree with the single ones
    let batch = s.blob_to_kzg_commitment_batch(&blobs);
    for (k, r) in batch.iter().enumerate() {
        assert_eq!(r.as_ref().unwrap().to_bytes(), commitments[k]);
    }
    let bp = s.compute_blob_kzg_proof_batch(&blobs, &commitments).unwrap();
    for (k, r) in bp.iter().enumerate() {
        assert_eq!(r.as_ref().unwrap().to_bytes(), proofs[k]);
    }
}

#[test]
fn invalid_inputs_match_ckzg() {
    let seed = testkit::seed(7);
    println!("seed {seed}");
    let mut rng = testkit::rng(seed);
    let (s, c) = (ours(), theirs());
    let good = random_blob(&mut rng, 0);
    let com = s.blob_to_kzg_commitment(&good).unwrap().to_bytes();
    let proof = s.compute_blob_kzg_proof(&good, &com).unwrap().to_bytes();
    for _ in 0..4 {
        // a non-canonical element at a random index
        let mut blob = good.clone();
        let i = rng.gen_range(0..FIELD_ELEMENTS_PER_BLOB);
        let mut v = [0xffu8; 32];
        v[0] = rng.gen_range(0x74..=0xff);
        blob.as_bytes_mut()[i * 32..(i + 1) * 32].copy_from_slice(&v);
        let cb = ck_blob(&blob);
        match s.blob_to_kzg_commitment(&blob) {
            Err(KzgError::NonCanonicalFieldElement { index, .. }) => assert_eq!(index, i),
            other => panic!("expected non-canonical error at {i}, got {other:?}"),
        }
        assert!(c.blob_to_kzg_commitment(&cb).is_err());
        same(
            "proof of bad blob",
            seed,
            s.compute_blob_kzg_proof(&blob, &com).map(|p| p.0),
            c.compute_blob_kzg_proof(&cb, &ck48(&com)).map(|p| *p),
        );
        same(
            "verify bad blob",
            seed,
            s.verify_blob_kzg_proof(&blob, &com, &proof),
            c.verify_blob_kzg_proof(&cb, &ck48(&com), &ck48(&proof)),
        );
        same("cells of bad blob", seed, s.compute_cells(&blob).map(|v| v.len()), c.compute_cells(&cb).map(|v| v.len()));
    }
    // mutated points: flipped bits, flags, random bytes — same Ok/Err and same verdict
    let z = Bytes32(fr_to_be(&Fr::rand(&mut rng)));
    let (p, y) = s.compute_kzg_proof(&good, &z).unwrap();
    let p = p.to_bytes();
    for it in 0..150 {
        let mut cm = com;
        let mut pm = p;
        let target = if it % 2 == 0 { &mut cm } else { &mut pm };
        match it % 5 {
            0 => target.0[rng.gen_range(0..48)] ^= 1 << rng.gen_range(0..8),
            1 => target.0[0] ^= 0x20,
            2 => target.0[0] = rng.gen(),
            3 => rng.fill_bytes(&mut target.0),
            _ => {
                target.0 = [0; 48];
                target.0[0] = [0xc0, 0xe0, 0x40, 0x80, 0xc1][rng.gen_range(0..5)];
            }
        }
        same(
            "verify_kzg_proof mutated",
            seed,
            s.verify_kzg_proof(&cm, &z, &y, &pm),
            c.verify_kzg_proof(&ck48(&cm), &ck32(&z), &ck32(&y), &ck48(&pm)),
        );
    }
    // z or y non-canonical
    let big = Bytes32([0xee; 32]);
    same(
        "z >= r",
        seed,
        s.verify_kzg_proof(&com, &big, &y, &p),
        c.verify_kzg_proof(&ck48(&com), &ck32(&big), &ck32(&y), &ck48(&p)),
    );
    same(
        "y >= r",
        seed,
        s.verify_kzg_proof(&com, &z, &big, &p),
        c.verify_kzg_proof(&ck48(&com), &ck32(&z), &ck32(&big), &ck48(&p)),
    );
}

#[test]
fn eip7594_matches_ckzg() {
    let seed = testkit::seed(7594);
    println!("seed {seed}");
    let mut rng = testkit::rng(seed);
    let (s, c) = (ours(), theirs());
    let blobs: Vec<Blob> = (0..2).map(|k| random_blob(&mut rng, [0, 3][k])).collect();
    let mut all_cells = Vec::new();
    let mut all_proofs = Vec::new();
    let mut coms = Vec::new();
    for blob in &blobs {
        let cb = ck_blob(blob);
        let (cells, proofs) = s.compute_cells_and_kzg_proofs(blob).unwrap();
        let (cc, cp) = c.compute_cells_and_kzg_proofs(&cb).unwrap();
        for j in 0..CELLS_PER_EXT_BLOB {
            assert_eq!(cells[j].to_bytes(), cc[j].to_bytes(), "cell {j} (seed {seed})");
            assert_eq!(proofs[j].0, *cp[j], "proof {j} (seed {seed})");
        }
        assert_eq!(s.compute_cells(blob).unwrap(), cells);
        // recovery from a random half (plus a few)
        let mut idx: Vec<u64> = (0..CELLS_PER_EXT_BLOB as u64).collect();
        for i in (1..idx.len()).rev() {
            idx.swap(i, rng.gen_range(0..=i));
        }
        let mut keep: Vec<u64> = idx[..64 + rng.gen_range(0..8)].to_vec();
        keep.sort();
        let kept: Vec<Cell> = keep.iter().map(|&i| cells[i as usize].clone()).collect();
        let (rc, rp) = s.recover_cells_and_kzg_proofs(&keep, &kept).unwrap();
        assert_eq!(rc, cells, "recovered cells (seed {seed})");
        assert_eq!(rp, proofs, "recovered proofs (seed {seed})");
        // inconsistent data: c-kzg's bytes, whatever they are
        let mut junk = kept.clone();
        let e = Bytes32(fr_to_be(&Fr::rand(&mut rng)));
        junk[3] = {
            let mut b = junk[3].to_bytes();
            b[5 * 32..6 * 32].copy_from_slice(&e.0);
            Cell::from_bytes(&b).unwrap()
        };
        let a = s.recover_cells_and_kzg_proofs(&keep, &junk).map(|(c, p)| {
            (c.iter().map(|x| x.to_bytes().to_vec()).collect::<Vec<_>>(), p.iter().map(|x| x.0).collect::<Vec<_>>())
        });
        let ckjunk: Vec<ck::Cell> = junk.iter().map(ck_cell).collect();
        let b = c.recover_cells_and_kzg_proofs(&keep, &ckjunk).map(|(c, p)| {
            (c.iter().map(|x| x.to_bytes().to_vec()).collect::<Vec<_>>(), p.iter().map(|x| **x).collect::<Vec<_>>())
        });
        same("recover inconsistent", seed, a, b);
        // unsorted indices and too few cells: errors on both sides
        let mut unsorted = keep.clone();
        unsorted.swap(0, 1);
        same(
            "recover unsorted",
            seed,
            s.recover_cells_and_kzg_proofs(&unsorted, &kept).map(|_| ()),
            c.recover_cells_and_kzg_proofs(&unsorted, &kept.iter().map(ck_cell).collect::<Vec<_>>()).map(|_| ()),
        );
        same(
            "recover too few",
            seed,
            s.recover_cells_and_kzg_proofs(&keep[..63], &kept[..63]).map(|_| ()),
            c.recover_cells_and_kzg_proofs(&keep[..63], &kept[..63].iter().map(ck_cell).collect::<Vec<_>>())
                .map(|_| ()),
        );
        coms.push(s.blob_to_kzg_commitment(blob).unwrap().to_bytes());
        all_cells.push(cells);
        all_proofs.push(proofs);
    }
    // a mixed batch over both blobs, with repeats, not sorted
    let mut com_b = Vec::new();
    let mut idx_b = Vec::new();
    let mut cell_b = Vec::new();
    let mut proof_b = Vec::new();
    for _ in 0..40 {
        let k = rng.gen_range(0..2);
        let j = rng.gen_range(0..CELLS_PER_EXT_BLOB);
        com_b.push(coms[k]);
        idx_b.push(j as u64);
        cell_b.push(all_cells[k][j].clone());
        proof_b.push(all_proofs[k][j].to_bytes());
    }
    let check = |com: &[Bytes48], idx: &[u64], cells: &[Cell], proofs: &[Bytes48], what: &str| {
        let a = s.verify_cell_kzg_proof_batch(com, idx, cells, proofs);
        let b = c.verify_cell_kzg_proof_batch(
            &com.iter().map(ck48).collect::<Vec<_>>(),
            idx,
            &cells.iter().map(ck_cell).collect::<Vec<_>>(),
            &proofs.iter().map(ck48).collect::<Vec<_>>(),
        );
        same(what, seed, a.clone(), b);
        a
    };
    assert_eq!(check(&com_b, &idx_b, &cell_b, &proof_b, "cell batch valid"), Ok(true));
    let mut bad_cells = cell_b.clone();
    let mut bytes = bad_cells[7].to_bytes();
    bytes[31] ^= 1;
    bad_cells[7] = Cell::from_bytes(&bytes).unwrap();
    assert_eq!(check(&com_b, &idx_b, &bad_cells, &proof_b, "cell batch bad cell"), Ok(false));
    let per = s.verify_cell_kzg_proof_batch_per_item(&com_b, &idx_b, &bad_cells, &proof_b).unwrap();
    for (k, r) in per.iter().enumerate() {
        assert_eq!(*r, Ok(k != 7), "per-item verdict of cell {k} (seed {seed})");
    }
    let mut bad_idx = idx_b.clone();
    bad_idx[3] = (bad_idx[3] + 1) % 128;
    let _ = check(&com_b, &bad_idx, &cell_b, &proof_b, "cell batch wrong index");
    bad_idx[3] = 128;
    let _ = check(&com_b, &bad_idx, &cell_b, &proof_b, "cell batch index out of range");
    let mut bad_proofs = proof_b.clone();
    bad_proofs.swap(0, 1);
    let _ = check(&com_b, &idx_b, &cell_b, &bad_proofs, "cell batch swapped proofs");
    let _ = check(&com_b[..5], &idx_b, &cell_b, &proof_b, "cell batch mismatched");
    // every cell of both blobs, shuffled: many cells per coset (the grouped verification path)
    let mut all: Vec<(usize, usize)> = (0..2).flat_map(|k| (0..CELLS_PER_EXT_BLOB).map(move |j| (k, j))).collect();
    for i in (1..all.len()).rev() {
        all.swap(i, rng.gen_range(0..=i));
    }
    let com_f: Vec<Bytes48> = all.iter().map(|&(k, _)| coms[k]).collect();
    let idx_f: Vec<u64> = all.iter().map(|&(_, j)| j as u64).collect();
    let cell_f: Vec<Cell> = all.iter().map(|&(k, j)| all_cells[k][j].clone()).collect();
    let proof_f: Vec<Bytes48> = all.iter().map(|&(k, j)| all_proofs[k][j].to_bytes()).collect();
    assert_eq!(check(&com_f, &idx_f, &cell_f, &proof_f, "full batch valid"), Ok(true));
    let mut bad_proof_f = proof_f.clone();
    bad_proof_f.swap(10, 200);
    assert_eq!(check(&com_f, &idx_f, &cell_f, &bad_proof_f, "full batch swapped proofs"), Ok(false));
    let mut bad_cell_f = cell_f.clone();
    let mut b = bad_cell_f[99].to_bytes();
    b[100] ^= 4;
    bad_cell_f[99] = Cell::from_bytes(&b).unwrap();
    let _ = check(&com_f, &idx_f, &bad_cell_f, &proof_f, "full batch bad cell");
    // batch entry points agree with the single ones
    let batch = s.compute_cells_and_kzg_proofs_batch(&blobs);
    for (k, r) in batch.into_iter().enumerate() {
        let (cells, proofs) = r.unwrap();
        assert_eq!(cells, all_cells[k]);
        assert_eq!(proofs, all_proofs[k]);
    }
}
