// Radix-2 NTT over Fr, batched: `count` threads cover `batch` consecutive vectors of n = 2^log_n
// elements. A transform is bit_reverse, then one ntt_stage dispatch per stage (half-size
// m = 1, 2, …, n/2; Cooley–Tukey decimation in time), with ntt_scale before (coset: gⁱ) or after
// (inverse: n⁻¹·g⁻ⁱ). Twiddles are ω⁰…ω^{n/2−1} for the transform's own ω (ω⁻¹ for inverse),
// exactly arkworks' roots, so outputs are bit-identical to Radix2EvaluationDomain.
//
// Params: count = work items, a = log_n, b = log_m (stage), c unused.

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read> factors: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

fn load_fr(i: u32) -> Fr {
    var r: Fr;
    for (var k = 0u; k < 8u; k++) {
        r[k] = data[8u * i + k];
    }
    return r;
}

fn store_fr(i: u32, v: Fr) {
    for (var k = 0u; k < 8u; k++) {
        data[8u * i + k] = v[k];
    }
}

fn load_factor(i: u32) -> Fr {
    var r: Fr;
    for (var k = 0u; k < 8u; k++) {
        r[k] = factors[8u * i + k];
    }
    return r;
}

// One thread per element; swaps with its bit-reversed partner inside its vector.
@compute @workgroup_size(64)
fn ntt_bit_reverse(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let idx = flat_id(gid, nwg);
    if (idx >= params.count) {
        return;
    }
    let log_n = params.a;
    let n_mask = (1u << log_n) - 1u;
    let i = idx & n_mask;
    let j = reverseBits(i) >> (32u - log_n);
    if (i < j) {
        let base = idx - i;
        let x = load_fr(base + i);
        let y = load_fr(base + j);
        store_fr(base + i, y);
        store_fr(base + j, x);
    }
}

// One thread per butterfly (count = total/2).
@compute @workgroup_size(64)
fn ntt_stage(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let k = flat_id(gid, nwg);
    if (k >= params.count) {
        return;
    }
    let log_n = params.a;
    let log_m = params.b;
    let half_n = 1u << (log_n - 1u);
    let v = k >> (log_n - 1u);
    let kk = k & (half_n - 1u);
    let m = 1u << log_m;
    let j = kk & (m - 1u);
    let blk = kk >> log_m;
    let i0 = (v << log_n) + (blk << (log_m + 1u)) + j;
    let i1 = i0 + m;
    // ω_{2m}^j = ω_n^{j·n/(2m)}.
    let w = load_factor(j << (log_n - 1u - log_m));
    let a = load_fr(i0);
    let t = fr_mul(w, load_fr(i1));
    store_fr(i0, fr_add(a, t));
    store_fr(i1, fr_sub(a, t));
}

// data[i] *= factors[i mod n], one thread per element.
@compute @workgroup_size(64)
fn ntt_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let idx = flat_id(gid, nwg);
    if (idx >= params.count) {
        return;
    }
    let n_mask = (1u << params.a) - 1u;
    store_fr(idx, fr_mul(load_fr(idx), load_factor(idx & n_mask)));
}
