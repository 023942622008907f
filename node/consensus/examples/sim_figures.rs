//! Prints `simulate` figures (simulated time) for 4 and 7 validators:
//! `cargo run -p gloam-consensus --example sim_figures [blocks] [seed]`.

use gloam_consensus::{simulate, SimLink};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let blocks: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let links = [
        ("lan 5ms±1", SimLink { latency_ms: 5, jitter_ms: 1, loss: 0.0, payload_bytes: 1024 }),
        ("wan 50ms±10", SimLink { latency_ms: 50, jitter_ms: 10, loss: 0.0, payload_bytes: 1024 }),
        ("wan 50ms±10 1% loss", SimLink { latency_ms: 50, jitter_ms: 10, loss: 0.01, payload_bytes: 1024 }),
    ];
    println!("| validators | link | blocks | blocks/s (sim) | finality p50 ms | p99 ms | mean ms | views/block | consistent | wall ms |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for n in [4usize, 7] {
        for (name, link) in links {
            let r = simulate(n, blocks, seed, link);
            println!(
                "| {n} | {name} | {} | {:.2} | {:.0} | {:.0} | {:.0} | {:.2} | {} | {} |",
                r.blocks,
                r.blocks_per_s,
                r.finality_latency_ms_p50,
                r.finality_latency_ms_p99,
                r.finality_latency_ms_mean,
                r.views_per_block,
                r.consistent,
                r.wall_ms
            );
        }
    }
}
