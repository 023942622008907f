//! Peer implementations in their best documented configuration.

use ark_ff::{BigInteger, PrimeField};
use ark_serialize::CanonicalSerialize;
use gloam_engine::{Fr, G1Affine, G1Projective};

/// blst's view of a point set and scalars, converted once outside the timed region.
pub struct BlstMsm {
    points: Vec<blst::blst_p1_affine>,
    affines: blst::p1_affines,
    scalars: Vec<u8>,
}

impl BlstMsm {
    pub fn new(bases: &[G1Affine], scalars: &[Fr]) -> BlstMsm {
        let points: Vec<blst::blst_p1_affine> = bases.iter().map(to_blst_affine).collect();
        let projs: Vec<blst::blst_p1> = points
            .iter()
            .map(|a| {
                let mut p = blst::blst_p1::default();
                unsafe { blst::blst_p1_from_affine(&mut p, a) };
                p
            })
            .collect();
        let affines = blst::p1_affines::from(&projs);
        let mut sc = Vec::with_capacity(scalars.len() * 32);
        for s in scalars {
            sc.extend_from_slice(&s.into_bigint().to_bytes_le());
        }
        BlstMsm { points, affines, scalars: sc }
    }

    /// `p1s_mult_pippenger` through blst's Rust API, which runs on blst's own thread pool.
    pub fn mult_threaded(&self) -> blst::blst_p1 {
        self.affines.mult(&self.scalars, 255)
    }

    /// `blst_p1s_mult_pippenger` from the C API: single-threaded by design.
    pub fn mult_single(&self) -> blst::blst_p1 {
        let n = self.points.len();
        let mut out = blst::blst_p1::default();
        if n == 0 {
            return out;
        }
        let pts: [*const blst::blst_p1_affine; 2] = [self.points.as_ptr(), std::ptr::null()];
        let scs: [*const u8; 2] = [self.scalars.as_ptr(), std::ptr::null()];
        let words = unsafe { blst::blst_p1s_mult_pippenger_scratch_sizeof(n) } / 8 + 1;
        let mut scratch = vec![0u64; words];
        unsafe {
            blst::blst_p1s_mult_pippenger(&mut out, pts.as_ptr(), n, scs.as_ptr(), 255, scratch.as_mut_ptr() as *mut _)
        };
        out
    }
}

/// blst fixed-base tables (`p1s_mult_wbits`), what c-kzg uses for `precompute > 0`.
pub struct BlstFixed {
    table: Vec<blst::blst_p1_affine>,
    wbits: usize,
    n: usize,
    scalars: Vec<u8>,
}

impl BlstFixed {
    pub fn new(bases: &[G1Affine], scalars: &[Fr], wbits: usize) -> BlstFixed {
        let points: Vec<blst::blst_p1_affine> = bases.iter().map(to_blst_affine).collect();
        let n = points.len();
        let bytes = unsafe { blst::blst_p1s_mult_wbits_precompute_sizeof(wbits, n) };
        let mut table = vec![blst::blst_p1_affine::default(); bytes / std::mem::size_of::<blst::blst_p1_affine>() + 1];
        let pts: [*const blst::blst_p1_affine; 2] = [points.as_ptr(), std::ptr::null()];
        unsafe { blst::blst_p1s_mult_wbits_precompute(table.as_mut_ptr(), wbits, pts.as_ptr(), n) };
        let mut sc = Vec::with_capacity(scalars.len() * 32);
        for s in scalars {
            sc.extend_from_slice(&s.into_bigint().to_bytes_le());
        }
        BlstFixed { table, wbits, n, scalars: sc }
    }

    pub fn table_bytes(&self) -> usize {
        self.table.len() * std::mem::size_of::<blst::blst_p1_affine>()
    }

    pub fn mult(&self) -> blst::blst_p1 {
        let mut out = blst::blst_p1::default();
        let scs: [*const u8; 2] = [self.scalars.as_ptr(), std::ptr::null()];
        let words = unsafe { blst::blst_p1s_mult_wbits_scratch_sizeof(self.n) } / 8 + 1;
        let mut scratch = vec![0u64; words];
        unsafe {
            blst::blst_p1s_mult_wbits(
                &mut out,
                self.table.as_ptr(),
                self.wbits,
                self.n,
                scs.as_ptr(),
                255,
                scratch.as_mut_ptr() as *mut _,
            )
        };
        out
    }
}

pub fn to_blst_affine(p: &G1Affine) -> blst::blst_p1_affine {
    let mut bytes = Vec::with_capacity(96);
    p.serialize_uncompressed(&mut bytes).expect("vec");
    let mut a = blst::blst_p1_affine::default();
    let r = unsafe { blst::blst_p1_deserialize(&mut a, bytes.as_ptr()) };
    assert_eq!(r, blst::BLST_ERROR::BLST_SUCCESS, "arkworks and blst agree on the ZCash encoding");
    a
}

/// Compressed bytes of a blst point, to compare with gloam's.
pub fn blst_compressed(p: &blst::blst_p1) -> [u8; 48] {
    let mut out = [0u8; 48];
    unsafe { blst::blst_p1_compress(out.as_mut_ptr(), p) };
    out
}

pub fn ark_compressed(p: &G1Projective) -> [u8; 48] {
    use ark_ec::CurveGroup;
    let mut v = Vec::with_capacity(48);
    p.into_affine().serialize_compressed(&mut v).expect("vec");
    v.try_into().expect("48 bytes")
}
