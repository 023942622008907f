// Pippenger bucket combination and reduction over XYZZ partial sums.
//
// msm_combine: one thread per range of at most 64 consecutive partials (the host lays the
// ranges out): sums them. Repeated level by level until every bucket is one point; the last
// level writes exactly one (possibly infinite) point per bucket, densely. Bounding every
// thread's loop keeps a skewed scalar distribution (a constant vector puts every point in one
// bucket) from serialising in one thread.
//
// msm_reduce: one thread per segment of consecutive buckets of one window. Running sums from
// the top bucket down give
//   acc = Σ_{b in segment} (b − lo + 1)·B_b   and   run = Σ_{b in segment} B_b,
// which the host combines across segments (Σ acc_k + S·Σ k·run_k, itself a running sum) and
// across windows (Horner).

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read> ranges: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

fn load_src(t: u32) -> Xyzz {
    let base = t * 48u;
    var p: Xyzz;
    for (var i = 0u; i < 12u; i++) {
        p.x[i] = src[base + i];
        p.y[i] = src[base + 12u + i];
        p.zz[i] = src[base + 24u + i];
        p.zzz[i] = src[base + 36u + i];
    }
    return p;
}

fn store_dst(slot: u32, p: Xyzz) {
    let base = slot * 48u;
    for (var i = 0u; i < 12u; i++) {
        dst[base + i] = p.x[i];
        dst[base + 12u + i] = p.y[i];
        dst[base + 24u + i] = p.zz[i];
        dst[base + 36u + i] = p.zzz[i];
    }
}

@compute @workgroup_size(64)
fn msm_combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let g = flat_id(gid, nwg);
    if (g >= params.count) {
        return;
    }
    let start = ranges[2u * g];
    let len = ranges[2u * g + 1u];
    var acc = xyzz_zero();
    for (var k = 0u; k < len; k++) {
        acc = xyzz_add(acc, load_src(start + k));
    }
    store_dst(g, acc);
}

@compute @workgroup_size(64)
fn msm_reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let s = flat_id(gid, nwg);
    if (s >= params.count) {
        return;
    }
    let first = ranges[2u * s];
    let cnt = ranges[2u * s + 1u];
    var run = xyzz_zero();
    var acc = xyzz_zero();
    for (var b = cnt; b > 0u; b--) {
        run = xyzz_add(run, load_src(first + b - 1u));
        acc = xyzz_add(acc, run);
    }
    store_dst(2u * s, acc);
    store_dst(2u * s + 1u, run);
}
