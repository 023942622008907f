// Host emulation of the CUDA FHE kernels (kernels/cuda/fhe/fhe.cuh, compiled here by the host
// C++ compiler): the per-item bodies run in loops, the blind-rotation block body runs on real
// host threads with a barrier in place of __syncthreads. Driven by engine/fhe-gpu/tests/cuda.rs
// over stdin/stdout (little-endian, each array prefixed by its u64 length in elements).
//
// Modes (first u32 of stdin):
//   1 pipeline: cfg (17 u32), has_big u32, threads u32, bsk u64[], ksk u32[], tw u64[],
//     big_in u64[] | small u32[], luts u64[], lut_idx u32[], slots u32[]
//     → small u32[], out u64[]
//   2 ops: base_log u32, level u32, pairs u64[] (a0 b0 a1 b1 …) → u64[8 per pair]
//   3 ntt: n u32, log_n u32, tw u64[], polys u64[] → per poly forward (N) then inverse (N)
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "fhe/fhe.cuh"

struct HostBarrier {
    std::mutex m;
    std::condition_variable cv;
    unsigned count, waiting = 0, generation = 0;
    explicit HostBarrier(unsigned n) : count(n) {}
    void wait() {
        std::unique_lock<std::mutex> lk(m);
        unsigned gen = generation;
        if (++waiting == count) {
            waiting = 0;
            generation++;
            cv.notify_all();
        } else {
            cv.wait(lk, [&] { return gen != generation; });
        }
    }
};

struct Sync {
    HostBarrier *b;
    void operator()() { b->wait(); }
};

static void read_exact(void *p, size_t bytes) {
    if (bytes && fread(p, 1, bytes, stdin) != bytes) {
        fprintf(stderr, "short read\n");
        exit(2);
    }
}
static uint32_t read_u32() {
    uint32_t v;
    read_exact(&v, 4);
    return v;
}
template <typename T> static std::vector<T> read_vec() {
    uint64_t n;
    read_exact(&n, 8);
    std::vector<T> v(n);
    read_exact(v.data(), n * sizeof(T));
    return v;
}
template <typename T> static void write_vec(const std::vector<T> &v) {
    uint64_t n = v.size();
    fwrite(&n, 8, 1, stdout);
    fwrite(v.data(), sizeof(T), n, stdout);
}

// The same stage sequence as engine/fhe-gpu/src/cuda.rs.
static void pipeline() {
    FheCfg cfg;
    read_exact(&cfg, sizeof cfg);
    uint32_t has_big = read_u32();
    uint32_t threads = read_u32();
    auto bsk = read_vec<uint64_t>();
    auto ksk = read_vec<uint32_t>();
    auto tw = read_vec<uint64_t>();
    std::vector<uint64_t> big_in;
    std::vector<uint32_t> small;
    if (has_big) big_in = read_vec<uint64_t>();
    else small = read_vec<uint32_t>();
    auto luts = read_vec<uint64_t>();
    auto lut_idx = read_vec<uint32_t>();
    auto slots = read_vec<uint32_t>();
    uint32_t n1 = cfg.n + 1;
    uint64_t items = (uint64_t)cfg.batch * n1;
    if (has_big) {
        small.assign(items, 0);
        std::vector<uint32_t> digits(FHE_KS_TILE * cfg.ks_level);
        for (uint32_t c = 0; c < cfg.batch; c++) {
            HostBarrier bar(threads);
            std::vector<std::thread> ts;
            for (uint32_t t = 0; t < threads; t++) {
                ts.emplace_back([&, t] {
                    Sync s{&bar};
                    fhe_keyswitch_block(cfg, ksk.data(), big_in.data(), small.data(), digits.data(), c, t, threads, s);
                });
            }
            for (auto &t : ts) t.join();
        }
    }
    std::vector<uint32_t> ms(items);
    for (uint64_t id = 0; id < items; id++) ms[id] = fhe_mod_switch_word(cfg, small.data(), (uint32_t)(id / n1), (uint32_t)(id % n1));
    uint64_t acc_words = (uint64_t)cfg.batch * cfg.lut_words;
    std::vector<uint64_t> acc(acc_words), nacc(acc_words);
    for (uint64_t id = 0; id < acc_words; id++) {
        uint64_t c = id / cfg.lut_words;
        acc[id] = luts[(uint64_t)lut_idx[c] * cfg.lut_words + (id - c * cfg.lut_words)];
    }
    cfg.row_begin = 0;
    cfg.row_end = cfg.n;
    std::vector<uint64_t> sh(cfg.poly);
    for (uint32_t c = 0; c < cfg.batch; c++) {
        HostBarrier bar(threads);
        std::vector<std::thread> ts;
        for (uint32_t t = 0; t < threads; t++) {
            ts.emplace_back([&, t] {
                Sync s{&bar};
                fhe_blind_rotate_block(cfg, bsk.data(), tw.data(), ms.data(), acc.data(),
                                       nacc.data() + (uint64_t)c * cfg.lut_words, sh.data(), c, t, threads, s);
            });
        }
        for (auto &t : ts) t.join();
    }
    uint64_t outs = slots.size() / 2 * (uint64_t)(cfg.big_n + 1);
    std::vector<uint64_t> out(outs);
    for (uint64_t id = 0; id < outs; id++) out[id] = fhe_extract_word(cfg, ms.data(), acc.data(), slots.data(), id);
    write_vec(small);
    write_vec(out);
}

static void ops() {
    uint32_t bl = read_u32(), lv = read_u32();
    auto pairs = read_vec<uint64_t>();
    std::vector<uint64_t> out;
    for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
        uint64_t a = pairs[i], b = pairs[i + 1];
        out.push_back(fhe_add(a, b));
        out.push_back(fhe_sub(a, b));
        out.push_back(fhe_mul(a, b));
        out.push_back(fhe_to_native(a));
        uint64_t st = fhe_decomp_init(a, bl, lv);
        out.push_back(st);
        for (int l = 0; l < 3; l++) out.push_back(fhe_digit_to_p(fhe_next_digit(st, bl)));
    }
    write_vec(out);
}

static void ntt() {
    uint32_t n = read_u32(), log_n = read_u32();
    auto tw = read_vec<uint64_t>();
    auto polys = read_vec<uint64_t>();
    std::vector<uint64_t> out;
    const uint32_t threads = 4;
    for (size_t p = 0; p + n <= polys.size(); p += n) {
        std::vector<uint64_t> sh(polys.begin() + p, polys.begin() + p + n);
        std::vector<uint64_t> fwd;
        HostBarrier bar(threads);
        std::vector<std::thread> ts;
        for (uint32_t t = 0; t < threads; t++) {
            ts.emplace_back([&, t] {
                Sync s{&bar};
                fhe_ntt_forward(sh.data(), tw.data(), n, log_n, t, threads, s);
                if (t == 0) fwd = sh;
                s();
                fhe_ntt_inverse(sh.data(), tw.data(), n, log_n, t, threads, s);
            });
        }
        for (auto &t : ts) t.join();
        out.insert(out.end(), fwd.begin(), fwd.end());
        out.insert(out.end(), sh.begin(), sh.end());
    }
    write_vec(out);
}

int main() {
    switch (read_u32()) {
    case 1: pipeline(); break;
    case 2: ops(); break;
    case 3: ntt(); break;
    default: fprintf(stderr, "unknown mode\n"); return 2;
    }
    fflush(stdout);
    return 0;
}
