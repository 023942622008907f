// Entry point: P (lifted or given), its window table 1·P … 15·P, accumulator = ∞ (see
// secp256k1_dsm.wgsl).

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
