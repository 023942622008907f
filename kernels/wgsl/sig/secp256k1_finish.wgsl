// Entry point: affine result and status (see secp256k1_dsm.wgsl).

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
