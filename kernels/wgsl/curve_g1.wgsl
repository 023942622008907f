// BLS12-381 G1 (y² = x³ + 4) in XYZZ coordinates: x = X/ZZ, y = Y/ZZZ, ZZ = 0 is the point at
// infinity. Formulas: Bernstein–Lange Explicit-Formulas Database, "xyzz" for a = 0
// (madd-2008-s, add-2008-s and dbl-2008-s-1, sharing one tail).
//
// These formulas are incomplete: P + P and P + (−P) make P = R = 0 and would silently produce
// garbage. Every addition here tests for both and for infinity first (the adversarial MSM
// tests — one bucket for all points, P and −P — hit each case).
//
// Affine points arrive as arkworks Montgomery words `x ‖ y`; (0, 0) is infinity.

struct Xyzz {
    x: Fp,
    y: Fp,
    zz: Fp,
    zzz: Fp,
}

fn xyzz_zero() -> Xyzz {
    return Xyzz(fp_zero(), fp_zero(), fp_zero(), fp_zero());
}

fn xyzz_is_zero(p: Xyzz) -> bool {
    return fp_is_zero(p.zz);
}

// The tail shared by addition and doubling. Both formulas have the shape
//   PP = P², PPP = P·PP, Q = U1·PP, X3 = R² − 2Q [− PPP], Y3 = R·(Q − X3) − S1·PPP,
//   ZZ3 = ZZ·PP, ZZZ3 = ZZZ·PPP
// with (P, R) = (U2 − U1, S2 − S1) for an addition and (2·Y1, 3·X1²) with U1 = X1, S1 = Y1 for
// dbl-2008-s-1 (which has no −PPP term). Sharing it keeps one copy of the multiplications in
// every kernel: shaders with point addition compile slowly, and lavapipe's compile time grew
// with each inlined copy.
fn xyzz_finish(p_: Fp, r: Fp, u1: Fp, s1: Fp, zz: Fp, zzz: Fp, minus_ppp: bool) -> Xyzz {
    let pp = fp_sqr(p_);
    let ppp = fp_mul(p_, pp);
    let q = fp_mul(u1, pp);
    var x3 = fp_sub(fp_sub(fp_sqr(r), q), q);
    if (minus_ppp) {
        x3 = fp_sub(x3, ppp);
    }
    let y3 = fp_sub(fp_mul(r, fp_sub(q, x3)), fp_mul(s1, ppp));
    return Xyzz(x3, y3, fp_mul(zz, pp), fp_mul(zzz, ppp));
}

// P + (x2, y2) with an affine, finite second operand (madd-2008-s; mdbl via P = 2·Y1 when the
// points are equal, infinity when they are opposite).
fn xyzz_add_affine(p: Xyzz, x2: Fp, y2: Fp) -> Xyzz {
    if (xyzz_is_zero(p)) {
        return Xyzz(x2, y2, FP_ONE, FP_ONE);
    }
    var pp_ = fp_sub(fp_mul(x2, p.zz), p.x);
    var r = fp_sub(fp_mul(y2, p.zzz), p.y);
    var add = true;
    if (fp_is_zero(pp_)) {
        if (!fp_is_zero(r)) {
            return xyzz_zero();
        }
        // P = (x2, y2): double P in its own coordinates.
        pp_ = fp_double(p.y);
        let xx = fp_sqr(p.x);
        r = fp_add(fp_double(xx), xx);
        add = false;
    }
    return xyzz_finish(pp_, r, p.x, p.y, p.zz, p.zzz, add);
}

// P + Q (add-2008-s; dbl-2008-s-1 of P when the points are equal, infinity when opposite).
fn xyzz_add(p: Xyzz, q: Xyzz) -> Xyzz {
    if (xyzz_is_zero(p)) {
        return q;
    }
    if (xyzz_is_zero(q)) {
        return p;
    }
    var u1 = fp_mul(p.x, q.zz);
    var s1 = fp_mul(p.y, q.zzz);
    var pp_ = fp_sub(fp_mul(q.x, p.zz), u1);
    var r = fp_sub(fp_mul(q.y, p.zzz), s1);
    var zz = fp_mul(p.zz, q.zz);
    var zzz = fp_mul(p.zzz, q.zzz);
    var add = true;
    if (fp_is_zero(pp_)) {
        if (!fp_is_zero(r)) {
            return xyzz_zero();
        }
        // Double P in its own coordinates: U1 = X1, S1 = Y1, ZZ3 = ZZ1·V, ZZZ3 = ZZZ1·W.
        u1 = p.x;
        s1 = p.y;
        zz = p.zz;
        zzz = p.zzz;
        pp_ = fp_double(p.y);
        let xx = fp_sqr(p.x);
        r = fp_add(fp_double(xx), xx);
        add = false;
    }
    return xyzz_finish(pp_, r, u1, s1, zz, zzz, add);
}
