//! Who runs the program and where their home directory is, as libpq
//! finds them: the default user name, and the home of ~/.pgpass,
//! ~/.pg_service.conf and ~/.postgresql/.

use std::path::PathBuf;

/// The name of the OS user running us (libpq's `pg_fe_getauthname`).
pub(crate) fn os_user() -> Result<String, String> {
    passwd_entry().map(|(name, _)| name)
}

/// The home directory as libpq finds it: `$HOME`, else the passwd entry.
pub(crate) fn home_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match env("HOME") {
        Some(h) if !h.is_empty() => Some(PathBuf::from(h)),
        // Without $HOME, the passwd entry's directory (dirs reads it with
        // getpwuid_r, as libpq does).
        _ => dirs::home_dir(),
    }
}

#[cfg(unix)]
fn passwd_entry() -> Result<(String, String), String> {
    use std::ffi::CStr;
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let mut buf = vec![0u8; 16384];
    // SAFETY: passwd is a C struct of pointers and integers: all zeroes is
    // a valid value.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer refers to live, correctly sized storage.
    let rc = unsafe {
        libc::getpwuid_r(
            uid,
            &mut pwd,
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            &mut result,
        )
    };
    if result.is_null() {
        return Err(if rc != 0 {
            format!(
                "could not look up local user ID {uid}: {}",
                std::io::Error::from_raw_os_error(rc)
            )
        } else {
            format!("local user with ID {uid} does not exist")
        });
    }
    // SAFETY: getpwuid_r succeeded, so the fields point into `buf`.
    let name = unsafe { CStr::from_ptr(pwd.pw_name) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: as for pw_name.
    let dir = unsafe { CStr::from_ptr(pwd.pw_dir) }
        .to_string_lossy()
        .into_owned();
    Ok((name, dir))
}

#[cfg(not(unix))]
fn passwd_entry() -> Result<(String, String), String> {
    Err("could not get current user name".to_string())
}
