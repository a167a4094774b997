//! `pgdumpall-rs-gen`: writes the man page and the shell completions
//! (see `pgdumpall_rs::cli::generate`). A binary of its own, not a module
//! of the library, so that the main binary gains no option.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(pgdumpall_rs::cli::generate::main(&args));
}
