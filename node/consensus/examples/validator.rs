//! Runs one validator from a config file with the test application, printing finalized heights:
//!
//! ```text
//! cargo run -p gloam-consensus --example validator -- init 4 /tmp/net 9000
//! cargo run -p gloam-consensus --example validator -- run /tmp/net/validator-0/config.json   # x4
//! ```

use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("init") if args.len() >= 5 => {
            let n: usize = args[2].parse().expect("n");
            let port: u16 = args[4].parse().expect("base port");
            for p in gloam_consensus::init_testnet(n, std::path::Path::new(&args[3]), port, None).expect("init") {
                println!("{}", p.display());
            }
        }
        Some("run") if args.len() >= 3 => {
            let cfg = gloam_consensus::ValidatorConfig::load(std::path::Path::new(&args[2])).expect("config");
            let app = gloam_consensus::sim::TestApp::new(256);
            let h = gloam_consensus::run_validator(cfg, app.clone()).expect("start");
            let mut last = 0;
            loop {
                let now = h.wait_for_height(last + 1, Duration::from_secs(5));
                if now > last {
                    println!("validator {} finalized height {now}", h.index);
                    last = now;
                }
                if h.is_finished() {
                    break;
                }
            }
            h.join().expect("runtime");
        }
        _ => eprintln!("usage: validator init <n> <dir> <base_port> | validator run <config.json>"),
    }
}
