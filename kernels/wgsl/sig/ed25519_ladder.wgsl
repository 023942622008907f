// Entry point: params.b 4-bit windows from window params.a down: 4 doublings, + digit(k)·(−A),
// + digit(s)·B, as 6 steps through the one (complete) addition (see ed25519_dsm.wgsl).

@compute @workgroup_size(WORKGROUP)
fn ed_ladder(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    if (accs[ED_ACC_WORDS * i + 32u] != 0u) {
        return;
    }
    let base = ED_IN_WORDS * i;
    let tbase = ED_TABLE_SLOTS * EXT_WORDS * i;
    var acc = ed_load_acc(i);
    for (var step = 0u; step < 6u * params.b; step++) {
        let w = params.a - step / 6u;
        let phase = step % 6u;
        var q = acc;
        var d = 1u;
        if (phase == 4u) {
            d = ed_digit(base + 8u, w);
            q = ed_load_ptab(tbase + EXT_WORDS * (max(d, 1u) - 1u));
        } else if (phase == 5u) {
            d = ed_digit(base, w);
            q = ed_load_b(max(d, 1u) - 1u);
        }
        if (d != 0u) {
            acc = ext_add(acc, q);
        }
    }
    ed_store_acc(i, acc, 0u);
}
