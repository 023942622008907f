// Host emulation of kernels/cuda/sig/secp256k1.cuh: the device functions compiled by the host
// C++ compiler, driven over stdin/stdout by tests/cuda_host_emulation.rs.
//
// Input (little-endian u32 words): op, n, then
//   op 0 / 1 (secp_dsm_item, mode = op): 240 words of the G table, then n items of 32 words;
//            output n × 17 words.
//   op 2 (field ops): n pairs (a, b) of 8 words each; output per pair a + b, a − b, a·b, a²,
//            a⁻¹, a^((p+1)/4), each 8 words.
//   op 4 (2^255 − 19 field ops): n pairs (a, b) of 8 words each; output per pair a + b, a − b,
//            a·b, a², −a, each 8 words.
//   op 3 (Ed25519, ed_dsm_item): the encoding of B (8 words; the table is built with ed_table as
//            the device does), then n items of 24 words; output n × 9 words.
#include "sig/secp256k1.cuh"
#include "sig/ed25519.cuh"

#include <cstdio>
#include <vector>

static bool read_words(std::vector<uint32_t> &v, size_t n) {
    v.resize(n);
    return n == 0 || fread(v.data(), 4, n, stdin) == n;
}

static void put(std::vector<uint32_t> &out, const secp_fe &a) {
    for (int i = 0; i < 8; i++) out.push_back(a.v[i]);
}

int main() {
    std::vector<uint32_t> hdr;
    if (!read_words(hdr, 2)) return 2;
    uint32_t op = hdr[0], n = hdr[1];
    std::vector<uint32_t> out;
    if (op == 0 || op == 1) {
        std::vector<uint32_t> gtab, in;
        if (!read_words(gtab, 16 * SECP_G_POINTS) || !read_words(in, (size_t)SECP_IN_WORDS * n)) return 2;
        out.resize((size_t)SECP_OUT_WORDS * n);
        for (uint32_t i = 0; i < n; i++) {
            secp_dsm_item(&in[(size_t)SECP_IN_WORDS * i], gtab.data(), op, &out[(size_t)SECP_OUT_WORDS * i]);
        }
    } else if (op == 2) {
        std::vector<uint32_t> in;
        if (!read_words(in, (size_t)16 * n)) return 2;
        for (uint32_t i = 0; i < n; i++) {
            secp_fe a = secp_load(&in[16 * i]);
            secp_fe b = secp_load(&in[16 * i + 8]);
            put(out, secp_fe_add(a, b));
            put(out, secp_fe_sub(a, b));
            put(out, secp_fe_mul(a, b));
            put(out, secp_fe_sqr(a));
            put(out, secp_fe_inv(a));
            put(out, secp_fe_sqrt_candidate(a));
        }
    } else if (op == 3) {
        std::vector<uint32_t> enc_b, in;
        if (!read_words(enc_b, 8) || !read_words(in, (size_t)ED_IN_WORDS * n)) return 2;
        std::vector<uint32_t> btab(ED_TABLE_POINTS * ED_EXT_WORDS);
        if (!ed_table(enc_b.data(), btab.data())) return 5;
        out.resize((size_t)ED_OUT_WORDS * n);
        for (uint32_t i = 0; i < n; i++) {
            ed_dsm_item(&in[(size_t)ED_IN_WORDS * i], btab.data(), &out[(size_t)ED_OUT_WORDS * i]);
        }
    } else if (op == 4) {
        std::vector<uint32_t> in;
        if (!read_words(in, (size_t)16 * n)) return 2;
        for (uint32_t i = 0; i < n; i++) {
            f25 a, b;
            for (int k = 0; k < 8; k++) a.v[k] = in[16 * i + k], b.v[k] = in[16 * i + 8 + k];
            for (const f25 &r : {f25_add(a, b), f25_sub(a, b), f25_mul(a, b), f25_sqr(a), f25_neg(a)})
                for (int k = 0; k < 8; k++) out.push_back(r.v[k]);
        }
    } else {
        return 3;
    }
    if (!out.empty() && fwrite(out.data(), 4, out.size(), stdout) != out.size()) return 4;
    return 0;
}
