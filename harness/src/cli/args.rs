//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Declarative tests of concurrent JavaScript workers, on Heddle's runtime, under a
/// deterministic scheduler.
#[derive(Debug, Parser)]
#[command(name = "heddle", version)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate specs; print file:line:col diagnostics.
    Check {
        /// Spec files.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Run one schedule and print its trace.
    Run {
        /// The spec file.
        spec: PathBuf,
        /// Force these choices (a schedule string); default: the spec's fixed schedule.
        #[arg(long)]
        schedule: Option<String>,
        /// Faults to place beyond the spec's rules, as a fault search reports them
        /// (`drop:a:2,duplicate:main:1`); the spec's own fault search is then not run.
        #[arg(long, value_parser = parse_faults)]
        faults: Option<FaultList>,
        /// Wall-clock limits.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run the schedules of a strategy, with a progress bar and a summary of outcomes.
    Explore(ExploreArgs),
    /// Replay one schedule exactly and print its trace.
    Replay {
        /// The spec file.
        spec: PathBuf,
        /// The schedule string of the run to replay.
        schedule: String,
        /// Faults to place beyond the spec's rules, as a fault search reports them
        /// (`drop:a:2,duplicate:main:1`); the spec's own fault search is then not run.
        #[arg(long, value_parser = parse_faults)]
        faults: Option<FaultList>,
        /// Wall-clock limits.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run one schedule and draw it: a self-contained HTML page (threads as lanes,
    /// messages as arrows, Atomics, faults, the failing checks).
    Render {
        /// The spec file.
        spec: PathBuf,
        /// Force these choices (a schedule string); default: the spec's fixed schedule.
        #[arg(long)]
        schedule: Option<String>,
        /// Where to write the page.
        #[arg(short, long, default_value = "run.html")]
        output: PathBuf,
        /// Faults to place beyond the spec's rules, as a fault search reports them
        /// (`drop:a:2,duplicate:main:1`); the spec's own fault search is then not run.
        #[arg(long, value_parser = parse_faults)]
        faults: Option<FaultList>,
        /// Wall-clock limits.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run each spec's program under real `node` many times and report anything Node
    /// showed that Heddle's exhaustive exploration of the spec never did (docs/diff.md).
    Diff(DiffArgs),
    /// Print the spec format's JSON Schema.
    Schema,
}

/// `heddle diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Spec files.
    #[arg(required = true)]
    pub specs: Vec<PathBuf>,
    /// The `node` to run.
    #[arg(long, default_value = "node")]
    pub node: PathBuf,
    /// Node runs per spec, at most.
    #[arg(long, default_value_t = 50)]
    pub runs: u64,
    /// Stop starting Node runs of a spec after this long (`20s`).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub node_time: std::time::Duration,
    /// A Node run still going after this long is hung (`1s`); one Heddle never shows hung
    /// is run again with ten times as long before it counts.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub hang: std::time::Duration,
    /// The longest random pause at a step point or `heddle.yield()`, in milliseconds.
    #[arg(long, default_value_t = 1.0)]
    pub pause_ms: f64,
    /// Heddle's give-up limit for its exhaustive exploration (schedules).
    #[arg(long, default_value_t = 20_000)]
    pub max_runs: u64,
    /// Heddle's budget for its exploration of each spec (`5000`, `30s`).
    #[arg(long, value_parser = parse_budget)]
    pub budget: Option<heddle::explore::budget::Budget>,
    /// Parallel runs (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Wall-clock limits of Heddle's runs.
    #[command(flatten)]
    pub limits: LimitArgs,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    match heddle::explore::budget::Budget::parse(s).map_err(|e| e.to_string())? {
        heddle::explore::budget::Budget::Time(d) => Ok(d),
        heddle::explore::budget::Budget::Runs(_) => Err(format!(
            "`{s}` is not a time: expected `20s`, `500ms` or `2m`"
        )),
    }
}

/// `heddle explore`.
#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    /// The spec file.
    pub spec: PathBuf,
    /// fixed, exhaustive, random or pct (default: the spec's).
    #[arg(long)]
    pub strategy: Option<String>,
    /// random/pct seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// random/pct runs.
    #[arg(long)]
    pub runs: Option<u64>,
    /// pct depth.
    #[arg(long)]
    pub depth: Option<u32>,
    /// exhaustive preemption bound.
    #[arg(long)]
    pub preemptions: Option<u32>,
    /// exhaustive give-up limit.
    #[arg(long)]
    pub max_runs: Option<u64>,
    /// Parallel runs (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Report the failing run as found, without shrinking it to a minimal one.
    #[arg(long)]
    pub no_shrink: bool,
    /// Stop after this many schedules (`5000`) or this much time (`90s`, `5m`): the
    /// exploration is then partial, and its verdict says so.
    #[arg(long, value_parser = parse_budget)]
    pub budget: Option<heddle::explore::budget::Budget>,
    /// Explore only part `k` of `n` of the schedule space (`2/4`), for splitting one spec
    /// across CI machines; merge the shards' `--format json` reports.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<heddle::explore::shard::Shard>,
    /// `text` for people, `json` for machines (docs/REPORT.md).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Wall-clock limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The watchdog's wall-clock limits (each overrides the spec's `max_unit_ms`/`max_run_ms`).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct LimitArgs {
    /// Milliseconds one unit may run without reaching a scheduling point (default 5000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_unit_ms: Option<u64>,
    /// Milliseconds one run may take (default 60000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_run_ms: Option<u64>,
}

impl LimitArgs {
    /// As the plan's limits type.
    pub fn plan(&self) -> heddle::plan::LimitsPlan {
        heddle::plan::LimitsPlan {
            unit: self.max_unit_ms.map(std::time::Duration::from_millis),
            run: self.max_run_ms.map(std::time::Duration::from_millis),
        }
    }
}

/// `--faults drop:a:2,duplicate:main:1` (one value: clap would take a `Vec` as many).
#[derive(Debug, Clone)]
pub struct FaultList(pub Vec<heddle::faults::NthPost>);

fn parse_faults(s: &str) -> Result<FaultList, String> {
    heddle::faults::parse_fault_list(s)
        .map(FaultList)
        .map_err(|e| e.to_string())
}

fn parse_shard(s: &str) -> Result<heddle::explore::shard::Shard, String> {
    heddle::explore::shard::Shard::parse(s).map_err(|e| e.to_string())
}

fn parse_budget(s: &str) -> Result<heddle::explore::budget::Budget, String> {
    heddle::explore::budget::Budget::parse(s).map_err(|e| e.to_string())
}

/// How `heddle explore` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for people (the default).
    Text,
    /// One JSON document on stdout (docs/REPORT.md).
    Json,
}
