//! The `kestrel` binary: parses the command line; opens the console window (no subcommand, or
//! `kestrel console`) or runs a subcommand on a tokio runtime.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let launched_at = std::time::Instant::now();
    let cli = kestrel::cli::Cli::parse();
    // The console window runs on the main thread; its core starts its own runtime.
    if matches!(cli.command, None | Some(kestrel::cli::Cmd::Console(_))) {
        let args = match cli.command {
            Some(kestrel::cli::Cmd::Console(a)) => a,
            _ => Default::default(),
        };
        return match kestrel::cli::console::run(args, cli.data_dir, cli.operator, launched_at) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kestrel: {}", kestrel::cli::errors::error_text(&e));
                std::process::ExitCode::FAILURE
            }
        };
    }
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
            eprintln!("kestrel: {}", kestrel::cli::errors::error_text(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
