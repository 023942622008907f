//! Every CUDA module compiles with NVRTC to real SASS (a cubin via `nvrtcGetCUBIN`) for sm_80
//! (A100) and sm_90 (H100/H200). No GPU is needed, only `libnvrtc.so.13` on the library path
//! (`pip install nvidia-cuda-nvrtc`; see docs in `ci/gpu-check.sh`). Without it the test prints
//! a SKIPPED line, and fails when `CI=true`.

use std::ffi::CString;

use cudarc::nvrtc::{result, sys};
use gloam_kernels::cuda;

const ARCHS: &[&str] = &["sm_80", "sm_90"];

fn nvrtc_present() -> bool {
    if unsafe { sys::is_culib_present() } {
        return true;
    }
    let msg = "libnvrtc.so.13 not found: install nvidia-cuda-nvrtc / put its lib dir on LD_LIBRARY_PATH";
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {msg}");
    }
    {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "\n*** SKIPPED: CUDA compile check: {msg} ***\n");
    }
    false
}

fn compile(src: &str, name: &str, arch: &str) -> Result<usize, String> {
    let csrc = CString::new(src).unwrap();
    let cname = CString::new(name).unwrap();
    let prog = result::create_program(&csrc, Some(&cname)).map_err(|e| format!("{e:?}"))?;
    let opts = [format!("--gpu-architecture={arch}"), "-std=c++17".into()];
    let r = match unsafe { result::compile_program(prog, &opts) } {
        Ok(()) => {
            let mut size = 0usize;
            unsafe { sys::nvrtcGetCUBINSize(prog, &mut size) }.result().map_err(|e| format!("{e:?}"))?;
            let mut buf = vec![0u8; size];
            unsafe { sys::nvrtcGetCUBIN(prog, buf.as_mut_ptr().cast()) }.result().map_err(|e| format!("{e:?}"))?;
            // An ELF image: what cuModuleLoadData gets on the device.
            if buf.len() < 4 || &buf[..4] != b"\x7fELF" {
                return Err(format!("cubin of {} bytes is not ELF", buf.len()));
            }
            Ok(size)
        }
        Err(e) => {
            let log = unsafe { result::get_program_log(prog) }.unwrap_or_default();
            let log: Vec<u8> = log.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
            Err(format!("{e:?}\n{}", String::from_utf8_lossy(&log)))
        }
    };
    let _ = unsafe { result::destroy_program(prog) };
    r
}

#[test]
fn every_cuda_module_compiles_for_sm80_and_sm90() {
    if !nvrtc_present() {
        return;
    }
    let (mut major, mut minor) = (0, 0);
    unsafe { sys::nvrtcVersion(&mut major, &mut minor) }.result().unwrap();
    eprintln!("NVRTC {major}.{minor}");
    let mut failures = Vec::new();
    for m in cuda::all_modules() {
        let src = cuda::flatten(m.entry).unwrap();
        for arch in ARCHS {
            let t = std::time::Instant::now();
            match compile(&src, &format!("{}.cu", m.name), arch) {
                Ok(size) => eprintln!("{} {arch}: {size} B cubin in {:.0} ms", m.name, t.elapsed().as_secs_f64() * 1e3),
                Err(log) => failures.push(format!("{} for {arch}:\n{log}", m.name)),
            }
        }
    }
    assert!(failures.is_empty(), "NVRTC failures:\n{}", failures.join("\n"));
}

#[test]
fn a_broken_source_is_reported_with_its_log() {
    if !nvrtc_present() {
        return;
    }
    let err = compile("extern \"C\" __global__ void k() { undefined_fn(); }", "broken.cu", "sm_90").unwrap_err();
    assert!(err.contains("undefined_fn"), "log should name the identifier: {err}");
}
