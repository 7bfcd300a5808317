//! The command line: `serve` (the default), `migrate`, `user create|list|set-password|disable|enable`,
//! `openapi`, `seed`, `backup`.

use std::io::BufRead;

use clap::{Args, Parser, Subcommand};

use crate::auth::Role;
use crate::config::Config;
use crate::server;
use crate::state::AppState;
use crate::users::dto::{CreateUser, UpdateUser};
use crate::users::models::UserRow;

/// Dateline: a fast, trustworthy headless CMS for newsrooms.
#[derive(Debug, Parser)]
#[command(name = "dateline", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Create the database if need be and apply pending migrations, then exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Print the OpenAPI document (as committed in openapi/openapi.json).
    Openapi,
    /// Load sample content.
    Seed(SeedArgs),
    /// Write a consistent copy of the database to FILE, also while the server runs (SQLite's
    /// `VACUUM INTO`), and check it (`PRAGMA integrity_check`). Media files are not in it.
    Backup {
        /// Where to write the copy; must not exist yet.
        file: std::path::PathBuf,
    },
    /// Copy this SQLite newsroom into an empty PostgreSQL database (migrated first), and with
    /// `--media` its images into an S3-compatible bucket; every row and image is checked
    /// (counts, SHA-256) before the copy is committed. Stop the server first.
    MigrateTo {
        /// The PostgreSQL database: postgres://user@host:5432/dateline
        target: String,
        /// Where images go: s3://bucket/prefix (endpoint and keys from AWS_*). Without it
        /// they stay where they are.
        #[arg(long, value_name = "S3_URL")]
        media: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// A small demo newsroom: authors, sources, tags and a dozen articles in every status.
    #[arg(
        long,
        conflicts_with = "synthetic",
        required_unless_present = "synthetic"
    )]
    pub demo: bool,
    /// An archive of N realistic articles for benchmarks, in an empty database.
    #[arg(long, value_name = "N")]
    pub synthetic: Option<usize>,
    /// The random seed of `--synthetic`: the same seed on the same day, the same archive.
    #[arg(long, default_value_t = 1, requires = "synthetic")]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account; the password is read from standard input.
    Create(CreateUserArgs),
    /// List the staff accounts.
    List,
    /// Set an account's password (read from standard input, never echoed from a terminal);
    /// its sessions end.
    SetPassword(EmailArg),
    /// Disable an account; its sessions end. The last enabled admin cannot be disabled.
    Disable(EmailArg),
    /// Enable a disabled account.
    Enable(EmailArg),
}

#[derive(Debug, Args)]
pub struct EmailArg {
    /// The account's login email.
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// Login email.
    #[arg(long)]
    pub email: String,
    /// admin, editor or author.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Display name (defaults to the part of the email before the @).
    #[arg(long)]
    pub name: Option<String>,
    /// The byline (author slug) the account writes as.
    #[arg(long, value_name = "SLUG")]
    pub author: Option<String>,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

/// What went wrong in a command, for `main` to print.
pub type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Runs `command` (the server when `None`).
pub async fn run(command: Option<Command>, config: Config) -> CliResult {
    match command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(config).await?,
        Command::Migrate => {
            crate::db::open_pool(&config.database, 1)?;
            let applied = crate::db::migrate(&config.database)?;
            if applied.is_empty() {
                println!("{}: up to date", config.database);
            } else {
                for version in applied {
                    println!("applied {version}");
                }
            }
        }
        Command::User(UserCommand::Create(args)) => create_user(args, config).await?,
        Command::User(UserCommand::List) => list_users(config).await?,
        Command::User(UserCommand::SetPassword(who)) => {
            let password = read_password(&format!(
                "New password for {} (at least 12 characters): ",
                who.email
            ))?;
            let change = UpdateUser {
                password: Some(password),
                ..UpdateUser::default()
            };
            change_user(
                config,
                &who.email,
                change,
                "password set; its sessions ended",
            )
            .await?;
        }
        Command::User(UserCommand::Disable(who)) => {
            let change = UpdateUser {
                disabled: Some(true),
                ..UpdateUser::default()
            };
            change_user(config, &who.email, change, "disabled; its sessions ended").await?;
        }
        Command::User(UserCommand::Enable(who)) => {
            let change = UpdateUser {
                disabled: Some(false),
                ..UpdateUser::default()
            };
            change_user(config, &who.email, change, "enabled").await?;
        }
        Command::Openapi => print!("{}", crate::app::openapi_json()?),
        Command::Seed(args) => seed(args, config).await?,
        Command::MigrateTo { target, media } => migrate_to(&config, &target, media.as_deref())?,
        Command::Backup { file } => match config.database.sqlite_path() {
            Some(database) => backup(database, &file)?,
            None => {
                return Err(
                    "`dateline backup` copies an SQLite database; back PostgreSQL up \
                            with its own tools (pg_dump, or base backups with WAL archiving)"
                        .into(),
                );
            }
        },
    }
    Ok(())
}

/// `dateline migrate-to`: see [`Command::MigrateTo`].
fn migrate_to(config: &Config, target: &str, media: Option<&str>) -> CliResult {
    use crate::db::Location;
    use crate::images::s3::S3Store;
    use crate::images::storage::{LocalStore, MediaStore};
    let Some(source) = config.database.sqlite_path() else {
        return Err("migrate-to copies an SQLite newsroom: DATABASE_URL must name its file".into());
    };
    if !source.exists() {
        return Err(format!("{} does not exist", source.display()).into());
    }
    let target = Location::parse(target);
    if !matches!(target, Location::Postgres(_)) {
        return Err("the target must be a PostgreSQL URL (postgres://…)".into());
    }
    // Images first: copying them twice is harmless (keys are content addresses), a database
    // that names images its store lacks is not.
    if let Some(url) = media {
        let from: Box<dyn MediaStore> = match &config.media_store {
            Some(url) => Box::new(S3Store::from_url(url)?),
            None => Box::new(LocalStore::new(&config.media_dir)?),
        };
        let to = S3Store::from_url(url)?;
        to.check()?;
        let keys = from.keys()?;
        for key in &keys {
            to.put(key, &from.read(key)?)?;
        }
        let copied = to.keys()?;
        if let Some(missing) = keys.iter().find(|k| copied.binary_search(k).is_err()) {
            return Err(format!("{missing} did not reach {url}").into());
        }
        println!("images: {} files copied to {url}", keys.len());
        check_images(source, &to)?;
    }
    crate::db::migrate(&target)?;
    let mut from = crate::db::open_pool(source, 1)?.get()?;
    let mut to = crate::db::open_pool(&target, 1)?.get()?;
    let copied = crate::db::copy::copy(&mut from, &mut to)?;
    for (table, rows) in &copied.tables {
        println!("{table}: {rows} rows");
    }
    println!(
        "copied {} into {target}: every table's rows counted and checked by SHA-256; \
         search indexes are built by each node when it starts",
        source.display()
    );
    Ok(())
}

/// Every image of the database at `source` has its original in `store`, with the bytes its
/// SHA-256 names.
fn check_images(
    source: &std::path::Path,
    store: &dyn crate::images::storage::MediaStore,
) -> CliResult {
    use crate::db::schema::images;
    use crate::images::format::Format;
    use diesel::prelude::*;
    use sha2::Digest;
    let mut conn = crate::db::open_pool(source, 1)?.get()?;
    let rows: Vec<(String, String)> = images::table
        .select((images::sha256, images::mime_type))
        .load(&mut conn)?;
    for (sha256, mime) in &rows {
        let format = Format::from_mime(mime).ok_or_else(|| format!("unknown type {mime}"))?;
        let bytes = store.read(&crate::images::original_key(sha256, format))?;
        if hex::encode(sha2::Sha256::digest(&bytes)) != *sha256 {
            return Err(format!("the copy of image {sha256} differs from the original").into());
        }
    }
    println!("images: {} originals checked by SHA-256", rows.len());
    Ok(())
}

/// `dateline backup FILE`: see [`Command::Backup`].
fn backup(database: &std::path::Path, file: &std::path::Path) -> CliResult {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    if !database.is_file() {
        return Err(format!("there is no database at {}", database.display()).into());
    }
    // Made empty and the owner's alone before anything is written into it (it will hold
    // password hashes and emails); SQLite's VACUUM INTO fills an empty file.
    let mut create = std::fs::OpenOptions::new();
    create.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        create.mode(0o600);
    }
    create.open(file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{} exists already; name a new file", file.display())
        } else {
            format!("cannot create {}: {e}", file.display())
        }
    })?;
    let started = std::time::Instant::now();
    let target = file.to_string_lossy().into_owned();
    let mut conn = crate::db::Conn::establish(&database.to_string_lossy())?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    // A read transaction of its own: the copy is the database as of one moment, while the
    // server goes on writing.
    if let Err(e) = diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(&target)
        .execute(&mut conn)
    {
        let _ = std::fs::remove_file(file);
        return Err(e.into());
    }
    let mut copy = crate::db::Conn::establish(&target)?;
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut copy)?;
    let ok = checks.len() == 1 && checks[0].integrity_check == "ok";
    if !ok {
        drop(copy);
        let _ = std::fs::remove_file(file);
        let found: Vec<String> = checks.into_iter().map(|c| c.integrity_check).collect();
        return Err(format!("the copy failed its integrity check: {}", found.join("; ")).into());
    }
    let size = std::fs::metadata(file)?.len();
    println!(
        "backed up {} to {} ({:.1} MB) in {:.1} s; integrity check: ok",
        database.display(),
        file.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A password from standard input: typed without echo at a terminal (after `prompt`), else
/// the first line of what is piped in.
fn read_password(prompt: &str) -> std::io::Result<String> {
    let stdin = std::io::stdin();
    if std::io::IsTerminal::is_terminal(&stdin) {
        return rpassword::prompt_password(prompt);
    }
    let mut password = String::new();
    stdin.lock().read_line(&mut password)?;
    Ok(password.trim_end_matches(['\r', '\n']).to_owned())
}

/// The account of `email` (case-insensitive), or why there is none.
async fn user_by_email(state: &AppState, email: &str) -> Result<UserRow, String> {
    let wanted = email.to_owned();
    crate::db::read(&state.db, move |conn| {
        Ok(crate::users::queries::find_by_email(conn, &wanted)?)
    })
    .await
    .map_err(|e| problem_text(&e))?
    .ok_or_else(|| format!("no account has the email {email}"))
}

async fn change_user(config: Config, email: &str, change: UpdateUser, done: &str) -> CliResult {
    let state = AppState::open(config)?;
    let user = user_by_email(&state, email).await?;
    let change = change.validate().map_err(|e| problem_text(&e))?;
    let row = crate::users::service::update(&state, user.id, change, None)
        .await
        .map_err(|e| problem_text(&e))?;
    println!("{} {} (id {}): {done}", row.role, row.email, row.id);
    Ok(())
}

async fn list_users(config: Config) -> CliResult {
    use diesel::prelude::*;
    let state = AppState::open(config)?;
    let rows: Vec<(UserRow, Option<String>)> = crate::db::read(&state.db, |conn| {
        use crate::db::schema::{authors, users};
        Ok(users::table
            .left_join(authors::table.on(users::author_id.eq(authors::id.nullable())))
            .order(users::id)
            .select((UserRow::as_select(), authors::slug.nullable()))
            .load(conn)?)
    })
    .await
    .map_err(|e| problem_text(&e))?;
    println!(
        "{:>5}  {:<8}  {:<8}  {:<32}  {:<24}  byline",
        "id", "role", "state", "email", "name"
    );
    for (u, byline) in rows {
        let state = if u.disabled { "disabled" } else { "enabled" };
        println!(
            "{:>5}  {:<8}  {:<8}  {:<32}  {:<24}  {}",
            u.id,
            u.role,
            state,
            u.email,
            u.display_name,
            byline.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

async fn create_user(args: CreateUserArgs, config: Config) -> CliResult {
    let password = read_password(&format!(
        "Password for {} (at least 12 characters): ",
        args.email
    ))?;
    let state = AppState::open(config)?;
    let author_id = match &args.author {
        None => None,
        Some(slug) => {
            let key = crate::slug::IdOrSlug::parse(slug);
            let found = crate::db::read(&state.db, move |conn| {
                Ok(crate::authors::queries::find(conn, &key)?)
            })
            .await
            .map_err(|e| problem_text(&e))?;
            Some(
                found
                    .ok_or_else(|| format!("no author (byline) is called {slug}"))?
                    .id,
            )
        }
    };
    let body = CreateUser {
        email: args.email,
        display_name: args.name,
        role: args.role,
        password,
        author_id,
        disabled: false,
    }
    .validate()
    .map_err(|e| problem_text(&e))?;
    let row = crate::users::service::create(&state, body)
        .await
        .map_err(|e| problem_text(&e))?;
    println!("created {} {} (id {})", row.role, row.email, row.id);
    Ok(())
}

async fn seed(args: SeedArgs, config: Config) -> CliResult {
    if let Some(articles) = args.synthetic {
        return synthetic(articles, args.seed, &config);
    }
    let state = AppState::open(config)?;
    match crate::seed::demo(&state)
        .await
        .map_err(|e| problem_text(&e))?
    {
        Some(s) => println!(
            "seeded the demo newsroom: {} authors, {} sources, {} tags, {} articles",
            s.authors, s.sources, s.tags, s.articles
        ),
        None => println!("the demo newsroom is already there; nothing to do"),
    }
    Ok(())
}

fn synthetic(articles: usize, seed: u64, config: &Config) -> CliResult {
    use crate::seed::synthetic::{self, Options};
    let Some(path) = config.database.sqlite_path() else {
        return Err(
            "`seed --synthetic` writes an SQLite database (copy it into PostgreSQL \
                    with `dateline migrate-to`)"
                .into(),
        );
    };
    crate::db::open_pool(path, 1)?;
    crate::db::migrate(path)?;
    let started = std::time::Instant::now();
    let summary = synthetic::run(path, Options { articles, seed }, |done| {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{done}/{articles} articles ({:.0}/s, {secs:.0} s)",
            done as f64 / secs.max(0.001)
        );
    })?;
    println!(
        "seeded {} articles, {} comments, {} authors, {} tags, {} sources in {:.1} s",
        summary.articles,
        summary.comments,
        summary.authors,
        summary.tags,
        summary.sources,
        started.elapsed().as_secs_f64()
    );
    // The search index, built here rather than by the first server to start.
    let building = std::time::Instant::now();
    let index = crate::search::SearchIndex::open(
        &config.search_dir,
        crate::db::open_pool(path, 2)?,
        Box::new(|| {}),
    );
    let indexed = index.build_now()?;
    println!(
        "indexed {indexed} articles for search in {:.1} s",
        building.elapsed().as_secs_f64()
    );
    Ok(())
}

fn problem_text(err: &crate::error::AppError) -> String {
    let p = err.problem();
    let mut text = p.detail;
    for e in p.errors {
        text.push_str(&format!("\n  {}: {}", e.field, e.message));
    }
    text
}
