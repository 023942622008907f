//! CUDA sources, organised by math: `ff/` (Montgomery fields Fr and Fp), `curve/` (G1 XYZZ),
//! `ntt/` and `msm/` (per-thread bodies as `.cuh` headers), and one `.cu` per module holding the
//! thin `extern "C" __global__` entry points.
//!
//! Headers are written for both NVRTC and a host C++ compiler (`common.cuh`), so the backend's
//! host-emulation tests run the very same arithmetic against arkworks without a GPU.
//!
//! NVRTC is handed one self-contained text per module: [`flatten`] inlines the quoted
//! `#include`s (each header once, like `#pragma once`), because cudarc creates programs without
//! NVRTC's in-memory header list.

use crate::Source;

/// Every CUDA file, headers included.
pub const SOURCES: &[Source] = &[
    cuda_src!("common.cuh"),
    cuda_src!("ff/mont.cuh"),
    cuda_src!("ff/fr.cuh"),
    cuda_src!("ff/fp.cuh"),
    cuda_src!("curve/g1.cuh"),
    cuda_src!("ntt/ntt.cuh"),
    cuda_src!("msm/msm.cuh"),
    cuda_src!("ntt.cu"),
    cuda_src!("msm.cu"),
];

/// One NVRTC compilation unit and the kernels it exports.
#[derive(Clone, Copy, Debug)]
pub struct Module {
    pub name: &'static str,
    /// Entry file under `cuda/`.
    pub entry: &'static str,
    pub kernels: &'static [&'static str],
}

pub const MODULES: &[Module] = &[
    Module {
        name: "ntt",
        entry: "cuda/ntt.cu",
        kernels: &["ntt_dif_stage", "ntt_dif_stage2", "ntt_dif_fused", "ntt_bitrev_scale", "ntt_coset_scale"],
    },
    Module {
        name: "msm",
        entry: "cuda/msm.cu",
        kernels: &["msm_digits", "msm_scatter", "msm_accumulate_chunks", "msm_reduce_buckets", "msm_window_segments"],
    },
];

/// Every module: the engine's own ([`MODULES`]) and the FHE and signature families.
pub fn all_modules() -> impl Iterator<Item = &'static Module> {
    MODULES.iter().chain(crate::fhe::CUDA_MODULES).chain(crate::sig::CUDA_MODULES)
}

/// Every CUDA file of every family.
pub fn all_sources() -> impl Iterator<Item = &'static Source> {
    SOURCES.iter().chain(crate::fhe::CUDA_SOURCES).chain(crate::sig::CUDA_SOURCES)
}

pub fn module(name: &str) -> Option<&'static Module> {
    all_modules().find(|m| m.name == name)
}

pub fn source(path: &str) -> Option<&'static Source> {
    all_sources().find(|s| s.path == path)
}

/// The module's source with every quoted include inlined, ready for NVRTC.
pub fn flatten(entry: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut seen = Vec::new();
    inline(entry, &mut seen, &mut out, 0)?;
    Ok(out)
}

fn inline(path: &str, seen: &mut Vec<String>, out: &mut String, depth: usize) -> Result<(), String> {
    if depth > 32 {
        return Err(format!("include depth exceeded at {path}"));
    }
    if seen.iter().any(|s| s == path) {
        return Ok(());
    }
    seen.push(path.to_string());
    let src = source(path).ok_or_else(|| format!("unknown CUDA source {path}"))?;
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    for line in src.text.lines() {
        let t = line.trim_start();
        if t.starts_with("#pragma once") {
            continue;
        }
        if let Some(rest) = t.strip_prefix("#include \"") {
            let name = rest.split('"').next().unwrap_or("");
            let target = normalize(&format!("{dir}/{name}"));
            inline(&target, seen, out, depth + 1)?;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(())
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            x => parts.push(x),
        }
    }
    parts.join("/")
}

/// Hash of a module's flattened text: the source part of the kernel cache key.
pub fn module_hash(m: &Module) -> Result<u64, String> {
    Ok(crate::content_hash(&[&flatten(m.entry)?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_flattens_without_includes_left() {
        for m in all_modules() {
            let text = flatten(m.entry).unwrap();
            assert!(!text.contains("#include \""), "{} still has an include", m.name);
            for k in m.kernels {
                let declared = text.lines().any(|l| l.contains("__global__") && l.contains(&format!(" {k}(")));
                assert!(declared, "{}: kernel {k} missing", m.name);
            }
        }
    }

    #[test]
    fn every_file_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cuda");
        // Shipped test binaries (ci/gpu-check.sh) may run where the build tree is absent.
        let dir = if dir.is_dir() {
            dir
        } else if let Some(root) = std::env::var_os("GLOAM_REPO_ROOT") {
            std::path::Path::new(&root).join("kernels/cuda")
        } else {
            {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "\n*** SKIPPED: kernels/cuda not found (set GLOAM_REPO_ROOT) ***\n"
                );
            }
            return;
        };
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = format!("cuda/{}", p.strip_prefix(&dir).unwrap().to_string_lossy());
                    assert!(source(&rel).is_some(), "{rel} is not in cuda::SOURCES");
                }
            }
        }
    }
}
