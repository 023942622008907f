// Pippenger bucket accumulation: one thread per task, a task being a run of at most L entries
// of one bucket (long buckets — a constant scalar vector puts every point in one — are split
// into several tasks by the host so no thread serialises the whole MSM). Each entry is
// `point_index << 1 | negate`; signed digits make a negative digit add −P.
//
// Output: one XYZZ partial sum per task (48 words). msm_reduce.wgsl folds tasks into buckets.

@group(0) @binding(0) var<storage, read> points: array<u32>;
@group(0) @binding(1) var<storage, read> entries: array<u32>;
@group(0) @binding(2) var<storage, read> tasks: array<u32>;
@group(0) @binding(3) var<storage, read_write> partials: array<u32>;
@group(0) @binding(4) var<uniform> params: Params;

fn load_point_coord(base: u32) -> Fp {
    var r: Fp;
    for (var i = 0u; i < 12u; i++) {
        r[i] = points[base + i];
    }
    return r;
}

fn store_partial(t: u32, p: Xyzz) {
    let base = t * 48u;
    for (var i = 0u; i < 12u; i++) {
        partials[base + i] = p.x[i];
        partials[base + 12u + i] = p.y[i];
        partials[base + 24u + i] = p.zz[i];
        partials[base + 36u + i] = p.zzz[i];
    }
}

@compute @workgroup_size(64)
fn msm_accumulate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = flat_id(gid, nwg);
    if (t >= params.count) {
        return;
    }
    let start = tasks[2u * t];
    let len = tasks[2u * t + 1u];
    var acc = xyzz_zero();
    for (var k = 0u; k < len; k++) {
        let e = entries[start + k];
        let base = (e >> 1u) * 24u;
        let x = load_point_coord(base);
        var y = load_point_coord(base + 12u);
        if ((e & 1u) == 1u) {
            y = fp_neg(y);
        }
        acc = xyzz_add_affine(acc, x, y);
    }
    store_partial(t, acc);
}
