// Entry point: + (−R), times the cofactor 8, identity test, status (see ed25519_dsm.wgsl).

@compute @workgroup_size(WORKGROUP)
fn ed_finish(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    var status = accs[ED_ACC_WORDS * i + 32u];
    if (status == 0u) {
        var acc = ed_load_acc(i);
        let neg_r = ed_load_ptab(ED_TABLE_SLOTS * EXT_WORDS * i + EXT_WORDS * ED_TABLE_POINTS);
        // Step 0 adds −R, steps 1..3 double: one addition call site.
        for (var k = 0u; k < 4u; k++) {
            var q = acc;
            if (k == 0u) {
                q = neg_r;
            }
            acc = ext_add(acc, q);
        }
        if (!ext_is_identity(acc)) {
            status = 3u;
        }
    }
    outs[ED_OUT_WORDS * i] = status;
}
