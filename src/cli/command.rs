//! The clap [`Command`] for the whole command line: the flag table of
//! [`Options`] plus `-V`/`--version` and `-?`/`--help`, in `--help` order.
//! Parsing, `--help`, the man page and the completions all use it.

use clap::{Arg, ArgAction, Command, CommandFactory};

use super::options::{Options, GENERAL};

/// `-V`/`--version` and `-?`/`--help`, each with the option it follows in
/// the help. pg_dumpall honours them only as the first argument, before
/// getopt runs (anywhere else they are invalid options), so they are not
/// fields of [`Options`] and getopt's table leaves them out ([`is_meta`]).
fn meta_args() -> [(&'static str, Arg); 2] {
    [
        (
            "verbose",
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("output version information, then exit")
                .help_heading(GENERAL),
        ),
        (
            "lock_wait_timeout",
            Arg::new("help")
                .short('?')
                .long("help")
                .action(ArgAction::Help)
                .help("show this help, then exit")
                .help_heading(GENERAL),
        ),
    ]
}

/// Whether `arg` is `--version` or `--help` (see `meta_args`).
pub fn is_meta(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Version | ArgAction::Help)
}

/// The command line's definition, named `pg_dumpall` (callers rename it).
pub fn command() -> Command {
    // Leave a gap in the display order after every option, for the
    // `--version` and `--help` entries.
    let mut next = 0;
    let mut cmd = Options::command()
        .version(env!("CARGO_PKG_VERSION"))
        .mut_args(|arg| {
            next += 2;
            arg.display_order(next)
        });
    for (after, arg) in meta_args() {
        let order = cmd
            .get_arguments()
            .find(|a| a.get_id() == after)
            .map_or(next, Arg::get_display_order);
        cmd = cmd.arg(arg.display_order(order + 1));
    }
    cmd
}

/// The options of `cmd` in display order, hidden ones left out.
pub(crate) fn visible_args(cmd: &Command) -> Vec<&Arg> {
    let mut args: Vec<&Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    args.sort_by_key(|a| a.get_display_order());
    args
}
