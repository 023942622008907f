//! NVRTC compilation to a cubin for the device's own architecture, with an on-disk cache.
//!
//! A cubin (not PTX) is cached and loaded: a driver older than the NVRTC that produced PTX
//! refuses it, while SASS for the exact `sm_XX` loads on any driver that knows the chip. The
//! cache key is the flattened module source's hash + arch + NVRTC version, so editing a header,
//! moving to another GPU or upgrading NVRTC each compile afresh.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use cudarc::nvrtc::{result, sys};

/// NVRTC's (major, minor).
pub fn nvrtc_version() -> Result<(i32, i32), String> {
    let (mut major, mut minor) = (0, 0);
    unsafe { sys::nvrtcVersion(&mut major, &mut minor) }.result().map_err(|e| format!("nvrtcVersion: {e:?}"))?;
    Ok((major, minor))
}

/// Architectures this NVRTC can emit SASS for (e.g. 80, 90).
pub fn supported_archs() -> Result<Vec<i32>, String> {
    let mut n = 0;
    unsafe { sys::nvrtcGetNumSupportedArchs(&mut n) }.result().map_err(|e| format!("{e:?}"))?;
    let mut v = vec![0i32; n.max(0) as usize];
    unsafe { sys::nvrtcGetSupportedArchs(v.as_mut_ptr()) }.result().map_err(|e| format!("{e:?}"))?;
    Ok(v)
}

/// Compiles `src` to a cubin for `arch` ("sm_90"). `Err` holds NVRTC's log.
pub fn compile_cubin(src: &str, name: &str, arch: &str) -> Result<Vec<u8>, String> {
    let csrc = CString::new(src).map_err(|_| "source contains a NUL byte".to_string())?;
    let cname = CString::new(name).map_err(|_| "name contains a NUL byte".to_string())?;
    let prog = result::create_program(&csrc, Some(&cname)).map_err(|e| format!("nvrtcCreateProgram: {e:?}"))?;
    let opts = [format!("--gpu-architecture={arch}"), "-std=c++17".to_string()];
    let compiled = unsafe { result::compile_program(prog, &opts) };
    let out = match compiled {
        Ok(()) => unsafe { cubin(prog) },
        Err(e) => {
            let log = unsafe { result::get_program_log(prog) }
                .map(|l| {
                    let bytes: Vec<u8> = l.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
                    String::from_utf8_lossy(&bytes).into_owned()
                })
                .unwrap_or_default();
            Err(format!("{e:?}: {log}"))
        }
    };
    let _ = unsafe { result::destroy_program(prog) };
    out
}

unsafe fn cubin(prog: sys::nvrtcProgram) -> Result<Vec<u8>, String> {
    let mut size = 0usize;
    unsafe { sys::nvrtcGetCUBINSize(prog, &mut size) }.result().map_err(|e| format!("nvrtcGetCUBINSize: {e:?}"))?;
    if size == 0 {
        return Err("NVRTC produced an empty cubin (was a virtual compute_XX arch given?)".into());
    }
    let mut buf = vec![0u8; size];
    unsafe { sys::nvrtcGetCUBIN(prog, buf.as_mut_ptr().cast()) }
        .result()
        .map_err(|e| format!("nvrtcGetCUBIN: {e:?}"))?;
    Ok(buf)
}

/// Cubins built in this process, by cache key: every `Engine` probes its own backend (tests
/// build dozens), and without a disk cache each would otherwise pay NVRTC again.
pub fn memo_get(key: &str) -> Option<Vec<u8>> {
    memo().lock().get(key).cloned()
}

pub fn memo_put(key: &str, cubin: &[u8]) {
    memo().lock().insert(key.to_string(), cubin.to_vec());
}

fn memo() -> &'static parking_lot::Mutex<std::collections::HashMap<String, Vec<u8>>> {
    static M: std::sync::OnceLock<parking_lot::Mutex<std::collections::HashMap<String, Vec<u8>>>> =
        std::sync::OnceLock::new();
    M.get_or_init(Default::default)
}

/// Key of one module build: source hash, arch and NVRTC version.
pub fn cache_key(module: &str, hash: u64, arch: &str, nvrtc: (i32, i32)) -> String {
    format!("{module}-{hash:016x}-{arch}-nvrtc{}.{}", nvrtc.0, nvrtc.1)
}

/// Cache file of one module build.
pub fn cache_path(dir: &Path, module: &str, hash: u64, arch: &str, nvrtc: (i32, i32)) -> PathBuf {
    dir.join(format!("{}.cubin", cache_key(module, hash, arch, nvrtc)))
}

/// Writes through a temporary file and a rename, so a reader never sees half a cubin.
pub fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nvrtc() -> bool {
        let ok = unsafe { sys::is_culib_present() };
        if !ok {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but libnvrtc.so.13 is not on the library path");
            }
            gloam_engine_core::report_skip("NVRTC not found (put libnvrtc.so.13 on LD_LIBRARY_PATH)");
        }
        ok
    }

    #[test]
    fn modules_compile_and_round_trip_through_the_disk_cache() {
        if !nvrtc() {
            return;
        }
        let v = nvrtc_version().unwrap();
        assert!(supported_archs().unwrap().contains(&90), "this NVRTC cannot target sm_90");
        let dir = std::env::temp_dir().join(format!("gloam-cuda-cache-test-{}", std::process::id()));
        for m in gloam_kernels::cuda::MODULES {
            let src = gloam_kernels::cuda::flatten(m.entry).unwrap();
            let bin = compile_cubin(&src, m.name, "sm_90").unwrap();
            assert_eq!(&bin[..4], b"\x7fELF");
            let hash = gloam_kernels::content_hash(&[&src]);
            let p = cache_path(&dir, m.name, hash, "sm_90", v);
            store(&p, &bin).unwrap();
            assert_eq!(std::fs::read(&p).unwrap(), bin);
            // Another arch or NVRTC version is another file.
            assert_ne!(p, cache_path(&dir, m.name, hash, "sm_80", v));
            assert_ne!(p, cache_path(&dir, m.name, hash, "sm_90", (v.0, v.1 + 1)));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn compile_errors_carry_the_log() {
        if !nvrtc() {
            return;
        }
        let err = compile_cubin("extern \"C\" __global__ void k() { nope(); }", "bad", "sm_90").unwrap_err();
        assert!(err.contains("nope"), "{err}");
    }
}
