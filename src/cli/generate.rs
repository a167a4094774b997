//! The man page and the shell completions, generated from the flag table
//! by the `pgdumpall-rs-gen` binary (never by an option of the main
//! binary: a new long option would change which `--x` abbreviations are
//! unique, i.e. the meaning of command lines pg_dumpall accepts).
//!
//! ```sh
//! cargo run --locked --bin pgdumpall-rs-gen -- man > docs/pgdumpall-rs.1
//! cargo run --locked --bin pgdumpall-rs-gen -- completions bash DIR [NAME]
//! ```

use clap::{Arg, Command};
use clap_complete::{Generator, Shell};
use clap_mangen::roff::{bold, roman, Roff};
use clap_mangen::Man;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::command::command;
use super::help::REPOSITORY;

/// The installed program's name.
pub(crate) const BIN: &str = "pgdumpall-rs";

const DESCRIPTION: &str = "\
pgdumpall-rs is a native, drop-in replacement for PostgreSQL's pg_dumpall 18: \
it takes the same options, with the same abbreviations, aliases, conflicts and \
messages, and writes the same SQL script, for servers PostgreSQL 14 to 18, \
without running pg_dump or psql. Installed or linked as pg_dumpall, it names \
itself pg_dumpall in its messages.

As with pg_dumpall, -?/--help and -V/--version are recognized only as the \
first argument. Connection settings not given on the command line come from \
the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGPASSFILE, \
PGSERVICE, PGSSLMODE, ...) and files (~/.pgpass, ~/.pg_service.conf).";

/// The command as the man page and the completions present it.
pub(crate) fn documented_command(bin: &str) -> Command {
    command()
        .name(bin.to_owned())
        .bin_name(bin.to_owned())
        .no_binary_name(false)
        .long_about(DESCRIPTION)
}

/// The man page (section 1), in roff.
pub(crate) fn man_page() -> io::Result<Vec<u8>> {
    let cmd = documented_command(BIN).mut_args(with_aliases_in_long_help);
    let after_help = cmd.get_after_help().map(|h| h.to_string());
    let man = Man::new(cmd);
    let mut body = Vec::new();
    man.render_name_section(&mut body)?;
    synopsis().to_writer(&mut body)?;
    man.render_description_section(&mut body)?;
    man.render_options_section(&mut body)?;
    closing_sections(after_help.as_deref()).to_writer(&mut body)?;
    Ok(with_one_preamble(&body))
}

/// Adds "Also --no-acl." and the like to the man page's descriptions
/// (clap_mangen leaves aliases out).
fn with_aliases_in_long_help(arg: Arg) -> Arg {
    let aliases = arg.get_visible_aliases().unwrap_or_default();
    if aliases.is_empty() {
        return arg;
    }
    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    let also: Vec<String> = aliases.iter().map(|a| format!("--{a}")).collect();
    let long_help = format!("{help} (also {})", also.join(", "));
    arg.long_help(long_help)
}

/// Every roff block clap_mangen renders starts with the same two-line
/// preamble; the page gets it once, then the title line (written here:
/// the roff crate drops the empty date argument of `.TH`).
fn with_one_preamble(body: &[u8]) -> Vec<u8> {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let body = String::from_utf8_lossy(body).replace(PREAMBLE, "");
    let title = format!(
        ".TH {} 1 \"\" \"{BIN} {}\" \"User Commands\"\n",
        BIN.to_uppercase(),
        env!("CARGO_PKG_VERSION")
    );
    format!("{PREAMBLE}{title}{body}").into_bytes()
}

/// pg_dumpall's synopsis; clap's would list every option.
fn synopsis() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["SYNOPSIS"]);
    roff.text([bold(BIN), roman(" [OPTION]...")]);
    roff
}

fn closing_sections(after_help: Option<&str>) -> Roff {
    let mut roff = Roff::new();
    if let Some(text) = after_help {
        roff.control("SH", ["OUTPUT"]);
        roff.text([roman(text.replace('\n', " "))]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    roff.text([roman(
        "0 if the dump was written completely; 1 on any error, \
         including a usage error (in which case nothing is written).",
    )]);
    roff.control("SH", ["REPORTING BUGS"]);
    roff.text([roman(format!("Report bugs to <{REPOSITORY}/issues>."))]);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman("pg_dumpall(1), pg_dump(1), psql(1)")]);
    roff
}

/// Writes the completion script for `shell` into `dir`, for the program
/// installed as `bin`; returns the file written.
pub(crate) fn completions(shell: Shell, dir: &Path, bin: &str) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(shell.file_name(bin));
    std::fs::write(&path, completion_script(shell, bin))?;
    Ok(path)
}

/// The completion script for `shell`, for the program installed as `bin`.
pub(crate) fn completion_script(shell: Shell, bin: &str) -> Vec<u8> {
    let mut cmd = documented_command(bin);
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, bin, &mut script);
    if shell == Shell::Fish {
        // `?` is a wildcard in fish before 4.0: quote the `-?` letter.
        let text = String::from_utf8_lossy(&script).replace(" -s ? ", " -s '?' ");
        return text.into_bytes();
    }
    script
}

/// The shells completions are generated for.
pub(crate) const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// Runs `pgdumpall-rs-gen` on its arguments (`argv[0]` left out); returns
/// the exit code.
pub fn main(args: &[String]) -> i32 {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["man"] => man_page().and_then(|page| io::stdout().write_all(&page)),
        ["completions", shell, dir] => write_completions(shell, dir, BIN),
        ["completions", shell, dir, bin] => write_completions(shell, dir, bin),
        _ => {
            eprint!("{USAGE}");
            return 2;
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("pgdumpall-rs-gen: {e}");
            1
        }
    }
}

const USAGE: &str = "\
usage: pgdumpall-rs-gen man > pgdumpall-rs.1
       pgdumpall-rs-gen completions bash|zsh|fish DIR [NAME]
NAME is the name the program is installed as (default pgdumpall-rs;
pg_dumpall for a drop-in installation).
";

fn write_completions(shell: &str, dir: &str, bin: &str) -> io::Result<()> {
    let Some(shell) = SHELLS.into_iter().find(|s| s.to_string() == shell) else {
        return Err(io::Error::other(format!(
            "unknown shell \"{shell}\" (bash, zsh or fish)"
        )));
    };
    let path = completions(shell, Path::new(dir), bin)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
