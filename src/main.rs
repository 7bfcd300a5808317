//! The `dateline` binary: parse the command line, read the configuration, set up logging,
//! and hand over to the library.

use std::process::ExitCode;

use clap::Parser;
use dateline::cli::{self, Cli, Command};
use dateline::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// mimalloc hands freed memory back to the system soon after a burst (glibc's allocator keeps
/// it in per-thread arenas: a server that rendered on many blocking threads stayed hundreds of
/// MB large after the load). Built with `no_thp`: with transparent huge pages its arenas grow
/// in 2 MB steps, and an idle server took 75 MB instead of 36.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    // A missing .env is normal; the environment alone may configure everything. One that
    // does not parse stops here, before any of it applies.
    if let Err(err) = load_dotenv() {
        eprintln!("dateline: {err}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    // Printing the OpenAPI document needs no configuration at all.
    if matches!(cli.command, Some(Command::Openapi)) {
        return match dateline::app::openapi_json() {
            Ok(json) => {
                print!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("dateline: {err}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("dateline: {err}");
            return ExitCode::from(2);
        }
    };
    // Log lines are written by a thread of their own: a request never waits on the terminal
    // or the log file. The guard flushes what is left when `main` returns.
    let _log_writer = init_tracing(config.log_format);
    match cli::run(cli.command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("dateline: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Applies the first `.env` found in the working folder or above it (variables already set
/// win), after checking every line of it: a line that does not parse is named by its number,
/// and nothing of the file applies.
fn load_dotenv() -> Result<(), String> {
    let Ok(cwd) = std::env::current_dir() else {
        return Ok(());
    };
    let Some(path) = cwd
        .ancestors()
        .map(|dir| dir.join(".env"))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
    let shown = path.display();
    let unreadable = |e: dotenvy::Error| format!("cannot read {shown}: {e}");
    for item in dotenvy::from_path_iter(&path).map_err(unreadable)? {
        match item {
            Ok(_) => {}
            Err(dotenvy::Error::LineParse(line, at)) => {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let number = text
                    .find(line.as_str())
                    .map_or(0, |offset| text[..offset].matches('\n').count() + 1);
                return Err(format!(
                    "{shown}, line {number}: cannot read `{}` (at character {}); expected \
                     NAME=value, a # comment or a blank line. Nothing of the file was applied.",
                    line.trim_end(),
                    at + 1
                ));
            }
            Err(e) => return Err(unreadable(e)),
        }
    }
    dotenvy::from_path(&path).map_err(unreadable)
}

fn init_tracing(format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Not lossy: past its queue, logging waits rather than dropping lines. The logging thread
    // writes what queued meanwhile in one go and flushes once the queue is empty: stderr alone
    // is unbuffered, and a write per line cost a third of the cached reads' throughput.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stderr(),
        ));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    guard
}
