fn main() {
    std::process::exit(pgdumpall_rs::cli::main());
}
