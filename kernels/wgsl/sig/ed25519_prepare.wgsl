// Entry point: decode −A and build its table 1·(−A) … 15·(−A); accumulator = identity (see
// ed25519_dsm.wgsl).

@compute @workgroup_size(WORKGROUP)
fn ed_prepare(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    let dec = ed_decompress(ed_load_in(ED_IN_WORDS * i + 16u));
    if (!dec.ok) {
        ed_store_acc(i, ext_identity(), 1u);
        return;
    }
    let tbase = ED_TABLE_POINTS * EXT_WORDS * i;
    var q = dec.p;
    ed_store_ptab(tbase, q);
    for (var k = 1u; k < ED_TABLE_POINTS; k++) {
        q = ext_add(q, dec.p);
        ed_store_ptab(tbase + EXT_WORDS * k, q);
    }
    ed_store_acc(i, ext_identity(), 0u);
}
