// Entry point: the encoding of the result (RFC 8032 §5.1.2) and the status (see ed25519_dsm.wgsl).

@compute @workgroup_size(WORKGROUP)
fn ed_finish(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    let o = ED_OUT_WORDS * i;
    let status = accs[ED_ACC_WORDS * i + 32u];
    var enc = f25_zero();
    if (status == 0u) {
        let acc = ed_load_acc(i);
        let zi = f25_inv(acc.z);
        let x = f25_mul(acc.x, zi);
        enc = f25_mul(acc.y, zi);
        enc[7] |= (x[0] & 1u) << 31u;
    }
    for (var k = 0u; k < 8u; k++) {
        outs[o + k] = enc[k];
    }
    outs[o + 8u] = status;
}
