// BLS12-381 G1 (y² = x³ + 4) in XYZZ coordinates: x = X/ZZ, y = Y/ZZZ, ZZ = 0 is the point at
// infinity. Formulas: Bernstein–Lange Explicit-Formulas Database, "xyzz" for a = 0
// (madd-2008-s, add-2008-s, dbl-2008-s-1, mdbl-2008-s-1).
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

// 2·(x, y) for an affine point (mdbl-2008-s-1). y ≠ 0 on G1 (no 2-torsion), so never infinity.
fn xyzz_double_affine(x: Fp, y: Fp) -> Xyzz {
    let u = fp_double(y);
    let v = fp_sqr(u);
    let w = fp_mul(u, v);
    let s = fp_mul(x, v);
    let xx = fp_sqr(x);
    let m = fp_add(fp_double(xx), xx);
    let x3 = fp_sub(fp_sub(fp_sqr(m), s), s);
    let y3 = fp_sub(fp_mul(m, fp_sub(s, x3)), fp_mul(w, y));
    return Xyzz(x3, y3, v, w);
}

// 2·P (dbl-2008-s-1). Infinity maps to infinity because ZZ3 = V·ZZ1.
fn xyzz_double(p: Xyzz) -> Xyzz {
    if (xyzz_is_zero(p)) {
        return xyzz_zero();
    }
    let u = fp_double(p.y);
    let v = fp_sqr(u);
    let w = fp_mul(u, v);
    let s = fp_mul(p.x, v);
    let xx = fp_sqr(p.x);
    let m = fp_add(fp_double(xx), xx);
    let x3 = fp_sub(fp_sub(fp_sqr(m), s), s);
    let y3 = fp_sub(fp_mul(m, fp_sub(s, x3)), fp_mul(w, p.y));
    return Xyzz(x3, y3, fp_mul(v, p.zz), fp_mul(w, p.zzz));
}

// P + (x2, y2) with an affine, finite second operand (madd-2008-s).
fn xyzz_add_affine(p: Xyzz, x2: Fp, y2: Fp) -> Xyzz {
    if (xyzz_is_zero(p)) {
        return Xyzz(x2, y2, FP_ONE, FP_ONE);
    }
    let u2 = fp_mul(x2, p.zz);
    let s2 = fp_mul(y2, p.zzz);
    let pp_ = fp_sub(u2, p.x);
    let r = fp_sub(s2, p.y);
    if (fp_is_zero(pp_)) {
        if (fp_is_zero(r)) {
            return xyzz_double_affine(x2, y2);
        }
        return xyzz_zero();
    }
    let pp = fp_sqr(pp_);
    let ppp = fp_mul(pp_, pp);
    let q = fp_mul(p.x, pp);
    let x3 = fp_sub(fp_sub(fp_sub(fp_sqr(r), ppp), q), q);
    let y3 = fp_sub(fp_mul(r, fp_sub(q, x3)), fp_mul(p.y, ppp));
    return Xyzz(x3, y3, fp_mul(p.zz, pp), fp_mul(p.zzz, ppp));
}

// P + Q (add-2008-s).
fn xyzz_add(p: Xyzz, q: Xyzz) -> Xyzz {
    if (xyzz_is_zero(p)) {
        return q;
    }
    if (xyzz_is_zero(q)) {
        return p;
    }
    let u1 = fp_mul(p.x, q.zz);
    let u2 = fp_mul(q.x, p.zz);
    let s1 = fp_mul(p.y, q.zzz);
    let s2 = fp_mul(q.y, p.zzz);
    let pp_ = fp_sub(u2, u1);
    let r = fp_sub(s2, s1);
    if (fp_is_zero(pp_)) {
        if (fp_is_zero(r)) {
            return xyzz_double(p);
        }
        return xyzz_zero();
    }
    let pp = fp_sqr(pp_);
    let ppp = fp_mul(pp_, pp);
    let qq = fp_mul(u1, pp);
    let x3 = fp_sub(fp_sub(fp_sub(fp_sqr(r), ppp), qq), qq);
    let y3 = fp_sub(fp_mul(r, fp_sub(qq, x3)), fp_mul(s1, ppp));
    return Xyzz(x3, y3, fp_mul(fp_mul(p.zz, q.zz), pp), fp_mul(fp_mul(p.zzz, q.zzz), ppp));
}
