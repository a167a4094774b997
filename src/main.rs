// The dump allocates and frees many small strings (catalog rows, rendered
// SQL) and frees big archives from another thread; mimalloc does that with
// markedly less CPU than glibc's allocator (bench/w2_catalog.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(pgdumpall_rs::cli::main());
}
