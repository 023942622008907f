// BLS12-381 base field Fp: p = 0x1a0111ea...ffffaaab, 6 x 64-bit limbs, Montgomery R = 2^384.
#pragma once
#include "mont.cuh"

struct FpParams {
    static const int N = 6;
    static const uint64_t INV = 0x89f3fffcfffcfffdULL;
    GLOAM_HD static uint64_t p(int i) {
        return i == 0 ? 0xb9feffffffffaaabULL
             : i == 1 ? 0x1eabfffeb153ffffULL
             : i == 2 ? 0x6730d2a0f6b0f624ULL
             : i == 3 ? 0x64774b84f38512bfULL
             : i == 4 ? 0x4b1ba7b6434bacd7ULL
                      : 0x1a0111ea397fe69aULL;
    }
    GLOAM_HD static uint64_t one(int i) {
        return i == 0 ? 0x760900000002fffdULL
             : i == 1 ? 0xebf4000bc40c0002ULL
             : i == 2 ? 0x5f48985753c758baULL
             : i == 3 ? 0x77ce585370525745ULL
             : i == 4 ? 0x5c071a97a256ec6dULL
                      : 0x15f65ec3fa80e493ULL;
    }
};

typedef Mont<FpParams> Fp;
