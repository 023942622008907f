// Ed25519 verification under ZIP-215, one thread per signature: bindings, item layout and helpers
// shared by ed25519_prepare/_ladder/_finish.wgsl (one module each, the same three-pass shape as
// secp256k1). The host checks the lengths and S < ℓ and hashes k = SHA-512(R ‖ A ‖ M) mod ℓ;
// the device decodes A and R as received (ZIP-215: non-canonical encodings accepted), computes
// [S]B + [k]·(−A) + (−R), multiplies by the cofactor 8 and tests for the identity.
//
// Item layout (u32 words): input 32 = S ‖ k ‖ A bytes ‖ R bytes (each 32 bytes as 8 LE words);
// output 1 = status: 0 valid, 1 A does not decode, 2 R does not decode, 3 the equation fails.
// Per-item table slots 0..14 = 1·(−A) … 15·(−A), slot 15 = −R. The B table (1·B … 15·B) is
// made once by `ed_prepare` on the single item (A = −B, R = identity): its slots 0..14.

const ED_IN_WORDS: u32 = 32u;
const ED_OUT_WORDS: u32 = 1u;
const ED_ACC_WORDS: u32 = 33u;
const EXT_WORDS: u32 = 32u;
const ED_TABLE_POINTS: u32 = 15u;
// Table slots per item: the 15 multiples of −A, then −R.
const ED_TABLE_SLOTS: u32 = 16u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inputs: array<u32>;
@group(0) @binding(2) var<storage, read> btab: array<u32>;
@group(0) @binding(3) var<storage, read_write> ptab: array<u32>;
@group(0) @binding(4) var<storage, read_write> accs: array<u32>;
@group(0) @binding(5) var<storage, read_write> outs: array<u32>;

fn ed_load_in(off: u32) -> F25 {
    var r: F25;
    for (var i = 0u; i < 8u; i++) {
        r[i] = inputs[off + i];
    }
    return r;
}

fn ed_store_ptab(off: u32, p: Ext) {
    var x = p.x;
    var y = p.y;
    var z = p.z;
    var t = p.t;
    for (var i = 0u; i < 8u; i++) {
        ptab[off + i] = x[i];
        ptab[off + 8u + i] = y[i];
        ptab[off + 16u + i] = z[i];
        ptab[off + 24u + i] = t[i];
    }
}

fn ed_load_ptab(off: u32) -> Ext {
    var x: F25;
    var y: F25;
    var z: F25;
    var t: F25;
    for (var i = 0u; i < 8u; i++) {
        x[i] = ptab[off + i];
        y[i] = ptab[off + 8u + i];
        z[i] = ptab[off + 16u + i];
        t[i] = ptab[off + 24u + i];
    }
    return Ext(x, y, z, t);
}

fn ed_load_b(k: u32) -> Ext {
    let off = EXT_WORDS * k;
    var x: F25;
    var y: F25;
    var z: F25;
    var t: F25;
    for (var i = 0u; i < 8u; i++) {
        x[i] = btab[off + i];
        y[i] = btab[off + 8u + i];
        z[i] = btab[off + 16u + i];
        t[i] = btab[off + 24u + i];
    }
    return Ext(x, y, z, t);
}

fn ed_load_acc(i: u32) -> Ext {
    let off = ED_ACC_WORDS * i;
    var x: F25;
    var y: F25;
    var z: F25;
    var t: F25;
    for (var k = 0u; k < 8u; k++) {
        x[k] = accs[off + k];
        y[k] = accs[off + 8u + k];
        z[k] = accs[off + 16u + k];
        t[k] = accs[off + 24u + k];
    }
    return Ext(x, y, z, t);
}

fn ed_store_acc(i: u32, p: Ext, status: u32) {
    let off = ED_ACC_WORDS * i;
    var x = p.x;
    var y = p.y;
    var z = p.z;
    var t = p.t;
    for (var k = 0u; k < 8u; k++) {
        accs[off + k] = x[k];
        accs[off + 8u + k] = y[k];
        accs[off + 16u + k] = z[k];
        accs[off + 24u + k] = t[k];
    }
    accs[off + 32u] = status;
}

fn ed_digit(off: u32, w: u32) -> u32 {
    return (inputs[off + w / 8u] >> (4u * (w % 8u))) & 15u;
}
