// secp256k1 double scalar multiplication u1·G + u2·P, one thread per signature, in three kinds
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

@compute @workgroup_size(WORKGROUP)
fn secp_prepare(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    let base = IN_WORDS * i;
    let x = load_in(base + 16u);
    var y: Fe;
    var status = 0u;
    if (params.a == 0u) {
        // y² = x³ + 7.
        var seven = fe_zero();
        seven[0] = 7u;
        let rhs = fe_add(fe_mul(fe_sqr(x), x), seven);
        y = fe_pow(rhs, SECP_SQRT_EXP);
        if (!fe_eq(fe_sqr(y), rhs)) {
            status = 1u;
        } else if ((y[0] & 1u) != (inputs[base + 24u] & 1u)) {
            y = fe_neg(y);
        }
    } else {
        y = load_in(base + 24u);
    }
    if (status != 0u) {
        store_acc(i, jac_inf(), status);
        return;
    }
    let p = Jac(x, y, fe_one());
    let tbase = TABLE_POINTS * JAC_WORDS * i;
    // Entry k holds (k+1)·P: even multiples by doubling (cheaper), odd ones by adding P.
    store_ptab(tbase, p);
    var prev = p;
    for (var k = 1u; k < TABLE_POINTS; k++) {
        // One call site each for addition and doubling (shader size; see secp256k1_point.wgsl).
        var src = prev;
        var dbl_now = (k & 1u) == 1u;
        if (dbl_now) {
            let h = tbase + JAC_WORDS * (k / 2u);
            src = Jac(load_ptab_fe(h), load_ptab_fe(h + 8u), load_ptab_fe(h + 16u));
        } else {
            let s = jac_add(prev, p);
            dbl_now = s.dbl;
            src = s.p;
        }
        var q = src;
        if (dbl_now) {
            q = jac_dbl(src);
        }
        store_ptab(tbase + JAC_WORDS * k, q);
        prev = q;
    }
    store_acc(i, jac_inf(), 0u);
}

@compute @workgroup_size(WORKGROUP)
fn secp_ladder(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    if (accs[ACC_WORDS * i + 24u] != 0u) {
        return;
    }
    let base = IN_WORDS * i;
    let tbase = TABLE_POINTS * JAC_WORDS * i;
    var acc = load_acc(i);
    // Per window: 4 doublings, + digit(u2)·P, + digit(u1)·G, as 6 steps of one loop so the
    // shader holds a single copy of each point formula.
    for (var step = 0u; step < 6u * params.b; step++) {
        let w = params.a - step / 6u;
        let phase = step % 6u;
        var dbl_now = phase < 4u;
        if (!dbl_now) {
            var q: Jac;
            var d: u32;
            if (phase == 4u) {
                d = digit(base + 8u, w);
                let h = tbase + JAC_WORDS * (max(d, 1u) - 1u);
                q = Jac(load_ptab_fe(h), load_ptab_fe(h + 8u), load_ptab_fe(h + 16u));
            } else {
                d = digit(base, w);
                q = load_g(max(d, 1u) - 1u);
            }
            if (d != 0u) {
                let s = jac_add(acc, q);
                dbl_now = s.dbl;
                acc = s.p;
            }
        }
        if (dbl_now) {
            acc = jac_dbl(acc);
        }
    }
    store_acc(i, acc, 0u);
}

@compute @workgroup_size(WORKGROUP)
fn secp_finish(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    let o = OUT_WORDS * i;
    var status = accs[ACC_WORDS * i + 24u];
    let acc = load_acc(i);
    if (status == 0u && jac_is_inf(acc)) {
        status = 2u;
    }
    var x = fe_zero();
    var y = fe_zero();
    if (status == 0u) {
        let zi = fe_inv(acc.z);
        let zi2 = fe_sqr(zi);
        x = fe_mul(acc.x, zi2);
        y = fe_mul(fe_mul(acc.y, zi2), zi);
    }
    for (var k = 0u; k < 8u; k++) {
        outs[o + k] = x[k];
        outs[o + 8u + k] = y[k];
    }
    outs[o + 16u] = status;
}
