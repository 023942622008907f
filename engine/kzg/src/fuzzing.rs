//! Fuzz target bodies, shared by the cargo-fuzz crate (`engine/kzg/fuzz`) and by a normal test
//! that runs each over seeded random and mutated inputs, so CI exercises them on stable. Each
//! takes arbitrary bytes, must never panic except on a broken invariant (the asserts below),
//! and checks a round-trip property where one exists.

use crate::codec::*;
use crate::setup::KzgSettings;
use crate::types::*;

/// Blob decoding: length check, then canonical elements; a decoded blob re-encodes to itself.
pub fn blob_decode(data: &[u8]) {
    let Ok(blob) = Blob::from_bytes(data) else { return };
    match blob_to_polynomial(&blob) {
        Ok(poly) => {
            for (i, x) in poly.iter().enumerate() {
                assert_eq!(&fr_to_be(x)[..], &data[i * 32..(i + 1) * 32]);
            }
        }
        Err(crate::KzgError::NonCanonicalFieldElement { index, .. }) => {
            assert!(fr_from_be(data[index * 32..(index + 1) * 32].try_into().unwrap()).is_none());
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// Field-element decoding: canonical values round-trip, others are rejected.
pub fn field_element(data: &[u8]) {
    let Ok(b) = Bytes32::from_bytes(data) else { return };
    if let Some(x) = fr_from_be(&b.0) {
        assert_eq!(fr_to_be(&x), b.0);
    }
}

/// G1 decoding (KeyValidate): a point that decodes re-encodes to the same 48 bytes.
pub fn g1_decode(data: &[u8]) {
    let Ok(b) = Bytes48::from_bytes(data) else { return };
    if let Ok(p) = g1_decompress(&b.0, true) {
        assert_eq!(g1_compress(&p), b.0);
    }
}

/// `verify_kzg_proof` on arbitrary 160 bytes.
pub fn verify_kzg_proof(s: &KzgSettings, data: &[u8]) {
    if data.len() < 160 {
        return;
    }
    let c = Bytes48::from_bytes(&data[..48]).unwrap();
    let z = Bytes32::from_bytes(&data[48..80]).unwrap();
    let y = Bytes32::from_bytes(&data[80..112]).unwrap();
    let p = Bytes48::from_bytes(&data[112..160]).unwrap();
    let _ = s.verify_kzg_proof(&c, &z, &y, &p);
}

/// Splits `data` into a small cell batch: a header byte picks the count, then indices, then
/// cell, commitment and proof bytes (short inputs are padded with zeros).
fn split_cells(data: &[u8]) -> (Vec<u64>, Vec<Cell>, Vec<Bytes48>, Vec<Bytes48>) {
    let Some((&head, rest)) = data.split_first() else { return Default::default() };
    let n = (head % 5) as usize;
    let mut cursor = rest.iter().copied().chain(std::iter::repeat(0));
    let mut take = |k: usize| -> Vec<u8> { (&mut cursor).take(k).collect() };
    let idx: Vec<u64> = (0..n).map(|_| u64::from(take(1)[0])).collect();
    let cells = (0..n).map(|_| Cell::from_bytes(&take(BYTES_PER_CELL)).unwrap()).collect();
    let coms = (0..n).map(|_| Bytes48::from_bytes(&take(48)).unwrap()).collect();
    let proofs = (0..n).map(|_| Bytes48::from_bytes(&take(48)).unwrap()).collect();
    (idx, cells, coms, proofs)
}

/// `verify_cell_kzg_proof_batch` on a batch cut from arbitrary bytes.
pub fn verify_cell_batch(s: &KzgSettings, data: &[u8]) {
    let (idx, cells, coms, proofs) = split_cells(data);
    let _ = s.verify_cell_kzg_proof_batch(&coms, &idx, &cells, &proofs);
    // mismatched lengths must be an error, not a panic
    if !cells.is_empty() {
        assert!(s.verify_cell_kzg_proof_batch(&coms[1..], &idx, &cells, &proofs).is_err());
    }
}

/// Cells and indices for recovery: the decoder paths (index range, order, count, canonical
/// elements) on arbitrary input. Real recovery needs 64 cells, which the header can ask for.
pub fn recover_cells(s: &KzgSettings, data: &[u8]) {
    let Some((&head, rest)) = data.split_first() else { return };
    let n = if head & 0x80 != 0 { 64 } else { (head % 70) as usize };
    let mut cursor = rest.iter().copied().chain(std::iter::repeat(0));
    let mut idx: Vec<u64> = (0..n).map(|_| u64::from(cursor.next().unwrap_or(0))).collect();
    if head & 0x40 != 0 {
        idx = (0..n as u64).map(|i| 2 * i + u64::from(head & 1)).collect();
    }
    let cells: Vec<Cell> = (0..n)
        .map(|_| {
            let mut b: Vec<u8> = (&mut cursor).take(BYTES_PER_CELL).collect();
            if head & 0x20 != 0 {
                // keep elements canonical so recovery itself runs
                for c in b.chunks_mut(32) {
                    c[0] &= 0x3f;
                }
            }
            Cell::from_bytes(&b).unwrap()
        })
        .collect();
    if let Ok((c, p)) = s.recover_cells_and_kzg_proofs(&idx, &cells) {
        assert_eq!(c.len(), CELLS_PER_EXT_BLOB);
        assert_eq!(p.len(), CELLS_PER_EXT_BLOB);
    }
}

/// `verify_blob_kzg_proof_batch` with up to two blobs built from the input (cheap blobs:
/// the bytes repeat to fill 128 KiB).
pub fn verify_blob_batch(s: &KzgSettings, data: &[u8]) {
    if data.len() < 97 {
        return;
    }
    let n = (data[0] % 3) as usize;
    let fill = &data[97..];
    let blob = |k: usize| {
        let mut b = Blob::zero();
        if !fill.is_empty() {
            for (i, x) in b.as_bytes_mut().iter_mut().enumerate() {
                *x = fill[(i + k) % fill.len()];
            }
        }
        b
    };
    let blobs: Vec<Blob> = (0..n).map(blob).collect();
    let c = Bytes48::from_bytes(&data[1..49]).unwrap();
    let p = Bytes48::from_bytes(&data[49..97]).unwrap();
    let _ = s.verify_blob_kzg_proof_batch(&blobs, &vec![c; n], &vec![p; n]);
}
