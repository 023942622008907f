//! Inlinable BLS12-381 Fq arithmetic on arkworks' own representation (Montgomery form,
//! R = 2^384, six little-endian limbs), for the MSM inner loops.
//!
//! Why not just `Fq * Fq`: arkworks' multiplication is not inlined into our loops (a call per
//! product), its assembly path is compiled only when the whole build targets BMI2+ADX, and `==`
//! on `Fq` becomes a `memcmp` call. These functions are `#[inline(always)]` so that the bucket
//! loops, compiled with `#[target_feature(enable = "bmi2,adx")]`, get `mulx` code with no calls.
//! Results are canonical (< p), hence identical to arkworks' — the tests compare them.
//!
//! Montgomery multiplication is CIOS with the "no-carry" shortcut, valid because p's top limb
//! is below 2^63 − 1 (Koç, Acar, Kaliski, "Analyzing and comparing Montgomery multiplication
//! algorithms", 1996; the shortcut from the gnark team's note on modular multiplication).

use std::sync::atomic::{AtomicBool, Ordering};

use ark_ff::{BigInt, PrimeField};
use gloam_engine_core::Fq;

const P: [u64; 6] = <Fq as PrimeField>::MODULUS.0;

/// −p⁻¹ mod 2^64 (Newton iteration on the 2-adic inverse).
const INV: u64 = {
    let mut inv = 1u64;
    let mut i = 0;
    while i < 63 {
        inv = inv.wrapping_mul(inv);
        inv = inv.wrapping_mul(P[0]);
        i += 1;
    }
    inv.wrapping_neg()
};

#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: &mut u64) -> u64 {
    let t = (a as u128) + (b as u128) * (c as u128) + (*carry as u128);
    *carry = (t >> 64) as u64;
    t as u64
}

#[inline(always)]
fn limbs(a: &Fq) -> &[u64; 6] {
    &(a.0).0
}

#[inline(always)]
fn from_limbs(r: [u64; 6]) -> Fq {
    Fq::new_unchecked(BigInt(r))
}

/// r − p if r ≥ p, else r (r < 2p).
#[inline(always)]
fn reduce_once(r: [u64; 6]) -> [u64; 6] {
    let mut s = [0u64; 6];
    let mut borrow = 0u64;
    for i in 0..6 {
        let (d1, b1) = r[i].overflowing_sub(P[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        s[i] = d2;
        borrow = (b1 | b2) as u64;
    }
    if borrow == 0 {
        s
    } else {
        r
    }
}

/// Whether [`mul`] uses the MULX/ADCX/ADOX assembly (set per MSM by [`set_adx`]).
static ADX: AtomicBool = AtomicBool::new(false);

/// Turns the assembly multiplier on where the CPU has BMI2 and ADX (`on = false` forces the
/// portable one, for tests and A/B timing). Both give identical results.
pub fn set_adx(on: bool) {
    #[cfg(target_arch = "x86_64")]
    let on = on && {
        static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *HAS.get_or_init(|| std::is_x86_feature_detected!("bmi2") && std::is_x86_feature_detected!("adx"))
    };
    #[cfg(not(target_arch = "x86_64"))]
    let on = on && false;
    ADX.store(on, Ordering::Relaxed);
}

/// p's limbs, −p⁻¹ mod 2^64, and a zero word (read by the assembly as memory operands: all 13
/// allocatable registers are taken).
#[cfg(target_arch = "x86_64")]
static P_INV_ZERO: [u64; 8] = [P[0], P[1], P[2], P[3], P[4], P[5], INV, 0];

/// CIOS Montgomery product with two carry chains (ADCX on CF for the high halves, ADOX on OF
/// for the low halves), the layout of Intel's "New instructions supporting large integer
/// arithmetic" (Gopal et al., 2012). The accumulator is 7 registers that rotate by one per
/// outer iteration instead of shifting. Output < 2p.
///
/// # Safety
/// The CPU must support BMI2 and ADX.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn mul_adx(a: &[u64; 6], b: &[u64; 6]) -> [u64; 6] {
    let (t0, t1, t2, t3, t4, t5, t6): (u64, u64, u64, u64, u64, u64, u64);
    // SAFETY: reads 6 words through `a` and `b` and 8 through `P_INV_ZERO`; writes registers only.
    unsafe {
        std::arch::asm!(
            "xor {t0:e}, {t0:e}",
            "xor {t1:e}, {t1:e}",
            "xor {t2:e}, {t2:e}",
            "xor {t3:e}, {t3:e}",
            "xor {t4:e}, {t4:e}",
            "xor {t5:e}, {t5:e}",
            "xor {t6:e}, {t6:e}",
            "mov rdx, qword ptr [{b} + 0]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 0]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 8]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 24]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 40]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "adox {t6}, qword ptr [{p} + 56]",
            "mov rdx, {t0}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "adox {t6}, qword ptr [{p} + 56]",
            "mov rdx, qword ptr [{b} + 8]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 0]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 8]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 24]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 40]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "adox {t0}, qword ptr [{p} + 56]",
            "mov rdx, {t1}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "adox {t0}, qword ptr [{p} + 56]",
            "mov rdx, qword ptr [{b} + 16]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 0]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 8]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 24]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 40]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "adox {t1}, qword ptr [{p} + 56]",
            "mov rdx, {t2}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "adox {t1}, qword ptr [{p} + 56]",
            "mov rdx, qword ptr [{b} + 24]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 0]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 8]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 24]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 40]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "adox {t2}, qword ptr [{p} + 56]",
            "mov rdx, {t3}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "adox {t2}, qword ptr [{p} + 56]",
            "mov rdx, qword ptr [{b} + 32]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 0]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 8]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 24]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 40]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "adox {t3}, qword ptr [{p} + 56]",
            "mov rdx, {t4}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "adox {t3}, qword ptr [{p} + 56]",
            "mov rdx, qword ptr [{b} + 40]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 0]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 8]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 24]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 40]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "adox {t4}, qword ptr [{p} + 56]",
            "mov rdx, {t5}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "adox {t4}, qword ptr [{p} + 56]",
            a = in(reg) a.as_ptr(),
            b = in(reg) b.as_ptr(),
            p = in(reg) P_INV_ZERO.as_ptr(),
            t0 = out(reg) t0,
            t1 = out(reg) t1,
            t2 = out(reg) t2,
            t3 = out(reg) t3,
            t4 = out(reg) t4,
            t5 = out(reg) t5,
            t6 = out(reg) t6,
            lo = out(reg) _,
            hi = out(reg) _,
            out("rdx") _,
            options(pure, readonly, nostack),
        );
    }
    let _ = t5;
    [t6, t0, t1, t2, t3, t4]
}

/// a·b·R⁻¹ mod p.
#[inline(always)]
pub fn mul(a: &Fq, b: &Fq) -> Fq {
    #[cfg(target_arch = "x86_64")]
    if ADX.load(Ordering::Relaxed) {
        // SAFETY: ADX is only set where the CPU has BMI2 and ADX.
        return from_limbs(reduce_once(unsafe { mul_adx(limbs(a), limbs(b)) }));
    }
    mul_portable(a, b)
}

/// The portable product, kept out of line: it only runs on CPUs without ADX (or when forced).
#[inline(never)]
pub fn mul_portable(a: &Fq, b: &Fq) -> Fq {
    let (a, b) = (limbs(a), limbs(b));
    let mut r = [0u64; 6];
    for &bi in b {
        let mut c1 = 0u64;
        r[0] = mac(r[0], a[0], bi, &mut c1);
        let k = r[0].wrapping_mul(INV);
        let mut c2 = 0u64;
        mac(r[0], k, P[0], &mut c2);
        for j in 1..6 {
            r[j] = mac(r[j], a[j], bi, &mut c1);
            r[j - 1] = mac(r[j], k, P[j], &mut c2);
        }
        r[5] = c1.wrapping_add(c2);
    }
    from_limbs(reduce_once(r))
}

/// a²·R⁻¹ mod p: the 15 cross products a_i·a_j (i < j) once, doubled through the carry chain,
/// plus the 6 squares a_i² (21 word products instead of 36), then a Montgomery reduction of the
/// low half alone, REDC(T) = T_high + (T_low + m·p)/R with m fixed by T_low (Menezes, van
/// Oorschot, Vanstone, Handbook of Applied Cryptography, 14.16 and 14.32). With T = a² < p² and
/// p < R/8, T_high < p/8 and (T_low + m·p)/R ≤ p, so the sum is below 2p.
///
/// # Safety
/// The CPU must support BMI2 and ADX.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn sqr_adx(a: &[u64; 6]) -> [u64; 6] {
    // The double-width square; T_0 and T_11 start (and T_11 stays) at zero.
    let mut buf = [0u64; 12];
    let (t0, t1, t2, t3, t4, t5, t6): (u64, u64, u64, u64, u64, u64, u64);
    // SAFETY: reads 6 words through `a` and 8 through `P_INV_ZERO`, reads and writes the 12
    // words of `buf`; registers otherwise.
    unsafe {
        std::arch::asm!(
            "mov rdx, qword ptr [{a} + 0]",
            "mulx {t2}, {t1}, qword ptr [{a} + 8]",
            "mulx {t3}, {lo}, qword ptr [{a} + 16]",
            "add {t2}, {lo}",
            "mulx {t4}, {lo}, qword ptr [{a} + 24]",
            "adc {t3}, {lo}",
            "mulx {t5}, {lo}, qword ptr [{a} + 32]",
            "adc {t4}, {lo}",
            "mulx {t6}, {lo}, qword ptr [{a} + 40]",
            "adc {t5}, {lo}",
            "adc {t6}, 0",
            "mov qword ptr [{buf} + 8], {t1}",
            "mov qword ptr [{buf} + 16], {t2}",
            "mov rdx, qword ptr [{a} + 8]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 16]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 24]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {t0}, {lo}, qword ptr [{a} + 40]",
            "adox {t6}, {lo}",
            "adcx {t0}, qword ptr [{p} + 56]",
            "adox {t0}, qword ptr [{p} + 56]",
            "mov qword ptr [{buf} + 24], {t3}",
            "mov qword ptr [{buf} + 32], {t4}",
            "mov rdx, qword ptr [{a} + 16]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 24]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {t1}, {lo}, qword ptr [{a} + 40]",
            "adox {t0}, {lo}",
            "adcx {t1}, qword ptr [{p} + 56]",
            "adox {t1}, qword ptr [{p} + 56]",
            "mov qword ptr [{buf} + 40], {t5}",
            "mov qword ptr [{buf} + 48], {t6}",
            "mov rdx, qword ptr [{a} + 24]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{a} + 32]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {t2}, {lo}, qword ptr [{a} + 40]",
            "adox {t1}, {lo}",
            "adcx {t2}, qword ptr [{p} + 56]",
            "adox {t2}, qword ptr [{p} + 56]",
            "mov qword ptr [{buf} + 56], {t0}",
            "mov qword ptr [{buf} + 64], {t1}",
            "mov rdx, qword ptr [{a} + 32]",
            "xor {lo:e}, {lo:e}",
            "mulx {t3}, {lo}, qword ptr [{a} + 40]",
            "adox {t2}, {lo}",
            "adcx {t3}, qword ptr [{p} + 56]",
            "adox {t3}, qword ptr [{p} + 56]",
            "mov qword ptr [{buf} + 72], {t2}",
            "mov qword ptr [{buf} + 80], {t3}",
            "xor {lo:e}, {lo:e}",
            "mov rdx, qword ptr [{a} + 0]",
            "mulx {hi}, {lo}, rdx",
            "mov {t0}, qword ptr [{buf} + 0]",
            "adcx {t0}, {t0}",
            "adox {t0}, {lo}",
            "mov qword ptr [{buf} + 0], {t0}",
            "mov {t0}, qword ptr [{buf} + 8]",
            "adcx {t0}, {t0}",
            "adox {t0}, {hi}",
            "mov qword ptr [{buf} + 8], {t0}",
            "mov rdx, qword ptr [{a} + 8]",
            "mulx {hi}, {lo}, rdx",
            "mov {t0}, qword ptr [{buf} + 16]",
            "adcx {t0}, {t0}",
            "adox {t0}, {lo}",
            "mov qword ptr [{buf} + 16], {t0}",
            "mov {t0}, qword ptr [{buf} + 24]",
            "adcx {t0}, {t0}",
            "adox {t0}, {hi}",
            "mov qword ptr [{buf} + 24], {t0}",
            "mov rdx, qword ptr [{a} + 16]",
            "mulx {hi}, {lo}, rdx",
            "mov {t0}, qword ptr [{buf} + 32]",
            "adcx {t0}, {t0}",
            "adox {t0}, {lo}",
            "mov qword ptr [{buf} + 32], {t0}",
            "mov {t0}, qword ptr [{buf} + 40]",
            "adcx {t0}, {t0}",
            "adox {t0}, {hi}",
            "mov qword ptr [{buf} + 40], {t0}",
            "mov rdx, qword ptr [{a} + 24]",
            "mulx {hi}, {lo}, rdx",
            "mov {t0}, qword ptr [{buf} + 48]",
            "adcx {t0}, {t0}",
            "adox {t0}, {lo}",
            "mov qword ptr [{buf} + 48], {t0}",
            "mov {t0}, qword ptr [{buf} + 56]",
            "adcx {t0}, {t0}",
            "adox {t0}, {hi}",
            "mov qword ptr [{buf} + 56], {t0}",
            "mov rdx, qword ptr [{a} + 32]",
            "mulx {hi}, {lo}, rdx",
            "mov {t0}, qword ptr [{buf} + 64]",
            "adcx {t0}, {t0}",
            "adox {t0}, {lo}",
            "mov qword ptr [{buf} + 64], {t0}",
            "mov {t0}, qword ptr [{buf} + 72]",
            "adcx {t0}, {t0}",
            "adox {t0}, {hi}",
            "mov qword ptr [{buf} + 72], {t0}",
            "mov rdx, qword ptr [{a} + 40]",
            "mulx {hi}, {lo}, rdx",
            "mov {t0}, qword ptr [{buf} + 80]",
            "adcx {t0}, {t0}",
            "adox {t0}, {lo}",
            "mov qword ptr [{buf} + 80], {t0}",
            "mov {t0}, qword ptr [{buf} + 88]",
            "adcx {t0}, {t0}",
            "adox {t0}, {hi}",
            "mov qword ptr [{buf} + 88], {t0}",
            "mov {t0}, qword ptr [{buf} + 0]",
            "mov {t1}, qword ptr [{buf} + 8]",
            "mov {t2}, qword ptr [{buf} + 16]",
            "mov {t3}, qword ptr [{buf} + 24]",
            "mov {t4}, qword ptr [{buf} + 32]",
            "mov {t5}, qword ptr [{buf} + 40]",
            "mov {t6}, 0",
            "mov rdx, {t0}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "adox {t6}, qword ptr [{p} + 56]",
            "mov rdx, {t1}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "adox {t0}, qword ptr [{p} + 56]",
            "mov rdx, {t2}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "adox {t1}, qword ptr [{p} + 56]",
            "mov rdx, {t3}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "adox {t2}, qword ptr [{p} + 56]",
            "mov rdx, {t4}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t4}, {lo}",
            "adcx {t5}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "adox {t3}, qword ptr [{p} + 56]",
            "mov rdx, {t5}",
            "imul rdx, qword ptr [{p} + 48]",
            "xor {lo:e}, {lo:e}",
            "mulx {hi}, {lo}, qword ptr [{p} + 0]",
            "adox {t5}, {lo}",
            "adcx {t6}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 8]",
            "adox {t6}, {lo}",
            "adcx {t0}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 16]",
            "adox {t0}, {lo}",
            "adcx {t1}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 24]",
            "adox {t1}, {lo}",
            "adcx {t2}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 32]",
            "adox {t2}, {lo}",
            "adcx {t3}, {hi}",
            "mulx {hi}, {lo}, qword ptr [{p} + 40]",
            "adox {t3}, {lo}",
            "adcx {t4}, {hi}",
            "adox {t4}, qword ptr [{p} + 56]",

            a = in(reg) a.as_ptr(),
            buf = in(reg) buf.as_mut_ptr(),
            p = in(reg) P_INV_ZERO.as_ptr(),
            t0 = out(reg) t0,
            t1 = out(reg) t1,
            t2 = out(reg) t2,
            t3 = out(reg) t3,
            t4 = out(reg) t4,
            t5 = out(reg) t5,
            t6 = out(reg) t6,
            lo = out(reg) _,
            hi = out(reg) _,
            out("rdx") _,
            options(nostack),
        );
    }
    let _ = t5;
    // (T_low + m·p)/R, plus T_high.
    let u = [t6, t0, t1, t2, t3, t4];
    let mut r = [0u64; 6];
    let mut carry = 0u64;
    for i in 0..6 {
        let (s1, c1) = u[i].overflowing_add(buf[6 + i]);
        let (s2, c2) = s1.overflowing_add(carry);
        r[i] = s2;
        carry = (c1 | c2) as u64;
    }
    r
}

/// a² (canonical, equal to arkworks' `square`).
#[inline(always)]
pub fn sqr(a: &Fq) -> Fq {
    #[cfg(target_arch = "x86_64")]
    if ADX.load(Ordering::Relaxed) {
        // SAFETY: ADX is only set where the CPU has BMI2 and ADX.
        return from_limbs(reduce_once(unsafe { sqr_adx(limbs(a)) }));
    }
    mul(a, a)
}

#[inline(always)]
pub fn add(a: &Fq, b: &Fq) -> Fq {
    let (a, b) = (limbs(a), limbs(b));
    let mut r = [0u64; 6];
    let mut carry = 0u64;
    for i in 0..6 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(carry);
        r[i] = s2;
        carry = (c1 | c2) as u64;
    }
    // p < 2^383, so a + b < 2^384: no carry out.
    from_limbs(reduce_once(r))
}

#[inline(always)]
pub fn sub(a: &Fq, b: &Fq) -> Fq {
    let (a, b) = (limbs(a), limbs(b));
    let mut r = [0u64; 6];
    let mut borrow = 0u64;
    for i in 0..6 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        r[i] = d2;
        borrow = (b1 | b2) as u64;
    }
    // a < b: add p back (masked, branch-free).
    let mask = borrow.wrapping_neg();
    let mut carry = 0u64;
    for i in 0..6 {
        let (s1, c1) = r[i].overflowing_add(P[i] & mask);
        let (s2, c2) = s1.overflowing_add(carry);
        r[i] = s2;
        carry = (c1 | c2) as u64;
    }
    from_limbs(r)
}

#[inline(always)]
pub fn double(a: &Fq) -> Fq {
    add(a, a)
}

#[inline(always)]
pub fn neg(a: &Fq) -> Fq {
    if is_zero(a) {
        *a
    } else {
        sub(&Fq::new_unchecked(BigInt([0; 6])), a)
    }
}

/// −a when `negate`, else a, without a data-dependent branch: in the bucket loops the sign of a
/// digit is random, and a mispredicted branch per point costs more than always computing p − a.
#[inline(always)]
pub fn cond_neg(a: &Fq, negate: bool) -> Fq {
    let l = limbs(a);
    let mut nz = 0u64;
    for x in l {
        nz |= x;
    }
    // All ones when negating a non-zero value (−0 = 0, and p − 0 would not be canonical).
    let mask = ((negate as u64) & ((nz | nz.wrapping_neg()) >> 63)).wrapping_neg();
    let mut r = [0u64; 6];
    let mut borrow = 0u64;
    for i in 0..6 {
        let (d1, b1) = P[i].overflowing_sub(l[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        r[i] = (d2 & mask) | (l[i] & !mask);
        borrow = (b1 | b2) as u64;
    }
    from_limbs(r)
}

/// a⁻¹ (`None` for zero), by blst's `blst_fp_inverse`: blst keeps Fp in Montgomery form with
/// the same R = 2³⁸⁴ and the same limb order as arkworks, so the limbs pass through unchanged
/// (the tests compare with arkworks' inverse). A few times faster than arkworks' binary
/// extended Euclid, which matters once per batch of affine additions.
pub fn inverse(a: &Fq) -> Option<Fq> {
    if is_zero(a) {
        return None;
    }
    let mut out = blst::blst_fp::default();
    let x = blst::blst_fp { l: *limbs(a) };
    // SAFETY: both pointers are to valid, distinct `blst_fp` values.
    unsafe { blst::blst_fp_inverse(&mut out, &x) };
    Some(from_limbs(out.l))
}

#[inline(always)]
pub fn eq(a: &Fq, b: &Fq) -> bool {
    let (a, b) = (limbs(a), limbs(b));
    let mut d = 0u64;
    for i in 0..6 {
        d |= a[i] ^ b[i];
    }
    d == 0
}

#[inline(always)]
pub fn is_zero(a: &Fq) -> bool {
    let a = limbs(a);
    let mut d = 0u64;
    for x in a {
        d |= x;
    }
    d == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, Field, UniformRand};
    use rand::SeedableRng;

    #[test]
    fn matches_arkworks() {
        // Both multipliers (the assembly one only where the CPU has ADX).
        for adx in [false, true] {
            set_adx(adx);
            check_against_arkworks();
        }
        set_adx(true);
    }

    fn check_against_arkworks() {
        let seed = 0xf9_u64;
        let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let mut special = vec![Fq::from(0u64), Fq::from(1u64), -Fq::from(1u64), -Fq::from(2u64)];
        special.push(Fq::new_unchecked(BigInt([u64::MAX, 0, 0, 0, 0, 0])));
        // Raw limbs with long carry chains: p − 1, p − 2, all-ones below p's top limb.
        let mut pm1 = P;
        pm1[0] -= 1;
        let mut pm2 = P;
        pm2[0] -= 2;
        special.push(Fq::new_unchecked(BigInt(pm1)));
        special.push(Fq::new_unchecked(BigInt(pm2)));
        special.push(Fq::new_unchecked(BigInt([u64::MAX, u64::MAX, u64::MAX, u64::MAX, u64::MAX, P[5] - 1])));
        special.push(Fq::new_unchecked(BigInt([0, 0, 0, 0, 0, P[5] - 1])));
        special.push(Fq::new_unchecked(BigInt([u64::MAX, 0, u64::MAX, 0, u64::MAX, 0])));
        for i in 0..20_000 {
            let a = if i < special.len() { special[i] } else { Fq::rand(&mut r) };
            let b = if i % 7 < special.len() && i % 3 == 0 { special[i % 7] } else { Fq::rand(&mut r) };
            assert_eq!(mul(&a, &b), a * b, "mul seed={seed} i={i}");
            assert_eq!(sqr(&a), a.square(), "sqr seed={seed} i={i}");
            assert_eq!(add(&a, &b), a + b, "add seed={seed} i={i}");
            assert_eq!(sub(&a, &b), a - b, "sub seed={seed} i={i}");
            assert_eq!(sub(&b, &a), b - a, "sub seed={seed} i={i}");
            assert_eq!(neg(&a), -a, "neg seed={seed} i={i}");
            assert_eq!(cond_neg(&a, true), -a, "cond_neg seed={seed} i={i}");
            assert_eq!(cond_neg(&a, false), a, "cond_neg seed={seed} i={i}");
            assert_eq!(double(&a), a.double(), "double seed={seed} i={i}");
            assert_eq!(eq(&a, &b), a == b);
            assert!(eq(&a, &a));
            assert_eq!(is_zero(&a), a == Fq::from(0u64));
            if i % 8 == 0 {
                assert_eq!(inverse(&a), a.inverse(), "inverse seed={seed} i={i}");
            }
        }
    }
}
