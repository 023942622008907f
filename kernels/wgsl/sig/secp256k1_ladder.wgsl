// Entry point: params.b 4-bit windows of the Straus/Shamir ladder from window params.a down
// (see secp256k1_dsm.wgsl).

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
