//! The `kestrel` binary: parses the command line and runs it on a tokio runtime.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = kestrel::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kestrel: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(kestrel::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kestrel: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
