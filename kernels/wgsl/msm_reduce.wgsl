// Pippenger bucket combination and reduction over XYZZ partial sums.
//
// Combine: one thread per range of at most 64 consecutive partials (the host lays the
// ranges out): sums them. Repeated level by level until every bucket is one point; the last
// level writes exactly one (possibly infinite) point per bucket, densely. Bounding every
// thread's loop keeps a skewed scalar distribution (a constant vector puts every point in one
// bucket) from serialising in one thread.
//
// Reduce: one thread per segment of consecutive buckets of one window. Running sums from
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

// Both passes in one entry point (params.a: 0 = combine, 1 = reduce) around a single
// xyzz_add call site: each inlined copy of the addition cost lavapipe ~18 s of compile time.
// Combine: thread g sums src[start .. start + len) into dst[g].
// Reduce: thread s walks buckets first + cnt − 1 down to first, alternating run += B_b and
// acc += run, and writes acc to dst[2s] and run to dst[2s + 1].
@compute @workgroup_size(64)
fn msm_fold(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_id(gid, nwg);
    if (id >= params.count) {
        return;
    }
    let reduce = params.a == 1u;
    let first = ranges[2u * id];
    let len = ranges[2u * id + 1u];
    let steps = select(len, 2u * len, reduce);
    var run = xyzz_zero();
    var acc = xyzz_zero();
    for (var step = 0u; step < steps; step++) {
        let odd = reduce && (step & 1u) == 1u;
        var lhs = acc;
        var rhs = run;
        if (reduce) {
            if (!odd) {
                lhs = run;
                rhs = load_src(first + len - 1u - step / 2u);
            }
        } else {
            rhs = load_src(first + step);
        }
        let sum = xyzz_add(lhs, rhs);
        if (reduce && !odd) {
            run = sum;
        } else {
            acc = sum;
        }
    }
    if (reduce) {
        store_dst(2u * id, acc);
        store_dst(2u * id + 1u, run);
    } else {
        store_dst(id, acc);
    }
}
