// Test-only kernels: element-wise add, sub and mul of two vectors, for comparing the field
// arithmetic with arkworks on random and edge values. Output per pair: a+b ‖ a−b ‖ a·b.

@group(0) @binding(0) var<storage, read> lhs: array<u32>;
@group(0) @binding(1) var<storage, read> rhs: array<u32>;
@group(0) @binding(2) var<storage, read_write> results: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn fr_ops(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    var a: Fr;
    var b: Fr;
    for (var k = 0u; k < 8u; k++) {
        a[k] = lhs[8u * i + k];
        b[k] = rhs[8u * i + k];
    }
    let s = fr_add(a, b);
    let d = fr_sub(a, b);
    let m = fr_mul(a, b);
    for (var k = 0u; k < 8u; k++) {
        results[24u * i + k] = s[k];
        results[24u * i + 8u + k] = d[k];
        results[24u * i + 16u + k] = m[k];
    }
}

@compute @workgroup_size(64)
fn fp_ops(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    var a: Fp;
    var b: Fp;
    for (var k = 0u; k < 12u; k++) {
        a[k] = lhs[12u * i + k];
        b[k] = rhs[12u * i + k];
    }
    let s = fp_add(a, b);
    let d = fp_sub(a, b);
    let m = fp_mul(a, b);
    for (var k = 0u; k < 12u; k++) {
        results[36u * i + k] = s[k];
        results[36u * i + 12u + k] = d[k];
        results[36u * i + 24u + k] = m[k];
    }
}
