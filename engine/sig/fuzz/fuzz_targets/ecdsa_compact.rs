#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gloam_sig::fuzzing::ecdsa_compact(data));
