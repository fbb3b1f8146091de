//! Builds a deliberately broken runtime when `HEDDLE_MUTANT` names one of the mutants that
//! re-introduce a historic Node bug (`specs/regressions/`, checked by
//! `specs/regressions/mutants.sh`): the name becomes `cfg(heddle_mutant = "…")`, for this
//! crate only, so a mutant rebuilds the runtime and what links it, not V8's bindings. The
//! loom mutants set the same cfg through `RUSTFLAGS` instead (their build has no V8).
//! A mutant build always says so.

fn main() {
    println!("cargo:rerun-if-env-changed=HEDDLE_MUTANT");
    if let Some(m) = std::env::var("HEDDLE_MUTANT")
        .ok()
        .filter(|m| !m.is_empty())
    {
        println!("cargo:rustc-cfg=heddle_mutant=\"{m}\"");
        println!("cargo:warning=heddle-runtime built with the mutant `{m}` (HEDDLE_MUTANT): it is broken on purpose");
    }
}
