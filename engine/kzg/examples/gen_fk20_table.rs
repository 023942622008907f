//! Regenerates `data/fk20_mainnet.bin`: the FK20 table points of the mainnet setup, compressed.
//! `tests/fk20_table.rs` recomputes them and fails if the file is stale.
use std::sync::Arc;

use gloam_engine::Engine;
use gloam_kzg::{codec::g1_compress, fk20::Fk20Table, KzgSettings, SetupOptions};

fn main() {
    let s = KzgSettings::mainnet_with(
        Arc::new(Engine::cpu_only()),
        SetupOptions { verify: true, commit_table: false, fk20_eager: false },
    )
    .unwrap();
    let pts = Fk20Table::transformed_points(s.g1_monomial());
    let bytes: Vec<u8> = pts.iter().flat_map(g1_compress).collect();
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fk20_mainnet.bin");
    std::fs::write(&out, bytes).unwrap();
    println!("wrote {} ({} points)", out.display(), pts.len());
}
