// TFHE KS32 keyswitch and NTT64 ("back and forth") programmable bootstrap over Goldilocks,
// bit-exact with gloam-fhe (engine/fhe/src/{keyswitch,pbs}.rs), itself byte-identical to tfhe-rs
// 1.8.2. Needs dispatch.wgsl (WORKGROUP, flat_id), arith.wgsl and fhe/u64.wgsl.
//
// Passes of one batch (launched by engine/fhe-gpu/src/webgpu.rs):
//   fhe_keyswitch     one workgroup per (ciphertext, 64 output words): u64 big LWE → u32 LWE mod 2^q
//   fhe_mod_switch    one thread per (ciphertext, word): switch to 2N (plain or centered body)
//   fhe_lut_init      one thread per (ciphertext, LUT word): accumulator ← its LUT
//   fhe_blind_rotate  one workgroup per ciphertext, key rows [row_begin, row_end): CMUX by the
//                     external product, one polynomial NTT at a time in workgroup memory
//   fhe_extract       one thread per output word: rotation by X^(−b) and sample extraction at
//                     the slot's degree (many-LUT = several slots per ciphertext)
// The bootstrap key never leaves the device; the accumulator and the NTT-domain sums live in
// per-ciphertext storage between passes.

struct FheCfg {
    batch: u32,
    // n (small LWE dimension)
    n: u32,
    // k·N (big LWE dimension)
    big_n: u32,
    // N
    poly: u32,
    log_poly: u32,
    // k + 1
    gs: u32,
    pbs_base_log: u32,
    pbs_level: u32,
    ks_base_log: u32,
    ks_level: u32,
    ks_mod_log: u32,
    centered: u32,
    row_begin: u32,
    row_end: u32,
    // work items of a thread-per-item pass
    count: u32,
    lut_words: u32,
}

@group(0) @binding(0) var<uniform> cfg: FheCfg;
// Bootstrap key, NTT domain mod p, layout [i][level][j][k][N].
@group(0) @binding(1) var<storage, read> bsk: array<vec2<u32>>;
// KS32 keyswitch key, layout [i][level][n + 1].
@group(0) @binding(2) var<storage, read> ksk: array<u32>;
// ψ^bitrev(i) (N words) then ψ^−bitrev(i) (N words), as gloam-fhe's NegacyclicNtt.
@group(0) @binding(3) var<storage, read> tw: array<vec2<u32>>;
// Big LWE inputs, batch × (k·N + 1) words.
@group(0) @binding(4) var<storage, read> big_in: array<vec2<u32>>;
// Small LWE (keyswitch output / bootstrap input), batch × (n + 1).
@group(0) @binding(5) var<storage, read_write> small: array<u32>;
// Switched small LWE, batch × (n + 1).
@group(0) @binding(6) var<storage, read_write> ms: array<u32>;
// Distinct LUTs, each (k + 1)·N words, and one LUT index per ciphertext.
@group(0) @binding(7) var<storage, read> luts: array<vec2<u32>>;
@group(0) @binding(8) var<storage, read> lut_idx: array<u32>;
// Accumulator (mod 2^64) and NTT-domain sums (mod p), batch × (k + 1) × N each.
@group(0) @binding(9) var<storage, read_write> acc: array<vec2<u32>>;
@group(0) @binding(10) var<storage, read_write> nacc: array<vec2<u32>>;
// Output slots: (ciphertext, extraction degree).
@group(0) @binding(11) var<storage, read> slots: array<vec2<u32>>;
@group(0) @binding(12) var<storage, read_write> outw: array<vec2<u32>>;

const MAX_POLY: u32 = 2048u;
// Exactly 16 KiB, WebGPU's default maxComputeWorkgroupStorageSize (so nothing else is declared
// for the blind rotation: the row's switched mask element is broadcast through sh[0]).
var<workgroup> sh: array<vec2<u32>, 2048>;

// ---- keyswitch ----

// Inputs whose digits one workgroup decomposes at a time; ks_level ≤ 32 (B·l ≤ 32).
const KS_TILE: u32 = 64u;
var<workgroup> ks_digits: array<u32, 2048>;

// One workgroup per (ciphertext, block of 64 output words) (gloam-fhe keyswitch.rs): each
// invocation owns output word o = o0 + tid; the workgroup decomposes KS_TILE input words at a
// time into `ks_digits`, then every invocation runs the multiply-subtract over the tile for its
// word (key reads contiguous across the workgroup). One workgroup per output block rather than
// per ciphertext keeps the work of one invocation small (see the lavapipe note in
// engine/fhe-gpu/src/webgpu.rs) and gives more workgroups.
@compute @workgroup_size(64)
fn fhe_keyswitch(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) tid: u32,
) {
    let n1 = cfg.n + 1u;
    let blocks = (n1 + WORKGROUP - 1u) / WORKGROUP;
    let wid = wg.x + wg.y * nwg.x;
    let c = wid / blocks;
    if (c >= cfg.batch) {
        return;
    }
    let o = (wid - c * blocks) * WORKGROUP + tid;
    let lv = cfg.ks_level;
    let bl = cfg.ks_base_log;
    let in_base = c * (cfg.big_n + 1u);
    var acc_w = 0u;
    if (o == cfg.n) {
        // closest_representable(b, q) >> 32
        let shift = 63u - cfg.ks_mod_log;
        let t = add64(shr64(big_in[in_base + cfg.big_n], shift), U64_ONE) & vec2<u32>(0xfffffffeu, 0xffffffffu);
        acc_w = shl64(t, shift).y;
    }
    for (var i0 = 0u; i0 < cfg.big_n; i0 = i0 + KS_TILE) {
        let tile = min(KS_TILE, cfg.big_n - i0);
        for (var t = tid; t < tile; t = t + WORKGROUP) {
            var st = decomp_init_state(big_in[in_base + i0 + t], bl, lv);
            for (var l = 0u; l < lv; l = l + 1u) {
                ks_digits[t * lv + l] = decomp_next_digit(&st, bl).x;
            }
        }
        workgroupBarrier();
        if (o < n1) {
            let row0 = i0 * lv * n1 + o;
            for (var t = 0u; t < tile * lv; t = t + 1u) {
                acc_w = acc_w - ksk[row0 + t * n1] * ks_digits[t];
            }
        }
        workgroupBarrier();
    }
    if (o < n1) {
        small[c * n1 + o] = acc_w;
    }
}

// ---- modulus switch ----

@compute @workgroup_size(64)
fn fhe_mod_switch(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_id(gid, nwg);
    if (id >= cfg.count) {
        return;
    }
    let n1 = cfg.n + 1u;
    let c = id / n1;
    let i = id - c * n1;
    let log_2n = cfg.log_poly + 1u;
    if (i < cfg.n) {
        ms[id] = mod_switch_u32(small[id], log_2n);
        return;
    }
    var body = small[id];
    if (cfg.centered != 0u) {
        // gloam-fhe `centered_body_correction_u32` (tfhe `centered_binary_ms_body_correction_to_add`)
        var sum_half = 0u;
        var sum_halving_doubled = 0i;
        for (var j = 0u; j < cfg.n; j = j + 1u) {
            let a = small[c * n1 + j];
            let rounded = mod_switch_u32(a, log_2n) << (32u - log_2n);
            let err = bitcast<i32>(rounded - a);
            let half = err / 2i;
            sum_half = sum_half + bitcast<u32>(half);
            sum_halving_doubled = sum_halving_doubled + (2i * half - err);
        }
        let sum_halving = bitcast<u32>(sum_halving_doubled / 2i);
        body = body + (sum_half - sum_halving - (1u << (31u - log_2n)));
    }
    ms[id] = mod_switch_u32(body, log_2n);
}

// ---- accumulator initialisation ----

@compute @workgroup_size(64)
fn fhe_lut_init(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_id(gid, nwg);
    if (id >= cfg.count) {
        return;
    }
    let c = id / cfg.lut_words;
    let w = id - c * cfg.lut_words;
    acc[id] = luts[lut_idx[c] * cfg.lut_words + w];
}

// ---- NTT in workgroup memory (gloam-fhe ntt.rs: Cooley–Tukey forward, natural in,
// bit-reversed out; Gentleman–Sande inverse without 1/N; Longa–Naehrig merged twist) ----

fn ntt_forward(tid: u32, nn: u32, log_n: u32) {
    var m = 1u;
    for (var s = 0u; s < log_n; s = s + 1u) {
        let log_t = log_n - 1u - s;
        let t = 1u << log_t;
        for (var b = tid; b < nn / 2u; b = b + WORKGROUP) {
            let blk = b >> log_t;
            let j = b & (t - 1u);
            let i0 = (blk << (log_t + 1u)) + j;
            let i1 = i0 + t;
            let w = tw[m + blk];
            let u = sh[i0];
            let v = gl_mul(sh[i1], w);
            sh[i0] = gl_add(u, v);
            sh[i1] = gl_sub(u, v);
        }
        workgroupBarrier();
        m = m << 1u;
    }
}

fn ntt_inverse(tid: u32, nn: u32, log_n: u32) {
    var m = nn >> 1u;
    for (var s = 0u; s < log_n; s = s + 1u) {
        let log_t = s;
        let t = 1u << log_t;
        for (var b = tid; b < nn / 2u; b = b + WORKGROUP) {
            let blk = b >> log_t;
            let j = b & (t - 1u);
            let i0 = (blk << (log_t + 1u)) + j;
            let i1 = i0 + t;
            let w = tw[nn + m + blk];
            let u = sh[i0];
            let v = sh[i1];
            sh[i0] = gl_add(u, v);
            sh[i1] = gl_mul(gl_sub(u, v), w);
        }
        workgroupBarrier();
        m = m >> 1u;
    }
}

// Coefficient x of (acc[base..base+N] · X^a) mod X^N + 1, a in [0, 2N).
fn rotated(base: u32, nn: u32, a: u32, x: u32) -> vec2<u32> {
    var s = a;
    var neg = false;
    if (s >= nn) {
        s = s - nn;
        neg = true;
    }
    var v: vec2<u32>;
    if (x >= s) {
        v = acc[base + x - s];
    } else {
        v = acc[base + x + nn - s];
        neg = !neg;
    }
    if (neg) {
        return neg64(v);
    }
    return v;
}

// ---- blind rotation ----

@compute @workgroup_size(64)
fn fhe_blind_rotate(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) tid: u32,
) {
    let c = wg.x + wg.y * nwg.x;
    if (c >= cfg.batch) {
        return;
    }
    let nn = cfg.poly;
    let gs = cfg.gs;
    let lv = cfg.pbs_level;
    let bl = cfg.pbs_base_log;
    let acc_base = c * gs * nn;
    let ms_base = c * (cfg.n + 1u);
    for (var i = cfg.row_begin; i < cfg.row_end; i = i + 1u) {
        // sh is free here (the previous row ended with a barrier); workgroupUniformLoad
        // synchronises before and after its load, so nobody overwrites sh[0] early.
        if (tid == 0u) {
            sh[0] = vec2<u32>(ms[ms_base + i], 0u);
        }
        let a = workgroupUniformLoad(&sh[0]).x;
        if (a == 0u) {
            // tfhe skips rows whose switched mask element is 0.
            continue;
        }
        for (var j = 0u; j < gs; j = j + 1u) {
            let pj = acc_base + j * nn;
            for (var l = 0u; l < lv; l = l + 1u) {
                // ct1 = acc_j·X^a − acc_j, decomposed; digit l into Z_p.
                for (var x = tid; x < nn; x = x + WORKGROUP) {
                    let v = sub64(rotated(pj, nn, a, x), acc[pj + x]);
                    sh[x] = digit_to_gl(decomp_digit(v, bl, lv, l));
                }
                workgroupBarrier();
                ntt_forward(tid, nn, cfg.log_poly);
                let key_base = ((i * lv + l) * gs + j) * gs * nn;
                let first = j == 0u && l == 0u;
                for (var k = 0u; k < gs; k = k + 1u) {
                    for (var x = tid; x < nn; x = x + WORKGROUP) {
                        let prod = gl_mul(sh[x], bsk[key_base + k * nn + x]);
                        let idx = acc_base + k * nn + x;
                        if (first) {
                            nacc[idx] = prod;
                        } else {
                            nacc[idx] = gl_add(nacc[idx], prod);
                        }
                    }
                }
                workgroupBarrier();
            }
        }
        for (var k = 0u; k < gs; k = k + 1u) {
            let pk = acc_base + k * nn;
            for (var x = tid; x < nn; x = x + WORKGROUP) {
                sh[x] = nacc[pk + x];
            }
            workgroupBarrier();
            ntt_inverse(tid, nn, cfg.log_poly);
            for (var x = tid; x < nn; x = x + WORKGROUP) {
                acc[pk + x] = add64(acc[pk + x], gl_to_native(sh[x]));
            }
            workgroupBarrier();
        }
        // acc is read at rotated positions (other threads' words) by the next row.
        storageBarrier();
    }
}

// ---- body rotation and sample extraction ----

@compute @workgroup_size(64)
fn fhe_extract(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_id(gid, nwg);
    if (id >= cfg.count) {
        return;
    }
    let nn = cfg.poly;
    let wpo = cfg.big_n + 1u;
    let s = id / wpo;
    let w = id - s * wpo;
    let slot = slots[s];
    let c = slot.x;
    let d = slot.y;
    let b = ms[c * (cfg.n + 1u) + cfg.n];
    // X^(−b) = X^(2N − b)
    var kr = 0u;
    if (b != 0u) {
        kr = 2u * nn - b;
    }
    let base = c * cfg.gs * nn;
    var v: vec2<u32>;
    if (w < cfg.big_n) {
        let p = w / nn;
        let i = w - p * nn;
        if (i <= d) {
            v = rotated(base + p * nn, nn, kr, d - i);
        } else {
            v = neg64(rotated(base + p * nn, nn, kr, nn + d - i));
        }
    } else {
        v = rotated(base + (cfg.gs - 1u) * nn, nn, kr, d);
    }
    outw[id] = v;
}

// ---- self-tests (engine/fhe-gpu/tests): arithmetic and one NTT against gloam-fhe ----

// Per element i (a = big_in[2i], b = big_in[2i + 1], both < p): add, sub, mul, a → 2^64,
// decomposition state of a and its first three digits in Z_p with (pbs_base_log, pbs_level).
@compute @workgroup_size(64)
fn fhe_selftest_ops(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_id(gid, nwg);
    if (id >= cfg.count) {
        return;
    }
    let a = big_in[2u * id];
    let b = big_in[2u * id + 1u];
    let o = 8u * id;
    outw[o] = gl_add(a, b);
    outw[o + 1u] = gl_sub(a, b);
    outw[o + 2u] = gl_mul(a, b);
    outw[o + 3u] = gl_to_native(a);
    var st = decomp_init_state(a, cfg.pbs_base_log, cfg.pbs_level);
    outw[o + 4u] = st;
    for (var l = 0u; l < 3u; l = l + 1u) {
        outw[o + 5u + l] = digit_to_gl(decomp_next_digit(&st, cfg.pbs_base_log));
    }
}

// One workgroup per polynomial: forward NTT of big_in[c·N ..] to out[2c·N ..], then the inverse
// (unscaled) of that to out[(2c + 1)·N ..].
@compute @workgroup_size(64)
fn fhe_selftest_ntt(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) tid: u32,
) {
    let c = wg.x + wg.y * nwg.x;
    if (c >= cfg.batch) {
        return;
    }
    let nn = cfg.poly;
    for (var x = tid; x < nn; x = x + WORKGROUP) {
        sh[x] = big_in[c * nn + x];
    }
    workgroupBarrier();
    ntt_forward(tid, nn, cfg.log_poly);
    for (var x = tid; x < nn; x = x + WORKGROUP) {
        outw[2u * c * nn + x] = sh[x];
    }
    workgroupBarrier();
    ntt_inverse(tid, nn, cfg.log_poly);
    for (var x = tid; x < nn; x = x + WORKGROUP) {
        outw[(2u * c + 1u) * nn + x] = sh[x];
    }
}
