//! The composition root: parse the command line, plan, run, report, exit.

use pgdumpall_rs::{cli, diag, dump, interrupt, plan, restore, verify};

// The dump allocates and frees many small strings (catalog rows, rendered
// SQL) and frees big archives from another thread; mimalloc does that with
// markedly less CPU than glibc's allocator (bench/w2_catalog.sh).
#[cfg(not(feature = "heap-stats"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
// Memory work: the same allocator, counted (src/heap_stats.rs).
#[cfg(feature = "heap-stats")]
#[global_allocator]
static GLOBAL: pgdumpall_rs::heap_stats::Counting<mimalloc::MiMalloc> =
    pgdumpall_rs::heap_stats::Counting(mimalloc::MiMalloc);

// mimalloc's option numbers: the `mi_option_e` enum of the v3 sources that
// libmimalloc-sys 0.1.49 (Cargo.lock) builds by default.
const MI_OPTION_ARENA_EAGER_COMMIT: std::ffi::c_int = 4;
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

extern "C" {
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Returns freed memory to the system at once and commits arena memory
/// only as it is used. mimalloc's defaults keep freed pages for a second
/// and commit arenas eagerly, which on a catalog-heavy dump (whose reads
/// free most of what they allocate) left the peak RSS 50 MiB above the
/// live heap (bench/w4_catalog_real.sh: 128 MiB, 82 MiB with these).
/// Only when both options still hold their defaults, so that a
/// `MIMALLOC_*` variable in the environment wins, and a different option
/// numbering (another mimalloc) is left alone.
///
/// Runs before anything allocates (see [`EARLY_TUNE`]); the call in `main`
/// is for platforms without it, and does nothing once the options are set.
extern "C" fn tune_allocator() {
    // SAFETY: mi_option_get and mi_option_set only read and write
    // mimalloc's option table, for any option number, at any time.
    unsafe {
        if mi_option_get(MI_OPTION_PURGE_DELAY) == 1000
            && mi_option_get(MI_OPTION_ARENA_EAGER_COMMIT) == 2
        {
            mi_option_set(MI_OPTION_PURGE_DELAY, 0);
            mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        }
    }
}

/// Tunes the allocator from the executable's initializers, before the
/// runtime's first allocation reserves mimalloc's first arena: an arena
/// reserved while eager commit is on keeps its freed pages resident
/// (bench/w4_catalog_real.sh: 2.5 MiB of peak RSS, as with
/// `MIMALLOC_ARENA_EAGER_COMMIT=0` in the environment). Initializers with
/// a priority (`.init_array.NNNNN`) run before the unprioritized ones, among
/// them mimalloc's own process initialization; mimalloc reads an option's
/// environment variable when the option is first read, so `tune_allocator`
/// still sees any `MIMALLOC_*` setting.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00200"]
static EARLY_TUNE: extern "C" fn() = tune_allocator;

/// Keeps the kernel from backing the heap with transparent huge pages.
/// mimalloc asks for them (madvise) on its arenas, and a fault then zeroes
/// 2 MiB where the dump touches a few KiB: on a catalog-heavy dump, whose
/// memory comes and goes, that was a quarter of the client's CPU time and
/// 23 MiB of peak RSS (bench/w4_catalog_real.sh: 104 MiB, 81 MiB without).
/// The flag is per process and checked at each fault, so it holds for the
/// arenas mimalloc reserved before `main` too. (It is inherited by child
/// processes: the hooks' commands, which lose nothing by it.)
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and only
    // sets a flag of this process; a failure (an old kernel) changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() {
    no_transparent_huge_pages();
    tune_allocator();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    cli::init(&argv);
    // Subcommands: pg_dumpall rejects any non-option argument ("too many
    // command-line arguments"), so a first argument that is one of these
    // words means nothing to it, and every argument list it accepts keeps
    // its meaning.
    if argv.get(1).is_some_and(|a| a == "verify") {
        std::process::exit(verify::main(&argv[2..]));
    }
    if argv.get(1).is_some_and(|a| a == "restore") {
        std::process::exit(restore::main(&argv[2..]));
    }
    let code = match cli::parse_command_line(&argv) {
        Ok(opts) => {
            interrupt::install();
            let plan = plan::plan(&opts).with_options_used(cli::options_used(&argv));
            let code = run(&plan);
            interrupt::wait_if_interrupted();
            code
        }
        Err(code) => code,
    };
    std::process::exit(code);
}

/// Runs the planned dump; returns the exit code. A dump error is reported
/// in pg_dumpall's words (error, detail, hint lines); anything else that
/// stops the run, in one error line with its causes.
///
/// The run's observer (`-P`, `--hook`, `--report`) is closed here, after
/// the error is reported: the `finalize` hook and the report see the exit
/// status, and may turn it into a failure.
fn run(plan: &dump::options::DumpOptions) -> i32 {
    let (code, error) = match run_dump(plan) {
        Ok(()) => (0, None),
        Err(e) => {
            match e.downcast_ref::<dump::DumpError>() {
                Some(dump_error) => dump_error.report(),
                None => diag::error(&format!("{e:#}")),
            }
            (1, Some(format!("{e:#}")))
        }
    };
    plan.observer().run_finished(code, error)
}

fn run_dump(plan: &dump::options::DumpOptions) -> anyhow::Result<()> {
    use anyhow::Context;
    // One thread: the dump is a sequence of round trips to the server, and
    // keeping the connection tasks on the same thread as the driver saves
    // a cross-thread wake-up per message.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(dump::run(plan))?;
    Ok(())
}
