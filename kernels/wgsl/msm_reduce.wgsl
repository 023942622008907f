// Pippenger bucket reduction, one thread per segment of consecutive buckets of one window:
// running sums from the top bucket down give
//   acc = Σ_{b in segment} (b − lo + 1)·B_b   and   run = Σ_{b in segment} B_b,
// which the host combines across segments (Σ acc_k + S·Σ k·run_k, itself a running sum) and
// across windows (Horner). Buckets are read as CSR over the accumulate tasks, so a bucket split
// into several tasks is summed here and an empty bucket costs one addition of `run`.

@group(0) @binding(0) var<storage, read> partials: array<u32>;
@group(0) @binding(1) var<storage, read> bucket_tasks: array<u32>;
@group(0) @binding(2) var<storage, read> segments: array<u32>;
@group(0) @binding(3) var<storage, read_write> sums: array<u32>;
@group(0) @binding(4) var<uniform> params: Params;

fn load_partial(t: u32) -> Xyzz {
    let base = t * 48u;
    var p: Xyzz;
    for (var i = 0u; i < 12u; i++) {
        p.x[i] = partials[base + i];
        p.y[i] = partials[base + 12u + i];
        p.zz[i] = partials[base + 24u + i];
        p.zzz[i] = partials[base + 36u + i];
    }
    return p;
}

fn store_sum(slot: u32, p: Xyzz) {
    let base = slot * 48u;
    for (var i = 0u; i < 12u; i++) {
        sums[base + i] = p.x[i];
        sums[base + 12u + i] = p.y[i];
        sums[base + 24u + i] = p.zz[i];
        sums[base + 36u + i] = p.zzz[i];
    }
}

@compute @workgroup_size(64)
fn msm_reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let s = flat_id(gid, nwg);
    if (s >= params.count) {
        return;
    }
    let first = segments[2u * s];
    let cnt = segments[2u * s + 1u];
    var run = xyzz_zero();
    var acc = xyzz_zero();
    for (var b = cnt; b > 0u; b--) {
        let g = first + b - 1u;
        let t_end = bucket_tasks[g + 1u];
        for (var t = bucket_tasks[g]; t < t_end; t++) {
            run = xyzz_add(run, load_partial(t));
        }
        acc = xyzz_add(acc, run);
    }
    store_sum(2u * s, acc);
    store_sum(2u * s + 1u, run);
}
