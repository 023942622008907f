// secp256k1 points (y² = x³ + 7, a = 0) in Jacobian coordinates: x = X/Z², y = Y/Z³, Z = 0 is the
// point at infinity. Formulas: Bernstein–Lange Explicit-Formulas Database, "jacobian-0":
// dbl-2009-l for doubling, add-2007-bl's operation order (without its 2· rescaling) for addition.
//
// The addition formula is incomplete: P + P and P + (−P) make H = 0. Both cases, and infinity on
// either side, are tested first (u1 = 0, R = ±G and Q = ∞ recoveries hit them). The curve has
// prime order, so no finite point has Y = 0 and doubling a finite point is never infinity.
//
// Shader size matters more than anything here: lavapipe (and SPIR-V drivers generally) inline
// every call, and each inlined point formula carries ~15 unrolled 8×8-word multiplications. So
// `jac_add` does not call `jac_dbl` for P = Q: it reports `dbl` and the caller routes the point to
// its one doubling call site (see the ladder in secp256k1_dsm.wgsl).

struct Jac {
    x: Fe,
    y: Fe,
    z: Fe,
}

fn jac_inf() -> Jac {
    return Jac(fe_one(), fe_one(), fe_zero());
}

fn jac_is_inf(p: Jac) -> bool {
    return fe_is_zero(p.z);
}

// Z = 0 (infinity) needs no test: Z3 = 2·Y·Z stays 0.
fn jac_dbl(p: Jac) -> Jac {
    let a = fe_sqr(p.x);
    let b = fe_sqr(p.y);
    let c = fe_sqr(b);
    let xb = fe_add(p.x, b);
    var d = fe_sub(fe_sub(fe_sqr(xb), a), c);
    d = fe_add(d, d);
    let e = fe_add(fe_add(a, a), a);
    let f = fe_sqr(e);
    let x3 = fe_sub(f, fe_add(d, d));
    let c2 = fe_add(c, c);
    let c4 = fe_add(c2, c2);
    let c8 = fe_add(c4, c4);
    let y3 = fe_sub(fe_mul(e, fe_sub(d, x3)), c8);
    let yz = fe_mul(p.y, p.z);
    return Jac(x3, y3, fe_add(yz, yz));
}

struct AddOut {
    p: Jac,
    // P = Q (finite): the sum is 2·P, which the caller computes.
    dbl: bool,
}

fn jac_add(p: Jac, q: Jac) -> AddOut {
    if (jac_is_inf(p)) {
        return AddOut(q, false);
    }
    if (jac_is_inf(q)) {
        return AddOut(p, false);
    }
    let z1z1 = fe_sqr(p.z);
    let z2z2 = fe_sqr(q.z);
    let u1 = fe_mul(p.x, z2z2);
    let u2 = fe_mul(q.x, z1z1);
    let s1 = fe_mul(fe_mul(p.y, q.z), z2z2);
    let s2 = fe_mul(fe_mul(q.y, p.z), z1z1);
    let h = fe_sub(u2, u1);
    let r = fe_sub(s2, s1);
    if (fe_is_zero(h)) {
        if (fe_is_zero(r)) {
            return AddOut(p, true);
        }
        return AddOut(jac_inf(), false);
    }
    let hh = fe_sqr(h);
    let hhh = fe_mul(h, hh);
    let v = fe_mul(u1, hh);
    let x3 = fe_sub(fe_sub(fe_sqr(r), hhh), fe_add(v, v));
    let y3 = fe_sub(fe_mul(r, fe_sub(v, x3)), fe_mul(s1, hhh));
    let z3 = fe_mul(fe_mul(p.z, q.z), h);
    return AddOut(Jac(x3, y3, z3), false);
}
