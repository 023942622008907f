#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gloam_evm::fuzzing::rpc_request(data));
