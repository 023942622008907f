//! Engine configuration: backend selection, auto thresholds, fault injection.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use crate::BackendKind;

/// An operation class the selection policy and the counters distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Op {
    Msm,
    FixedBaseMsm,
    Ntt,
}

impl Op {
    pub const ALL: [Op; 3] = [Op::Msm, Op::FixedBaseMsm, Op::Ntt];
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Msm => "msm",
            Op::FixedBaseMsm => "fixed-msm",
            Op::Ntt => "ntt",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Op {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Op::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown operation `{s}` (expected one of msm, fixed-msm, ntt)"))
    }
}

/// Which backend runs what: `auto` or a forced backend, globally and per operation.
///
/// Text form (config and `GLOAM_BACKEND`): `auto`, `cpu`, `cuda`, `webgpu`, or a comma list such
/// as `auto,ntt=cpu` / `msm=cuda,fixed-msm=cuda,ntt=webgpu`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// `None` = auto.
    pub default: Option<BackendKind>,
    pub per_op: HashMap<Op, Option<BackendKind>>,
}

impl Selection {
    pub fn auto() -> Self {
        Selection::default()
    }
    pub fn cpu() -> Self {
        Selection::forced(BackendKind::Cpu)
    }
    pub fn forced(k: BackendKind) -> Self {
        Selection { default: Some(k), per_op: HashMap::new() }
    }

    /// The forced backend for `op`, or `None` for auto.
    pub fn for_op(&self, op: Op) -> Option<BackendKind> {
        self.per_op.get(&op).copied().unwrap_or(self.default)
    }

    /// Whether any operation could run on `k` (backends nobody may use are not probed).
    pub fn may_use(&self, k: BackendKind) -> bool {
        let choices = std::iter::once(self.default).chain(self.per_op.values().copied());
        let mut any = false;
        for c in choices {
            any |= c.is_none() || c == Some(k);
        }
        // If an op has no override it follows the default, which the chain already covers.
        any
    }

    pub fn parse(s: &str) -> Result<Selection, String> {
        let mut sel = Selection::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let parse_choice = |v: &str| -> Result<Option<BackendKind>, String> {
                if v.eq_ignore_ascii_case("auto") {
                    Ok(None)
                } else {
                    v.parse::<BackendKind>().map(Some)
                }
            };
            match part.split_once('=') {
                Some((op, v)) => {
                    let op: Op = op.trim().parse()?;
                    sel.per_op.insert(op, parse_choice(v.trim())?);
                }
                None => sel.default = parse_choice(part)?,
            }
        }
        Ok(sel)
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |c: Option<BackendKind>| c.map(|k| k.as_str()).unwrap_or("auto");
        write!(f, "{}", name(self.default))?;
        let mut ops: Vec<_> = self.per_op.iter().collect();
        ops.sort();
        for (op, c) in ops {
            write!(f, ",{op}={}", name(*c))?;
        }
        Ok(())
    }
}

/// Minimum input size (elements) for `auto` to send an operation to a GPU.
///
/// Defaults are deliberately conservative: a GPU call has a fixed cost (launch, transfer,
/// synchronisation) of tens to hundreds of microseconds, and the CPU MSM at 2^10 takes about a
/// millisecond per core. `gloam bench` prints the crossover measured on the machine at hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub map: HashMap<(BackendKind, Op), usize>,
}

impl Default for Thresholds {
    fn default() -> Self {
        let mut map = HashMap::new();
        map.insert((BackendKind::Cuda, Op::Msm), 1 << 12);
        map.insert((BackendKind::Cuda, Op::FixedBaseMsm), 1 << 12);
        map.insert((BackendKind::Cuda, Op::Ntt), 1 << 14);
        map.insert((BackendKind::WebGpu, Op::Msm), 1 << 14);
        map.insert((BackendKind::WebGpu, Op::FixedBaseMsm), 1 << 14);
        map.insert((BackendKind::WebGpu, Op::Ntt), 1 << 16);
        Thresholds { map }
    }
}

impl Thresholds {
    pub fn get(&self, k: BackendKind, op: Op) -> usize {
        self.map.get(&(k, op)).copied().unwrap_or(usize::MAX)
    }
    pub fn set(&mut self, k: BackendKind, op: Op, min_elements: usize) {
        self.map.insert((k, op), min_elements);
    }
}

/// Which GPU calls to fail on purpose (tests of the fallback path).
///
/// Text form (`GLOAM_FAULT_INJECT`): `all`, or a comma list of `BACKEND`, `BACKEND:OP`, `*:OP`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultPlan {
    rules: Vec<(Option<BackendKind>, Option<Op>)>,
}

impl FaultPlan {
    pub fn none() -> Self {
        FaultPlan::default()
    }
    pub fn all() -> Self {
        FaultPlan { rules: vec![(None, None)] }
    }
    pub fn fail(mut self, backend: Option<BackendKind>, op: Option<Op>) -> Self {
        self.rules.push((backend, op));
        self
    }
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
    pub fn hits(&self, k: BackendKind, op: Op) -> bool {
        k != BackendKind::Cpu && self.rules.iter().any(|(b, o)| b.is_none_or(|b| b == k) && o.is_none_or(|o| o == op))
    }
    pub fn parse(s: &str) -> Result<FaultPlan, String> {
        let mut plan = FaultPlan::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "all" || part == "*" {
                plan.rules.push((None, None));
                continue;
            }
            let (b, o) = part.split_once(':').unwrap_or((part, "*"));
            let b = if b == "*" { None } else { Some(b.parse::<BackendKind>()?) };
            let o = if o == "*" { None } else { Some(o.parse::<Op>()?) };
            plan.rules.push((b, o));
        }
        Ok(plan)
    }
}

/// Everything the engine needs to start.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub selection: Selection,
    pub thresholds: Thresholds,
    pub faults: FaultPlan,
    /// On-disk cache of compiled kernels (PTX/cubin); `None` disables it.
    pub kernel_cache_dir: Option<PathBuf>,
    /// Let `auto` use a software adapter (lavapipe). Off by default: it is slower than the CPU path.
    pub allow_software_gpu: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            selection: Selection::auto(),
            thresholds: Thresholds::default(),
            faults: FaultPlan::none(),
            kernel_cache_dir: default_cache_dir(),
            allow_software_gpu: false,
        }
    }
}

/// `$XDG_CACHE_HOME/gloam/kernels` (or `~/.cache/gloam/kernels`).
pub fn default_cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("gloam").join("kernels"))
}

impl EngineConfig {
    /// Reads `GLOAM_BACKEND`, `GLOAM_FAULT_INJECT`, `GLOAM_KERNEL_CACHE` (`off` disables) and
    /// `GLOAM_ALLOW_SOFTWARE_GPU` (`1`).
    pub fn from_env() -> Result<EngineConfig, String> {
        let mut c = EngineConfig::default();
        if let Ok(v) = std::env::var("GLOAM_BACKEND") {
            c.selection = Selection::parse(&v).map_err(|e| format!("GLOAM_BACKEND: {e}"))?;
        }
        if let Ok(v) = std::env::var("GLOAM_FAULT_INJECT") {
            c.faults = FaultPlan::parse(&v).map_err(|e| format!("GLOAM_FAULT_INJECT: {e}"))?;
        }
        if let Ok(v) = std::env::var("GLOAM_KERNEL_CACHE") {
            c.kernel_cache_dir = if v == "off" || v.is_empty() { None } else { Some(PathBuf::from(v)) };
        }
        if let Ok(v) = std::env::var("GLOAM_ALLOW_SOFTWARE_GPU") {
            c.allow_software_gpu = v == "1" || v.eq_ignore_ascii_case("true");
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_parses() {
        assert_eq!(Selection::parse("auto").unwrap(), Selection::auto());
        assert_eq!(Selection::parse("cpu").unwrap(), Selection::cpu());
        let s = Selection::parse("auto,ntt=cpu,msm=cuda").unwrap();
        assert_eq!(s.for_op(Op::Ntt), Some(BackendKind::Cpu));
        assert_eq!(s.for_op(Op::Msm), Some(BackendKind::Cuda));
        assert_eq!(s.for_op(Op::FixedBaseMsm), None);
        assert!(Selection::parse("gpu").is_err());
        assert!(Selection::parse("fft=cpu").is_err());
        assert!(!Selection::cpu().may_use(BackendKind::Cuda));
        assert!(Selection::parse("cpu,msm=webgpu").unwrap().may_use(BackendKind::WebGpu));
        assert_eq!(Selection::parse("cpu,msm=webgpu").unwrap().to_string(), "cpu,msm=webgpu");
    }

    #[test]
    fn fault_plan_parses() {
        let p = FaultPlan::parse("cuda:msm,*:ntt").unwrap();
        assert!(p.hits(BackendKind::Cuda, Op::Msm));
        assert!(!p.hits(BackendKind::Cuda, Op::FixedBaseMsm));
        assert!(p.hits(BackendKind::WebGpu, Op::Ntt));
        assert!(!p.hits(BackendKind::Cpu, Op::Ntt), "the CPU is never failed on purpose");
        assert!(FaultPlan::parse("all").unwrap().hits(BackendKind::WebGpu, Op::Msm));
        assert!(FaultPlan::parse("tpu").is_err());
    }
}
