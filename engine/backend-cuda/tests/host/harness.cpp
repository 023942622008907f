// Host emulation harness: runs the CUDA headers' device functions on the CPU. The Rust test
// (tests/host_emulation.rs) writes whitespace-separated commands with hex limbs to stdin and
// compares every answer with arkworks. Each MSM/NTT step calls the same per-thread function a
// GPU thread would, in a loop over thread indices.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "ntt/ntt.cuh"
#include "msm/msm.cuh"

static uint64_t rd() {
    char buf[64];
    if (scanf("%63s", buf) != 1) {
        fprintf(stderr, "harness: unexpected end of input\n");
        exit(2);
    }
    return strtoull(buf, nullptr, 16);
}
template <class F> static F rdf() {
    F f;
    for (auto &l : f.l) l = rd();
    return f;
}
template <class F> static void wrf(const F &f) {
    for (auto l : f.l) printf(" %llx", (unsigned long long)l);
}
static G1Affine rda() {
    G1Affine a;
    a.x = rdf<Fp>();
    a.y = rdf<Fp>();
    return a;
}
static G1Xyzz rdx() {
    G1Xyzz p;
    p.X = rdf<Fp>();
    p.Y = rdf<Fp>();
    p.ZZ = rdf<Fp>();
    p.ZZZ = rdf<Fp>();
    return p;
}
static void wrx(const G1Xyzz &p) {
    wrf(p.X);
    wrf(p.Y);
    wrf(p.ZZ);
    wrf(p.ZZZ);
}

static std::map<uint32_t, std::vector<uint64_t>> bufs;
static uint32_t *buf32(uint64_t id) {
    auto it = bufs.find((uint32_t)id);
    if (it == bufs.end()) {
        fprintf(stderr, "harness: unknown buffer %llu\n", (unsigned long long)id);
        exit(2);
    }
    return (uint32_t *)it->second.data();
}

int main() {
    char cmd[64];
    while (scanf("%63s", cmd) == 1) {
        std::string c(cmd);
        if (c == "consts") {
            Fr rp, ro;
            Fp qp, qo;
            for (int i = 0; i < 4; i++) rp.l[i] = FrParams::p(i), ro.l[i] = FrParams::one(i);
            for (int i = 0; i < 6; i++) qp.l[i] = FpParams::p(i), qo.l[i] = FpParams::one(i);
            wrf(rp), wrf(ro), wrf(qp), wrf(qo);
            printf(" %llx %llx", (unsigned long long)FrParams::INV, (unsigned long long)FpParams::INV);
        } else if (c == "fr") {
            std::string op;
            char o[16];
            scanf("%15s", o);
            op = o;
            Fr a = rdf<Fr>(), b = rdf<Fr>();
            Fr r = op == "mul" ? a * b : op == "add" ? a + b : op == "sub" ? a - b : op == "neg" ? a.neg()
                 : op == "sqr" ? a.sqr() : op == "eq" ? (a == b ? Fr::one() : Fr::zero()) : a.pow_u64(b.l[0]);
            wrf(r);
        } else if (c == "fp") {
            char o[16];
            scanf("%15s", o);
            std::string op = o;
            Fp a = rdf<Fp>(), b = rdf<Fp>();
            Fp r = op == "mul" ? a * b : op == "add" ? a + b : op == "sub" ? a - b : op == "neg" ? a.neg()
                 : op == "sqr" ? a.sqr() : (a == b ? Fp::one() : Fp::zero());
            wrf(r);
        } else if (c == "g1_madd") {
            G1Xyzz p = rdx();
            G1Affine a = rda();
            wrx(p.add_affine(a));
        } else if (c == "g1_add") {
            G1Xyzz p = rdx(), q = rdx();
            wrx(p.add(q));
        } else if (c == "g1_dbl") {
            wrx(rdx().dbl());
        } else if (c == "g1_dbl_affine") {
            wrx(G1Xyzz::dbl_affine(rda()));
        } else if (c == "g1_neg_madd") {
            // p + (-a): the sign path the MSM takes for negative digits.
            G1Xyzz p = rdx();
            wrx(p.add_affine(rda().neg()));
        } else if (c == "g1_mul") {
            G1Xyzz p = rdx();
            wrx(p.mul_u32((uint32_t)rd()));
        } else if (c == "digits") {
            uint32_t cw = (uint32_t)rd(), windows = (uint32_t)rd();
            uint32_t s[8];
            for (auto &w : s) w = (uint32_t)rd();
            int32_t d[64];
            msm_signed_digits(s, cw, windows, d);
            for (uint32_t w = 0; w < windows; w++) printf(" %d", d[w]);
        } else if (c == "ntt") {
            // ntt log_n log_tile pre post_flags nconsts consts... twiddles(n/2) data(n)
            uint32_t log_n = (uint32_t)rd(), log_tile = (uint32_t)rd();
            uint32_t pre = (uint32_t)rd(), post = (uint32_t)rd(), nc = (uint32_t)rd();
            std::vector<Fr> consts(nc);
            for (auto &x : consts) x = rdf<Fr>();
            uint32_t n = 1u << log_n;
            std::vector<Fr> tw(n / 2 > 0 ? n / 2 : 1);
            for (uint32_t i = 0; i < n / 2; i++) tw[i] = rdf<Fr>();
            std::vector<Fr> v(n);
            for (auto &x : v) x = rdf<Fr>();
            if (log_n > 0) {
                if (pre)
                    for (uint64_t t = 0; t < n; t++) ntt_coset_scale_thread(v.data(), log_n, consts.data(), t);
                if (log_tile > log_n) log_tile = log_n;
                // Global stages, paired as ntt.rs launches ntt_dif_stage2, a single
                // ntt_dif_stage for an odd one out.
                int lh = (int)log_n - 1;
                for (; lh >= (int)log_tile + 1; lh -= 2)
                    for (uint64_t t = 0; t < n / 4; t++) ntt_dif_stage2_thread(v.data(), tw.data(), log_n, lh, t);
                if (lh == (int)log_tile && lh >= 0 && log_tile < log_n)
                    for (uint64_t t = 0; t < n / 2; t++) ntt_dif_stage_thread(v.data(), tw.data(), log_n, lh, t);
                // Fused tail: each tile's threads step through the stages together, as in
                // ntt_dif_fused between its barriers.
                uint32_t tile = 1u << log_tile;
                for (uint32_t b = 0; b < n / tile; b++) {
                    Fr *base = v.data() + (uint64_t)b * tile;
                    for (int lh = (int)log_tile - 1; lh >= 0; lh--)
                        for (uint32_t t = 0; t < tile / 2; t++) {
                            uint32_t i0, i1, w;
                            ntt_dif_indices(t, (uint32_t)lh, log_n, i0, i1, w);
                            ntt_dif_butterfly(base[i0], base[i1], tw[w]);
                        }
                }
                for (uint64_t t = 0; t < n; t++) ntt_bitrev_scale_thread(v.data(), log_n, consts.data(), post, t);
            }
            for (auto &x : v) wrf(x);
        } else if (c == "ntt_steps") {
            // ntt_steps log_n batch nsteps (kind arg)* nconsts consts... twiddles(n/2) data(batch*n):
            // runs the backend's own launch list (gloam_cuda::ntt::schedule) over a batch, one
            // thread body per index as the launches cover them.
            uint32_t log_n = (uint32_t)rd(), batch = (uint32_t)rd(), ns = (uint32_t)rd();
            std::vector<std::pair<uint32_t, uint32_t>> steps(ns);
            for (auto &st : steps) st.first = (uint32_t)rd(), st.second = (uint32_t)rd();
            uint32_t nc = (uint32_t)rd();
            std::vector<Fr> consts(nc);
            for (auto &x : consts) x = rdf<Fr>();
            uint32_t n = 1u << log_n;
            uint64_t total = (uint64_t)n * batch;
            std::vector<Fr> tw(n / 2 > 0 ? n / 2 : 1);
            for (uint32_t i = 0; i < n / 2; i++) tw[i] = rdf<Fr>();
            std::vector<Fr> v(total);
            for (auto &x : v) x = rdf<Fr>();
            for (auto &st : steps) {
                uint32_t a = st.second;
                switch (st.first) {
                case 0:
                    for (uint64_t t = 0; t < total; t++) ntt_coset_scale_thread(v.data(), log_n, consts.data(), t);
                    break;
                case 1:
                    for (uint64_t t = 0; t < total / 4; t++) ntt_dif_stage2_thread(v.data(), tw.data(), log_n, a, t);
                    break;
                case 2:
                    for (uint64_t t = 0; t < total / 2; t++) ntt_dif_stage_thread(v.data(), tw.data(), log_n, a, t);
                    break;
                case 3: {
                    // ntt_dif_fused: block b owns tile b; its threads step through the stages
                    // together between barriers.
                    uint32_t tile = 1u << a;
                    for (uint64_t b = 0; b < total / tile; b++) {
                        Fr *base = v.data() + b * tile;
                        for (int lh = (int)a - 1; lh >= 0; lh--)
                            for (uint32_t t = 0; t < tile / 2; t++) {
                                uint32_t i0, i1, w;
                                ntt_dif_indices(t, (uint32_t)lh, log_n, i0, i1, w);
                                ntt_dif_butterfly(base[i0], base[i1], tw[w]);
                            }
                    }
                    break;
                }
                case 4:
                    for (uint64_t t = 0; t < total; t++) ntt_bitrev_scale_thread(v.data(), log_n, consts.data(), a, t);
                    break;
                default:
                    fprintf(stderr, "harness: unknown ntt step %u\n", st.first);
                    return 2;
                }
            }
            for (auto &x : v) wrf(x);
        } else if (c == "alloc") {
            // Device-memory emulation for gloam_cuda::msm::MsmDevice (buffers zero-filled,
            // 8-byte aligned, addressed by id).
            uint32_t id = (uint32_t)rd();
            uint64_t bytes = rd();
            bufs[id].assign((bytes + 7) / 8 + 1, 0);
        } else if (c == "put") {
            uint32_t *w = buf32(rd());
            uint64_t nw = rd();
            for (uint64_t i = 0; i < nw; i++) w[i] = (uint32_t)rd();
        } else if (c == "get") {
            uint32_t *w = buf32(rd());
            uint64_t nw = rd();
            for (uint64_t i = 0; i < nw; i++) printf(" %x", w[i]);
        } else if (c == "k_digits") {
            Fr *sc = (Fr *)buf32(rd());
            uint64_t start = rd();
            uint32_t n = (uint32_t)rd(), cw = (uint32_t)rd(), windows = (uint32_t)rd(), fixed = (uint32_t)rd();
            int32_t *dg = (int32_t *)buf32(rd());
            dg += rd();
            uint32_t *ct = buf32(rd());
            ct += rd();
            for (uint32_t i = 0; i < n; i++) msm_digits_thread(sc + start, n, cw, windows, fixed, dg, ct, i);
        } else if (c == "k_scatter") {
            int32_t *dg = (int32_t *)buf32(rd());
            dg += rd();
            uint32_t n = (uint32_t)rd(), cw = (uint32_t)rd(), windows = (uint32_t)rd(), fixed = (uint32_t)rd();
            uint32_t point_base = (uint32_t)rd();
            uint32_t *cur = buf32(rd());
            cur += rd();
            uint32_t *en = buf32(rd());
            for (uint32_t i = 0; i < n; i++) msm_scatter_thread(dg, n, cw, windows, fixed, point_base, cur, en, i);
        } else if (c == "k_acc") {
            const G1Affine *pts = (const G1Affine *)buf32(rd());
            const uint32_t *en = buf32(rd());
            const uint32_t *ch = buf32(rd());
            uint32_t num = (uint32_t)rd();
            G1Xyzz *out = (G1Xyzz *)buf32(rd());
            for (uint32_t k = 0; k < num; k++) out[k] = msm_chunk_sum(pts, en, ch[2 * k], ch[2 * k + 1]);
        } else if (c == "k_reduce") {
            const G1Xyzz *in = (const G1Xyzz *)buf32(rd());
            const uint32_t *off = buf32(rd());
            uint32_t groups = (uint32_t)rd();
            G1Xyzz *out = (G1Xyzz *)buf32(rd());
            for (uint32_t b = 0; b < groups; b++) out[b] = msm_sum_range(in, off[b], off[b + 1]);
        } else if (c == "k_seg") {
            const G1Xyzz *bk = (const G1Xyzz *)buf32(rd());
            uint32_t per_set = (uint32_t)rd(), sets = (uint32_t)rd(), seg_len = (uint32_t)rd(), segs = (uint32_t)rd();
            G1Xyzz *out = (G1Xyzz *)buf32(rd());
            for (uint32_t k = 0; k < sets * segs; k++) out[k] = msm_window_segment_thread(bk, per_set, seg_len, segs, k);
        } else if (c == "msm") {
            // msm c windows fixed_base n  points(fixed ? windows*n : n)  scalars(n, Montgomery limbs)
            uint32_t cw = (uint32_t)rd(), windows = (uint32_t)rd(), fixed = (uint32_t)rd(), n = (uint32_t)rd();
            uint32_t np = fixed ? windows * n : n;
            std::vector<G1Affine> pts(np);
            for (auto &p : pts) p = rda();
            std::vector<Fr> sc(n);
            for (auto &x : sc) x = rdf<Fr>();
            uint32_t per_set = 1u << (cw - 1), sets = fixed ? 1 : windows, nb = per_set * sets;
            std::vector<int32_t> digits((uint64_t)windows * n);
            std::vector<uint32_t> counts(nb, 0);
            for (uint32_t i = 0; i < n; i++)
                msm_digits_thread(sc.data(), n, cw, windows, fixed, digits.data(), counts.data(), i);
            std::vector<uint32_t> cursor(nb + 1, 0);
            for (uint32_t b = 0; b < nb; b++) cursor[b + 1] = cursor[b] + counts[b];
            std::vector<uint32_t> entries(cursor[nb] > 0 ? cursor[nb] : 1);
            std::vector<uint32_t> chunks, chunk_off(nb + 1, 0);
            for (uint32_t b = 0; b < nb; b++) {
                uint32_t cnt = counts[b];
                uint32_t cs = (uint32_t)std::ceil(std::sqrt((double)cnt));
                if (cs < 4) cs = 4;
                for (uint32_t s = 0; s < cnt; s += cs) {
                    chunks.push_back(cursor[b] + s);
                    chunks.push_back(cnt - s < cs ? cnt - s : cs);
                }
                chunk_off[b + 1] = (uint32_t)(chunks.size() / 2);
            }
            for (uint32_t i = 0; i < n; i++)
                msm_scatter_thread(digits.data(), n, cw, windows, fixed, 0, cursor.data(), entries.data(), i);
            uint32_t nch = (uint32_t)(chunks.size() / 2);
            std::vector<G1Xyzz> partial(nch > 0 ? nch : 1);
            for (uint32_t k = 0; k < nch; k++) partial[k] = msm_chunk_sum(pts.data(), entries.data(), chunks[2 * k], chunks[2 * k + 1]);
            std::vector<G1Xyzz> buckets(nb);
            for (uint32_t b = 0; b < nb; b++) buckets[b] = msm_sum_range(partial.data(), chunk_off[b], chunk_off[b + 1]);
            uint32_t seg_len = 5, segs = (per_set + seg_len - 1) / seg_len;
            std::vector<G1Xyzz> seg_out(sets * segs);
            for (uint32_t k = 0; k < sets * segs; k++) seg_out[k] = msm_window_segment_thread(buckets.data(), per_set, seg_len, segs, k);
            for (uint32_t s = 0; s < sets; s++) wrx(msm_sum_range(seg_out.data(), s * segs, (s + 1) * segs));
        } else {
            fprintf(stderr, "harness: unknown command %s\n", cmd);
            return 2;
        }
        printf("\n");
        fflush(stdout);
    }
    return 0;
}
