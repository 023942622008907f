//! Every CUDA call goes through `cu!`, which carries the call site and expression into the
//! [`DeviceError`] the engine receives, and sorts driver codes into what the engine acts on:
//! out of memory, a sticky context error (the device leaves the rotation), or a failed launch.

use cudarc::driver::result::DriverError;
use cudarc::driver::sys::CUresult;
use gloam_engine_core::DeviceError;

/// `cu!(expr)`: evaluates a `Result<_, DriverError>` and maps the error with its call site.
#[macro_export]
macro_rules! cu {
    ($e:expr) => {
        $e.map_err(|err| $crate::error::driver_error(err, concat!(file!(), ":", line!(), ": ", stringify!($e))))
    };
}

pub fn driver_error(err: DriverError, site: &str) -> DeviceError {
    let name = err.error_name().map(|c| c.to_string_lossy().into_owned()).unwrap_or_else(|_| format!("{:?}", err.0));
    let what = err.error_string().map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
    let msg = format!("{name} ({what}) at {site}");
    match err.0 {
        CUresult::CUDA_ERROR_OUT_OF_MEMORY => DeviceError::OutOfMemory { needed: 0, available: 0 },
        // Sticky errors: the context is unusable afterwards, so the device must leave rotation.
        CUresult::CUDA_ERROR_ILLEGAL_ADDRESS
        | CUresult::CUDA_ERROR_LAUNCH_FAILED
        | CUresult::CUDA_ERROR_HARDWARE_STACK_ERROR
        | CUresult::CUDA_ERROR_ILLEGAL_INSTRUCTION
        | CUresult::CUDA_ERROR_MISALIGNED_ADDRESS
        | CUresult::CUDA_ERROR_INVALID_ADDRESS_SPACE
        | CUresult::CUDA_ERROR_INVALID_PC
        | CUresult::CUDA_ERROR_ECC_UNCORRECTABLE
        | CUresult::CUDA_ERROR_CONTEXT_IS_DESTROYED
        | CUresult::CUDA_ERROR_DEINITIALIZED
        | CUresult::CUDA_ERROR_NO_DEVICE => DeviceError::DeviceLost(msg),
        _ => DeviceError::Launch(msg),
    }
}
