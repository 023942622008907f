#![no_main]
use std::sync::{Arc, OnceLock};

use gloam_kzg::{KzgSettings, SetupOptions};
use libfuzzer_sys::fuzz_target;

fn settings() -> &'static KzgSettings {
    static S: OnceLock<KzgSettings> = OnceLock::new();
    S.get_or_init(|| {
        let engine = Arc::new(gloam_engine::Engine::cpu_only());
        KzgSettings::mainnet_with(engine, SetupOptions { verify: false, ..Default::default() }).expect("mainnet setup")
    })
}

fuzz_target!(|data: &[u8]| gloam_kzg::fuzzing::verify_cell_batch(settings(), data));
