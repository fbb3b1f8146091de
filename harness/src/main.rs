//! The `heddle` command line: `check`, `run`, `explore`, `replay`, `schema`. All the work is
//! in the library; this binary parses arguments and prints (see `cli/`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;

/// Messages move between threads; mimalloc frees across threads far faster than glibc.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
