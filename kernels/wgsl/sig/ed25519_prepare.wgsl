// Entry point: decode A and R, build 1·(−A) … 15·(−A) and −R; accumulator = identity (see
// ed25519_dsm.wgsl).

@compute @workgroup_size(WORKGROUP)
fn ed_prepare(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    let base = ED_IN_WORDS * i;
    // A then R through one decoder call site (shader size: every call is inlined).
    var pts: array<Ext, 2>;
    var oks: array<bool, 2>;
    for (var j = 0u; j < 2u; j++) {
        let d = ed_decompress(ed_load_in(base + 16u + 8u * j));
        pts[j] = d.p;
        oks[j] = d.ok;
    }
    let a = Decoded(pts[0], oks[0]);
    let r = Decoded(pts[1], oks[1]);
    // The reference decodes A first: an undecodable A is reported whatever R is.
    var status = 0u;
    if (!r.ok) {
        status = 2u;
    }
    if (!a.ok) {
        status = 1u;
    }
    if (status != 0u) {
        ed_store_acc(i, ext_identity(), status);
        return;
    }
    let tbase = ED_TABLE_SLOTS * EXT_WORDS * i;
    let neg_a = ext_neg(a.p);
    var q = neg_a;
    ed_store_ptab(tbase, q);
    for (var k = 1u; k < ED_TABLE_POINTS; k++) {
        q = ext_add(q, neg_a);
        ed_store_ptab(tbase + EXT_WORDS * k, q);
    }
    ed_store_ptab(tbase + EXT_WORDS * ED_TABLE_POINTS, ext_neg(r.p));
    ed_store_acc(i, ext_identity(), 0u);
}
