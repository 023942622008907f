//! Every WGSL file and every assembled module must parse and validate with naga (the same
//! front end wgpu uses), so a broken kernel fails `cargo test` here rather than at run time on
//! a GPU.

use gloam_kernels::wgsl;

fn validate(name: &str, text: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(text)
        .unwrap_or_else(|e| panic!("{name}: parse error:\n{}", e.emit_to_string(text)));
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}: validation error:\n{}", e.emit_to_string(text)));
    module
}

#[test]
fn every_assembled_module_validates_and_has_its_entry_points() {
    for m in wgsl::all_modules() {
        let module = validate(m.name, &m.text());
        for ep in m.entry_points {
            assert!(module.entry_points.iter().any(|e| e.name == *ep), "{}: entry point {ep} missing", m.name);
        }
        assert_eq!(module.entry_points.len(), m.entry_points.len(), "{}: unlisted entry points", m.name);
    }
}

#[test]
fn every_source_is_used_by_some_module() {
    for s in wgsl::all_sources() {
        assert!(wgsl::all_modules().any(|m| m.parts.iter().any(|p| p.path == s.path)), "{} is in no module", s.path);
    }
}

#[test]
fn library_files_validate_with_their_dependencies() {
    // Each library file on top of only what it depends on: catches a file silently relying on
    // something a later file happens to define.
    use wgsl::*;
    let stacks: &[&[gloam_kernels::Source]] =
        &[&[DISPATCH], &[ARITH], &[ARITH, FIELD_FR], &[ARITH, FIELD_FP], &[ARITH, FIELD_FP, CURVE_G1]];
    for parts in stacks {
        let name = parts.last().unwrap().path;
        validate(name, &assemble(parts));
    }
}
