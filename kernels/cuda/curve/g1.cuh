// BLS12-381 G1 (y^2 = x^3 + 4 over Fp) in XYZZ coordinates: x = X/ZZ, y = Y/ZZZ, with
// ZZ^3 = ZZZ^2; infinity is ZZ = ZZZ = 0. Formulas: Bernstein-Lange, Explicit-Formulas Database,
// "xyzz" for short Weierstrass curves (add-2008-s, madd-2008-s, dbl-2008-s-1, mdbl-2008-s-1),
// with a = 0. Those formulas are incomplete, so every special case is handled here explicitly:
// an infinite operand, P + P (falls back to doubling) and P + (-P) (gives infinity). Inputs
// whose operands coincide are exactly what constant KZG blobs produce in MSM buckets.
#pragma once
#include "../ff/fp.cuh"

// Affine point as uploaded: x || y in Montgomery form; (0, 0) is infinity (not on the curve).
struct G1Affine {
    Fp x, y;
    GLOAM_HD bool is_inf() const { return x.is_zero() && y.is_zero(); }
    GLOAM_HD G1Affine neg() const {
        G1Affine r;
        r.x = x;
        r.y = is_inf() ? y : y.neg();
        return r;
    }
};

struct G1Xyzz {
    Fp X, Y, ZZ, ZZZ;

    GLOAM_HD static G1Xyzz inf() {
        G1Xyzz r;
        r.X = Fp::zero();
        r.Y = Fp::zero();
        r.ZZ = Fp::zero();
        r.ZZZ = Fp::zero();
        return r;
    }
    GLOAM_HD bool is_inf() const { return ZZ.is_zero(); }
    GLOAM_HD static G1Xyzz from_affine(const G1Affine &a) {
        if (a.is_inf()) return inf();
        G1Xyzz r;
        r.X = a.x;
        r.Y = a.y;
        r.ZZ = Fp::one();
        r.ZZZ = Fp::one();
        return r;
    }
    GLOAM_HD G1Xyzz neg() const {
        G1Xyzz r = *this;
        r.Y = Y.neg();
        return r;
    }

    // dbl-2008-s-1 (a = 0).
    GLOAM_HD_CALL G1Xyzz dbl() const {
        if (is_inf()) return *this;
        Fp U = Y.dbl();
        Fp V = U.sqr();
        Fp W = U * V;
        Fp S = X * V;
        Fp X2 = X.sqr();
        Fp M = X2.dbl() + X2;
        G1Xyzz r;
        r.X = M.sqr() - S.dbl();
        r.Y = M * (S - r.X) - W * Y;
        r.ZZ = V * ZZ;
        r.ZZZ = W * ZZZ;
        return r;
    }

    // mdbl-2008-s-1: doubling of an affine point.
    GLOAM_HD_CALL static G1Xyzz dbl_affine(const G1Affine &a) {
        if (a.is_inf()) return inf();
        Fp U = a.y.dbl();
        Fp V = U.sqr();
        Fp W = U * V;
        Fp S = a.x * V;
        Fp X2 = a.x.sqr();
        Fp M = X2.dbl() + X2;
        G1Xyzz r;
        r.X = M.sqr() - S.dbl();
        r.Y = M * (S - r.X) - W * a.y;
        r.ZZ = V;
        r.ZZZ = W;
        return r;
    }

    // madd-2008-s: this + affine.
    GLOAM_HD_CALL G1Xyzz add_affine(const G1Affine &a) const {
        if (a.is_inf()) return *this;
        if (is_inf()) return from_affine(a);
        Fp U2 = a.x * ZZ;
        Fp S2 = a.y * ZZZ;
        Fp P = U2 - X;
        Fp R = S2 - Y;
        if (P.is_zero()) {
            // Same x: either the same point (double) or its negation (infinity).
            return R.is_zero() ? dbl_affine(a) : inf();
        }
        Fp PP = P.sqr();
        Fp PPP = P * PP;
        Fp Q = X * PP;
        G1Xyzz r;
        r.X = R.sqr() - PPP - Q.dbl();
        r.Y = R * (Q - r.X) - Y * PPP;
        r.ZZ = ZZ * PP;
        r.ZZZ = ZZZ * PPP;
        return r;
    }

    // add-2008-s: this + other.
    GLOAM_HD_CALL G1Xyzz add(const G1Xyzz &o) const {
        if (o.is_inf()) return *this;
        if (is_inf()) return o;
        Fp U1 = X * o.ZZ;
        Fp U2 = o.X * ZZ;
        Fp S1 = Y * o.ZZZ;
        Fp S2 = o.Y * ZZZ;
        Fp P = U2 - U1;
        Fp R = S2 - S1;
        if (P.is_zero()) {
            return R.is_zero() ? dbl() : inf();
        }
        Fp PP = P.sqr();
        Fp PPP = P * PP;
        Fp Q = U1 * PP;
        G1Xyzz r;
        r.X = R.sqr() - PPP - Q.dbl();
        r.Y = R * (Q - r.X) - S1 * PPP;
        r.ZZ = ZZ * o.ZZ * PP;
        r.ZZZ = ZZZ * o.ZZZ * PPP;
        return r;
    }

    // k * this for a small public k (window offsets in the bucket reduction), MSB first.
    GLOAM_HD_CALL G1Xyzz mul_u32(uint32_t k) const {
        G1Xyzz acc = inf();
        int top = 31;
        while (top >= 0 && !((k >> top) & 1)) top--;
        for (int i = top; i >= 0; i--) {
            acc = acc.dbl();
            if ((k >> i) & 1) acc = acc.add(*this);
        }
        return acc;
    }
};
