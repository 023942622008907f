//! `gloam devices`: what the engine found, and why the rest is missing.

use std::process::ExitCode;

use gloam_engine::{Engine, EngineConfig};

pub fn run(cfg: EngineConfig, verbose: bool, json: bool) -> Result<ExitCode, String> {
    let selection = cfg.selection.to_string();
    let engine = Engine::new(cfg);
    let mut out = Vec::new();
    for p in engine.probes() {
        let mut entry = serde_json::json!({ "backend": p.kind.as_str() });
        match &p.result {
            Ok(info) => {
                entry["available"] = true.into();
                entry["info"] = serde_json::to_value(info).expect("serialisable");
                if verbose {
                    let b = engine.backend(p.kind).expect("found backend");
                    let t = std::time::Instant::now();
                    match b.warm_up() {
                        Ok(reports) => {
                            entry["kernels"] = serde_json::to_value(&reports).expect("serialisable");
                            entry["warm_up_ms"] = (t.elapsed().as_secs_f64() * 1e3).into();
                        }
                        Err(e) => entry["warm_up_error"] = e.to_string().into(),
                    }
                }
            }
            Err(why) => {
                entry["available"] = false.into();
                entry["reason"] = why.clone().into();
            }
        }
        out.push(entry);
    }
    if json {
        println!("{}", serde_json::json!({ "selection": selection, "backends": out }));
        return Ok(ExitCode::SUCCESS);
    }
    println!("gloam compute backends (selection: {selection})");
    for e in &out {
        let name = e["backend"].as_str().unwrap_or("?");
        if e["available"].as_bool() == Some(true) {
            let info = &e["info"];
            let mem = info["memory_bytes"]
                .as_u64()
                .map(|m| format!(", {:.1} GiB", m as f64 / (1u64 << 30) as f64))
                .unwrap_or_default();
            let soft = if info["is_software"].as_bool() == Some(true) {
                "  [software adapter: auto never uses it]"
            } else {
                ""
            };
            println!(
                "  {name:<7} found    {}{mem} — {}{soft}",
                info["name"].as_str().unwrap_or(""),
                info["driver"].as_str().unwrap_or("")
            );
            if verbose {
                if let Some(d) = info["details"].as_array() {
                    for kv in d {
                        println!("            {:<28} {}", kv[0].as_str().unwrap_or(""), kv[1].as_str().unwrap_or(""));
                    }
                }
                if let Some(ks) = e["kernels"].as_array() {
                    for k in ks {
                        println!(
                            "            kernel {:<21} {:>9.1} ms{}",
                            k["kernel"].as_str().unwrap_or(""),
                            k["millis"].as_f64().unwrap_or(0.0),
                            if k["from_cache"].as_bool() == Some(true) { " (from cache)" } else { " (compiled)" }
                        );
                    }
                }
                if let Some(err) = e["warm_up_error"].as_str() {
                    println!("            kernel compilation FAILED: {err}");
                }
            }
        } else {
            println!("  {name:<7} missing  {}", e["reason"].as_str().unwrap_or(""));
        }
    }
    Ok(ExitCode::SUCCESS)
}
