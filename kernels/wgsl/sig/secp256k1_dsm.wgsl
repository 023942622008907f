// secp256k1 double scalar multiplication u1·G + u2·P: bindings, item layout and load/store
// helpers shared by the three entry-point files (secp256k1_prepare/_ladder/_finish.wgsl, one
// module each so the pipelines can be built concurrently). One thread per signature, three kinds
// of dispatch so that no thread runs one very long chain (lavapipe, and GPU watchdogs, dislike
// those) and the per-item window table is built once:
//
//   secp_prepare  P from the input (mode 0, recovery: lift x with the y-parity, sqrt by the
//                 (p+1)/4 power; mode 1, verification: P = (x, y) as given), the table
//                 1·P … 15·P, accumulator = ∞, status.
//   secp_ladder   Straus/Shamir over 4-bit windows params.a, params.a − 1, …, params.a −
//                 params.b + 1 (63 is the top): 4 doublings, + digit(u2)·P from the item's
//                 table, + digit(u1)·G from the fixed G table (host-computed, resident).
//   secp_finish   affine x, y (Fermat inversion of Z) and the status word.
//
// Item layout (u32 words, little-endian limbs): input 32 words = u1 ‖ u2 ‖ x ‖ (y, or the
// parity in word 24); output 17 words = x ‖ y ‖ status (0 = affine point, 1 = x is not on the
// curve, 2 = the result is the point at infinity).
//
// The host range-checks r, s and v, applies the low-S rule and computes u1 = −z·r⁻¹, u2 = s·r⁻¹
// (recovery) or u1 = z·s⁻¹, u2 = r·s⁻¹ (verification); see engine/sig-gpu/src/prep.rs.

const IN_WORDS: u32 = 32u;
const OUT_WORDS: u32 = 17u;
const ACC_WORDS: u32 = 25u;
const JAC_WORDS: u32 = 24u;
const TABLE_POINTS: u32 = 15u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inputs: array<u32>;
@group(0) @binding(2) var<storage, read> gtab: array<u32>;
@group(0) @binding(3) var<storage, read_write> ptab: array<u32>;
@group(0) @binding(4) var<storage, read_write> accs: array<u32>;
@group(0) @binding(5) var<storage, read_write> outs: array<u32>;

fn load_in(off: u32) -> Fe {
    var r: Fe;
    for (var i = 0u; i < 8u; i++) {
        r[i] = inputs[off + i];
    }
    return r;
}

fn load_acc_fe(off: u32) -> Fe {
    var r: Fe;
    for (var i = 0u; i < 8u; i++) {
        r[i] = accs[off + i];
    }
    return r;
}

fn store_acc_fe(off: u32, v: Fe) {
    var x = v;
    for (var i = 0u; i < 8u; i++) {
        accs[off + i] = x[i];
    }
}

fn load_ptab_fe(off: u32) -> Fe {
    var r: Fe;
    for (var i = 0u; i < 8u; i++) {
        r[i] = ptab[off + i];
    }
    return r;
}

fn store_ptab(off: u32, p: Jac) {
    var x = p.x;
    var y = p.y;
    var z = p.z;
    for (var i = 0u; i < 8u; i++) {
        ptab[off + i] = x[i];
        ptab[off + 8u + i] = y[i];
        ptab[off + 16u + i] = z[i];
    }
}

fn load_g(k: u32) -> Jac {
    var x: Fe;
    var y: Fe;
    let off = 16u * k;
    for (var i = 0u; i < 8u; i++) {
        x[i] = gtab[off + i];
        y[i] = gtab[off + 8u + i];
    }
    return Jac(x, y, fe_one());
}

fn load_acc(i: u32) -> Jac {
    let off = ACC_WORDS * i;
    return Jac(load_acc_fe(off), load_acc_fe(off + 8u), load_acc_fe(off + 16u));
}

fn store_acc(i: u32, p: Jac, status: u32) {
    let off = ACC_WORDS * i;
    store_acc_fe(off, p.x);
    store_acc_fe(off + 8u, p.y);
    store_acc_fe(off + 16u, p.z);
    accs[off + 24u] = status;
}

// The 4-bit window w (0 = least significant) of the scalar at input word `off`.
fn digit(off: u32, w: u32) -> u32 {
    return (inputs[off + w / 8u] >> (4u * (w % 8u))) & 15u;
}
