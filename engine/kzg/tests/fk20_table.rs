//! The embedded mainnet FK20 table equals the one computed from the setup.
use std::sync::Arc;

use gloam_engine::Engine;
use gloam_kzg::{fk20::Fk20Table, KzgSettings, SetupOptions};

#[test]
fn embedded_fk20_table_matches_computation() {
    let s = KzgSettings::mainnet_with(
        Arc::new(Engine::cpu_only()),
        SetupOptions { verify: false, commit_table: false, fk20_eager: false },
    )
    .unwrap();
    let computed = Fk20Table::transformed_points(s.g1_monomial());
    let embedded = Fk20Table::mainnet_points().unwrap();
    assert_eq!(computed.len(), embedded.len());
    for (i, (a, b)) in computed.iter().zip(&embedded).enumerate() {
        assert_eq!(a, b, "point {i} differs: regenerate with `cargo run -p gloam-kzg --example gen_fk20_table`");
    }
}
