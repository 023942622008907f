//! `gloam-bench`: the comparison harness as its own binary.
//!
//! `gloam bench` is the same command inside the node binary. This one exists because the node
//! links commonware, whose crypto turns on blst's `no-threads` feature for every crate in the
//! same build; built alone (`cargo build --release -p gloam-bench`), this binary keeps blst's own
//! thread pool, so blst is measured in its best documented configuration.

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "gloam-bench", version, about = "gloam against its peer libraries, measured in one run")]
struct Cli {
    #[command(flatten)]
    args: gloam_bench::cli::BenchArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match gloam_bench::cli::run(cli.args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
