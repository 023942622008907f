// BLS12-381 scalar field Fr: r = 0x73eda753...00000001, 4 x 64-bit limbs, Montgomery R = 2^256.
#pragma once
#include "mont.cuh"

struct FrParams {
    static const int N = 4;
    static const uint64_t INV = 0xfffffffeffffffffULL;
    GLOAM_HD static uint64_t p(int i) {
        return i == 0 ? 0xffffffff00000001ULL
             : i == 1 ? 0x53bda402fffe5bfeULL
             : i == 2 ? 0x3339d80809a1d805ULL
                      : 0x73eda753299d7d48ULL;
    }
    GLOAM_HD static uint64_t one(int i) {
        return i == 0 ? 0x00000001fffffffeULL
             : i == 1 ? 0x5884b7fa00034802ULL
             : i == 2 ? 0x998c4fefecbc4ff5ULL
                      : 0x1824b159acc5056fULL;
    }
};

typedef Mont<FrParams> Fr;
